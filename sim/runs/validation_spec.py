"""What the validation files may say: their schema, and their problems as one line.

Two files hold the Dutch record the model is held against:

- ``docs/validation/targets.yaml``: each observed fact, the scenario it is held against, how
  the model measures it (a metric of one of the kinds in :data:`METRIC_KINDS`), the range the
  model must land in, its unit and source (:class:`Target`).
- ``sim/runs/instruments.yaml`` (:data:`INSTRUMENTS_FILE`, shipped with the package, as every
  comparison's report shows it): per instrument scenario, the evidence range of its paired
  effect (or a floor under its level) with the source, or ``evidence: none`` with the
  assumption the model makes (:class:`InstrumentEvidence`).

:func:`load_targets` and :func:`load_instruments` read them with the project's safe YAML reader
(line numbers kept) and turn any problem into one line naming the file, the line and the key::

    docs/validation/targets.yaml:23: targets[1].metric.column: unknown column 'closure'; did
    you mean 'closures'?

Called by :mod:`sim.runs.validation` (which measures the targets), the report's evidence
(:mod:`sim.present.evidence`) and their tests.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import ScenarioError, show_value
from sim.model.metrics import METRICS
from sim.scenario.fields import GROUPS
from sim.scenario.loading import load_yaml
from sim.scenario.messages import describe_error
from sim.scenario.yaml_lines import KeyPath, LineIndex

__all__ = [
    "COUNTING_PREFIX",
    "INSTRUMENT_METRICS",
    "METRIC_KINDS",
    "PAIRED_KINDS",
    "InstrumentEvidence",
    "InstrumentsFile",
    "Metric",
    "Target",
    "TargetsFile",
    "load_instruments",
    "load_targets",
    "scenario_file",
]

#: Timeseries columns of the counting points' passers-by: ``footfall_count_<n>``.
COUNTING_PREFIX = "footfall_count_"
#: Effects of an instrument scenario that its evidence may bound (see sim.runs.validation).
#: The instruments' evidence that ships with the package.
INSTRUMENTS_FILE = Path(__file__).with_name("instruments.yaml")
#: What is known of the shocks' aftermath, in the same form (shown by the reports; the corona
#: years are held against ``docs/validation/targets.yaml`` in detail).
SHOCKS_FILE = Path(__file__).with_name("shocks.yaml")
INSTRUMENT_METRICS = ("vacancy_rate", "vacancy_rate_core", "footfall", "footfall_core",
                      "visitors", "converted_m2")
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _column(value: str) -> str:
    """A timeseries column the model reports (``footfall_count_<n>`` for counting points)."""
    if value in METRICS or value.startswith(COUNTING_PREFIX):
        return value
    close = difflib.get_close_matches(value, METRICS, n=1, cutoff=0.6)
    hint = (f"did you mean {close[0]!r}?" if close
            else "see the timeseries columns in docs/ODD.md section 4 (Observation)")
    raise ValueError(f"unknown column {value!r}; {hint}")


Column = Annotated[str, Field(min_length=1)]


class _Period(_Spec):
    """A metric measured over reported weeks whose Monday lies in ``period`` (inclusive); the
    whole reported horizon when ``period`` is not given."""

    period: tuple[dt.date, dt.date] | None = None

    @field_validator("period")
    @classmethod
    def _ordered(cls, value: tuple[dt.date, dt.date] | None) -> tuple[dt.date, dt.date] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError(f"the first date must not be after the second (got {value[0]} "
                             f"and {value[1]})")
        return value


class _ColumnMetric(_Period):
    column: Column

    @field_validator("column")
    @classmethod
    def _known(cls, value: str) -> str:
        return _column(value)


class MeanMetric(_ColumnMetric):
    """Mean of ``column`` over the period, in the target's scenario."""

    kind: Literal["mean"]


class YearlyChangeMetric(_ColumnMetric):
    """Slope of log yearly means of ``column`` over the full years of the period, per year."""

    kind: Literal["yearly_change"]


class RatePerYearMetric(_ColumnMetric):
    """Yearly sum of ``column`` over the yearly mean of ``per``, averaged over full years."""

    kind: Literal["rate_per_year"]
    per: Column

    @field_validator("per")
    @classmethod
    def _known_per(cls, value: str) -> str:
        return _column(value)


class _PairedMetric(_ColumnMetric):
    period: tuple[dt.date, dt.date]  # a paired metric compares the same weeks


class DifferenceMetric(_PairedMetric):
    """Scenario minus baseline of the mean of ``column`` over the period (paired)."""

    kind: Literal["difference"]


class RatioMetric(_PairedMetric):
    """Scenario over baseline of the mean of ``column`` over the period (paired)."""

    kind: Literal["ratio"]


class RatioOfSumsMetric(_PairedMetric):
    """Scenario over baseline of the sum of ``column`` over the period (paired)."""

    kind: Literal["ratio_of_sums"]


class PopulationMetric(_Spec):
    """People of a visitor group living in (or visiting) the town: a model input, from its
    size (``Population.people``)."""

    kind: Literal["population"]
    group: Literal[GROUPS]  # type: ignore[valid-type]


class BusiestCountMetric(_Period):
    """The largest mean weekly count over the counting points (``footfall_count_*``)."""

    kind: Literal["busiest_count"]


class SurvivalMetric(_Spec):
    """Share of the new independent businesses (openings with cause ``new_tenant``) still
    open ``years`` after they opened, from the events of the reported weeks: the hazard of
    each year of age (closures over years lived at that age) summed, so businesses opened
    late in the run count for the years they were seen."""

    kind: Literal["survival"]
    years: int = Field(ge=1, le=10)


Metric = Annotated[
    MeanMetric | YearlyChangeMetric | RatePerYearMetric | DifferenceMetric | RatioMetric
    | RatioOfSumsMetric | PopulationMetric | BusiestCountMetric | SurvivalMetric,
    Field(discriminator="kind"),
]
METRIC_MODELS: dict[str, type[_Spec]] = {
    "mean": MeanMetric, "yearly_change": YearlyChangeMetric, "rate_per_year": RatePerYearMetric,
    "difference": DifferenceMetric, "ratio": RatioMetric, "ratio_of_sums": RatioOfSumsMetric,
    "population": PopulationMetric, "busiest_count": BusiestCountMetric,
    "survival": SurvivalMetric,
}
METRIC_KINDS = tuple(METRIC_MODELS)
#: Kinds that compare the target's scenario with the baseline, replication by replication.
PAIRED_KINDS = ("difference", "ratio", "ratio_of_sums")


class Target(_Spec):
    """One observed fact and how the model is held against it."""

    name: str = Field(pattern=NAME, max_length=80)
    fact: str = Field(min_length=1)
    observed: str = Field(min_length=1)
    scenario: str = Field(pattern=NAME, max_length=80)
    metric: Metric
    range: tuple[float, float]
    unit: str = ""
    source: str = Field(min_length=1)
    note: str = ""  # what the model's measure leaves out; shown when the target fails

    @field_validator("range")
    @classmethod
    def _range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] > value[1]:
            raise ValueError(f"the low end must not be above the high end (got {value[0]} "
                             f"and {value[1]})")
        return value


class TargetsFile(_Spec):
    """A targets file: ``targets:`` and the list of them."""

    targets: list[Target] = Field(min_length=1)


class InstrumentEvidence(_Spec):
    """What is known of an instrument's effect, or that nothing quantified is.

    With evidence: ``metric`` (one of :data:`INSTRUMENT_METRICS`) and either ``range`` (bounds
    on its paired effect at the horizon, the median over replications) or ``floor`` (a lower
    bound on the scenario's own level at the horizon), the evidence in words and its
    ``source``. Without: ``evidence: none`` and the ``assumption`` the model makes.
    """

    scenario: str = Field(pattern=NAME, max_length=80)
    metric: Literal[INSTRUMENT_METRICS] | None = None  # type: ignore[valid-type]
    range: tuple[float, float] | None = None
    floor: float | None = None
    unit: str = ""
    evidence: str = Field(min_length=1)
    assumption: str | None = None
    source: str | None = None

    @property
    def quantified(self) -> bool:
        return self.evidence.strip().lower() != "none"

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentEvidence:
        if not self.quantified:
            if not self.assumption:
                raise ValueError("with `evidence: none`, say the model's assumption in "
                                 "`assumption`")
            if self.metric or self.range or self.floor is not None:
                raise ValueError("with `evidence: none`, give no metric, range or floor")
            return self
        if self.metric is None:
            raise ValueError(f"give the `metric` the evidence bounds: one of "
                             f"{', '.join(INSTRUMENT_METRICS)}")
        if (self.range is None) == (self.floor is None):
            raise ValueError("give either `range` (bounds on the paired effect) or `floor` "
                             "(a lower bound on the level), not both or neither")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"range: the low end must not be above the high end (got "
                             f"{self.range[0]} and {self.range[1]})")
        if not self.source:
            raise ValueError("give the `source` of the evidence")
        return self


class InstrumentsFile(_Spec):
    """An instruments file: ``instruments:`` and the list of them."""

    instruments: list[InstrumentEvidence] = Field(min_length=1)


# ------------------------------------------------------------------------------ loading
def load_targets(path: str | os.PathLike[str], scenarios: str | os.PathLike[str] | None = None
                 ) -> list[Target]:
    """Read and validate a targets file.

    Args:
        path: The targets file.
        scenarios: If given, the folder in which every target's ``<scenario>.yaml`` must be.

    Raises:
        ScenarioError: One line naming the file, line and key of the first problem.
    """
    data, lines = _read(path, "targets")
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise _error(exc, str(path), lines, data) from exc
    _unique([t.name for t in spec.targets], "targets", "name", str(path), lines)
    _scenario_files(spec.targets, "targets", scenarios, str(path), lines)
    return spec.targets


def load_instruments(path: str | os.PathLike[str],
                     scenarios: str | os.PathLike[str] | None = None
                     ) -> list[InstrumentEvidence]:
    """Read and validate an instruments file.

    Args:
        path: The instruments file.
        scenarios: If given, the folder in which every instrument's ``<scenario>.yaml`` must
            be.

    Raises:
        ScenarioError: One line naming the file, line and key of the first problem.
    """
    data, lines = _read(path, "instruments")
    try:
        spec = InstrumentsFile.model_validate(data)
    except ValidationError as exc:
        raise _error(exc, str(path), lines, data) from exc
    _unique([i.scenario for i in spec.instruments], "instruments", "scenario", str(path), lines)
    _scenario_files(spec.instruments, "instruments", scenarios, str(path), lines)
    return spec.instruments


def scenario_file(scenarios: str | os.PathLike[str], name: str) -> Path:
    """The file of scenario ``name`` in the folder ``scenarios``: ``<name>.yaml``."""
    return Path(scenarios) / f"{name}.yaml"


def _scenario_files(items: list, top: str, scenarios: str | os.PathLike[str] | None,
                    label: str, lines: LineIndex) -> None:
    """Every scenario the file names has its file in the folder ``scenarios``."""
    if scenarios is None:
        return
    for i, item in enumerate(items):
        file = scenario_file(scenarios, item.scenario)
        if not file.is_file():
            raise ScenarioError(
                f"no scenario file {file}; the scenarios are read from {scenarios}/<name>.yaml",
                file=label, line=lines.nearest((top, i, "scenario")),
                key_path=(top, i, "scenario"))


def _read(path: str | os.PathLike[str], top: str) -> tuple[dict, LineIndex]:
    label = str(path)
    if Path(path).is_file() and not Path(path).read_bytes().strip():
        raise ScenarioError(f"the file is empty; it needs `{top}:` and a list", file=label)
    return load_yaml(path)


def _unique(values: list[str], top: str, key: str, label: str, lines: LineIndex) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ScenarioError(f"{value!r} is given twice; each {key} once",
                                file=label, line=lines.nearest((top, i, key)),
                                key_path=(top, i, key))
        seen.add(value)


def _strip_tags(loc: tuple) -> KeyPath:
    """A pydantic location without the discriminator's tag (``metric.mean.column`` ->
    ``metric.column``)."""
    out: list[Any] = []
    for part in loc:
        if out and out[-1] == "metric" and part in METRIC_MODELS:
            continue
        out.append(part)
    return tuple(out)


def _model_at(loc: KeyPath, data: Any) -> type[BaseModel] | None:
    """The model whose keys live at ``loc`` of ``data`` (for unknown-key hints)."""
    if len(loc) == 0:
        return TargetsFile if isinstance(data, dict) and "targets" in data else InstrumentsFile
    if len(loc) == 2 and loc[0] == "targets":
        return Target
    if len(loc) == 2 and loc[0] == "instruments":
        return InstrumentEvidence
    if len(loc) == 3 and loc[0] == "targets" and loc[2] == "metric":
        try:
            kind = data["targets"][loc[1]]["metric"]["kind"]
        except (KeyError, IndexError, TypeError):
            return None
        return METRIC_MODELS.get(kind) if isinstance(kind, str) else None
    return None


def _at(data: Any, loc: KeyPath) -> Any:
    """The value at ``loc`` of ``data`` (None if there is none)."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _error(exc: ValidationError, label: str, lines: LineIndex, data: Any) -> ScenarioError:
    """The first (by line) problem as a one-line ScenarioError."""
    found = []
    for i, err in enumerate(exc.errors()):
        loc = _strip_tags(tuple(p for p in err["loc"] if p != "[key]"))
        line = lines.nearest(loc)
        # A misspelt key explains a missing one: report unknown keys first.
        found.append((err["type"] == "missing", line or 0, i, line, loc, err))
    *_, line, loc, err = min(found, key=lambda f: f[:3])
    kind = err["type"]
    if kind == "missing" and len(loc) >= 2 and isinstance(loc[-1], int) \
            and loc[-2] in ("range", "period"):  # a pair given with one value
        loc = loc[:-1]
        kind = "too_short"
        err = {**err, "input": _at(data, loc)}
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], data)
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        message = (f"unknown key; did you mean {close[0]!r}?" if close
                   else f"unknown key; allowed keys: {', '.join(allowed)}")
    elif kind in ("union_tag_not_found", "union_tag_invalid"):
        got = (err.get("ctx") or {}).get("tag")
        message = (f"`kind` must be one of {', '.join(METRIC_KINDS)}"
                   + (f" (got {show_value(got)})" if got is not None else " (none given)"))
    elif kind in ("model_type", "dict_type", "model_attributes_type") and _model_at(loc, data):
        keys = ", ".join(_model_at(loc, data).model_fields)
        message = f"must be a mapping of keys (got {show_value(err.get('input'))}); " \
                  f"allowed keys: {keys}"
    elif kind in ("too_short", "too_long") and loc and loc[-1] in ("range", "period"):
        what = "[first, last] dates" if loc[-1] == "period" else "[low, high]"
        got = err.get("input")
        count = f"{len(got)} values" if isinstance(got, (list, tuple)) else show_value(got)
        message = f"must be a list of two values {what} (got {count})"
    else:
        message = describe_error(err, loc)
    return ScenarioError(message, file=label, line=line, key_path=loc)

"""What a calibration file may say: its schema, and its problems as one line.

A calibration file (``calibrations/*.yaml``) names a base scenario, the **parameters** to fit
(scenario key paths with ranges, on a log scale where it fits), the **targets** (observed
values with their period, metric, tolerance or standard error and source; inline or in a
``targets_file``), the replications per evaluation, the budget of evaluations, the batch size
and the seed. :class:`CalibrationSpec` and :class:`TargetSpec` declare every key;
:func:`calibration_error` turns pydantic's errors into one line naming the file, the line and
the key::

    calibrations/x.yaml:14: targets.vacancy.tolerance: must be > 0 (got -0.02)

Called by :mod:`sim.runs.calibration_design` (``load_calibration``). See docs/calibration.md
for every key.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import ScenarioError, show_value
from sim.scenario.messages import spec_problem
from sim.scenario.yaml_lines import KeyPath, LineIndex

__all__ = [
    "AGGREGATES",
    "STATISTICS",
    "CalibrationSpec",
    "ParameterRange",
    "Period",
    "TargetSpec",
    "TargetsFile",
    "calibration_error",
]

STATISTICS = ("level", "ratio", "difference", "yearly_change")
AGGREGATES = ("mean", "last", "sum", "min", "max")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*$")
_PERIOD_HELP = ("must be a year (2020), a date (2020-03-16: the reported week holding it) or "
                "a mapping {from: ..., to: ...} of years or dates")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterRange(_Spec):
    """The range of one parameter to fit: ``min`` and ``max`` (``log: true`` to search on a
    log scale), or the ``values`` it may take."""

    min: float | None = None
    max: float | None = None
    log: bool = False
    values: list[Any] | None = Field(None, min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> ParameterRange:
        if self.values is not None:
            if self.min is not None or self.max is not None:
                raise ValueError("give either min and max or values, not both")
            if self.log:
                raise ValueError("log is for a range of min and max, not for values")
            return self
        if self.min is None or self.max is None:
            raise ValueError("give min and max (or values: [...])")
        if not self.min < self.max:
            raise ValueError(f"min must be below max (got min {self.min}, max {self.max})")
        if self.log and self.min <= 0:
            raise ValueError(f"a log scale needs min > 0 (got min {self.min})")
        return self


class Period(BaseModel):
    """A span of reported weeks: every week whose first day lies from ``first`` to ``last``."""

    first: dt.date
    last: dt.date
    text: str  # as the file gave it, for tables and figures

    @classmethod
    def parse(cls, value: Any) -> Period:
        """A period from a year, a date or ``{from: ..., to: ...}`` (ValueError otherwise)."""
        if isinstance(value, Period):
            return value
        if isinstance(value, dict):
            if set(value) != {"from", "to"}:
                raise ValueError(f"{_PERIOD_HELP}; a mapping needs exactly the keys from and to "
                                 f"(got {', '.join(map(str, value)) or 'none'})")
            first, _ = _bounds(value["from"])
            _, last = _bounds(value["to"])
            if last < first:
                raise ValueError(f"from must not be after to (got {show_value(value['from'])} "
                                 f"to {show_value(value['to'])})")
            return cls(first=first, last=last,
                       text=f"{_text(value['from'])} to {_text(value['to'])}")
        first, last = _bounds(value)
        return cls(first=first, last=last, text=_text(value))


def _bounds(value: Any) -> tuple[dt.date, dt.date]:
    if isinstance(value, bool):
        raise ValueError(f"{_PERIOD_HELP} (got {show_value(value)})")
    if isinstance(value, int):
        if not 1900 <= value <= 2200:
            raise ValueError(f"a year must lie between 1900 and 2200 (got {value})")
        return dt.date(value, 1, 1), dt.date(value, 12, 31)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, dt.date):
        # The reported week holding this day starts at most six days before it.
        return value - dt.timedelta(days=6), value
    raise ValueError(f"{_PERIOD_HELP} (got {show_value(value)})")


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


class TargetSpec(_Spec):
    """One observed fact the model should reproduce.

    ``statistic``: ``level`` (the ``aggregate`` of the metric over the period's weeks),
    ``ratio`` or ``difference`` (the level in ``period`` over, or minus, the level in
    ``relative_to``), ``yearly_change`` (the mean relative change per year over the period's
    calendar years: the slope of the log of the yearly levels, as a fraction).
    """

    metric: str = Field(min_length=1)
    period: Period
    statistic: Literal["level", "ratio", "difference", "yearly_change"] = "level"
    relative_to: Period | None = None
    aggregate: Literal["mean", "last", "sum", "min", "max"] = "mean"
    value: float = Field(allow_inf_nan=False)
    tolerance: float | None = Field(None, gt=0, allow_inf_nan=False)
    standard_error: float | None = Field(None, gt=0, allow_inf_nan=False)
    source: str = Field(min_length=1)
    validate_only: bool = False
    note: str = ""

    @field_validator("period", "relative_to", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        return None if value is None else Period.parse(value)

    @field_validator("tolerance", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        if isinstance(value, str):  # a percentage is resolved before, if the value is a number
            if _PERCENT.match(value):
                raise ValueError("a percentage needs a numeric value to take it of")
            raise ValueError(f"must be a number or a percentage of the value such as 10% "
                             f"(got {show_value(value)})")
        return value

    @model_validator(mode="before")
    @classmethod
    def _relative_tolerance(cls, data: Any) -> Any:
        # "10%" of the observed value: resolved here, where the value is known.
        if isinstance(data, dict) and isinstance(data.get("tolerance"), str):
            match = _PERCENT.match(data["tolerance"])
            value = data.get("value")
            if match and isinstance(value, (int, float)) and not isinstance(value, bool):
                data = {**data, "tolerance": abs(value) * float(match.group(1)) / 100}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> TargetSpec:
        if (self.tolerance is None) == (self.standard_error is None):
            raise ValueError("give either tolerance or standard_error (one of them)")
        if self.statistic in ("ratio", "difference") and self.relative_to is None:
            raise ValueError(f"a {self.statistic} needs relative_to: the period it is "
                             "relative to")
        if self.statistic not in ("ratio", "difference") and self.relative_to is not None:
            raise ValueError("relative_to is for the statistics ratio and difference")
        if self.statistic == "yearly_change" and self.period.first.year == self.period.last.year:
            raise ValueError("a yearly_change needs a period of two or more calendar years, "
                             "e.g. {from: 2019, to: 2023}")
        return self

    @property
    def scale(self) -> float:
        """The error that counts as one unit in the loss: tolerance or standard error."""
        return float(self.tolerance if self.tolerance is not None else self.standard_error)

    @property
    def accepted_error(self) -> float:
        """The largest error still within tolerance: the tolerance, or two standard errors."""
        return float(self.tolerance) if self.tolerance is not None else 2 * self.standard_error


class TargetsFile(_Spec):
    """A file of targets (``targets_file``): a mapping ``targets`` of name -> target."""

    targets: dict[str, TargetSpec] = Field(min_length=1)


class CalibrationSpec(_Spec):
    """A calibration file. See docs/calibration.md for every key."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    description: str = ""
    scenario: str = Field(min_length=1)
    set: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    replications: int = Field(2, ge=1, le=10_000)
    seeds: Literal["common", "independent"] = "common"
    loss: Literal["of_mean", "per_run"] = "of_mean"
    budget: int = Field(ge=1, le=1_000_000)
    batch: int = Field(8, ge=1, le=10_000)
    startup: int = Field(10, ge=1, le=1_000_000)
    check_replications: int = Field(10, ge=0, le=10_000)
    top: int = Field(10, ge=1, le=10_000)
    parameters: dict[str, ParameterRange] = Field(min_length=1)
    targets: dict[str, TargetSpec] = Field(default_factory=dict)
    targets_file: str | None = Field(None, min_length=1)

    @field_validator("parameters", "targets", mode="before")
    @classmethod
    def _nulls(cls, value: Any) -> Any:
        return {} if value is None else value


_MODELS: dict[str, type[_Spec]] = {"parameters": ParameterRange, "targets": TargetSpec}


def _model_at(loc: KeyPath, root: type[_Spec]) -> type[_Spec] | None:
    if len(loc) == 0:
        return root
    if loc[0] in _MODELS and len(loc) == 2:
        return _MODELS[str(loc[0])]
    return None


def calibration_error(exc: ValidationError, label: str, lines: LineIndex,
                      root: type[_Spec] = CalibrationSpec) -> ScenarioError:
    """The first (by line) problem of a calibration or targets file as a one-line error.

    Args:
        exc: pydantic's errors.
        label: The file as the user named it.
        lines: The line of every key of that file.
        root: The model of the whole file (:class:`CalibrationSpec` or :class:`TargetsFile`).
    """
    return spec_problem(exc, label, lines, lambda loc: _model_at(loc, root))

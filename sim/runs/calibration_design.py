"""From a calibration file to what the search needs: parameters, targets and run tasks.

:func:`load_calibration` reads a calibration file (its keys declared in
:mod:`sim.runs.calibration_spec`) and its ``targets_file``, loads the base scenario (with the
fixed ``set`` values), checks every parameter path and both ends of its range against the
scenario schema, every target's metric against the model's timeseries and every period against
the reported horizon, and builds the :class:`Calibration`. A problem is one line naming the
file (the calibration file, its targets file or the scenario), the line and the key.

A parameter set becomes run tasks (:meth:`Calibration.tasks`): one
:class:`~sim.runs.tasks.RunTask` per replication, each a pure function of its resolved scenario
and seed, so results do not depend on where runs execute. Called by :mod:`sim.runs.calibrate`
(the search), the command line and the Python API.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim import __version__
from sim.errors import ScenarioError, format_key_path, show_value
from sim.kernels.streams import replication_seeds
from sim.runs.calibration_record import record_targets
from sim.runs.calibration_spec import (
    CalibrationSpec,
    ParameterRange,
    Period,
    TargetsFile,
    TargetSpec,
    calibration_error,
)
from sim.runs.calibration_targets import DERIVED_METRICS, columns_needed
from sim.runs.design import apply_point, inline_map, key_path, resolve_scenario, run_id, run_seed
from sim.runs.tasks import RunTask, canonical_json
from sim.runs.validation_spec import load_targets
from sim.scenario.loading import build_town, load_resolved, load_scenario, load_yaml
from sim.scenario.messages import describe_error

__all__ = ["CHECK", "Calibration", "FitParameter", "load_calibration"]

#: The ``point`` of the runs that check the best set at the end (search evaluations are 0..).
CHECK = -1


@dataclass
class FitParameter:
    """One parameter to fit: its key path, range and type in the scenario."""

    name: str  # the key path as written in the calibration file
    range: ParameterRange
    integer: bool  # the scenario value is an integer: the search proposes integers

    def distribution(self) -> Any:
        """The Optuna distribution the search draws this parameter from."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        r = self.range
        if r.values is not None:
            return CategoricalDistribution(list(r.values))
        if self.integer:
            return IntDistribution(round(r.min), round(r.max), log=r.log)
        return FloatDistribution(float(r.min), float(r.max), log=r.log)

    def describe(self) -> dict:
        """The parameter as JSON: name, integer, and its range."""
        return {"name": self.name, "integer": self.integer,
                **self.range.model_dump(exclude_none=True)}


@dataclass
class Calibration:
    """A loaded, validated calibration: its spec, base scenario, parameters and targets."""

    spec: CalibrationSpec
    path: Path
    scenario_file: Path  # the base scenario file, as found from the calibration file
    base: dict  # resolved base scenario (map inlined, fixed `set` values applied)
    raw_base: dict  # the base scenario file's own data (extends merged), for best.yaml
    parameters: list[FitParameter]
    targets: dict[str, TargetSpec]
    target_files: dict[str, str] = field(default_factory=dict)  # target -> file it came from

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def fitted(self) -> dict[str, TargetSpec]:
        """The targets the loss uses (all but ``validate_only``)."""
        return {n: t for n, t in self.targets.items() if not t.validate_only}

    @property
    def columns(self) -> list[str]:
        """The timeseries columns the targets need, in first-use order."""
        seen: dict[str, None] = {}
        for target in self.targets.values():
            for column in columns_needed(target.metric):
                seen.setdefault(column)
        return list(seen)

    def scenario_for(self, values: dict[str, Any]) -> dict:
        """The resolved scenario of a parameter set."""
        return resolve_scenario(apply_point(self.base, values))

    def seeds(self, check: bool = False, values: dict[str, Any] | None = None) -> list[int]:
        """The model seeds of an evaluation's replications (or of the check of the best set).

        ``common``: replication r of every evaluation has the same seed (common random numbers,
        so that differences between sets are not noise); ``independent``: seeds from the set's
        values. The check runs use seeds of their own, after the search's.
        """
        n, seed = self.spec.replications, self.spec.seed
        if check:
            return replication_seeds(seed, n + self.spec.check_replications)[n:]
        if self.spec.seeds == "common":
            return replication_seeds(seed, n)
        return [run_seed(seed, values or {}, r) for r in range(n)]

    def tasks(self, number: int, values: dict[str, Any]) -> list[RunTask]:
        """The runs of evaluation ``number`` (or of the check, ``number`` = :data:`CHECK`)."""
        scenario = self.scenario_for(values)
        outcomes = {c: {"metric": c, "when": "weekly", "aggregate": "last"} for c in self.columns}
        check = number == CHECK
        return [RunTask(run_id(scenario, number, values, seed), self.name, number,
                        "check" if check else None, values, r, seed, scenario, outcomes)
                for r, seed in enumerate(self.seeds(check, values))]

    def search_key(self) -> dict:
        """What determines the search's evaluations (not its budget): a resumed calibration
        must have the same."""
        return {
            "version": __version__,
            "proposals": "one batch ahead",  # batch k from batches < k-1 (sim.runs.calibrate)
            "scenario": hashlib.sha256(canonical_json(self.base).encode()).hexdigest(),
            "parameters": [p.describe() for p in self.parameters],
            "targets": {n: t.model_dump(mode="json") for n, t in self.targets.items()},
            **{k: getattr(self.spec, k) for k in
               ("seed", "replications", "seeds", "loss", "batch", "startup")},
        }


# --------------------------------------------------------------------------- loading
def load_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Read and validate a calibration file and its targets.

    Raises:
        ScenarioError: One line naming the file, line and key of the first problem, or the
            base scenario's own error.
    """
    for module, extra in (("optuna", "calibration"), ("pyarrow", "experiments")):
        if importlib.util.find_spec(module) is None:
            raise ScenarioError(f"calibrations need {module}: install the optional extra with "
                                f"pip install 'binnenstad[{extra}]'")
    label = str(path)
    if Path(path).is_file() and not Path(path).read_bytes().strip():
        raise ScenarioError("the file is empty; a calibration needs name, scenario, budget, "
                            "parameters and targets", file=label)
    data, lines = load_yaml(path)
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        raise calibration_error(exc, label, lines) from exc

    def fail(message: str, *loc: object, file: str = label, where=lines) -> ScenarioError:
        return ScenarioError(message, file=file, line=where.nearest(loc), key_path=loc)

    scenario_path = Path(os.path.normpath(Path(path).parent / spec.scenario))
    if not scenario_path.is_file():
        raise fail(f"scenario file not found: {scenario_path}", "scenario")
    scenario = load_scenario(scenario_path)
    base = inline_map(scenario.model_dump(mode="json"), scenario)
    for name, value in spec.set.items():
        try:
            base = resolve_scenario(apply_point(base, {name: value}))
        except ScenarioError as exc:
            raise fail(exc.message, "set", name) from None
        except ValidationError as exc:
            raise fail(_scenario_problem(exc), "set", name) from None
        except ValueError as exc:
            raise fail(str(exc), "set", name) from None
    raw_base, _ = load_resolved(scenario_path)
    parameters = _parameters(spec, base, fail)
    targets, files = _targets(spec, Path(path), base, lines, fail)
    _check_metrics(targets, files, scenario, fail)
    _check_periods(targets, files, base, fail)
    return Calibration(spec, Path(path), scenario_path, base, raw_base, parameters, targets,
                       files)


def _scenario_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if p != "[key]")
    return f"{format_key_path(loc)}: {describe_error(err, loc)}"


def _value_at(data: Any, path: tuple) -> Any:
    for seg in path:
        data = data[seg if isinstance(data, list) else str(seg)]
    return data


def _parameters(spec: CalibrationSpec, base: dict, fail) -> list[FitParameter]:
    params: list[FitParameter] = []
    seen: dict[tuple, str] = {}
    for name, rng in spec.parameters.items():
        try:
            path = key_path(name)
            apply_point(base, {name: 0})  # the path exists
        except ScenarioError as exc:
            raise fail(exc.message, "parameters", name) from None
        except ValueError as exc:
            raise fail(str(exc), "parameters", name) from None
        if path in seen:
            raise fail(f"the same scenario value as {seen[path]}", "parameters", name)
        seen[path] = name
        current = _value_at(base, path)
        if isinstance(current, (dict, list)):
            raise fail(f"is {show_value(current)}; name a single value inside it",
                       "parameters", name)
        numeric = isinstance(current, (int, float)) and not isinstance(current, bool)
        if rng.values is None and not numeric:
            raise fail(f"is {show_value(current)} in the scenario, not a number; give "
                       "values: [...] instead of min and max", "parameters", name)
        if rng.values is not None:
            for i, value in enumerate(rng.values):
                if not isinstance(value, (bool, int, float, str)):
                    raise fail(f"values must be numbers, text or true/false (got "
                               f"{show_value(value)})", "parameters", name, "values", i)
        integer = isinstance(current, int) and not isinstance(current, bool)
        param = FitParameter(name, rng, integer and rng.values is None)
        if param.integer and (round(rng.min) != rng.min or round(rng.max) != rng.max):
            raise fail(f"is an integer in the scenario; give whole numbers for min and max "
                       f"(got {rng.min:g} and {rng.max:g})", "parameters", name)
        checks = ([("values", v) for v in rng.values] if rng.values is not None else
                  [("min", int(rng.min) if param.integer else rng.min),
                   ("max", int(rng.max) if param.integer else rng.max)])
        for where, value in checks:  # every end of the range gives a valid scenario
            try:
                resolve_scenario(apply_point(base, {name: value}))
            except ValidationError as exc:
                loc = tuple(p for p in exc.errors()[0]["loc"] if p != "[key]")
                text = describe_error(exc.errors()[0], loc)
                if loc != path:
                    text = f"{format_key_path(loc)}: {text}"
                raise fail(text, "parameters", name, where) from None
        params.append(param)
    return params


def _targets(spec: CalibrationSpec, path: Path, base: dict, lines, fail):
    """The targets given inline and in ``targets_file`` (a calibration's targets, or the
    Dutch record of ``binnenstad validation``: :mod:`sim.runs.calibration_record`), and the
    file each came from."""
    targets = dict(spec.targets)
    files = {name: str(path) for name in targets}
    if spec.targets_file is not None:
        target_path = Path(os.path.normpath(path.parent / spec.targets_file))
        if not target_path.is_file():
            raise fail(f"targets file not found: {target_path}", "targets_file")
        label = str(target_path)
        if not target_path.read_bytes().strip():
            raise ScenarioError("the file is empty; a targets file needs targets: {name: ...}",
                                file=label)
        data, file_lines = load_yaml(target_path)
        if isinstance(data, dict) and isinstance(data.get("targets"), list):
            # the Dutch record in the validation's format: its baseline targets
            loaded_targets = record_targets(load_targets(target_path), _horizon(base))
        else:
            try:
                loaded_targets = TargetsFile.model_validate(data).targets
            except ValidationError as exc:
                raise calibration_error(exc, label, file_lines, TargetsFile) from exc
        for name, target in loaded_targets.items():
            if name in targets:
                raise fail(f"also given in {path}; give each target once", "targets", name,
                           file=label, where=file_lines)
            targets[name] = target
            files[name] = label
    if not targets:
        raise fail("declare at least one target (under targets, or in a targets_file)",
                   "targets")
    if all(t.validate_only for t in targets.values()):
        raise fail("every target is validate_only; fit at least one", "targets")
    return targets, files


def _target_fail(fail, files: dict[str, str], name: str, *loc: object) -> Any:
    """A ``fail`` that points at the file the target came from (its own line index)."""
    label = files[name]

    def inner(message: str) -> ScenarioError:
        _, where = load_yaml(label)
        return fail(message, "targets", name, *loc, file=label, where=where)

    return inner


def _check_metrics(targets, files, scenario, fail) -> None:
    import sim.model.model  # noqa: F401  (registers the instruments: their spend_ columns)
    from sim.model.metrics import metric_names

    counts = [f"footfall_{c}" for c in build_town(scenario).counting_points]
    allowed = [*metric_names(), *counts, *DERIVED_METRICS]
    for name, target in targets.items():
        if target.metric not in allowed:
            close = difflib.get_close_matches(target.metric, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise _target_fail(fail, files, name, "metric")(
                f"unknown metric {target.metric!r}; {hint}allowed: {', '.join(allowed)}")


def _horizon(base: dict) -> list[str]:
    """The first day of every reported week, as ISO text."""
    import datetime as dt

    start = dt.date.fromisoformat(str(base["start"]))
    return [(start + dt.timedelta(weeks=w)).isoformat() for w in range(base["years"] * 52)]


def _check_periods(targets, files, base: dict, fail) -> None:
    weeks = _horizon(base)
    span = f"the reported weeks start from {weeks[0]} to {weeks[-1]}"
    for name, target in targets.items():
        for key in ("period", "relative_to"):
            period: Period | None = getattr(target, key)
            if period is None:
                continue
            inside = [w for w in weeks
                      if period.first.isoformat() <= w <= period.last.isoformat()]
            if not inside:
                raise _target_fail(fail, files, name, key)(
                    f"{period.text} holds no reported week; {span}")
            if target.statistic == "yearly_change" and key == "period" and \
                    len({w[:4] for w in inside}) < 2:
                raise _target_fail(fail, files, name, key)(
                    f"a yearly_change needs reported weeks in two or more calendar years; "
                    f"{period.text} has them in one; {span}")


def best_scenario_data(cal: Calibration, values: dict[str, Any]) -> dict:
    """What a scenario file that ``extends`` the base must say to run the set ``values`` (the
    fixed ``set`` values too): nested mappings, and whole lists where a path goes into a list
    (``extends`` replaces lists)."""
    child: dict = {}
    for name, value in [*cal.spec.set.items(), *values.items()]:
        path = key_path(name)
        node = child
        for i, seg in enumerate(path):
            if i == len(path) - 1:
                node[str(seg)] = value
                break
            if isinstance(path[i + 1], int):  # the next step goes into a list: copy it whole
                prefix = path[: i + 1]
                if str(seg) not in node:
                    try:
                        node[str(seg)] = copy.deepcopy(_value_at(cal.raw_base, prefix))
                    except (KeyError, IndexError, TypeError):
                        node[str(seg)] = copy.deepcopy(_value_at(cal.base, prefix))
                target = node[str(seg)]
                rest = path[i + 1:]
                for step in rest[:-1]:
                    target = target[step if isinstance(target, list) else str(step)]
                last = rest[-1]
                target[last if isinstance(target, list) else str(last)] = value
                break
            node = node.setdefault(str(seg), {})
    return child

"""Experiments: many runs of one scenario over a design of parameter points and replications.

An experiment file (``experiments/*.yaml``) names a base scenario, the **uncertainties**
(parameters nobody controls) and **levers** (instrument settings) with their ranges, the
**outcomes** to read from each run and when, the replications per point, and a **design**
(``grid``, ``list``, ``lhs``, ``morris``, ``sobol``). Parameters are scenario key paths in the
syntax of ``--set`` (``economy.rent.level``, ``interventions.0.budget_eur_per_year``). Every
path, range and design point is checked against the scenario schema when the file is loaded;
a problem is one line naming the experiment file, the line and the key::

    experiments/x.yaml:9: uncertainties.economy.rent.lvl: unknown key; did you mean 'level'?

Each run is a pure function of its task (resolved scenario, point, seed), so results do not
depend on where or in which order runs execute. Seeds derive from (experiment seed, point,
replication). See docs/experiments.md.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import io
import itertools
import json
import math
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim import __version__
from sim.errors import ScenarioError, format_key_path, show_value
from sim.scenario.loading import LineIndex, load_scenario, load_yaml, parse_override
from sim.scenario.messages import describe_error

__all__ = [
    "DESIGNS",
    "Experiment",
    "ExperimentSpec",
    "RunTask",
    "apply_point",
    "load_experiment",
    "reduce_outcomes",
    "run_seed",
    "run_task",
]

KeyPath = tuple[object, ...]
WHEN = ("horizon", "yearly", "weekly")
PERIOD = {"horizon": "horizon", "yearly": "year", "weekly": "week"}
AGGREGATES = ("last", "mean", "sum", "min", "max")
WEEKS_PER_YEAR = 52
ANALYSES = ("sensitivity", "sweep", "heatmap", "replications")


# ----------------------------------------------------------------------------- schema
class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Param(_Spec):
    """The range of one uncertainty or lever.

    ``min``/``max`` give a numeric range (``steps`` values for a grid); ``values`` gives the
    explicit levels (numbers, text, true/false) for a grid, or the categories for sampling.
    """

    min: float | None = None
    max: float | None = None
    steps: int | None = Field(None, ge=2, le=1000)
    values: list[Any] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Param:
        if self.values is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either min and max or values, not both")
        if (self.min is None) != (self.max is None):
            raise ValueError("give both min and max")
        if self.min is not None and not self.min < self.max:
            raise ValueError(f"min must be below max (got min {self.min}, max {self.max})")
        if self.steps is not None and self.min is None:
            raise ValueError("steps needs min and max")
        return self

    @property
    def numeric(self) -> bool:
        return self.min is not None


class Outcome(_Spec):
    """A model metric read from each run's weekly timeseries.

    ``when``: ``horizon`` (one value per run), ``yearly`` (one per reported year) or
    ``weekly`` (every reported week). ``aggregate`` reduces the weeks of a horizon or a year:
    ``last`` (the value in the last week), ``mean``, ``sum``, ``min`` or ``max``.
    """

    metric: str | None = None
    when: Literal["horizon", "yearly", "weekly"] = "horizon"
    aggregate: Literal["last", "mean", "sum", "min", "max"] = "last"


class GridDesign(_Spec):
    """Full factorial over every parameter's ``values`` (or ``steps`` from min to max)."""

    type: Literal["grid"]


class ListDesign(_Spec):
    """Explicit points: each a mapping of parameter path to value, optionally with a label."""

    type: Literal["list"]
    points: list[dict[str, Any]] = Field(min_length=1)


class LhsDesign(_Spec):
    """Latin hypercube of ``samples`` points over the parameter ranges."""

    type: Literal["lhs"]
    samples: int = Field(ge=2, le=1_000_000)


class MorrisDesign(_Spec):
    """Morris elementary effects (SALib): ``trajectories`` x (parameters + 1) points."""

    type: Literal["morris"]
    trajectories: int = Field(ge=2, le=10_000)
    levels: int = Field(4, ge=2, le=100)
    optimal_trajectories: int | None = Field(None, ge=2, le=10_000)


class SobolDesign(_Spec):
    """Sobol indices from Saltelli's scheme (SALib): ``samples`` x (2 parameters + 2) points
    with second-order indices, x (parameters + 2) without; ``samples`` a power of 2."""

    type: Literal["sobol"]
    samples: int = Field(ge=2, le=1_048_576)
    second_order: bool = False

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError(f"must be a power of 2 such as 32, 64, 128 (got {value})")
        return value


DESIGNS: dict[str, type[_Spec]] = {
    "grid": GridDesign, "list": ListDesign, "lhs": LhsDesign,
    "morris": MorrisDesign, "sobol": SobolDesign,
}
DEFAULT_ANALYSES = {
    "grid": ["sweep", "heatmap", "replications"], "list": ["sweep", "replications"],
    "lhs": ["sweep"], "morris": ["sensitivity"], "sobol": ["sensitivity"],
}


class ExperimentSpec(_Spec):
    """An experiment file. See docs/experiments.md for every key."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    description: str = ""
    scenario: str = Field(min_length=1)
    set: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    replications: int = Field(1, ge=1, le=100_000)
    seeds: Literal["independent", "common"] = "independent"
    uncertainties: dict[str, Param] = Field(default_factory=dict)
    levers: dict[str, Param] = Field(default_factory=dict)
    outcomes: dict[str, Outcome] = Field(min_length=1)
    design: dict[str, Any]
    analyses: list[Literal["sensitivity", "sweep", "heatmap", "replications"]] | None = None

    @field_validator("uncertainties", "levers", "outcomes", mode="before")
    @classmethod
    def _nulls(cls, value: Any) -> Any:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return {v: {} for v in value}  # outcomes: [vacancy_rate, footfall]
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


_SPEC_MODELS: dict[str, type[_Spec]] = {
    "uncertainties": Param, "levers": Param, "outcomes": Outcome,
}


def _spec_model_at(loc: KeyPath, design: str | None) -> type[_Spec] | None:
    if len(loc) == 0:
        return ExperimentSpec
    if loc[0] == "design" and len(loc) == 1:
        return DESIGNS.get(design or "")
    if loc[0] in _SPEC_MODELS and len(loc) == 2:
        return _SPEC_MODELS[loc[0]]
    return None


def _spec_error(
    exc: ValidationError, label: str, lines: LineIndex, prefix: KeyPath = (),
    design: str | None = None,
) -> ScenarioError:
    """The first (by line) problem of a spec as a one-line ScenarioError."""
    found = []
    for i, err in enumerate(exc.errors()):
        loc = (*prefix, *(p for p in err["loc"] if p != "[key]"))
        line = lines.nearest(loc)
        # A misspelt key explains a missing one: report unknown keys first.
        found.append((err["type"] == "missing", line or 0, i, line, loc, err))
    *_, line, loc, err = min(found, key=lambda f: f[:3])
    if err["type"] == "extra_forbidden":
        model = _spec_model_at(loc[:-1], design)
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        message = (f"unknown key; did you mean {close[0]!r}?" if close
                   else f"unknown key; allowed keys: {', '.join(allowed)}")
    elif err["type"] == "missing":
        message = "required key is missing"
    elif err["type"] in ("model_type", "dict_type") and _spec_model_at(loc, design):
        keys = ", ".join(_spec_model_at(loc, design).model_fields)
        got = show_value(err.get("input"))
        message = f"must be a mapping of keys (got {got}); allowed keys: {keys}"
    else:
        message = describe_error(err, loc)
    return ScenarioError(message, file=label, line=line, key_path=loc)


# ---------------------------------------------------------------------------- experiment
@dataclass
class Parameter:
    """One uncertainty or lever: its key path, kind, range and type in the scenario."""

    name: str  # the key path as written in the experiment file
    path: tuple[str | int, ...]
    kind: Literal["uncertainty", "lever"]
    spec: Param
    integer: bool  # the scenario value is an integer: sampled values are rounded

    def levels(self) -> list[Any]:
        """The grid levels: ``values`` or ``steps`` evenly spaced values from min to max."""
        if self.spec.values is not None:
            return list(self.spec.values)
        steps = self.spec.steps or 2
        return [self.cast(v) for v in np.linspace(self.spec.min, self.spec.max, steps)]

    def from_unit(self, u: float) -> Any:
        """A value from a position ``u`` in [0, 1) of the range (or of the list of values)."""
        if self.spec.values is not None:
            values = self.spec.values
            return values[min(int(u * len(values)), len(values) - 1)]
        return self.cast(self.spec.min + u * (self.spec.max - self.spec.min))

    def cast(self, value: Any) -> Any:
        """A sampled number as the scenario's type (rounded for integer parameters)."""
        if isinstance(value, (bool, str)) or value is None:
            return value
        value = float(value)
        return round(value) if self.integer else value


@dataclass
class RunTask:
    """Everything one run needs; a pure description (picklable, no state)."""

    run_id: str
    experiment: str
    point: int
    label: str | None
    values: dict[str, Any]  # parameter name -> value
    replication: int
    seed: int
    scenario: dict  # the resolved scenario, every value given
    outcomes: dict[str, dict]  # outcome name -> {metric, when, aggregate}


@dataclass
class RunOutcome:
    """What a run returns: Parquet bytes of its tidy rows, or the error that stopped it."""

    run_id: str
    ok: bool
    data: bytes = b""
    error: str = ""
    seconds: float = 0.0


@dataclass
class Experiment:
    """A loaded, validated experiment: its spec, base scenario, parameters, points and runs."""

    spec: ExperimentSpec
    path: Path
    base: dict  # resolved base scenario (fixed `set` values applied)
    parameters: list[Parameter]
    points: list[dict[str, Any]]
    labels: list[str | None]
    sample: list[list[float]] | None = None  # the raw SALib sample (morris, sobol)
    tasks: list[RunTask] = field(default_factory=list)

    @property
    def design(self) -> str:
        return str(self.spec.design["type"])

    @property
    def analyses(self) -> list[str]:
        if self.spec.analyses is not None:
            return list(self.spec.analyses)
        return list(DEFAULT_ANALYSES[self.design])

    def problem(self) -> dict:
        """The SALib problem: numeric parameters in order, with their bounds."""
        return {
            "num_vars": len(self.parameters),
            "names": [p.name for p in self.parameters],
            "bounds": [[p.spec.min, p.spec.max] for p in self.parameters],
        }


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same data always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=str)


def run_seed(experiment_seed: int, values: dict[str, Any], replication: int,
             mode: str = "independent") -> int:
    """The model seed of one run, from (experiment seed, point, replication) only.

    ``independent``: every point gets its own streams (keyed by a hash of its parameter
    values, not its position). ``common``: replication r of every point uses the same seed,
    ``replication_seeds(experiment_seed, n)[r]`` (common random numbers).
    """
    if mode == "common":
        key: tuple[int, ...] = (replication,)
    else:
        digest = hashlib.sha256(canonical_json(values).encode()).digest()
        key = (int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little"),
               replication)
    seq = np.random.SeedSequence(experiment_seed, spawn_key=key)
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run_id(scenario: dict, point: int, values: dict[str, Any], seed: int) -> str:
    """sha256 of the canonical JSON of (resolved scenario, point, seed, package version).

    The point is its number in the design and its values, so a design that lists the same
    values twice (Morris trajectories may meet) stores two runs.
    """
    text = canonical_json({"scenario": scenario, "point": {"index": point, "values": values},
                           "seed": seed, "version": __version__})
    return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------- key paths
def key_path(name: str) -> tuple[str | int, ...]:
    """A parameter name (``a.b[0].c`` or ``a.b.0.c``) as a key path, like ``--set``."""
    path, _ = parse_override(f"{name}=0")
    return path


def _walk(data: dict, path: tuple[str | int, ...]) -> tuple[Any, Any]:
    """The container holding ``path``'s last key and that key; ValueError if a step is wrong."""
    node: Any = data
    for i, seg in enumerate(path):
        here = format_key_path(path[:i]) or "the scenario"
        if isinstance(node, list):
            if not isinstance(seg, int):
                raise ValueError(f"{here} is a list; give an item number 0..{len(node) - 1}")
            if seg >= len(node):
                raise ValueError(f"{here} has {len(node)} items; item {seg} does not exist")
        elif isinstance(node, dict):
            seg = str(seg)
            if seg not in node:
                close = difflib.get_close_matches(seg, [str(k) for k in node], n=1, cutoff=0.6)
                hint = (f"did you mean {close[0]!r}?" if close
                        else f"allowed keys: {', '.join(map(str, node))}")
                where = f" in {here}" if i else ""
                raise ValueError(f"unknown key {seg!r}{where}; {hint}")
        else:
            raise ValueError(f"{here} is {show_value(node)}, not a mapping or list")
        if i == len(path) - 1:
            return node, seg
        node = node[seg]
    raise ValueError("empty key path")


def apply_point(base: dict, values: dict[str, Any]) -> dict:
    """A copy of the resolved scenario ``base`` with each ``key.path: value`` set."""
    data = copy.deepcopy(base)
    for name, value in values.items():
        node, key = _walk(data, key_path(name))
        node[key] = value
    return data


def _resolve(data: dict) -> dict:
    """Validate a scenario dict; return it with every value given (JSON types)."""
    from sim.scenario.schema import Scenario

    return Scenario.model_validate(data).model_dump(mode="json")


def _scenario_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if p != "[key]")
    return f"{format_key_path(loc)}: {describe_error(err, loc)}"


# --------------------------------------------------------------------------- loading
def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read and validate an experiment file; build its design points and run tasks.

    Raises:
        ScenarioError: One line naming the file, line and key of the first problem, or the
            base scenario's own error.
    """
    _require("pyarrow")
    label = str(path)
    if Path(path).is_file() and not Path(path).read_bytes().strip():
        raise ScenarioError("the file is empty; an experiment needs name, scenario, "
                            "outcomes and design", file=label)
    data, lines = load_yaml(path)
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        design = data.get("design", {}).get("type") if isinstance(data.get("design"), dict) \
            else None
        raise _spec_error(exc, label, lines, design=design) from exc
    design_type = spec.design.get("type")
    if design_type not in DESIGNS:
        raise ScenarioError(
            f"must be one of {', '.join(DESIGNS)} (got {show_value(design_type)})",
            file=label, line=lines.nearest(("design", "type")), key_path="design.type",
        )
    try:
        design = DESIGNS[design_type].model_validate(spec.design)
    except ValidationError as exc:
        raise _spec_error(exc, label, lines, ("design",), design_type) from exc

    def fail(message: str, *loc: object) -> ScenarioError:
        return ScenarioError(message, file=label, line=lines.nearest(loc), key_path=loc)

    # The base scenario, relative to the experiment file, with the fixed `set` values.
    scenario_path = Path(path).parent / spec.scenario
    if not scenario_path.is_file():
        raise fail(f"scenario file not found: {os.path.normpath(scenario_path)}", "scenario")
    scenario = load_scenario(os.path.normpath(scenario_path))
    base = _inline_map(scenario.model_dump(mode="json"), scenario)
    for name, value in spec.set.items():
        try:
            base = apply_point(base, {name: value})
            base = _resolve(base)
        except ScenarioError as exc:
            raise fail(exc.message, "set", name) from None
        except ValueError as exc:  # includes ValidationError
            text = _scenario_problem(exc) if isinstance(exc, ValidationError) else str(exc)
            raise fail(text, "set", name) from None

    parameters = _parameters(spec, base, design_type, fail)
    _check_outcomes(spec, scenario, fail)
    points, labels, sample = _points(spec, design, parameters, base, fail)
    exp = Experiment(spec, Path(path), base, parameters, points, labels, sample)
    exp.tasks = _tasks(exp, design_type, fail)
    return exp


def _require(module: str) -> None:
    """A one-line error if an optional dependency of experiments is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ScenarioError(f"experiments need {module}: install the optional extra with "
                            "pip install 'binnenstad[experiments]'")


def _inline_map(data: dict, scenario: Any) -> dict:
    """Put a ``town.map_file`` into the scenario as ``town.map`` so workers need no files."""
    from sim.scenario.loading import scenario_source

    map_file = data.get("town", {}).get("map_file")
    if map_file is not None:
        source = scenario_source(scenario)
        base = source.parent if source is not None else Path.cwd()
        data["town"]["map"] = (base / map_file).read_text(encoding="utf-8-sig")
        data["town"]["map_file"] = None
    return data


def _parameters(spec: ExperimentSpec, base: dict, design: str, fail) -> list[Parameter]:
    params: list[Parameter] = []
    seen: dict[tuple, str] = {}
    for kind, group in (("uncertainty", spec.uncertainties), ("lever", spec.levers)):
        section = "uncertainties" if kind == "uncertainty" else "levers"
        for name, rng in group.items():
            try:
                path = key_path(name)
                node, key = _walk(base, path)
            except ScenarioError as exc:
                raise fail(exc.message, section, name) from None
            except ValueError as exc:
                raise fail(str(exc), section, name) from None
            if path in seen:
                raise fail(f"the same scenario value as {seen[path]}", section, name)
            seen[path] = name
            current = node[key]
            if isinstance(current, (dict, list)):
                raise fail(f"is {show_value(current)}; name a single value inside it",
                           section, name)
            integer = isinstance(current, int) and not isinstance(current, bool)
            param = Parameter(name, path, kind, rng, integer)
            if rng.numeric and (isinstance(current, (bool, str)) or current is None):
                raise fail(f"is {show_value(current)} in the scenario, not a number; give "
                           "values: [...] instead of min and max", section, name)
            if design in ("lhs", "morris", "sobol") and not rng.numeric and (
                    design != "lhs" or rng.values is None):
                raise fail(f"a {design} design needs min and max for every parameter",
                           section, name)
            if design == "grid" and rng.values is None and rng.steps is None:
                raise fail("a grid needs values: [...] or min, max and steps", section, name)
            if design != "grid" and rng.steps is not None:
                raise fail("steps is for grid designs only", section, name, "steps")
            # Every end of the range and every listed value must give a valid scenario.
            if rng.numeric:
                checks = [("min", param.cast(rng.min)), ("max", param.cast(rng.max))]
            else:
                checks = [("values", v) for v in rng.values or []]
            for where, value in checks:
                try:
                    _resolve(apply_point(base, {name: value}))
                except ValidationError as exc:
                    loc = tuple(p for p in exc.errors()[0]["loc"] if p != "[key]")
                    text = describe_error(exc.errors()[0], loc)
                    if loc != path:
                        text = f"{format_key_path(loc)}: {text}"
                    raise fail(text, section, name, where) from None
            params.append(param)
    if not params and design != "list":
        raise fail("declare at least one uncertainty or lever", "uncertainties")
    return params


def _check_outcomes(spec: ExperimentSpec, scenario: Any, fail) -> None:
    from sim.model.model import METRICS
    from sim.scenario.loading import build_town

    counts = [f"footfall_{c}" for c in build_town(scenario).counting_points]
    allowed = [*METRICS, *counts]
    for name, outcome in spec.outcomes.items():
        metric = outcome.metric or name
        if metric not in allowed:
            close = difflib.get_close_matches(metric, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
            where = ("outcomes", name, "metric") if outcome.metric else ("outcomes", name)
            raise fail(f"unknown metric {metric!r}; {hint}", *where)


def _points(spec: ExperimentSpec, design: Any, params: list[Parameter], base: dict, fail):
    names = [p.name for p in params]
    labels: list[str | None] = []
    sample = None
    if design.type == "grid":
        points = [dict(zip(names, combo, strict=True))
                  for combo in itertools.product(*(p.levels() for p in params))]
    elif design.type == "list":
        points = []
        for i, item in enumerate(design.points):
            item = dict(item)
            label = item.pop("label", None)
            for key in item:
                if key not in names:
                    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                    hint = (f"did you mean {close[0]!r}?" if close else
                            "declare it under uncertainties or levers first")
                    raise fail(f"not a declared parameter; {hint}", "design", "points", i, key)
            point = {}
            for p in params:
                if p.name in item:
                    value = item[p.name]
                else:  # not given: the base scenario's value
                    node, key = _walk(base, p.path)
                    value = node[key]
                point[p.name] = p.cast(value) if not isinstance(value, (bool, str)) else value
            points.append(point)
            labels.append(None if label is None else str(label))
    elif design.type == "lhs":
        rng = np.random.default_rng(spec.seed)
        n, d = design.samples, len(params)
        unit = (np.argsort(rng.random((d, n)), axis=1).T + rng.random((n, d))) / n
        points = [{p.name: p.from_unit(u[j]) for j, p in enumerate(params)} for u in unit]
    else:
        problem = {"num_vars": len(params), "names": names,
                   "bounds": [[p.spec.min, p.spec.max] for p in params]}
        _require("SALib")
        if design.type == "morris":
            from SALib.sample import morris

            x = morris.sample(problem, design.trajectories, num_levels=design.levels,
                              optimal_trajectories=design.optimal_trajectories,
                              seed=spec.seed % 2**32)
        else:
            from SALib.sample import sobol

            x = sobol.sample(problem, design.samples, calc_second_order=design.second_order,
                             seed=spec.seed % 2**32)
        sample = x.tolist()
        points = [{p.name: p.cast(v) for p, v in zip(params, row, strict=True)} for row in x]
    if not labels:
        labels = [None] * len(points)
    return points, labels, sample


def _tasks(exp: Experiment, design: str, fail) -> list[RunTask]:
    spec = exp.spec
    outcomes = {name: {"metric": o.metric or name, "when": o.when, "aggregate": o.aggregate}
                for name, o in spec.outcomes.items()}
    tasks = []
    resolved_cache: dict[str, dict] = {}
    for i, values in enumerate(exp.points):
        key = canonical_json(values)
        if key not in resolved_cache:
            try:
                resolved_cache[key] = _resolve(apply_point(exp.base, values))
            except ValidationError as exc:
                shown = ", ".join(f"{k}={show_value(v)}" for k, v in values.items())
                raise fail(f"point {i} ({shown}) is not a valid scenario: "
                           f"{_scenario_problem(exc)}", "design") from None
        scenario = resolved_cache[key]
        for r in range(spec.replications):
            seed = run_seed(spec.seed, values, r, spec.seeds)
            tasks.append(RunTask(run_id(scenario, i, values, seed), spec.name, i, exp.labels[i],
                                 values, r, seed, scenario, outcomes))
    return tasks


# ------------------------------------------------------------------------------- runs
def reduce_outcomes(timeseries: Any, outcomes: dict[str, dict]) -> list[dict]:
    """A run's weekly timeseries reduced to its outcome rows.

    Returns:
        One dict per outcome time: ``period`` (horizon, year, week), ``year`` (reported
        year, 1-based), ``step`` and ``date`` of the last week of the period, and the value
        of every outcome read at that time (absent otherwise).
    """
    frame = timeseries.reset_index(drop=True)
    steps = frame["step"].to_numpy()
    years = (steps - 1) // WEEKS_PER_YEAR + 1
    rows: dict[tuple, dict] = {}

    def row(period: str, index: np.ndarray) -> dict:
        last = int(index[-1])
        key = ({"horizon": 0, "year": 1, "week": 2}[period], int(steps[last]))
        return rows.setdefault(key, {
            "period": period, "year": int(years[last]), "step": int(steps[last]),
            "date": str(frame["date"].iloc[last]),
        })

    for name, o in outcomes.items():
        values = frame[o["metric"]].to_numpy(dtype=float)
        if o["when"] == "weekly":
            for k in range(len(frame)):
                row("week", np.array([k]))[name] = float(values[k])
            continue
        if o["when"] == "horizon":
            groups = [np.arange(len(frame))]
        else:
            groups = [np.flatnonzero(years == y) for y in np.unique(years)]
        for index in groups:
            part = values[index]
            value = {"last": part[-1], "mean": part.mean(), "sum": part.sum(),
                     "min": part.min(), "max": part.max()}[o["aggregate"]]
            row(PERIOD[o["when"]], index)[name] = float(value)
    return [rows[k] for k in sorted(rows)]


def task_frame(task: RunTask, rows: list[dict]):
    """The tidy rows of one run as a DataFrame with its identifying columns."""
    import pandas as pd

    ident: dict[str, Any] = {"experiment": task.experiment, "point": task.point}
    if task.label is not None:
        ident["label"] = task.label
    ident |= {"replication": task.replication, "seed": task.seed, "run": task.run_id}
    ident |= task.values
    records = [{**ident, **{k: r.get(k) for k in ("period", "year", "step", "date")},
                **{name: r.get(name, math.nan) for name in task.outcomes}} for r in rows]
    return pd.DataFrame.from_records(records)


def run_task(task: RunTask) -> RunOutcome:
    """Run one (point, replication): the model, its outcome rows, as Parquet bytes.

    Any exception is caught and returned as the run's error, so one failing run never stops
    an experiment (and a Dask cluster never retries a run that fails by itself).
    """
    start = time.perf_counter()
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from sim.runs.output import run_replication
        from sim.scenario.schema import Scenario

        scenario = Scenario.model_validate(task.scenario)
        result = run_replication(scenario, task.replication, task.seed)
        frame = task_frame(task, reduce_outcomes(result.timeseries, task.outcomes))
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
        return RunOutcome(task.run_id, True, buf.getvalue(),
                          seconds=time.perf_counter() - start)
    except Exception as exc:  # a failed run is recorded; the experiment goes on
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        return RunOutcome(task.run_id, False, error=detail + where,
                          seconds=time.perf_counter() - start)


# ----------------------------------------------------------------------------- driver
def run_experiment(
    exp: Experiment,
    out_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    scheduler: Any = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool = True,
    analyse: bool = True,
) -> dict[str, int]:
    """Run every run of ``exp`` not yet stored in ``out_dir``; then collect the dataset.

    Args:
        exp: The loaded experiment.
        out_dir: The experiment folder (the run store).
        workers: Local worker processes (1: this process).
        scheduler: Dask scheduler address, ``Client`` or ``LocalCluster``; None for local.
        resume: Continue in a folder that already holds this (or an earlier) experiment:
            stored runs are kept, only the rest run.
        retry_failed: With ``resume``, run the failed runs again too.
        progress: Show a progress bar.
        analyse: Write the analyses after collecting.

    Returns:
        The number of runs ``done``, ``failed`` and ``pending`` at the end.

    Raises:
        ScenarioError: If ``out_dir`` holds an experiment and ``resume`` is not given.
    """
    import datetime as dt

    from sim.runs.executors import Progress, execute
    from sim.runs.store import RunStore, Throttle, collect

    store = RunStore(Path(out_dir))
    if store.has_manifest() and not resume:
        raise ScenarioError(
            "already holds an experiment; add --resume to continue it, or choose another --out",
            file=str(out_dir),
        )
    if resume:
        store.clean_partial()
    started = dt.datetime.now(dt.UTC).isoformat()
    statuses = {t.run_id: store.status(t.run_id) for t in exp.tasks}
    skip = {"done", "failed"} if not retry_failed else {"done"}
    todo, seen = [], set()
    for t in exp.tasks:
        if statuses[t.run_id] not in skip and t.run_id not in seen:
            todo.append(t)
            seen.add(t.run_id)
    seconds = store.run_seconds() if resume else {}  # each run's time in its worker
    store.write_manifest(exp, statuses, started=started, seconds=seconds)
    bar = Progress(len(exp.tasks), len(exp.tasks) - len(todo), exp.spec.name, progress)
    refresh = Throttle(5.0)

    def on_done(outcome: RunOutcome) -> None:
        store.record(outcome)
        statuses[outcome.run_id] = "done" if outcome.ok else "failed"
        seconds[outcome.run_id] = outcome.seconds
        bar.update(outcome)
        if refresh():
            store.write_manifest(exp, statuses, started=started, seconds=seconds)

    try:
        execute(todo, on_done, workers=workers, scheduler=scheduler)
    finally:
        bar.close()
        store.write_manifest(exp, statuses, started=started, finished=True, seconds=seconds)
    _, counts = collect(store.root, analyse=analyse)
    return counts

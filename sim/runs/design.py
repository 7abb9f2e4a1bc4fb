"""From an experiment file to its runs: parameters, design points, seeds and run tasks.

:func:`load_experiment` reads an experiment file (its keys declared in :mod:`sim.runs.spec`),
loads the base scenario, checks every parameter path, range and design point against the
scenario schema, and builds the :class:`Experiment`: its points and one
:class:`~sim.runs.tasks.RunTask` per point and replication. A problem is one line naming the
experiment file, the line and the key. Parameters are scenario key paths in the syntax of
``--set`` (``economy.rent.level``, ``interventions.0.budget_eur_per_year``).

Each run is a pure function of its task (resolved scenario, point, seed), so results do not
depend on where or in which order runs execute. Seeds derive from (experiment seed, point,
replication) only (:func:`run_seed`); a run's id is a hash of what determines its result
(:func:`run_id`). Called by :mod:`sim.runs.experiments` (which runs the tasks), the store
(:class:`Experiment` in the manifest) and :mod:`sim.runs.ema`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from sim import __version__
from sim.errors import ScenarioError, format_key_path, show_value
from sim.limits import MAX_MAP_BYTES, MAX_POINTS, MAX_RUNS
from sim.runs.spec import DEFAULT_ANALYSES, DESIGNS, ExperimentSpec, Param, spec_error
from sim.runs.tasks import RunTask, canonical_json, settings_of
from sim.scenario.loading import (
    build_town,
    load_scenario,
    load_yaml,
    parse_override,
    scenario_source,
)
from sim.scenario.messages import describe_error
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import ReadError, read_text

__all__ = [
    "Experiment",
    "Parameter",
    "apply_point",
    "inline_map",
    "key_path",
    "load_experiment",
    "resolve_scenario",
    "run_id",
    "run_seed",
]


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
    """sha256 of the canonical JSON of (resolved scenario without its title and description,
    point, seed, package version).

    The point is its number in the design and its values, so a design that lists the same
    values twice (Morris trajectories may meet) stores two runs.
    """
    text = canonical_json({"scenario": settings_of(scenario),
                           "point": {"index": point, "values": values},
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


def resolve_scenario(data: dict) -> dict:
    """Validate a scenario dict; return it with every value given (JSON types)."""
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
    try:
        empty = not read_text(Path(path)).strip()
    except ReadError:
        empty = False  # load_yaml says what is wrong with it
    if empty:
        raise ScenarioError("the file is empty; an experiment needs name, scenario, "
                            "outcomes and design", file=label)
    data, lines = load_yaml(path)
    if not any(isinstance(k, str) and k in ExperimentSpec.model_fields for k in data):
        raise ScenarioError(  # quote nothing of a file that is not ours (experiment .env)
            f"not an experiment file: none of its {len(data)} top-level keys is an experiment "
            "key such as name, scenario, outcomes or design", file=label)
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        design = data.get("design", {}).get("type") if isinstance(data.get("design"), dict) \
            else None
        raise spec_error(exc, label, lines, design=design) from exc
    design_type = spec.design.get("type")
    if design_type not in DESIGNS:
        raise ScenarioError(
            f"must be one of {', '.join(DESIGNS)} (got {show_value(design_type)})",
            file=label, line=lines.nearest(("design", "type")), key_path="design.type",
        )
    try:
        design = DESIGNS[design_type].model_validate(spec.design)
    except ValidationError as exc:
        raise spec_error(exc, label, lines, ("design",), design_type) from exc

    def fail(message: str, *loc: object) -> ScenarioError:
        return ScenarioError(message, file=label, line=lines.nearest(loc), key_path=loc)

    # The base scenario, relative to the experiment file, with the fixed `set` values.
    scenario_path = Path(path).parent / spec.scenario
    if not scenario_path.is_file():
        raise fail(f"scenario file not found: {os.path.normpath(scenario_path)}", "scenario")
    scenario = load_scenario(os.path.normpath(scenario_path))
    base = inline_map(scenario.model_dump(mode="json"), scenario)
    for name, value in spec.set.items():
        try:
            base = apply_point(base, {name: value})
            base = resolve_scenario(base)
        except ScenarioError as exc:
            raise fail(exc.message, "set", name) from None
        except ValueError as exc:  # includes ValidationError
            text = _scenario_problem(exc) if isinstance(exc, ValidationError) else str(exc)
            raise fail(text, "set", name) from None

    parameters = _parameters(spec, base, design_type, fail)
    _check_outcomes(spec, scenario, fail)
    _check_size(spec, design, parameters, fail)
    points, labels, sample = _points(spec, design, parameters, base, fail)
    exp = Experiment(spec, Path(path), base, parameters, points, labels, sample)
    exp.tasks = _tasks(exp, design_type, fail)
    return exp



def _require(module: str) -> None:
    """A one-line error if an optional dependency of experiments is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ScenarioError(f"experiments need {module}: install the optional extra with "
                            "pip install -e '.[experiments]'")


def inline_map(data: dict, scenario: Any) -> dict:
    """Put a ``town.map_file`` into the scenario as ``town.map`` so workers need no files.

    Also used by :mod:`sim.runs.calibration_design` for a calibration's base scenario.
    """
    map_file = data.get("town", {}).get("map_file")
    if map_file is not None:
        source = scenario_source(scenario)
        base = source.parent if source is not None else Path.cwd()
        try:  # read (and checked) by load_scenario a moment ago
            data["town"]["map"] = read_text(base / map_file, MAX_MAP_BYTES)
        except ReadError as exc:
            raise ScenarioError(exc.message, file=str(base / map_file)) from None
        data["town"]["map_file"] = None
    return data


def design_size(design: Any, n_params: int, levels: list[int]) -> int:
    """How many points a design makes, computed before making them.

    Args:
        design: The validated design (grid, list, lhs, morris or sobol).
        n_params: Number of parameters.
        levels: Number of grid levels of each parameter (grid designs).
    """
    if design.type == "grid":
        return math.prod(levels)
    if design.type == "list":
        return len(design.points)
    if design.type == "lhs":
        return design.samples
    if design.type == "morris":
        return (design.optimal_trajectories or design.trajectories) * (n_params + 1)
    return design.samples * (2 * n_params + 2 if design.second_order else n_params + 2)


def _check_size(spec: ExperimentSpec, design: Any, params: list[Parameter], fail) -> None:
    """Refuse a design of more than :data:`~sim.limits.MAX_POINTS` points or
    :data:`~sim.limits.MAX_RUNS` runs before it is made (a grid of 1000 x 1000 x 1000
    points would fill the memory while being listed)."""
    levels = [len(p.spec.values) if p.spec.values is not None else (p.spec.steps or 2)
              for p in params]
    points = design_size(design, len(params), levels)
    if points > MAX_POINTS:
        raise fail(f"the design has {points:,} points; at most {MAX_POINTS:,} are allowed "
                   "(split the experiment, or use fewer levels or samples)", "design")
    runs = points * spec.replications
    if runs > MAX_RUNS:
        raise fail(f"{points:,} points x {spec.replications:,} replications make {runs:,} "
                   f"runs; at most {MAX_RUNS:,} are allowed", "replications")


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
                    resolve_scenario(apply_point(base, {name: value}))
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
    from sim.model.model import METRICS  # the model (and its compiled kernels) only when needed

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
                    if isinstance(value, (dict, list)):
                        raise fail(f"must be a single value: a number, text, a date, "
                                   f"true/false or null (got {show_value(value)})",
                                   "design", "points", i, p.name)
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
                resolved_cache[key] = resolve_scenario(apply_point(exp.base, values))
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


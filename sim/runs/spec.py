"""What an experiment file may say: its schema, and its problems as one line.

An experiment file (``experiments/*.yaml``) names a base scenario, the **uncertainties**
(parameters nobody controls) and **levers** (instrument settings) with their ranges, the
**outcomes** to read from each run and when, the replications per point, and a **design**
(``grid``, ``list``, ``lhs``, ``morris``, ``sobol``). :class:`ExperimentSpec` declares every key;
:func:`spec_error` turns pydantic's errors into one line naming the file, the line and the key::

    experiments/x.yaml:9: uncertainties.economy.rent.lvl: unknown key; did you mean 'level'?

Called by :mod:`sim.runs.experiments` (``load_experiment``) and :mod:`sim.runs.design`. See
docs/experiments.md for every key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError
from sim.scenario.messages import spec_problem
from sim.scenario.yaml_lines import KeyPath, LineIndex

__all__ = [
    "DEFAULT_ANALYSES",
    "DESIGNS",
    "ExperimentSpec",
    "Outcome",
    "Param",
    "spec_error",
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Param(_Spec):
    """The range of one uncertainty or lever.

    ``min``/``max`` give a numeric range (``steps`` values for a grid); ``values`` gives the
    explicit levels (numbers, text, true/false) for a grid, or the categories for sampling.
    """

    min: float | None = None
    max: float | None = None
    steps: int | None = Field(None, ge=2, le=1000)
    values: list[bool | int | float | str | dt.date | None] | None = Field(None, min_length=1)

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


def spec_error(
    exc: ValidationError, label: str, lines: LineIndex, prefix: KeyPath = (),
    design: str | None = None,
) -> ScenarioError:
    """The first (by line) problem of a spec as a one-line ScenarioError."""
    return spec_problem(exc, label, lines, lambda loc: _spec_model_at(loc, design), prefix)


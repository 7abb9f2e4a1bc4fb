"""The scenario schema as a list of numbers with their ranges, for the fuzz tests.

:func:`full_scenario` is a small scenario (kleinstad, 300 agents, one year) with every
registered instrument and shock switched on and a funding round, so that every parameter of
the schema is in it; :func:`numeric_leaves` lists each number in it with its key path and the
range the schema declares.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.interventions import INSTRUMENTS, SHOCKS
from sim.scenario.schema import Scenario

#: Leaves whose extremes only make the run long (its size), not wrong: held small here.
SIZE = {("years",), ("warmup_years",), ("population", "agents")}


def full_scenario() -> dict:
    """A one-year kleinstad scenario with every instrument, every shock and a funding round."""
    shocks = {"lockdown": {"start": "2019-03-04", "end": "2019-05-06"},
              "support_scheme": {"start": "2019-03-04", "end": "2019-09-30"},
              "chain_bankruptcy": {"start": "2019-04-01", "sector": "comparison"}}
    return {
        "name": "full", "years": 1, "warmup_years": 0, "town": {"preset": "kleinstad"},
        "population": {"agents": 300},
        "funding": [{"name": "round", "start": "2019-01-07", "end": "2019-12-30"}],
        "interventions": [{"type": t, "start": "2019-01-07"} for t in INSTRUMENTS],
        "shocks": [{"type": t, **shocks.get(t, {"start": "2019-03-04"})} for t in SHOCKS],
    }


@dataclass(frozen=True)
class Leaf:
    """One number of the scenario: its key path, value and declared range."""

    path: tuple
    value: float
    integer: bool
    low: float | None
    low_open: bool
    high: float | None
    high_open: bool

    @property
    def key(self) -> str:
        return ".".join(map(str, self.path))

    def ends(self) -> list[float]:
        """The smallest and the largest value the range allows."""
        step = 1 if self.integer else None
        out = []
        if self.low is not None:
            out.append(self.low + (step or max(abs(self.low) * 1e-9, 1e-9))
                       if self.low_open else self.low)
        if self.high is not None:
            out.append(self.high - (step or max(abs(self.high) * 1e-9, 1e-9))
                       if self.high_open else self.high)
        return out


def _unwrap(tp: object) -> object:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _leaf(path: tuple, field: FieldInfo, value: float) -> Leaf:
    low = high = None
    low_open = high_open = False
    for m in field.metadata:
        if isinstance(m, at.Ge):
            low = m.ge
        elif isinstance(m, at.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, at.Le):
            high = m.le
        elif isinstance(m, at.Lt):
            high, high_open = m.lt, True
    return Leaf(path, value, isinstance(value, int), low, low_open, high, high_open)


def numeric_leaves(model: BaseModel, path: tuple = ()) -> list[Leaf]:
    """Every number in a validated scenario (or part of one), with its declared range."""
    out: list[Leaf] = []
    for name, field in type(model).model_fields.items():
        value, here = getattr(model, name), (*path, name)
        if isinstance(value, BaseModel):
            out += numeric_leaves(value, here)
        elif isinstance(value, list):
            out += [leaf for i, item in enumerate(value) if isinstance(item, BaseModel)
                    for leaf in numeric_leaves(item, (*here, i))]
        elif isinstance(value, dict):
            inner = FieldInfo.from_annotation(typing.get_args(_unwrap(field.annotation))[1])
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    out += numeric_leaves(item, (*here, key))
                elif isinstance(item, (int, float)) and not isinstance(item, bool):
                    out.append(_leaf((*here, key), inner, item))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(_leaf(here, field, value))
    return out


def set_path(data: dict, path: tuple, value: object) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


FULL = Scenario.model_validate(full_scenario())
LEAVES = [leaf for leaf in numeric_leaves(FULL) if leaf.path not in SIZE]

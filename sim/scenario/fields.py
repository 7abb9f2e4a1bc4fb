"""The vocabulary of scenarios and the helpers every schema section uses.

The categories the model distinguishes (sectors, trip purposes, income and taste classes,
homes, entry points), the strict base model (unknown keys are errors), :func:`param` (a
documented field: default, description with source, unit and range) and values given per
category. Imported by every section of the scenario schema and by the instrument and shock
modules, which declare their own parameters (:mod:`sim.model.instruments`).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

SECTORS = ("comparison", "daily", "food_beverage", "services", "leisure")
PURPOSES = ("daily", "comparison", "leisure")
INCOME_CLASSES = ("low", "middle", "high")
TASTE_CLASSES = ("run", "fun", "food")
#: Where visitors come from: residents of the centre, of the rest of the city and of the region,
#: tourists and people who work in the centre (commuters).
GROUPS = ("centre", "city", "region", "tourist", "commuter")
#: The groups that arrive at entry points (all but the centre's residents).
OUTSIDE_GROUPS = GROUPS[1:]
#: How visitors from outside the centre arrive: at the map's entry points, or walking or
#: cycling in from the neighbourhoods around it at a street end on the map's edge.
ENTRY_KINDS = ("station", "car_park", "bus_stop", "bike_park", "walk_in")
PRESET_NAMES = ("kleinstad", "middelstad", "grootstad")


def param(default, description: str, unit: str, **limits):
    """A documented field: default, description with source, unit and range."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **limits)


Share = Annotated[float, Field(ge=0.0, le=1.0)]
#: A value per category (per sector, per trip purpose): never negative, never huge.
CategoryValue = Annotated[float, Field(ge=0.0, le=1e6)]
#: The dates a scenario may name (matplotlib, the calendar and the online-share paths cope).
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


class Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too. Numbers must be
    finite (no NaN or infinity) and numbers, not true/false (YAML's ``years: true`` would
    count as 1); dates lie between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @model_validator(mode="wrap")
    @classmethod
    def _plain_numbers_and_dates(cls, data: Any, handler: Any) -> Any:
        if isinstance(data, dict):
            _refuse(cls, [((name, *key), value) for name, value in data.items()
                          if name in cls.model_fields
                          for key, value in _booleans(cls.model_fields[name].annotation, value)],
                    "bool_number", "must be a number, not {value}")
        model = handler(data)
        if isinstance(model, Strict):
            _refuse(cls, [((name,), value) for name in cls.model_fields
                          if isinstance(value := getattr(model, name, None), dt.date)
                          and not EARLIEST_DATE <= value <= LATEST_DATE],
                    "range_of_date", f"must be a date from {EARLIEST_DATE} to {LATEST_DATE}")
        return model


def _booleans(annotation: object, value: Any) -> list[tuple[tuple, Any]]:
    """``(key, value)`` of each true/false where ``annotation`` wants a number: the value itself
    (key ``()``), or an item of a mapping of numbers (key ``(item,)``)."""
    if isinstance(value, bool) and _numeric(annotation):
        return [((), value)]
    if isinstance(value, dict) and typing.get_origin(annotation) is dict \
            and _numeric(typing.get_args(annotation)[1]):
        return [((k,), v) for k, v in value.items() if isinstance(v, bool)]
    return []


def _refuse(cls: type, found: list[tuple[tuple, Any]], kind: str, message: str) -> None:
    """Raise pydantic's ValidationError for each ``(location, value)`` in ``found``, so the
    error names the key (a plain ValueError here would name only the section)."""
    if found:
        raise ValidationError.from_exception_data(cls.__name__, [
            InitErrorDetails(type=PydanticCustomError(kind, message, {"value": _shown(value)}),
                             loc=loc, input=value)
            for loc, value in found])


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _numeric(annotation: object) -> bool:
    """True for int and float (also inside Annotated or ``X | None``), never for bool."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _numeric(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_numeric(a) for a in typing.get_args(annotation))
    return annotation in (int, float)


Zone = Literal["core", "edge", "all", "squares"]


def eur(x: float) -> str:
    """An amount in euros as plain text: ``EUR 1,500``."""
    return f"EUR {x:,.0f}"


class PerPurpose(Strict):
    """A value per trip purpose."""

    daily: CategoryValue
    comparison: CategoryValue
    leisure: CategoryValue


class RatioPerPurpose(PerPurpose):
    """A multiplier per trip purpose relative to normal: at most 2, since a shock or policy
    that doubles trips lies far outside anything recorded."""

    daily: float = Field(ge=0.0, le=2.0)
    comparison: float = Field(ge=0.0, le=2.0)
    leisure: float = Field(ge=0.0, le=2.0)


class PerGroup(Strict):
    """A value per visitor group (where visitors come from)."""

    centre: float = Field(ge=0.0, le=1e7)
    city: float = Field(ge=0.0, le=1e7)
    region: float = Field(ge=0.0, le=1e7)
    tourist: float = Field(ge=0.0, le=1e7)
    commuter: float = Field(ge=0.0, le=1e7)

    def array(self) -> np.ndarray:
        """(G,) the values in ``GROUPS`` order."""
        return np.array([getattr(self, g) for g in GROUPS], dtype=float)


class RatioPerGroup(PerGroup):
    """A multiplier per visitor group relative to normal: at most 2 (see RatioPerPurpose)."""

    centre: float = Field(ge=0.0, le=2.0)
    city: float = Field(ge=0.0, le=2.0)
    region: float = Field(ge=0.0, le=2.0)
    tourist: float = Field(ge=0.0, le=2.0)
    commuter: float = Field(ge=0.0, le=2.0)


class PerSector(Strict):
    """A value per sector."""

    comparison: CategoryValue
    daily: CategoryValue
    food_beverage: CategoryValue
    services: CategoryValue
    leisure: CategoryValue

    def array(self) -> np.ndarray:
        """(S,) the values in ``SECTORS`` order."""
        return np.array([getattr(self, s) for s in SECTORS], dtype=float)


class SharePerSector(PerSector):
    """A share (0 to 1) per sector."""

    comparison: float = Field(ge=0.0, le=1.0)
    daily: float = Field(ge=0.0, le=1.0)
    food_beverage: float = Field(ge=0.0, le=1.0)
    services: float = Field(ge=0.0, le=1.0)
    leisure: float = Field(ge=0.0, le=1.0)


def per_sector(description: str, unit: str, **values: float):
    """A documented per-sector field with default ``values``."""
    return Field(
        default_factory=lambda: PerSector(**values),
        description=description,
        json_schema_extra={"unit": unit},
    )

"""The vocabulary of scenarios and the helpers every schema section uses.

The categories the model distinguishes (sectors, trip purposes, income and taste classes,
homes, entry points), the strict base model (unknown keys are errors), :func:`param` (a
documented field: default, description with source, unit and range) and values given per
category. Imported by every section of the scenario schema and by the instrument and shock
modules, which declare their own parameters (:mod:`sim.model.instruments`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

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


class Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


Zone = Literal["core", "edge", "all", "squares"]


def eur(x: float) -> str:
    """An amount in euros as plain text: ``EUR 1,500``."""
    return f"EUR {x:,.0f}"


class PerPurpose(Strict):
    """A value per trip purpose."""

    daily: float
    comparison: float
    leisure: float


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


class PerSector(Strict):
    """A value per sector."""

    comparison: float
    daily: float
    food_beverage: float
    services: float
    leisure: float

    def array(self) -> np.ndarray:
        """(S,) the values in ``SECTORS`` order."""
        return np.array([getattr(self, s) for s in SECTORS], dtype=float)


def per_sector(description: str, unit: str, **values: float):
    """A documented per-sector field with default ``values``."""
    return Field(
        default_factory=lambda: PerSector(**values),
        description=description,
        json_schema_extra={"unit": unit},
    )

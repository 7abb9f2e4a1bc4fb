"""Public-space investment: works in chosen streets and squares make the units there more
attractive, for good. ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.fields import Zone, eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@dataclass
class Works:
    """What has been spent on the works so far."""

    spent: float = 0.0



@register_instrument
class PublicSpace(Instrument):
    """Investment in chosen streets and squares."""

    title_text: ClassVar[str] = "Public-space investment"

    type: Literal["public_space"]
    area: Zone | tuple[int, int, int, int] = Field(
        "squares", description="Where: core, edge, all, squares, or a cell rectangle "
        "[x0, y0, x1, y1].")
    investment_eur: float = param(3_000_000.0, "Total investment, spread over the period "
                               "(or over one year if open-ended).", "EUR", ge=0, le=1e10)
    attractiveness_gain: float = param(
        0.2, "Utility gain of units facing the improved cells, reached at the end of the "
        "works and kept afterwards. Assumption (public-realm upgrades raise footfall by some "
        "10-20%).", "-", ge=0, le=5)
    radius_cells: int = param(3, "Units within this many cells of an improved cell benefit.",
                           "cells", ge=0, le=50)

    def what(self) -> str:
        where = self.area if isinstance(self.area, str) else f"cells {list(self.area)}"
        return (f"public space works in {where}, making the units there more attractive "
                f"(+{self.attractiveness_gain:g} utility). Cost {eur(self.investment_eur)}.")

    def new_state(self, model: CityCentre) -> Works:
        return Works()

    def act(self, model: CityCentre, state: Works, active: bool) -> None:
        """Works spread the investment over the period (a year if open-ended); units near the
        improved cells gain attractiveness in proportion to the works done, and keep it."""
        zones, muni = model.zones, model.municipality
        area = self.area
        if isinstance(area, str):
            mask = (zones.near(zones.square_cells, self.radius_cells) if area == "squares"
                    else zones.mask(area))
        else:
            mask = zones.near(zones.street_cells(area), self.radius_cells)
        spent = state.spent
        if spent < self.investment_eur:
            weeks = max(((self.end - self.start).days / 7) if self.end else 52.0, 1.0)
            amount = min(self.investment_eur / weeks, self.investment_eur - spent)
            if muni.pay("public_space", amount):
                spent += amount
                state.spent = spent
        done = spent / self.investment_eur if self.investment_eur > 0 else 1.0
        muni.public_bonus[:] = np.maximum(muni.public_bonus,
                                          np.where(mask, self.attractiveness_gain * done, 0))

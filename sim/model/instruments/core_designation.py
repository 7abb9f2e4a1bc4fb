"""Core designation (concentreren): a compact core; outside it retail zoning lapses.

Once the new land-use plan is in force (a procedure of one to two years), premises outside the
designated core can no longer be let to shops and may become homes; the core itself is
protected from conversion. With a relocation grant, shops outside move into vacant core
units; a move is a letting like any other (fit-out time, the highest letting rate), so the
core keeps its frictional vacancy. The zoning stays after the instrument ends. G40
kennisdossier vitale binnensteden; ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@dataclass
class Designation:
    """The designated core, fixed the first week the instrument acts."""

    core: np.ndarray | None = None  # (P,) bool
    zoned: bool = False  # the land-use plan is in force



@register_instrument
class CoreDesignation(Instrument):
    """Concentreren: a compact core; outside it retail zoning lapses (G40 kennisdossier)."""

    title_text: ClassVar[str] = "Core designation"

    type: Literal["core_designation"]
    core_walk_m: float = param(250.0, "Walking distance from the busiest point that bounds the "
                            "designated core (unless `area` is given).", "m", gt=0, le=10000)
    area: tuple[int, int, int, int] | None = Field(
        None, description="A map zone instead of a walking distance: the premises inside the "
        "cell rectangle [x0, y0, x1, y1] (inclusive) form the core.")
    relocation_support_eur: float = param(
        0.0, "Grant per shop that moves from outside into a vacant core unit (0: none).",
        "EUR", ge=0, le=1e7)
    relocation_rate_per_year: float = param(
        0.15, "Yearly probability that a supported shop outside the core looks for a core "
        "unit; it moves when a vacant, fitted-out core unit signs with it (at the highest "
        "letting rate, `economy.shops.entry_rate_per_year`). Assumption.", "1/year", ge=0,
        le=1)
    procedure_years: float = param(
        1.5, "Years before the new land-use plan (bestemmingsplan) is in force and retail "
        "zoning outside the core lapses. stedelijketransformatie.nl (2022): compacting is 'a "
        "process of long breath'; a plan change takes one to two years (assumption).",
        "years", ge=0, le=10)
    cost_eur_per_year: float = param(50_000.0, "Planning and zoning work. Assumption.",
                                     "EUR/year", ge=0, le=1e8)

    def what(self) -> str:
        move = (f", {eur(self.relocation_support_eur)} per shop relocating into the core"
                if self.relocation_support_eur else "")
        where = (f"in the map zone {list(self.area)}" if self.area else
                 f"within {self.core_walk_m:.0f} m of the busiest point")
        return (f"a compact core {where}; outside "
                f"it vacant units may not be let to shops and may become homes{move}. Cost "
                f"{eur(self.cost_eur_per_year)} a year{' plus grants' if move else ''}.")

    def new_state(self, model: CityCentre) -> Designation:
        return Designation()

    def act(self, model: CityCentre, state: Designation, active: bool) -> None:
        """Designate the core once (zoning lapses outside it); while active, pay the planning
        work and move supported shops from outside into vacant core units."""
        premises = model.premises
        if state.core is None:
            if self.area is None:
                state.core = premises.walk_to_busiest_m <= self.core_walk_m
            else:
                state.core = model.zones.rectangle(self.area)
            model.record("core_designation", -1, -1, f"{int(state.core.sum())} units in the "
                         f"core; the land-use plan in {self.procedure_years:g} years")
        core = state.core
        if not state.zoned and (model.date - self.start).days >= self.procedure_years * 365.25:
            state.zoned = True
            premises.retail_zoned &= core
            premises.housing_zoned[:] = ~core
            model.record("core_designation", -1, -1,
                         f"land-use plan in force: {int((~core).sum())} units lose retail zoning")
        if not active:
            return  # the zoning stays
        model.municipality.pay("core_designation", self.cost_eur_per_year / 52)
        if self.relocation_support_eur <= 0:
            return
        rng = model.stream("relocation")
        outside = np.flatnonzero(premises.open & ~core)
        movers = outside[rng.random(outside.size) < self.relocation_rate_per_year / 52]
        # A move is a letting: the mover and the owner still agree a lease, and the mover fits
        # out the emptied unit. A supported mover is the best candidate a unit can have, so it
        # signs at the highest letting rate, no faster (ODD 7.9.2).
        rate = model.params.economy.shops.entry_rate_per_year * model.municipality.letting_factor
        signs = (premises.vacant & core & premises.retail_zoned & model.shops.fitted_out()
                 & (rng.random(len(premises)) < -np.expm1(-rate / 52)))
        footfall = model.footfall.at_premises()
        for p in movers:
            if not signs.any() or not model.municipality.pay("core_designation",
                                                             self.relocation_support_eur):
                return
            q = int(np.flatnonzero(signs)[np.argmax(footfall[signs])])
            signs[q] = False
            model.shops.relocate(int(p), q)
            premises.reserve[q] += self.relocation_support_eur

"""Lockdown: the corona measures: fewer trips, closed sectors, an online jump, support.

While it lasts, visit rates per purpose are cut, some sectors (and culture) may not open,
the online share of comparison and daily goods jumps and the state pays a share of closed
businesses' costs; after it, part of the online jump stays. ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from sim.scenario.fields import PURPOSES, SECTORS, PerPurpose, param
from sim.scenario.interventions import Shock, register_shock

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_shock
class Lockdown(Shock):
    """Corona measures: fewer trips, closed sectors, a jump in online shopping, support."""

    title_text: ClassVar[str] = "Lockdown"

    type: Literal["lockdown"]
    end: dt.date = Field(..., description="Last day of the measures.")
    footfall_multiplier: PerPurpose = Field(
        default_factory=lambda: PerPurpose(daily=0.4, comparison=0.15, leisure=0.1),
        description="Visit rates per purpose relative to normal. Locatus via nieuws.nl "
        "(2020): footfall about 25% of normal in March 2020.")
    closed_sectors: list[Literal["comparison", "daily", "food_beverage", "services",
                                 "leisure", "culture"]] = Field(
        default_factory=lambda: ["food_beverage", "leisure", "culture"],
        description="Sectors that may not open.")
    online_jump: float = param(0.08, "Added to the online share of comparison and daily goods "
                            "while it lasts. Thuiswinkel (2021): above 22% in lockdown vs 16%.",
                            "share", ge=0, le=1)
    online_persistence: float = param(0.4, "Share of the jump that stays after the end. "
                                   "Domain brief: partly back in 2022.", "share", ge=0, le=1)
    support_share: float = param(
        0.0, "Share of rent and fixed costs of closed businesses paid by the national "
        "government (TVL/NOW) while it lasts; supported businesses do not fail during it.",
        "share", ge=0, le=1)

    def what(self) -> str:
        closed = ", ".join(self.closed_sectors) or "none"
        sup = (f"; the government pays {self.support_share:.0%} of closed businesses' rent "
               f"and fixed costs" if self.support_share else "; no support payments")
        return (f"visits at {self.footfall_multiplier.daily:.0%} (daily), "
                f"{self.footfall_multiplier.comparison:.0%} (comparison), "
                f"{self.footfall_multiplier.leisure:.0%} (leisure) of normal; closed: {closed}; "
                f"online share +{self.online_jump:.0%}{sup}.")

    def strike(self, model: CityCentre) -> None:
        """Cut visits, close sectors and raise online shares while in force; after the end,
        keep the persistent part of the online jump."""
        cond = model.conditions
        date = model.date
        online_retail = [SECTORS.index("comparison"), SECTORS.index("daily")]
        if self.active(date):
            cond.visit_multiplier *= [getattr(self.footfall_multiplier, p) for p in PURPOSES]
            for s in self.closed_sectors:
                if s == "culture":
                    cond.culture_closed = True
                else:
                    cond.closed_sectors[SECTORS.index(s)] = True
            cond.online_by_sector[online_retail] += self.online_jump
            cond.lockdown_support = max(cond.lockdown_support, self.support_share)
        elif date > self.end:
            cond.online_by_sector[online_retail] += self.online_jump * self.online_persistence

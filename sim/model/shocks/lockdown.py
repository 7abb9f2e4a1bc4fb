"""Lockdown: corona measures: fewer visits, closed sectors, an online jump, changed spending.

While it lasts, trips per purpose are cut (daily shopping hardly: supermarket sales rose),
each visitor group comes less (tourists and commuters most), some sectors (and culture) may
not open, closed shops keep part of their sales (click-and-collect, shopping by appointment,
takeaway), daily baskets grow and the online share of comparison and daily goods jumps. After
it, part of the online jump stays and pent-up demand brings extra visits for some weeks. The
same shock with no closed sectors describes the distancing measures between the lockdowns.
The money the state and owners paid is a separate shock (:mod:`.support_scheme`).
``docs/ODD.md`` section 7.19.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from sim.scenario.fields import (
    PURPOSES,
    SECTORS,
    RatioPerGroup,
    RatioPerPurpose,
    SharePerSector,
    param,
)
from sim.scenario.interventions import Shock, register_shock

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_shock
class Lockdown(Shock):
    """Corona measures: fewer visits, closed sectors, click-and-collect, an online jump."""

    title_text: ClassVar[str] = "Lockdown"

    type: Literal["lockdown"]
    end: dt.date = Field(..., description="Last day of the measures.")
    footfall_multiplier: RatioPerPurpose = Field(
        default_factory=lambda: RatioPerPurpose(daily=0.9, comparison=0.3, leisure=0.2),
        description="Share of trips made per purpose. Daily shopping is hardly cut: CBS and "
        "Nielsen, supermarket sales +35% in March 2020; comparison and leisure trips fall "
        "with the closures (assumption for the sizes, with `visitor_multiplier` set so that "
        "footfall is about 25% of normal, Locatus via nieuws.nl 2020).")
    visitor_multiplier: RatioPerGroup = Field(
        default_factory=lambda: RatioPerGroup(centre=1.0, city=0.6, region=0.35, tourist=0.05,
                                         commuter=0.3),
        description="Visit rates per visitor group relative to normal: residents of the "
        "centre keep shopping near home, tourists stay away, commuters work from home "
        "(assumption for the sizes; Locatus via fashionunited.nl 2022 on the groups that "
        "stayed away).", json_schema_extra={"unit": "-"})
    closed_sectors: list[Literal["comparison", "daily", "food_beverage", "services",
                                 "leisure", "culture"]] = Field(
        default_factory=lambda: ["food_beverage", "leisure", "culture"],
        description="Sectors that may not open.")
    pickup_share: SharePerSector = Field(
        default_factory=lambda: SharePerSector(comparison=0.6, daily=1.0, food_beverage=0.4,
                                          services=0.0, leisure=0.0),
        description="Spending per visit at a closed shop relative to normal, for the visitors "
        "who still come: click-and-collect and shopping by appointment (comparison), takeaway "
        "(food & beverage); 0: no visits at all (hairdressers, leisure). Assumption.",
        json_schema_extra={"unit": "share"})
    daily_spend_multiplier: float = param(
        1.2, "Spending per visit of daily shopping relative to normal (fewer, larger baskets). "
        "CBS and Nielsen: supermarket sales +35% (March 2020), +6% (autumn), +13% before "
        "Christmas 2020.", "-", ge=0.5, le=3)
    online_jump: float = param(0.08, "Added to the online share of comparison and daily goods "
                               "while it lasts. Thuiswinkel (2021): above 22% in lockdown vs "
                               "16% in 2019.", "share", ge=0, le=1)
    online_substitution: float = param(
        0.1, "Share of the comparison and daily spending the measures keep out of the centre's "
        "shops (trips not made, smaller baskets at closed shops) that its visitors buy online "
        "instead; the rest is postponed, spent in shops near home or not spent. It counts in "
        "the `online_share` output only: the shops lose that spending either way. Assumption, "
        "set so that the online share of retail rises by about 7 points in the 2021 winter "
        "lockdown, as it did nationally: from 16% (2019) to above 22% (Thuiswinkel via "
        "nieuws.nl 2021).", "share", ge=0, le=1)
    online_persistence: float = param(
        0.25, "Share of the jump that stays after the end (of several lockdowns, the largest "
        "such part stays). Thuiswinkel and CBS: online shares fell back in 2022, partly. "
        "Assumption: a quarter stays (2 points of the 8).", "share", ge=0, le=1)
    pent_up_demand: float = param(
        0.15, "Extra visits right after the end, relative to normal, fading over "
        "`pent_up_weeks`. Assumption: shops reported queues on reopening.", "-", ge=0, le=2)
    pent_up_weeks: float = param(8.0, "Weeks over which pent-up demand fades (linearly).",
                                 "weeks", gt=0, le=52)

    def what(self) -> str:
        closed = ", ".join(self.closed_sectors) or "none"
        return (f"trips at {self.footfall_multiplier.daily:.0%} (daily), "
                f"{self.footfall_multiplier.comparison:.0%} (comparison), "
                f"{self.footfall_multiplier.leisure:.0%} (leisure) of normal; visitors from "
                f"the city at {self.visitor_multiplier.city:.0%}, the region at "
                f"{self.visitor_multiplier.region:.0%}, tourists at "
                f"{self.visitor_multiplier.tourist:.0%}, commuters at "
                f"{self.visitor_multiplier.commuter:.0%}; closed: {closed}; online share "
                f"+{self.online_jump:.0%}.")

    def strike(self, model: CityCentre) -> None:
        """Cut visits, close sectors, change spending and raise online shares while in force;
        after the end, pent-up demand and the persistent part of the online jump."""
        cond = model.conditions
        date = model.date
        online_retail = [SECTORS.index("comparison"), SECTORS.index("daily")]
        if self.active(date):
            cond.visit_multiplier *= [getattr(self.footfall_multiplier, p) for p in PURPOSES]
            cond.group_multiplier *= self.visitor_multiplier.array()
            for s in self.closed_sectors:
                if s == "culture":
                    cond.culture_closed = True
                else:
                    cond.closed_sectors[SECTORS.index(s)] = True
            pickup = self.pickup_share.array()
            cond.pickup_share[:] = pickup
            cond.spend_multiplier[cond.closed_sectors] *= pickup[cond.closed_sectors]
            cond.spend_multiplier[SECTORS.index("daily")] *= self.daily_spend_multiplier
            cond.online_by_sector[online_retail] += self.online_jump
            cond.online_substitution = max(cond.online_substitution, self.online_substitution)
        elif date > self.end:
            cond.online_lasting = max(cond.online_lasting,
                                      self.online_jump * self.online_persistence)
            weeks_after = (date - self.end).days / 7
            if weeks_after < self.pent_up_weeks:
                cond.group_multiplier *= 1.0 + self.pent_up_demand * (
                    1.0 - weeks_after / self.pent_up_weeks)

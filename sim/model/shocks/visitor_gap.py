"""Visitor gap: a behavioural gap in visits after a crisis, by where visitors come from.

After the corona years regional visitors, tourists and commuters came back slowly (Locatus
via fashionunited.nl 10-11-2022), and people who work from home part of the week commute
less for good. From ``start`` each visitor group's visit rate is multiplied by a factor that
moves from its initial value towards a lasting one, halving the distance every
``half_life_years``: footfall then has a gap of its own, apart from what vacancy does to the
centre's pull. The visitors who do come shop with more purpose: they spend a share
``spend_kept`` of the missing visits' spending on top of their own, so shops lose less
turnover than the streets lose passers-by. ``docs/ODD.md`` section 7.19.4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.fields import RatioPerGroup, param
from sim.scenario.interventions import Shock, register_shock

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_shock
class VisitorGap(Shock):
    """Visits per visitor group below normal after a crisis, recovering to a lasting level."""

    title_text: ClassVar[str] = "Visitor gap"

    type: Literal["visitor_gap"]
    initial: RatioPerGroup = Field(
        default_factory=lambda: RatioPerGroup(centre=1.0, city=0.9, region=0.8, tourist=0.6,
                                         commuter=0.65),
        description="Visit rates per group relative to normal at `start`. Locatus via "
        "fashionunited.nl (2022): regional visitors, tourists and commuters came back slowly "
        "(assumption for the sizes).", json_schema_extra={"unit": "-"})
    lasting: RatioPerGroup = Field(
        default_factory=lambda: RatioPerGroup(centre=1.0, city=1.0, region=0.97, tourist=1.0,
                                         commuter=0.85),
        description="The level each group's visit rate recovers to: commuters who work from "
        "home part of the week come about 15% less, a little fewer regional visitors "
        "(assumption).",
        json_schema_extra={"unit": "-"})
    half_life_years: float = param(
        1.0, "Years in which the distance to the lasting level halves. Assumption.", "years",
        gt=0, le=50)
    spend_kept: float = param(
        0.7, "Share of the spending of the visits not made that the visitors who do come "
        "spend on top (they come less often, with more purpose). Derived from the record of "
        "2022: shop turnover in the large cities 2% above 2019 (RetailSonar via "
        "fashionunited.nl 09-02-2023) at retail prices about 10% higher (CBS: 2021 +1.5%, "
        "2022 +7.3%), so about 93% of 2019 in volume, while their footfall was about 75% of "
        "2019 (Locatus via nhnieuws.nl 2024): (0.93 - 0.75) / (1 - 0.75) = 0.7; 0.8 with "
        "Locatus's -41% of November 2022. 0: spending follows visits.", "share", ge=0, le=1)

    def what(self) -> str:
        years = "year" if self.half_life_years == 1 else "years"
        return (f"visits from the region at {self.initial.region:.0%}, of tourists at "
                f"{self.initial.tourist:.0%} and of commuters at {self.initial.commuter:.0%} "
                f"of normal, recovering (half the gap in {self.half_life_years:g} {years}) to "
                f"{self.lasting.region:.0%}, {self.lasting.tourist:.0%} and "
                f"{self.lasting.commuter:.0%}; those who come spend {self.spend_kept:.0%} of "
                f"the missing visits' spending on top.")

    def strike(self, model: CityCentre) -> None:
        """Multiply each group's visits by this week's factor."""
        date = model.date
        if not self.active(date):
            return
        years = (date - self.start).days / 365.25
        keep = 0.5 ** (years / self.half_life_years)
        lasting = self.lasting.array()
        visits = lasting + (self.initial.array() - lasting) * keep
        model.conditions.group_multiplier *= visits
        missing = np.clip(1.0 - visits, 0.0, 1.0)  # no visits: nobody to spend it
        model.conditions.group_spend_multiplier *= 1.0 + self.spend_kept * np.divide(
            missing, visits, out=np.zeros_like(visits), where=(visits > 0) & (missing > 0))

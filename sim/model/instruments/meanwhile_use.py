"""Meanwhile use: the municipality brokers vacant units to cultural and creative users.

Its placements happen when cultural users look for premises
(:meth:`sim.model.venues.Venues.arrive`). ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_instrument
class MeanwhileUse(Instrument):
    """The municipality brokers vacant units to cultural and creative users."""

    title_text: ClassVar[str] = "Meanwhile use"

    type: Literal["meanwhile_use"]
    after_months: float = param(3, "Owners accept a brokered meanwhile user after this many "
                             "months vacant.", "months", ge=0, le=120)
    extra_users_per_year: float = param(6.0, "Extra cultural/creative users found by the broker "
                                     "per year, times the collaboration multiplier. "
                                     "Assumption.", "1/year", ge=0, le=1000)
    cost_per_lease_eur: float = param(3_000.0, "Brokering and fitting-out cost per lease.",
                                   "EUR", ge=0, le=1e6)
    cost_eur_per_year: float = param(40_000.0, "A part-time broker. Assumption.", "EUR/year",
                                  ge=0, le=1e7)

    def what(self) -> str:
        return (f"a broker places cultural and creative users in units vacant "
                f"{self.after_months:g}+ months (about {self.extra_users_per_year:g} extra a "
                f"year). Cost {eur(self.cost_eur_per_year)} a year plus "
                f"{eur(self.cost_per_lease_eur)} per lease.")

    def act(self, model: CityCentre, state: None, active: bool) -> None:
        """The broker's yearly cost."""
        if active:
            model.municipality.pay("meanwhile_use", self.cost_eur_per_year / 52)


def brokered(model: CityCentre, rate: float, active: list[tuple[MeanwhileUse, None]]
             ) -> tuple[float, float, float]:
    """Cultural users per year with the brokers' extra users (times the collaboration
    multiplier), the months after which a brokered owner accepts, and the cost per lease."""
    after, cost = float("inf"), 0.0
    for iv, _ in active:
        rate += iv.extra_users_per_year * model.municipality.multiplier()
        after, cost = min(after, iv.after_months), iv.cost_per_lease_eur
    return rate, after, cost

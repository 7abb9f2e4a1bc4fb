"""Culture subsidy: start grants for new cultural entrants and top-ups for venues in need.

The yearly budget pays start grants first (to cultural starters, brokered and nominated
users); what is left tops up venues whose reserve is below three months of costs. While
active it also multiplies the rate of cultural starters. ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@dataclass
class Budget:
    """What is left of this year's budget."""

    left: float



@register_instrument
class CultureSubsidy(Instrument):
    """Support for cultural venues and new cultural entrants."""

    title_text: ClassVar[str] = "Culture subsidy"

    type: Literal["culture_subsidy"]
    budget_eur_per_year: float = param(
        200_000.0, "Yearly budget: start grants first, the rest tops up venues in need "
        "(at most a 52nd of the budget a week).", "EUR/year", ge=0, le=1e9)
    entrant_grant_eur: float = param(15_000.0, "Start grant per new cultural entrant (starters, "
                                  "brokered and nominated users), paid from the budget.",
                                  "EUR", ge=0, le=1e7)
    entry_multiplier: float = param(2.0, "Multiplier on the rate of cultural starters while "
                                 "the instrument is active. Assumption.", "-", ge=1, le=20)

    def what(self) -> str:
        return (f"subsidy for cultural venues and a start grant of "
                f"{eur(self.entrant_grant_eur)} for new ones (starters x"
                f"{self.entry_multiplier:g}). Budget {eur(self.budget_eur_per_year)} a year.")

    def new_state(self, model: CityCentre) -> Budget:
        return Budget(left=self.budget_eur_per_year)

    def new_year(self, state: Budget) -> None:
        state.left = self.budget_eur_per_year

    def act(self, model: CityCentre, state: Budget, active: bool) -> None:
        """What is left of the yearly budget (after start grants) tops up venues whose reserve
        is below three months of costs, at most a 52nd of the budget a week."""
        if not active:
            return
        floor_m2 = model.premises.floor_m2
        needy = []
        for v in model.venues.open_venues():
            monthly = (v.rent + v.programme.cost_eur_per_m2_year) * floor_m2[v.premises] / 12
            if v.reserve < 3 * monthly:
                needy.append(v)
        if not needy:
            return
        share = min(self.budget_eur_per_year / 52, state.left) / len(needy)
        for v in needy:
            if share > 0 and model.municipality.pay("culture_subsidy", share):
                v.subsidy_received += share
                state.left -= share


def start_grant(model: CityCentre, active: list[tuple[CultureSubsidy, Budget]]) -> float:
    """Start grant for a new cultural entrant from the first active culture subsidy whose
    yearly budget still has it, paid now (0 if there is none or the money is gone)."""
    for iv, state in active:
        if iv.entrant_grant_eur <= state.left and model.municipality.pay(
                "culture_subsidy", iv.entrant_grant_eur):
            state.left -= iv.entrant_grant_eur
            return iv.entrant_grant_eur
    return 0.0


def starter_rate(rate: float, active: list[tuple[CultureSubsidy, Budget]]) -> float:
    """The yearly rate of cultural starters with every active subsidy's multiplier."""
    for iv, _ in active:
        rate *= iv.entry_multiplier
    return rate

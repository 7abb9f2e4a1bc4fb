"""Events programme (profileren): events on squares that draw visitors.

About ``budget / cost_per_event`` events a year, each drawing visitors (times the
collaboration multiplier); every event is a joint action. ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@dataclass
class Spent:
    """What the programme has spent this year (co-funding included)."""

    eur: float = 0.0


@register_instrument
class EventsProgramme(Instrument):
    """Events on squares and streets (profileren)."""

    title_text: ClassVar[str] = "Events programme"

    type: Literal["events_programme"]
    budget_eur_per_year: float = param(150_000.0, "Yearly budget.", "EUR/year", ge=0, le=1e9)
    cost_per_event_eur: float = param(10_000.0, "Cost of one event. Assumption.", "EUR",
                                   ge=1000, le=1e7)
    visitors_per_event: float = param(1000.0, "Visitors per event at the initial collaboration "
                                   "stock. Assumption (market, festival).", "people",
                                   ge=0, le=1e6)

    def what(self) -> str:
        n = self.budget_eur_per_year / self.cost_per_event_eur
        return (f"about {n:.0f} events a year on squares, each drawing about "
                f"{self.visitors_per_event:,.0f} visitors. Cost "
                f"{eur(self.budget_eur_per_year)} a year.")

    def new_state(self, model: CityCentre) -> Spent:
        return Spent()

    def new_year(self, state: Spent) -> None:
        state.eur = 0.0

    def act(self, model: CityCentre, state: Spent, active: bool) -> None:
        """Hold this week's events (a Poisson number), paid one by one while this year's
        budget lasts (a budget is a budget: the programme never spends more in a year)."""
        if not active:
            return
        muni = model.municipality
        rng = model.stream("events_programme")
        n = int(rng.poisson(self.budget_eur_per_year / self.cost_per_event_eur / 52))
        if model.conditions.culture_closed:
            return  # events are cancelled during a lockdown that closes culture
        paid = 0
        for _ in range(n):
            if state.eur + self.cost_per_event_eur > self.budget_eur_per_year + 1e-6:
                break
            if muni.pay("events_programme", self.cost_per_event_eur):
                state.eur += self.cost_per_event_eur
                paid += 1
        model.venues.schedule_public_events(
            paid, self.visitors_per_event * muni.multiplier(),
            np.ones(len(model.premises), dtype=bool), "events_programme", rng)
        muni.joint_actions_week += paid

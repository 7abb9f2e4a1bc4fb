"""BIZ (bedrijveninvesteringszone, BIZ law 2015): a levy adopted by vote, at most 5 years.

The entrepreneurs of a zone vote (quorum and two-thirds majority); if adopted, a levy pays
public space, marketing and events for the term, then a new vote decides on renewal.
``docs/ODD.md`` section 7.
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
class Term:
    """Whether a BIZ is in force, until when, and when the next vote is."""

    adopted: bool
    term_end: int  # week
    vote_week: int



@register_instrument
class Biz(Instrument):
    """Bedrijveninvesteringszone (BIZ law 2015): levy adopted by vote, at most 5 years."""

    title_text: ClassVar[str] = "BIZ (business investment zone)"

    type: Literal["biz"]
    zone: Zone = Field("core", description="Where the BIZ applies: core, edge, all, or "
                       "squares (units within 3 cells of a square).")
    levy_eur_per_m2_year: float = param(6.0, "Levy on entrepreneurs per m2. Assumption (Dutch "
                                     "BIZ levies are a few euros per m2).", "EUR/m2/year",
                                     ge=0, le=1000)
    term_years: int = param(5, "Term until a renewal vote (law: at most 5).", "years", ge=1, le=5)
    turnout_min: float = param(0.5, "Quorum: at least this share votes (law).", "share", ge=0, le=1)
    majority: float = param(2 / 3, "Share of voters in favour needed (law).", "share", ge=0, le=1)
    turnout: float = param(0.6, "Chance an entrepreneur votes, times the collaboration "
                        "multiplier. Assumption.", "share", ge=0, le=1)
    attractiveness_per_eur_per_m2: float = param(
        0.0025, "Utility gain of zone units per EUR/m2/yr of levy spent on public space and "
        "marketing, times the collaboration multiplier: with the default levy about 1% more "
        "visits to the zone. Assumption, kept small: evaluations of the 300 Dutch BIZ "
        "describe process, hardly any quantified effect on vacancy or footfall.",
        "1/(EUR/m2/year)", ge=0, le=1)
    opinion_spread: float = param(
        1.0, "Spread (log-normal sigma) of entrepreneurs' views of what the BIZ brings them: "
        "each votes for it if its own view of the gain exceeds its levy, so the share in "
        "favour varies and a vote can fail on the two-thirds majority. Assumption.", "-",
        ge=0, le=5)
    event_share: float = param(0.4, "Share of the levy spent on events.", "share", ge=0, le=1)
    cost_per_event_eur: float = param(10_000.0, "Cost of one BIZ event. Assumption.", "EUR",
                                   ge=1000, le=1e7)
    visitors_per_event: float = param(800.0, "Visitors per BIZ event. Assumption.", "people",
                                   ge=0, le=1e6)
    cost_eur_per_year: float = param(10_000.0, "Municipal cost of collecting the levy. "
                                  "Assumption.", "EUR/year", ge=0, le=1e7)

    def what(self) -> str:
        return (f"a business investment zone ({self.zone}) if entrepreneurs vote for it "
                f"(quorum {self.turnout_min:.0%}, {self.majority:.0%} in favour): a levy of EUR "
                f"{self.levy_eur_per_m2_year:g}/m2/yr for {self.term_years} years for public "
                f"space, events and marketing, renewed by a new vote. Municipal cost "
                f"{eur(self.cost_eur_per_year)} a year.")

    def new_state(self, model: CityCentre) -> Term:
        return Term(adopted=False, term_end=model.week, vote_week=model.week)

    def act(self, model: CityCentre, state: Term, active: bool) -> None:
        """Adopted by a vote of the zone's entrepreneurs (quorum and majority), then a levy
        for ``term_years`` paying public space, marketing and events; at the end of the term
        a new vote, which can fail."""
        premises, muni = model.premises, model.municipality
        zone = model.zones.mask(self.zone)
        if model.week >= state.term_end:
            state.adopted = False
            if active and model.week >= state.vote_week:
                state.adopted = self.vote(model, zone)
                state.term_end = model.week + self.term_years * 52
                state.vote_week = state.term_end
        if not state.adopted:
            premises.levy[:] = 0.0
            muni.biz_bonus[:] = 0.0
            return
        payers = premises.open & zone
        premises.levy[:] = np.where(payers, self.levy_eur_per_m2_year, 0.0)
        income = float((premises.levy * premises.floor_m2).sum())  # EUR/year
        muni.pay("biz", self.cost_eur_per_year / 52)
        mult = muni.multiplier()
        muni.biz_bonus[:] = np.where(zone, self.utility_gain() * mult, 0.0)
        rng = model.stream("biz")
        n = int(rng.poisson(income * self.event_share / self.cost_per_event_eur / 52))
        model.venues.schedule_public_events(n, self.visitors_per_event * mult, zone, "biz", rng)
        muni.joint_actions_week += n + 12 / 52  # events, plus a monthly BIZ board

    def utility_gain(self) -> float:
        """Utility gain of the zone's units from the levy spent on public space and
        marketing, before the collaboration multiplier."""
        return (self.attractiveness_per_eur_per_m2 * self.levy_eur_per_m2_year
                * (1 - self.event_share))

    def vote(self, model: CityCentre, zone: np.ndarray) -> bool:
        """Each entrepreneur in the zone votes (with probability ``turnout`` times the
        collaboration multiplier) for the BIZ if its expected gain exceeds its levy."""
        premises, muni = model.premises, model.municipality
        rng = model.stream("biz_vote")
        voters = np.flatnonzero(premises.open & zone)
        n = voters.size
        u_vote, perception = rng.random(n), rng.lognormal(0.0, self.opinion_spread, n)
        margin = model.params.economy.shops.gross_margin.array()[premises.sector[voters]]
        benefit = (premises.revenue_avg[voters] * 52 * margin * self.utility_gain()
                   * muni.multiplier() * perception)
        cost = self.levy_eur_per_m2_year * premises.floor_m2[voters]
        votes = u_vote < min(1.0, self.turnout * muni.multiplier())
        yes = int((votes & (benefit > cost)).sum())
        turnout = votes.sum() / max(n, 1)
        in_favour = yes / max(int(votes.sum()), 1)
        adopted = bool(n and turnout >= self.turnout_min and in_favour >= self.majority)
        model.record("biz_vote", -1, -1, f"{'adopted' if adopted else 'rejected'}: turnout "
                     f"{turnout:.0%}, {in_favour:.0%} in favour, {n} entrepreneurs")
        return adopted

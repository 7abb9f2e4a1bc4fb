"""The municipality: its budget, co-funding, the collaboration stock, and its instruments.

The :class:`Municipality` is a Mesa agent. It pays for instruments from a yearly budget,
draws co-funding from the province and the state (funding rounds), and keeps the centre's
collaboration stock, which grows with joint action and decays without it (Platform31 2021:
"samenwerken is een werkwoord"); its multiplier scales the instruments that need cooperation.
Every week it runs the scenario's instruments (one module each, :mod:`sim.model.instruments`)
in scenario order, and it answers the other actors' questions about them: the rent support
a new tenant gets, the subsidy an owner gets to convert, the start grant of a cultural
entrant, the demand for meanwhile premises.

Built and stepped by :class:`sim.model.model.CityCentre`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
from mesa import Agent

from sim.model.instruments import (
    culture_subsidy,
    meanwhile_use,
    starter_support,
    transformation_subsidy,
)

if TYPE_CHECKING:
    from sim.model.model import CityCentre
    from sim.scenario.interventions import Instrument
    from sim.scenario.schema import Scenario


class Municipality(Agent):
    """The municipality: pays for instruments from a yearly budget, draws co-funding from the
    province and the state, keeps the centre's collaboration stock, and runs the instruments.

    Attributes:
        budget_left: what is left of this year's budget (EUR).
        collaboration: the collaboration stock, between 0 and 1.
        spend_week: municipal spending this week by instrument type (EUR).
        cofunded_week: co-funding received this week (EUR).
        joint_actions_week: joint actions this week (they feed the collaboration stock).
        public_bonus: (P,) attractiveness from public-space works (kept after they end).
        biz_bonus: (P,) attractiveness from BIZ spending while a BIZ is in force.
        week_bonus: attractiveness of every unit from this week's coordination.
        letting_factor: this week's multiplier on the letting rate of vacant units
            (acquisition of tenants by a centre manager).
    """

    def __init__(self, model: CityCentre) -> None:
        super().__init__(model)
        params = model.params
        self.budget_left = params.municipality.budget_eur_per_year
        self.collaboration = params.municipality.collaboration.initial
        self.round_left = [r.cap_eur for r in params.funding]
        self.spend_week: dict[str, float] = {}
        self.cofunded_week = 0.0
        self.joint_actions_week = 0.0
        self.year = model.date.year
        n = len(model.premises)
        self.public_bonus = np.zeros(n)
        self.biz_bonus = np.zeros(n)
        self.week_bonus = 0.0
        self.letting_factor = 1.0
        self._states: dict[int, Any] = {}  # intervention index -> what it remembers

    # ------------------------------------------------------------------ money
    def receive(self, instrument: str, amount: float) -> None:
        """Income from an instrument (a penalty): back into this year's budget, booked as
        negative spending."""
        self.budget_left += amount
        self.spend_week[instrument] = self.spend_week.get(instrument, 0.0) - amount

    def new_year(self) -> None:
        """A new budget year."""
        self.budget_left = self.model.params.municipality.budget_eur_per_year

    def pay(self, instrument: str, amount: float, *, owner_share: float | None = None) -> bool:
        """Pay ``amount`` for ``instrument`` now, co-funded by active funding rounds.

        ``owner_share`` is the share of the whole project cost the owner pays itself (None:
        not an owner project); a round with an ``owner_coinvestment`` condition co-funds only
        projects whose owner pays at least that share. Returns False (and pays nothing) when
        the municipal part exceeds what is left of this year's budget.
        """
        if amount <= 0:
            return True
        date = self.model.date
        cofund = []
        for i, r in enumerate(self.model.params.funding):
            if (r.start <= date <= r.end and (not r.instruments or instrument in r.instruments)
                    and self.round_left[i] > 0
                    and (r.owner_coinvestment == 0 or (
                        owner_share is not None and owner_share >= r.owner_coinvestment))):
                cofund.append((i, min(r.match_share * amount, self.round_left[i])))
        co = min(sum(c for _, c in cofund), amount)
        municipal = amount - co
        if municipal > self.budget_left + 1e-9:
            return False
        for i, c in cofund:
            self.round_left[i] -= c
        self.budget_left -= municipal
        self.spend_week[instrument] = self.spend_week.get(instrument, 0.0) + municipal
        self.cofunded_week += co
        if co > 0:
            self.joint_actions_week = max(self.joint_actions_week, 1.0)  # a joint project
        return True

    # ------------------------------------------------------------------ collaboration
    def multiplier(self) -> float:
        """Effectiveness of cooperation-dependent instruments at the current stock."""
        c = self.model.params.municipality.collaboration
        return max(0.0, 1.0 + c.effect * (self.collaboration - c.reference))

    def update_collaboration(self) -> None:
        """Decay towards the floor; each joint action closes part of the gap to 1."""
        c = self.model.params.municipality.collaboration
        keep = 0.5 ** (1.0 / (52.0 * c.half_life_years))
        stock = c.floor + (self.collaboration - c.floor) * keep
        stock += (1.0 - stock) * (1.0 - (1.0 - c.gain_per_action) ** self.joint_actions_week)
        self.collaboration = min(1.0, max(0.0, stock))

    # ------------------------------------------------------------------ instruments
    def act(self) -> None:
        """The municipality's week: last week's joint actions feed the collaboration stock, a
        new budget year starts in January, then every instrument acts in scenario order."""
        model = self.model
        self.update_collaboration()
        self.spend_week, self.cofunded_week, self.joint_actions_week = {}, 0.0, 0.0
        self.week_bonus, self.letting_factor = 0.0, 1.0
        if model.date.year != self.year:
            self.year = model.date.year
            self.new_year()
            for i, state in self._states.items():
                model.params.interventions[i].new_year(state)
        for i, iv in enumerate(model.params.interventions):
            if not iv.enabled or model.date < iv.start:
                continue
            iv.act(model, self.state_of(i), iv.active(model.date))
        model.premises.bonus[:] = self.public_bonus + self.biz_bonus + self.week_bonus

    def continue_as(self, before: Scenario, after: Scenario, since: dt.date) -> None:
        """Renumber what the instruments remember and what is left of each funding round from
        ``before``'s lists to ``after``'s (:meth:`sim.model.model.CityCentre.continue_as`).

        Only the items that started before ``since`` can have acted; they are the same, in
        the same order, in both lists, so the k-th of them in ``before`` is the k-th in
        ``after``. Rounds that start later are still whole.
        """
        old = [i for i, iv in enumerate(before.interventions) if iv.enabled and iv.start < since]
        new = [i for i, iv in enumerate(after.interventions) if iv.enabled and iv.start < since]
        to_new = dict(zip(old, new, strict=True))
        self._states = {to_new[i]: state for i, state in self._states.items()}  # in this order
        old_left = iter([left for r, left in zip(before.funding, self.round_left, strict=True)
                         if r.start < since])
        self.round_left = [next(old_left) if r.start < since else r.cap_eur
                           for r in after.funding]

    def state_of(self, i: int) -> Any:
        """What intervention ``i`` remembers, made the first time it is asked for."""
        if i not in self._states:
            self._states[i] = self.model.params.interventions[i].new_state(self.model)
        return self._states[i]

    def active(self, kind: str) -> list[tuple[Instrument, Any]]:
        """The instruments of type ``kind`` active this week, with their states, in scenario
        order."""
        date = self.model.date
        return [(iv, self.state_of(i)) for i, iv in enumerate(self.model.params.interventions)
                if iv.type == kind and iv.active(date)]

    def starter_support(self) -> tuple[np.ndarray, int]:
        """(P,) share of rent paid for a new tenant now, and for how many weeks."""
        return starter_support.offer(self.model, self.active("starter_support"))

    def conversion_subsidy(self, months_vacant: np.ndarray) -> tuple[np.ndarray, float]:
        """(P,) share of the conversion cost a subsidy pays, and the uptake elasticity."""
        return transformation_subsidy.offer(self.model, months_vacant,
                                            self.active("transformation_subsidy"))

    def start_grant(self) -> float:
        """The start grant a new cultural entrant gets now (paid at once; 0 if none)."""
        return culture_subsidy.start_grant(self.model, self.active("culture_subsidy"))

    def cultural_demand(self) -> tuple[float, float, float]:
        """Cultural starters per year (``culture.entry_rate_per_year`` scaled to the town's
        inhabitants, with culture subsidies' multipliers and brokers' extra users), the months
        after which a brokered owner accepts, and the cost per brokered lease."""
        starters = (self.model.params.culture.entry_rate_per_year
                    * self.model.residents.balance.inhabitants_scale)
        rate = culture_subsidy.starter_rate(starters, self.active("culture_subsidy"))
        return meanwhile_use.brokered(self.model, rate, self.active("meanwhile_use"))

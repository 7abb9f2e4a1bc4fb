"""The agents: residents (and visitors) and shops.

Agents are thin Mesa agents over the model's state arrays: each resident and each shop is
an individual ``mesa.Agent`` with its own attributes and its own random draws, while the
weekly rules run over whole populations at once in :mod:`sim.kernels` (see ``docs/ODD.md``,
section "Submodels"). Reading ``resident.income_class`` or ``shop.reserve_eur`` gives that
agent's current value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent
from mesa.discrete_space import FixedAgent

from sim.scenario.schema import HOME_TYPES, INCOME_CLASSES, SECTORS, TASTE_CLASSES

if TYPE_CHECKING:
    from sim.model.model import CityCentre


class Resident(Agent):
    """A household group living in the centre, the rest of the city or the region.

    Attributes are drawn at creation (``CityCentre._create_residents``) and stored in the
    model's resident arrays at ``index``: home, household weight, income class, online
    propensity, visit frequency and taste (sector preference) class. Each week the resident
    draws its own trips and, per stop, its own destination.
    """

    def __init__(self, model: CityCentre, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def home(self) -> str:
        """'centre' (a dwelling district), 'city' or 'region' (arriving via entry points)."""
        return HOME_TYPES[self.model.residents.home_type[self.index]]

    @property
    def home_zone(self) -> int:
        """Index of the home district in the centre, -1 for visitors from outside."""
        return int(self.model.residents.zone[self.index])

    @property
    def household_weight(self) -> float:
        """Number of real households this agent stands for."""
        return float(self.model.residents.weight[self.index])

    @property
    def income_class(self) -> str:
        """'low', 'middle' or 'high'."""
        return INCOME_CLASSES[self.model.residents.income[self.index]]

    @property
    def online_propensity(self) -> float:
        """Multiplier on the sector's online share (mean 1 over residents)."""
        return float(self.model.residents.propensity[self.index])

    @property
    def visit_frequency(self) -> float:
        """Multiplier on the mean visit rate (mean 1 over residents)."""
        return float(self.model.residents.frequency[self.index])

    @property
    def taste(self) -> str:
        """Taste class: 'run' (daily, services), 'fun' (comparison, leisure), 'food'."""
        return TASTE_CLASSES[self.model.residents.taste[self.index]]

    @property
    def trips_last_week(self) -> int:
        """Centre visits this resident made in the last simulated week."""
        return int(self.model.residents.trips_last_week[self.index])


class Shop(FixedAgent):
    """A business occupying one premises: a shop, a horeca business or a service.

    Fixed to the premises' cell. Its accounts (revenue, profit, reserve) and lease live in
    the model's premises arrays at ``premises``; the model opens and closes shops.
    """

    def __init__(self, model: CityCentre, premises: int, cell) -> None:
        super().__init__(model)
        self.premises = premises
        self.cell = cell

    @property
    def sector(self) -> str:
        """One of comparison, daily, food_beverage, services, leisure."""
        return SECTORS[self.model.units.sector[self.premises]]

    @property
    def is_chain(self) -> bool:
        """Chain store (larger reserve) or independent."""
        return bool(self.model.units.chain[self.premises])

    @property
    def rent_eur_per_m2_year(self) -> float:
        """Contract rent of the current lease."""
        return float(self.model.units.rent[self.premises])

    @property
    def reserve_eur(self) -> float:
        """Cash reserve; the shop fails when it runs out."""
        return float(self.model.units.reserve[self.premises])

    @property
    def profit_eur_per_week(self) -> float:
        """Rolling (exponentially smoothed) weekly profit."""
        return float(self.model.units.profit_avg[self.premises])

    @property
    def revenue_eur_per_week(self) -> float:
        """Revenue booked in the last week (destination visits plus passers-by)."""
        return float(self.model.units.revenue[self.premises])


class Owner(Agent):
    """A property owner: an institutional investor with a portfolio or a local owner.

    Owners set the asking rent of their vacant units (sticky: they wait for the old rent,
    then cut slowly, never below a valuation floor), accept meanwhile users after a while
    and may convert long-vacant units to homes (``CityCentre.owners_set_rents``,
    ``CityCentre.owners_convert``).
    """

    def __init__(self, model: CityCentre, kind: str, units: list[int], can_coinvest: bool) -> None:
        super().__init__(model)
        self.kind = kind  # "institutional" or "local"
        self.units = units
        self.can_coinvest = can_coinvest

    @property
    def behaviour(self):
        """The rent-setting parameters of this owner's kind (``landlords.<kind>``)."""
        return getattr(self.model.params.landlords, self.kind)

    @property
    def vacant_units(self) -> list[int]:
        """This owner's premises that are vacant now."""
        return [p for p in self.units if self.model.units.use[p] == 0]


class CulturalVenue(FixedAgent):
    """A cultural entrepreneur: pop venue, theatre, gallery, makerspace or meanwhile user.

    It programmes events that draw visitors (who may also visit food & beverage nearby),
    lives on tickets and subsidy, pays rent, and closes when its reserve runs out.
    """

    def __init__(self, model: CityCentre, premises: int, cell, kind: str, *, rent: float,
                 lease_end: int, meanwhile: bool, reserve: float) -> None:
        super().__init__(model)
        self.premises = premises
        self.cell = cell
        self.kind = kind
        self.rent = rent  # EUR/m2/year
        self.lease_end = lease_end
        self.meanwhile = meanwhile
        self.reserve = reserve
        self.visitors_last_week = 0.0
        self.events_last_week = 0
        self.subsidy_received = 0.0
        self.weeks_open = 0

    @property
    def programme(self):
        """The kind's events, attendance and cost parameters (``culture.kinds.<kind>``)."""
        return self.model.params.culture.kinds[self.kind]


class Municipality(Agent):
    """The municipality: pays for instruments from a yearly budget, draws co-funding from the
    province and the state, and keeps the centre's collaboration stock.
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

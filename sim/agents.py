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

from sim.schema import HOME_TYPES, INCOME_CLASSES, SECTORS, TASTE_CLASSES

if TYPE_CHECKING:
    from sim.model import CityCentre


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

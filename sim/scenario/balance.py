"""Balance by construction: a town of any size starts near a realistic vacancy without
hand-tuning.

The population is what the planner knows (people in the centre, the city and the region,
tourist parties, commuters) and, where a number is not given, it follows from the town's size
(:meth:`sim.scenario.population.Population.people`) by the densities of middelstad, the
calibrated town. A town with fewer or more people living in its centre than middelstad for its
floor area, though, would have less or more spending for its shops, most of all for daily
shopping and services. So, when the visitor groups' numbers are derived, the centre's pull on
them is scaled per trip purpose (:attr:`Balance.visit_scale`: the share of the city's and the
region's trips the centre gets) until the town's expected spending per m2 of retail floor area
equals middelstad's under the same scenario parameters, times the town's agglomeration
(:func:`agglomeration`): a centre whose shops stand closer together pulls more shoppers per m2,
as each shop's weight in the destination choice grows with the shops around it (Koster,
Pasidis & van Ommeren 2019: elasticity 0.25, ``economy.choice.neighbour_elasticity``). What-ifs
on visit rates or spending keep their effect (they change both sides), and middelstad itself is
unchanged (scales 1).

Market rents of a balanced town are scaled once, at set-up (:func:`rent_scale`), but only
down, to middelstad's floor-weighted mean: a compact centre, whose units all lie near its
heart, would otherwise pay A1 rents everywhere. A large centre's mean rent is lower than
middelstad's because more of its floor lies far from its heart, where the distance gradient
already makes it cheap, not because a unit there earns less for its footfall; raising its rents to
middelstad's mean (1.38 times, for the 1,500-premises test town) charged its back streets more
than middelstad's for the same footfall (docs/own-town.md, "Towns of any size").

What comes from the city's own people, such as its cultural and creative starters, scales with
its inhabitants (:func:`inhabitants_scale`), not with middelstad's.

Called by the model (:class:`sim.model.residents.Residents`) and by ``binnenstad validate``,
which warns when a town whose numbers are given cannot cover its floor area or leaves no room
for entry (:func:`warning`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.fields import GROUPS, PURPOSES, SECTORS
from sim.scenario.town import FloorArea
from sim.town.maps import load_preset

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario
    from sim.town.maps import Town

#: middelstad, the calibrated town (a built-in map): retail floor area (m2) and dwelling cells.
REFERENCE_PRESET = "middelstad"
REFERENCE_FLOOR_M2 = 48220.0
REFERENCE_DWELLING_CELLS = 2155
#: Sectors each purpose spends in (the residents' choice, sim.model.residents, uses these).
PURPOSE_SECTORS = {"daily": ("daily", "services"), "comparison": ("comparison",),
                   "leisure": ("food_beverage", "leisure")}
#: middelstad's floor-weighted mean market rent at the start at rent level 1 and the default A1
#: rent (measured over four seeds: 202-205); scaled with the level (0.90 by default).
REFERENCE_MEAN_RENT_EUR_PER_M2_YEAR = 203.0
#: Rents of a balanced town are scaled down only (see the module docstring): at most 1.
RENT_SCALE_LIMITS = (0.4, 1.0)
#: The scales a balanced town may take, and beyond which a town with given numbers is warned.
SCALE_LIMITS = (0.25, 4.0)
WARN_BELOW, WARN_ABOVE = 0.7, 1.5


@dataclass(frozen=True)
class Balance:
    """The people a town's centre serves and how strongly it pulls them.

    Attributes:
        people: people (tourist parties) of each visitor group.
        households: (G,) households (parties, commuters) of each group, ``GROUPS`` order.
        visit_scale: (purposes,) multiplier on the visit rates of every group but the
            centre's residents (1 without balancing).
        spending_scale: (purposes,) the factor by which spending per m2 would still have to
            change to equal the calibrated town's times ``agglomeration``, after the balancing
            (1: balanced).
        agglomeration: the town's pull per m2 from its shops' neighbours relative to
            middelstad's (:func:`agglomeration`; 1 for middelstad).
        balanced: whether the town is balanced by construction (its visitor groups' numbers
            derived and ``population.balance_spending`` true): then its rents are balanced
            too (:func:`rent_scale`).
        inhabitants_scale: the town's inhabitants (its centre and the rest of the city)
            relative to middelstad's by the densities: the cultural starters a year scale
            with it (:func:`inhabitants_scale`; exactly 1 for middelstad).
    """

    people: dict[str, float]
    households: np.ndarray
    visit_scale: np.ndarray
    spending_scale: np.ndarray
    balanced: bool
    agglomeration: float = 1.0
    inhabitants_scale: float = 1.0


def town_size(town: Town, persons_per_household: float) -> tuple[float, int, float | None]:
    """What the population follows from: the town's retail floor area (m2), its dwelling
    cells and, for an imported town, the people its dwellings house (None if unknown;
    households without a count of persons at ``persons_per_household``)."""
    people = None
    if town.dwelling_persons is not None and np.isfinite(town.dwelling_persons).any():
        persons = town.dwelling_persons
        known = np.isfinite(persons)
        households = town.dwelling_households if town.dwelling_households is not None else (
            np.zeros(persons.size))
        # cells without a count of persons: their households at the centre's household size
        people = float(persons[known].sum() + persons_per_household * households[~known].sum())
    elif town.dwelling_households is not None:
        people = float(persons_per_household * town.dwelling_households.sum())
    return float(town.premises_floor_m2.sum()), len(town.dwelling_access), people


def spending_per_household(scenario: Scenario) -> np.ndarray:
    """(purposes, G) expected weekly spending in the centre of one household of each group on
    each purpose, EUR before online substitution: visits x stops x the mean spending of the
    purpose's sectors (weighted by the sector mix)."""
    pop, shops = scenario.population, scenario.economy.shops
    spend, mix = shops.spend_per_visit_eur.array(), shops.sector_mix.array()
    extra = scenario.economy.choice.extra_stops
    out = np.zeros((len(PURPOSES), len(GROUPS)))
    for p, purpose in enumerate(PURPOSES):
        codes = [SECTORS.index(s) for s in PURPOSE_SECTORS[purpose]]
        per_stop = float(np.average(spend[codes], weights=np.maximum(mix[codes], 1e-12)))
        stops = 1.0 + getattr(extra, purpose)
        out[p] = getattr(pop.visits_per_week, purpose).array() * stops * per_stop
    return out


def households(people: dict[str, float], scenario: Scenario) -> np.ndarray:
    """(G,) households (tourist parties, commuters) of each group from its people."""
    pph = scenario.population.persons_per_household
    return np.array([people["centre"] / max(pph.centre, 1e-9),
                     people["city"] / max(pph.city, 1e-9),
                     people["region"] / max(pph.region, 1e-9),
                     people["tourist"], people["commuter"]])


def _reference_people(scenario: Scenario) -> dict[str, float]:
    """middelstad's people by the densities (whatever numbers the scenario gives)."""
    pop = scenario.population
    return {"centre": pop.centre_people_per_dwelling_cell * REFERENCE_DWELLING_CELLS,
            "city": pop.city_people_per_m2 * REFERENCE_FLOOR_M2,
            "region": pop.region_people_per_m2 * REFERENCE_FLOOR_M2,
            "tourist": pop.tourist_parties_per_m2 * REFERENCE_FLOOR_M2,
            "commuter": pop.commuters_per_m2 * REFERENCE_FLOOR_M2}


def inhabitants_scale(people: dict[str, float], scenario: Scenario) -> float:
    """The inhabitants of a town (``people`` of its centre and the rest of its city) relative
    to middelstad's by the densities: a rate set for the calibrated town that comes from the
    city's own people, such as its cultural and creative starters (ODD 7.13), scales with
    it. Exactly 1 for middelstad (the same products); 0.11 for the 30-premises test town."""
    reference = _reference_people(scenario)
    total = reference["centre"] + reference["city"]
    return (people["centre"] + people["city"]) / total if total > 0 else 1.0


def neighbour_pull(town: Town, scenario: Scenario) -> float:
    """The floor-weighted mean of ``(1 + n_j) ** neighbour_elasticity`` over the town's
    premises, ``n_j`` the premises within ``town.neighbour_radius_cells`` of unit ``j``: the
    factor by which its neighbours raise a m2's weight in the destination choice with every
    unit open (as :meth:`sim.model.residents.Residents.perceive` weighs it)."""
    radius = scenario.town.neighbour_radius_cells
    neighbours = town.premises_neighbour_counts(radius)
    elasticity = scenario.economy.choice.neighbour_elasticity
    return float(np.average((1.0 + neighbours) ** elasticity, weights=town.premises_floor_m2))


@lru_cache(maxsize=16)
def _reference_pull(floor_area_json: str, cell_size_m: float, radius: int,
                    elasticity: float) -> float:
    """middelstad's :func:`neighbour_pull` under these settings (its map built once)."""
    town = load_preset(REFERENCE_PRESET,
                       floor_area_m2=FloorArea.model_validate_json(floor_area_json).model_dump(),
                       cell_size_m=cell_size_m)
    neighbours = town.premises_neighbour_counts(radius)
    return float(np.average((1.0 + neighbours) ** elasticity, weights=town.premises_floor_m2))


def agglomeration(scenario: Scenario, town: Town) -> float:
    """The town's :func:`neighbour_pull` relative to middelstad's under the same settings:
    above 1 where its shops stand closer together than middelstad's (the test towns of 150 and
    1,500 premises: 1.05, 1.09), below 1 where they stand further apart (30 premises: 0.97).
    Exactly 1 for middelstad."""
    cfg = scenario.town
    reference = _reference_pull(cfg.floor_area_m2.model_dump_json(), cfg.cell_size_m,
                                cfg.neighbour_radius_cells,
                                scenario.economy.choice.neighbour_elasticity)
    return neighbour_pull(town, scenario) / reference


def balance(scenario: Scenario, floor_m2: float, dwelling_cells: int,
            town_centre_people: float | None = None, agglomeration: float = 1.0) -> Balance:
    """The people of a town of ``floor_m2`` m2 of retail floor area and ``dwelling_cells``
    dwelling cells (and, if known, the people its dwellings house), and the visit scales that
    balance its spending per m2 with the calibrated town's times ``agglomeration``
    (:func:`agglomeration`), purpose by purpose.

    The visits of the groups outside the centre are scaled only when none of their numbers is
    given and ``population.balance_spending`` is true; otherwise the scales are 1 and
    :attr:`Balance.spending_scale` says how far the town is from balance."""
    pop = scenario.population
    people = pop.people(floor_m2, dwelling_cells, town_centre_people)
    house = households(people, scenario)
    per_household = spending_per_household(scenario)  # (purposes, G)
    reference = per_household @ households(_reference_people(scenario), scenario)
    target = reference / REFERENCE_FLOOR_M2 * floor_m2 * agglomeration  # (purposes,) EUR/week
    centre = per_household[:, 0] * house[0]
    outside = per_household[:, 1:] @ house[1:]
    derived = all(v is None for v in (pop.city_people, pop.region_people,
                                      pop.tourist_parties_per_week, pop.commuters))
    scale = np.ones(len(PURPOSES))
    balanced = pop.balance_spending and derived
    if balanced:
        wanted = (target - centre) / np.maximum(outside, 1e-12)
        scale = np.clip(np.where(outside > 0, wanted, 1.0), *SCALE_LIMITS)
    spending_scale = target / np.maximum(centre + outside * scale, 1e-12)
    return Balance(people=people, households=house, visit_scale=scale,
                   spending_scale=spending_scale, balanced=balanced,
                   agglomeration=agglomeration,
                   inhabitants_scale=inhabitants_scale(people, scenario))


def rent_scale(scenario: Scenario, market_rent: np.ndarray, floor_m2: np.ndarray) -> float:
    """The factor that brings a balanced town's floor-weighted mean market rent down to the
    calibrated town's (measured: :data:`REFERENCE_MEAN_RENT_EUR_PER_M2_YEAR` at rent level 1
    and the default A1 rent, scaled with ``economy.rent.level`` and the A1 rent), never up. A
    compact centre, whose units all lie near its heart, would otherwise pay middelstad's A1
    rents everywhere on middelstad's spending per m2; JLL: rents in smaller towns are lower. A
    large centre's lower mean comes from its many units far from the heart, which the distance
    gradient already makes cheap: it keeps its rents (scale 1)."""
    rent = scenario.economy.rent
    reference = (REFERENCE_MEAN_RENT_EUR_PER_M2_YEAR * rent.level
                 * rent.a1_eur_per_m2_year / 850.0)
    mean = float(np.average(market_rent, weights=floor_m2))
    return float(np.clip(reference / max(mean, 1e-9), *RENT_SCALE_LIMITS))


def town_balance(scenario: Scenario, town: Town) -> Balance:
    """:func:`balance` of ``town`` under ``scenario``: its size, its dwellings' people and its
    :func:`agglomeration`."""
    size = town_size(town, scenario.population.persons_per_household.centre)
    return balance(scenario, *size, agglomeration=agglomeration(scenario, town))


def warning(scenario: Scenario, town: Town) -> str | None:
    """One line if ``town`` cannot be balanced under ``scenario``: its spending for a trip
    purpose is far below (shops cannot cover their costs) or above (no room for entry) the
    calibrated town's per m2 of retail floor area."""
    floor_m2 = float(town.premises_floor_m2.sum())
    b = town_balance(scenario, town)
    for purpose, s in zip(PURPOSES, b.spending_scale, strict=True):
        if s > WARN_ABOVE:
            return (f"the population spends too little for {purpose} shopping to cover the "
                    f"town's {floor_m2:,.0f} m2 of retail floor area (it would need "
                    f"{s:.1f} times as much): expect high vacancy, or give population numbers "
                    "that fit the town")
        if s < WARN_BELOW:
            times = f"{1 / s:.1f} times" if s > 0 else "far more than"
            return (f"the population spends {times} what the town's {floor_m2:,.0f} "
                    f"m2 of retail floor area needs for {purpose} shopping: expect little room "
                    "for entry and hardly any vacancy, or give population numbers that fit")
    return None


def agent_weight(scenario: Scenario, total_households: float) -> float:
    """Households one agent stands for: ``population.households_per_agent``, or the town's
    households over ``population.agents`` if that is given."""
    pop = scenario.population
    if pop.agents is None:
        return pop.households_per_agent
    return max(total_households, 1.0) / pop.agents

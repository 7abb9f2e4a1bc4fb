"""The city-centre model: assembly and the weekly schedule.

A Dutch mid-size city centre on a Mesa grid built from an ASCII map. Residents of the
centre and visitors from the city and region make trips, choose shops with a Huff /
multinomial-logit rule (Huff 1963; Borgers & Timmermans 1986) and walk along the streets;
their footfall and spending feed the shops' accounts; shops close when the accounts fail
and vacant units are let again at a rate set by expected revenue and rent. Vacancy and
footfall emerge. ``docs/ODD.md`` describes the model in the ODD protocol; :meth:`step`
follows its schedule.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector

from sim import kernels
from sim.kernels import visits
from sim.kernels.streams import stream
from sim.model import policy
from sim.model.agents import CulturalVenue, Municipality, Owner, Resident, Shop
from sim.model.grid import TownGrid
from sim.scenario.loading import build_town
from sim.scenario.schema import (
    ENTRY_KINDS,
    INCOME_CLASSES,
    INTERVENTION_TYPES,
    PURPOSES,
    SECTORS,
    TASTE_CLASSES,
    Scenario,
)
from sim.town.maps import home_zones
from sim.town.routing import (
    accumulate_along_paths,
    accumulate_paths,
    accumulate_to_destinations,
    shortest_path_trees,
)

#: Sectors a trip purpose can go to.
PURPOSE_SECTORS = {
    "daily": ("daily", "services"),
    "comparison": ("comparison",),
    "leisure": ("food_beverage", "leisure"),
}
#: Sectors each taste class prefers.
TASTE_SECTORS = {
    "run": ("daily", "services"),
    "fun": ("comparison", "leisure"),
    "food": ("food_beverage",),
}
#: Location classes by baseline footfall relative to the busiest premises (Locatus-like).
LOCATION_CLASSES = (("A1", 0.5), ("A2", 0.25), ("B", 0.1), ("C", 0.0))
FOOTFALL_SMOOTHING_WEEKS = 8.0
PROFIT_SMOOTHING_WEEKS = 26.0
MAX_STOPS = 8
WEEKS_PER_MONTH = 52 / 12
#: Kinds of rows in events.csv.
EVENT_KINDS = (
    "opening", "closure", "cultural_opening", "cultural_closure", "meanwhile_lease",
    "conversion", "vacancy_report", "nomination", "biz_vote", "core_designation",
)
#: Uses of a premises (``UnitState.use``).
VACANT, SHOP, CULTURE, HOUSING = 0, 1, 2, 3

#: Timeseries columns reported every week (DataCollector model reporters, by name).
METRICS = (
    "vacancy_rate", "vacancy_rate_floor", "vacancy_rate_core", "vacancy_rate_edge",
    "footfall", "turnover", "open_units", "vacant_units", "openings", "closures",
    "mean_rent", "online_share",
    "conversions", "cultural_venues", "events", "municipal_spend", "cofunding_spend",
    "support_paid", "collaboration",
    *(f"spend_{kind}" for kind in INTERVENTION_TYPES),
)


@dataclass
class ResidentState:
    """Attributes of all residents, one entry per Resident agent (index = agent.index)."""

    home_type: np.ndarray  # (N,) int8: 0 centre, 1 city, 2 region
    zone: np.ndarray  # (N,) int32 home district, -1 outside the centre
    weight: np.ndarray  # (N,) float households per agent
    income: np.ndarray  # (N,) int8 index into INCOME_CLASSES
    propensity: np.ndarray  # (N,) float online propensity multiplier
    frequency: np.ndarray  # (N,) float visit-frequency multiplier
    taste: np.ndarray  # (N,) int8 index into TASTE_CLASSES
    trips_last_week: np.ndarray  # (N,) int32


@dataclass
class UnitState:
    """State of every premises (retail unit) and of the shop in it, if any."""

    sector: np.ndarray  # (P,) int8, -1 if vacant
    chain: np.ndarray  # (P,) bool
    rent: np.ndarray  # (P,) EUR/m2/year, contract rent of the current lease
    market_rent: np.ndarray  # (P,) EUR/m2/year, asking rent of the location
    reserve: np.ndarray  # (P,) EUR
    revenue: np.ndarray  # (P,) EUR this week
    revenue_avg: np.ndarray  # (P,) EUR/week smoothed
    profit_avg: np.ndarray  # (P,) EUR/week smoothed
    loss_weeks: np.ndarray  # (P,) int32 consecutive weeks of negative smoothed profit
    weeks_open: np.ndarray  # (P,) int32 weeks the current business has traded
    lease_end: np.ndarray  # (P,) int32 week at which the lease ends
    vacant_since: np.ndarray  # (P,) int32 week the unit became vacant
    use: np.ndarray  # (P,) int8 VACANT, SHOP, CULTURE or HOUSING (converted, for good)
    owner: np.ndarray  # (P,) int32 index into CityCentre.owners
    asking_rent: np.ndarray  # (P,) EUR/m2/year the owner asks while the unit is vacant
    last_rent: np.ndarray  # (P,) EUR/m2/year contract rent of the last lease
    brand: np.ndarray  # (P,) int16 chain brand of the shop, -1 for independents
    retail_zoned: np.ndarray  # (P,) bool: shops may be let into it
    support_share: np.ndarray  # (P,) share of rent paid by the municipality (starter support)
    support_until: np.ndarray  # (P,) int32 week starter support ends
    levy: np.ndarray  # (P,) EUR/m2/year BIZ levy on the shop
    bonus: np.ndarray  # (P,) utility bonus from public space and BIZ spending
    reported: np.ndarray  # (P,) bool: vacancy reported in this spell (vacancy ordinance)
    nominated_week: np.ndarray  # (P,) int32 week of the last nomination, -10**6 if none

    @property
    def open(self) -> np.ndarray:
        """(P,) bool: a shop trades here."""
        return self.sector >= 0

    @property
    def vacant(self) -> np.ndarray:
        """(P,) bool: empty premises (meanwhile use counts as occupied)."""
        return self.use == VACANT

    @property
    def retail(self) -> np.ndarray:
        """(P,) bool: still part of the premises stock (not converted to homes)."""
        return self.use != HOUSING


@contextlib.contextmanager
def _collections_paused() -> Iterator[None]:
    """No garbage collection while a model is set up: its objects all live on, and full
    collections over the grid's cells took 0.5 s of grootstad's set-up. The caller's
    setting is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class CityCentre(Model):
    """A city centre of shops, residents and visitors, stepped weekly.

    Args:
        scenario: a validated :class:`sim.scenario.schema.Scenario`.
        seed: replication seed (an integer); all random streams derive from it.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        with _collections_paused():  # set-up makes ~1.5 M lasting objects (grid cells)
            self.params = scenario
            self.seed = seed
            self.town = build_town(scenario)
            self.grid = TownGrid((self.town.width, self.town.height), torus=False,
                                 random=self.random)
            self.sim_start = scenario.start - dt.timedelta(weeks=scenario.warmup_weeks)
            self.event_log: list[tuple] = []  # (date, step, event, premises, sector, cause)
            init = stream(seed, "init")
            self.visit_multiplier = np.ones(len(PURPOSES))  # lockdowns lower it
            self.closed_sectors = np.zeros(len(SECTORS), dtype=bool)
            self.culture_closed = False
            self.lockdown_support = 0.0
            self.public_events: list[tuple[int, float, str]] = []  # (door, visitors, organiser)
            self.support_week = 0.0

            self._build_routes()
            self._create_residents(stream(seed, "residents"))
            self._create_units(init)
            self._measure_baseline()
            self._create_owners(stream(seed, "owners"))
            self.venues: list[CulturalVenue | None] = [None] * len(self.floor_m2)
            self._open_initial_venues()
            self._open_initial_shops(init)
            self.municipality = Municipality(self)
            self.policy = policy.PolicyState(self)
            self._perceive()

            self.datacollector = DataCollector(
                model_reporters={"step": "report_step", "date": "date_iso"}
                | {name: name for name in METRICS}
                | {f"footfall_{name}": f"footfall_{name}" for name in self.town.counting_points}
            )
            self._reset_week_counters()

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One week, in the order of the ODD schedule."""
        self.update_drivers()  # calendar, online shares, footfall trend, shocks in force
        self.municipality_acts()  # instruments, co-funding, collaboration stock
        self.residents_visit()  # trips, destination choice, spending
        self.venues_programme()  # cultural and public events draw visitors
        self.walk_the_streets()  # footfall along the routes, impulse spending
        self.shops_book_accounts()  # revenue minus rent and fixed costs
        self.venues_book_accounts()  # tickets and subsidy minus rent and costs
        self.shops_close()  # insolvency, sustained losses, lease end, other reasons
        self.venues_close()  # cultural venues out of money, meanwhile leases ending
        self.owners_set_rents()  # sticky asking rents of vacant units
        self.owners_convert()  # long-vacant units become homes where zoning allows
        self.vacant_units_let()  # entry of new shops, then cultural and meanwhile users
        self.review_rents()  # yearly market-rent review from footfall
        if self.week % self.params.economy.choice.perception_weeks == 0:
            self._perceive()  # visitors update what they know of the centre
        if self.reported:
            self._measure()
            self.datacollector.collect(self)
        self._reset_week_counters()

    def run(self) -> None:
        """Run warm-up and reported horizon."""
        for _ in range(self.params.warmup_weeks + self.params.weeks):
            self.step()

    # ------------------------------------------------------------------ calendar
    @property
    def week(self) -> int:
        """Simulated weeks so far (1 during the first step), warm-up included."""
        return int(self.time)

    @property
    def date(self) -> dt.date:
        """Monday of the current week."""
        return self.sim_start + dt.timedelta(weeks=max(self.week - 1, 0))

    @property
    def date_iso(self) -> str:
        """Current date as ISO text (a timeseries column)."""
        return self.date.isoformat()

    @property
    def report_step(self) -> int:
        """Reported week number: 1 in the week of ``start``, <= 0 during warm-up."""
        return self.week - self.params.warmup_weeks

    @property
    def reported(self) -> bool:
        """Whether this week is in the reported horizon."""
        return self.report_step >= 1

    def _weekly(self, name: str) -> np.random.Generator:
        """The random stream of process ``name`` for this week (common random numbers)."""
        return stream(self.seed, f"{name}:{self.week}")

    # --------------------------------------------------------------- assembly
    def _build_routes(self) -> None:
        """Origins (entry points, home districts) and shortest walking routes from each."""
        town = self.town
        self.zone_of_dwelling, zone_origin = home_zones(town, self.params.town.home_zone_cells)
        self.n_entries = len(town.entry_access)
        origins = np.concatenate([town.entry_access, zone_origin]).astype(np.int32)
        self.event_sites = self._event_sites()
        destinations = np.unique(np.concatenate([town.premises_access, self.event_sites]))
        self.trees = shortest_path_trees(town.adjacency, origins, destinations)
        self.site_door = np.searchsorted(destinations, self.event_sites)
        # column of each premises' door in the (origin, destination) walker counts
        self.door = np.searchsorted(destinations, town.premises_access)
        self.n_doors = destinations.size
        steps = self.trees.dist_steps[:, town.premises_access]
        # walking to the unit's door: one more cell
        self.distance_m = (steps + 1).astype(float) * town.cell_size_m
        self.n_origins = len(origins)
        self.n_cells = town.adjacency.shape[0]
        self.neighbours = town.premises_neighbours(self.params.town.neighbour_radius_cells)
        self._neighbour_slots = np.asarray(self.neighbours.sum(axis=1)).ravel().astype(float)
        self.units_per_cell = np.bincount(town.premises_access, minlength=self.n_cells)
        self.units_along = accumulate_along_paths(self.trees, self.units_per_cell.astype(float))

    def _event_sites(self) -> np.ndarray:
        """Walkable cells where public events take place: the most central cell of each square
        (``:`` area); without squares, the street cell with the most premises around it."""
        from scipy import ndimage

        town = self.town
        squares = town.symbols == ":"
        labels, n = ndimage.label(squares)
        sites = []
        for k in range(1, n + 1):
            ys, xs = np.nonzero(labels == k)
            d = (xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2
            i = int(np.argmin(d))
            sites.append(int(town.walkable_index[ys[i], xs[i]]))
        if not sites:
            per_cell = np.bincount(town.premises_access, minlength=len(town.walkable_xy))
            sites.append(int(np.argmax(per_cell)))
        return np.array(sites, dtype=np.int32)

    def _create_residents(self, rng: np.random.Generator) -> None:
        """Draw every resident's home, weight, income, online propensity, frequency, taste."""
        pop = self.params.population
        town = self.town
        n_total = pop.agents
        households = len(town.dwelling_access) * self.params.town.households_per_dwelling_cell
        n_centre = min(n_total, round(households / pop.households_per_agent))
        n_outside = n_total - n_centre
        n_region = round(n_outside * pop.region_share)
        home_type = np.repeat(np.array([0, 1, 2], dtype=np.int8),
                              [n_centre, n_outside - n_region, n_region])
        zone = np.full(n_total, -1, dtype=np.int32)
        if n_centre:
            dwelling = rng.integers(0, len(town.dwelling_access), size=n_centre)
            zone[:n_centre] = self.zone_of_dwelling[dwelling]
        income_p = np.array([getattr(pop.income_shares, c) for c in INCOME_CLASSES])
        taste_p = np.array([getattr(pop.taste_shares, c) for c in TASTE_CLASSES])
        sigma = pop.online_propensity_sigma
        shape = pop.visit_frequency_shape
        self.residents = ResidentState(
            home_type=home_type,
            zone=zone,
            weight=np.full(n_total, pop.households_per_agent),
            income=rng.choice(3, size=n_total, p=income_p / income_p.sum()).astype(np.int8),
            propensity=rng.lognormal(-sigma**2 / 2, sigma, size=n_total),
            frequency=rng.gamma(shape, 1.0 / shape, size=n_total),
            taste=rng.choice(3, size=n_total, p=taste_p / taste_p.sum()).astype(np.int8),
            trips_last_week=np.zeros(n_total, dtype=np.int32),
        )
        self.resident_agents = [Resident(self, i) for i in range(n_total)]
        self._visit_rates = np.array(
            [[getattr(getattr(pop.visits_per_week, p), h) for h in ("centre", "city", "region")]
             for p in PURPOSES]
        )  # (purpose, home type)
        self._entry_cdf = self._entry_probabilities().cumsum(axis=1)
        self._resident_rates()
        extra = self.params.economy.choice.extra_stops
        self._extra_stops = np.array([getattr(extra, p) for p in PURPOSES])
        self._spend = self._sector_array("spend_per_visit_eur")
        self._income_mult = np.array([pop.income_spend_multiplier[c] for c in INCOME_CLASSES])
        self._retail_sector = np.isin(np.arange(len(SECTORS)),
                                      [SECTORS.index("comparison"), SECTORS.index("daily")])

    def _resident_rates(self) -> None:
        """Per-resident visit rates, purpose shares and the draw table for event visitors.

        A resident's rate per purpose is the scenario's rate for its home type, times its own
        frequency, times the pull of the centre it perceives (``_pull``, 1 when every unit is
        open; see ``economy.choice.visit_elasticity``). Also keeps what the weekly draws need
        per resident: its home origin and income multiplier, and the entry table."""
        res = self.residents
        n_k = len(TASTE_CLASSES)
        if getattr(self, "_rate_base", np.empty((0, 0))).shape[1:] != res.home_type.shape:
            # what only changes when residents are added: base rates, pull group, home
            # origin (-1 city, -2 region), income multiplier, whether all residents
            # stand for the same number of households, and the entry-point table
            pop = self.params.population
            self._rate_base = self._visit_rates[:, res.home_type] * res.frequency  # (purpose, N)
            centre = res.home_type == 0
            origin = self.n_entries + res.zone
            outside = self.n_origins * n_k + (res.home_type.astype(np.int32) - 1) * n_k
            self._pull_group = np.where(centre, origin * n_k, outside) + res.taste
            self._home_origin = np.where(centre, origin, -res.home_type.astype(np.int32))
            income_mult = np.array([pop.income_spend_multiplier[c] for c in INCOME_CLASSES])
            self._income_factor = income_mult[res.income]
            self._entry_table = kernels.choice_table(self._entry_probabilities())
        rates = self._rate_base  # (purpose, N)
        pull = getattr(self, "_pull", None)
        if pull is not None:
            by_group = np.concatenate([pull[0].reshape(len(PURPOSES), -1),
                                       pull[1].reshape(len(PURPOSES), 2 * n_k)], axis=1)
            rates = rates * np.take(by_group, self._pull_group, axis=1)
        self._visit_rate_total = rates.sum(axis=0)
        total = np.maximum(self._visit_rate_total, 1e-300)
        # (2, N) cumulative purpose shares (the same sums as a cumsum over axis 0, faster)
        self._purpose_cut = np.stack([rates[0], rates[0] + rates[1]]) / total
        leisure = rates[PURPOSES.index("leisure")]
        self._leisure_cdf = np.cumsum(leisure) / max(leisure.sum(), 1e-300)

    def add_residents(self, zone: int, households: float, rng: np.random.Generator) -> int:
        """New households in the centre (after a conversion) become Resident agents of home
        district ``zone``, with attributes drawn like the initial ones. Returns how many."""
        pop = self.params.population
        n = int(np.floor(households / pop.households_per_agent + rng.random()))
        if n == 0:
            return 0
        res = self.residents
        income_p = np.array([getattr(pop.income_shares, c) for c in INCOME_CLASSES])
        taste_p = np.array([getattr(pop.taste_shares, c) for c in TASTE_CLASSES])
        sigma, shape = pop.online_propensity_sigma, pop.visit_frequency_shape
        new = {
            "home_type": np.zeros(n, dtype=np.int8),
            "zone": np.full(n, zone, dtype=np.int32),
            "weight": np.full(n, pop.households_per_agent),
            "income": rng.choice(3, size=n, p=income_p / income_p.sum()).astype(np.int8),
            "propensity": rng.lognormal(-sigma**2 / 2, sigma, size=n),
            "frequency": rng.gamma(shape, 1.0 / shape, size=n),
            "taste": rng.choice(3, size=n, p=taste_p / taste_p.sum()).astype(np.int8),
            "trips_last_week": np.zeros(n, dtype=np.int32),
        }
        start = res.home_type.size
        for name, values in new.items():
            setattr(res, name, np.concatenate([getattr(res, name), values]))
        self.resident_agents += [Resident(self, i) for i in range(start, start + n)]
        self._resident_rates()
        return n

    def _entry_probabilities(self) -> np.ndarray:
        """(2, E) probability that a city / region visit arrives at each entry point."""
        kinds = self.town.entry_kind
        out = np.zeros((2, len(kinds)))
        for row, home in enumerate(("city", "region")):
            shares = getattr(self.params.population.entry_shares, home)
            for kind in ENTRY_KINDS:
                at = kinds == kind
                if at.any():
                    out[row, at] = getattr(shares, kind) / at.sum()
            if out[row].sum() == 0:  # the map lacks every kind this group uses
                out[row] = 1.0 / len(kinds)
            out[row] /= out[row].sum()
        return out

    def _create_units(self, rng: np.random.Generator) -> None:
        """Premises arrays; all vacant until the initial shops open."""
        n = len(self.town.premises_access)
        self.units = UnitState(
            sector=np.full(n, -1, dtype=np.int8),
            chain=np.zeros(n, dtype=bool),
            rent=np.zeros(n),
            market_rent=np.zeros(n),
            reserve=np.zeros(n),
            revenue=np.zeros(n),
            revenue_avg=np.zeros(n),
            profit_avg=np.zeros(n),
            loss_weeks=np.zeros(n, dtype=np.int32),
            weeks_open=np.zeros(n, dtype=np.int32),
            lease_end=np.zeros(n, dtype=np.int32),
            vacant_since=np.zeros(n, dtype=np.int32),
            use=np.zeros(n, dtype=np.int8),
            owner=np.zeros(n, dtype=np.int32),
            asking_rent=np.zeros(n),
            last_rent=np.zeros(n),
            brand=np.full(n, -1, dtype=np.int16),
            retail_zoned=np.ones(n, dtype=bool),
            support_share=np.zeros(n),
            support_until=np.zeros(n, dtype=np.int32),
            levy=np.zeros(n),
            bonus=np.zeros(n),
            reported=np.zeros(n, dtype=bool),
            nominated_week=np.full(n, -(10**6), dtype=np.int32),
        )
        self.shops: list[Shop | None] = [None] * n
        self.floor_m2 = self.town.premises_floor_m2.astype(float)
        # rent and fixed costs per m2 relative to a 100 m2 unit (large units pay less per m2)
        self.size_factor = (self.floor_m2 / 100.0) ** self.params.economy.shops.size_cost_elasticity
        self._cells = [self.grid[(int(x), int(y))] for x, y in self.town.premises_xy]
        # the initial occupants' sectors, decided now so the baseline sees a full centre
        mix = self._sector_array("sector_mix")
        sector = rng.choice(len(SECTORS), size=n, p=mix / mix.sum())
        anchors = self.town.premises_symbol == "A"
        sector[anchors] = rng.choice([SECTORS.index("daily"), SECTORS.index("comparison")],
                                     size=int(anchors.sum()))
        self._initial_sector = sector.astype(np.int8)

    def _sector_array(self, field: str) -> np.ndarray:
        """A per-sector shop parameter as an (S,) array in SECTORS order."""
        values = getattr(self.params.economy.shops, field)
        return np.array([getattr(values, s) for s in SECTORS], dtype=float)

    def _measure_baseline(self) -> None:
        """Expected footfall with every unit open: location classes, core flag, rents."""
        self.units.sector[:] = self._initial_sector
        self.units.use[:] = SHOP
        self._perceive()
        self.footfall_baseline = self._expected_footfall()
        access = self.town.premises_access
        f_units = self.footfall_baseline[access]
        busiest_cell = int(access[np.argmax(f_units)])
        self.busiest_cell = busiest_cell
        trees = shortest_path_trees(self.town.adjacency, np.array([busiest_cell], np.int32))
        self.walk_to_busiest_m = (trees.dist_steps[0, access] + 1) * self.town.cell_size_m
        self.core = self.walk_to_busiest_m <= self.params.town.core_walk_m
        rel = f_units / f_units.max()
        self.location_class = np.array(
            [next(name for name, lo in LOCATION_CLASSES if r >= lo) for r in rel]
        )
        self.footfall_smooth = self.footfall_baseline.copy()
        self.footfall_ref = float(f_units.max())
        self.units.market_rent[:] = self._market_rent()
        self.units.asking_rent[:] = self.units.market_rent
        self.units.last_rent[:] = self.units.market_rent
        self.units.sector[:] = -1
        self.units.use[:] = VACANT
        self.housing_zoned = np.ones(len(self.floor_m2), dtype=bool)  # core designation narrows

    def _market_rent(self) -> np.ndarray:
        """(P,) market rent from smoothed footfall and distance to the busiest point."""
        r = self.params.economy.rent
        return r.level * self.size_factor * kernels.market_rent(
            self.footfall_smooth[self.town.premises_access],
            self.footfall_ref,
            self.walk_to_busiest_m,
            a1_eur_per_m2_year=r.a1_eur_per_m2_year,
            footfall_elasticity=r.footfall_elasticity,
            gradient_per_100m=r.gradient_per_100m,
            floor_eur_per_m2_year=r.floor_eur_per_m2_year,
        )

    def _create_owners(self, rng: np.random.Generator) -> None:
        """Owners and their premises: institutional portfolios and local owners."""
        ll = self.params.landlords
        n = len(self.floor_m2)
        order = rng.permutation(n)
        n_inst = round(ll.institutional_share * n)
        self.owners: list[Owner] = []
        for kind, units, size in (("institutional", order[:n_inst],
                                   ll.units_per_institutional_owner),
                                  ("local", order[n_inst:], ll.units_per_local_owner)):
            share = getattr(ll, kind).can_coinvest
            for start in range(0, len(units), size):
                group = sorted(int(p) for p in units[start:start + size])
                self.units.owner[group] = len(self.owners)
                self.owners.append(Owner(self, kind, group, bool(rng.random() < share)))

    def _open_initial_venues(self) -> None:
        """Place the initial cultural venues in fitting units closest to a square."""
        cult = self.params.culture
        site_xy = self.town.walkable_xy[self.event_sites]
        dist = np.abs(self.town.premises_xy[:, None, :] - site_xy[None, :, :]).sum(axis=2)
        near = dist.min(axis=1)
        for kind, count in cult.initial_venues.items():
            for _ in range(count):
                free = self.units.use == VACANT
                fits = free & (self.floor_m2 >= cult.kinds[kind].min_floor_m2)
                pool = fits if fits.any() else free
                if not pool.any():
                    return
                p = int(np.flatnonzero(pool)[np.argmin(near[pool])])
                self._open_venue(p, kind, rent=cult.venue_rent_eur_per_m2_year,
                                 lease_weeks=10**6, meanwhile=False, record=False)

    def _open_initial_shops(self, rng: np.random.Generator) -> None:
        """Occupy all but ``initial_vacancy`` of the units, weaker locations vacant more often."""
        shops = self.params.economy.shops
        n = len(self.floor_m2)
        f_units = self.footfall_baseline[self.town.premises_access]
        weakness = 1.0 / np.sqrt(np.maximum(f_units, 1e-9) / f_units.max())
        free = self.units.use == VACANT
        weakness[~free] = 0.0
        n_vacant = min(round(shops.initial_vacancy * n), int(free.sum()))
        vacant = rng.choice(n, size=n_vacant, replace=False, p=weakness / weakness.sum())
        occupied = np.setdiff1d(np.flatnonzero(free), vacant)
        u_chain = rng.random(n)
        lease_left = rng.integers(1, self.params.economy.rent.lease_years * 52 + 1, size=n)
        for p in occupied:
            self._open_shop(int(p), int(self._initial_sector[p]), float(u_chain[p]),
                            lease_weeks=int(lease_left[p]), record=False)
        self.units.vacant_since[vacant] = 0

    # ------------------------------------------------------------ weekly rules
    def update_drivers(self) -> None:
        """Calendar date, online share per sector and the background footfall trend."""
        eco = self.params.economy
        date = self.date
        self.year = date.year + (date.timetuple().tm_yday - 1) / 365.25
        self.online_by_sector = self._online_shares(self.year)
        if date > self.params.start and eco.online_growth != 1.0:
            start = self.params.start
            at_start = self._online_shares(start.year + (start.timetuple().tm_yday - 1) / 365.25)
            self.online_by_sector = np.clip(
                at_start + eco.online_growth * (self.online_by_sector - at_start), 0.0, 1.0)
        years_from_start = (date - self.params.start).days / 365.25
        self.trend = (1.0 + eco.footfall_trend_per_year) ** years_from_start
        self.shocks_strike()

    def _online_shares(self, year: float) -> np.ndarray:
        """(S,) online share of each sector's spending at calendar ``year`` (as given)."""
        paths = self.params.economy.online_share
        return np.array([
            kernels.interpolate_path(np.array([pt.year for pt in getattr(paths, s)]),
                                     np.array([pt.share for pt in getattr(paths, s)]), year)
            for s in SECTORS
        ])

    def shocks_strike(self) -> None:
        """Lockdowns in force (visits, closed sectors, online jump) and chain bankruptcies."""
        date = self.date
        self.visit_multiplier = np.ones(len(PURPOSES))
        self.closed_sectors = np.zeros(len(SECTORS), dtype=bool)
        self.culture_closed = False
        self.lockdown_support = 0.0
        online_retail = [SECTORS.index("comparison"), SECTORS.index("daily")]
        for shock in self.params.shocks:
            if not shock.enabled:
                continue
            if shock.type == "lockdown":
                if shock.active(date):
                    self.visit_multiplier *= [getattr(shock.footfall_multiplier, p)
                                              for p in PURPOSES]
                    for s in shock.closed_sectors:
                        if s == "culture":
                            self.culture_closed = True
                        else:
                            self.closed_sectors[SECTORS.index(s)] = True
                    self.online_by_sector[online_retail] += shock.online_jump
                    self.lockdown_support = max(self.lockdown_support, shock.support_share)
                elif date > shock.end:
                    self.online_by_sector[online_retail] += (shock.online_jump
                                                             * shock.online_persistence)
            elif shock.type == "chain_bankruptcy" and shock.start <= date < (
                    shock.start + dt.timedelta(weeks=1)):
                self.chain_goes_bankrupt(SECTORS.index(shock.sector))
        self.online_by_sector = np.minimum(self.online_by_sector, 1.0)

    def chain_goes_bankrupt(self, sector: int) -> None:
        """The chain with the most open units in ``sector`` closes all of them at once."""
        units = self.units
        mine = units.open & (units.sector == sector) & (units.brand >= 0)
        if not mine.any():
            return
        brand = int(np.argmax(np.bincount(units.brand[mine])))
        for p in np.flatnonzero(mine & (units.brand == brand)):
            self._close_shop(int(p), "chain_bankruptcy")

    def municipality_acts(self) -> None:
        """The municipality runs its instruments (see :mod:`sim.model.policy`) and the collaboration
        stock grows with joint action or decays without it."""
        policy.act(self)

    def residents_visit(self) -> None:
        """Each resident draws its trips; each stop picks a shop; spending and footfall follow.

        One compiled pass over the residents (:mod:`sim.kernels.visits`): per resident a Poisson
        number of trips, per trip a purpose, an origin and its stops, per stop a destination
        from its group's choice probabilities, summing spending and walkers as it goes."""
        res = self.residents
        units = self.units
        if not hasattr(self, "_stop_cdf"):
            self._stop_cdf = visits.stop_cdf(self._extra_stops, MAX_STOPS)
            self._visit_work: dict = {}  # the visits' buffers, reused every week
        table, candidates = self._choice_table()
        entry = self._entry_table
        sector = units.sector
        n_units = len(self.floor_m2)
        revenue = np.zeros(n_units)
        potential = np.zeros(n_units)
        self.walks = np.zeros(self.n_origins * self.n_doors)
        lockdown = bool((self.visit_multiplier < 1).any())
        visits.visit_week(
            self._visit_rate_total * self.trend, self._purpose_cut, self._home_origin,
            res.taste, entry.cdf, entry.guide, entry.n_cols, self._stop_cdf,
            np.asarray(self.visit_multiplier, dtype=float), lockdown, table.cdf, table.guide,
            table.n_cols, table.has_choice, candidates, self.n_origins, len(TASTE_CLASSES),
            self._spend[sector], self.online_by_sector[sector], self._income_factor,
            res.propensity, res.weight, self.door, self.n_doors, self._weekly("trips"),
            self._weekly("choice"), self._weekly("lockdown"), res.trips_last_week, revenue,
            potential, self.walks, work=self._visit_work)
        # online share: what residents would have spent in the retail shops but bought online
        retail = self._retail_sector[sector] & (sector >= 0)
        potential_retail = potential[retail].sum()
        lost = potential_retail - revenue[retail].sum()
        self.online_share = lost / potential_retail if potential_retail > 0 else 0.0
        units.revenue[:] = revenue

    def walk_the_streets(self) -> None:
        """Footfall: every walk (origin to door) counted on each cell of its route; shops earn
        impulse revenue from the passers-by at their door."""
        units = self.units
        self.footfall_cells = accumulate_paths(self.trees, self.walks.reshape(self.n_origins, -1))
        impulse = self.params.economy.shops.impulse_eur_per_passerby
        trading = units.open & ~self.closed_sectors[units.sector]
        units.revenue += trading * impulse * self.footfall_cells[self.town.premises_access]
        self.footfall_smooth = kernels.ewma(self.footfall_smooth, self.footfall_cells,
                                            FOOTFALL_SMOOTHING_WEEKS)

    def venues_programme(self) -> None:
        """Cultural venues and public events (events programme, BIZ) draw visitors.

        Each event's attendance is a Poisson draw; each attendee is an individual resident,
        drawn in proportion to its leisure visit rate, who walks from its own origin to the
        event and, with probability ``culture.fnb_stop_share``, on to a food & beverage
        outlet near the event, where it spends like a leisure stop.
        """
        cult = self.params.culture
        rng = self._weekly("events")
        events: list[tuple[int, float, tuple[int, int], CulturalVenue | None]] = []
        lively = self.open_neighbours / np.maximum(self._neighbour_slots, 1.0)
        for venue in self.venue_list():
            venue.events_last_week = 0
            venue.visitors_last_week = 0.0
            if self.culture_closed:
                continue
            prog = venue.programme
            n = int(rng.poisson(prog.events_per_week))
            venue.events_last_week = n
            visitors = (prog.visitors_per_event * self.trend * self.visit_multiplier[2]
                        * (lively[venue.premises] / 0.8) ** cult.attendance_elasticity)
            xy = tuple(self.town.premises_xy[venue.premises])
            events += [(int(self.door[venue.premises]), visitors, xy, venue)] * n
        for door, visitors, _organiser in self.public_events:
            xy = tuple(self.town.walkable_xy[self.trees.destinations[door]])
            events.append((door, visitors * self.visit_multiplier[2], xy, None))
        self.events_week += len(events)
        if not events:
            return
        res = self.residents
        w_mean = float(res.weight.mean())
        n_att = rng.poisson([max(v, 0.0) / w_mean for _, v, _, _ in events])
        event_of = np.repeat(np.arange(len(events)), n_att)
        who = np.minimum(np.searchsorted(self._leisure_cdf, rng.random(event_of.size),
                                         side="right"), res.weight.size - 1)
        origin = self._trip_origins(who, rng)
        weight = res.weight[who]
        visitors_of = np.bincount(event_of, weights=weight, minlength=len(events))
        for k, (_, _, _, venue) in enumerate(events):
            if venue is not None:
                venue.visitors_last_week += float(visitors_of[k])
        # on to food & beverage near the event?
        fnb = SECTORS.index("food_beverage")
        outlets = np.flatnonzero((self.units.sector == fnb) & ~self.closed_sectors[fnb])
        stop = rng.random(who.size) < cult.fnb_stop_share
        doors = np.array([d for d, _, _, _ in events])[event_of]
        back = doors.copy()
        if outlets.size and stop.any():
            xy = np.array([e[2] for e in events])  # (E, 2): one outlet distribution per event
            d = np.abs(self.town.premises_xy[outlets][None, :, :] - xy[:, None, :]).sum(axis=2)
            logw = (self.params.economy.choice.floor_area_exponent
                    * np.log(self.floor_m2[outlets])[None, :]
                    - cult.fnb_decay_per_100m * d * self.town.cell_size_m / 100)
            wts = np.exp(logw - logw.max(axis=1, keepdims=True))
            cdf = np.cumsum(wts, axis=1)
            ev = event_of[stop]
            u = rng.random(ev.size) * cdf[ev, -1]
            col = np.empty(ev.size, dtype=np.int64)
            order = np.argsort(ev, kind="stable")
            bounds = np.searchsorted(ev[order], np.arange(len(events) + 1))
            for e in np.flatnonzero(np.diff(bounds)):  # inverse CDF on the event's row
                at = order[bounds[e]:bounds[e + 1]]
                col[at] = np.searchsorted(cdf[e], u[at], side="left")
            pick = outlets[np.minimum(col, outlets.size - 1)]
            spend = (self._spend[fnb] * self._income_mult[res.income[who[stop]]]
                     * weight[stop] * kernels.online_spend_factor(
                         np.full(pick.size, self.online_by_sector[fnb]), res.propensity[who[stop]]))
            self.units.revenue += np.bincount(pick, weights=spend, minlength=self.units.use.size)
            back[stop] = self.door[pick]
        for dest in (doors, back):  # there, and home from the event or the outlet
            self.walks += np.bincount(origin * self.n_doors + dest, weights=weight,
                                      minlength=self.walks.size)

    def venue_list(self) -> list[CulturalVenue]:
        """Open cultural venues in premises order."""
        return [v for v in self.venues if v is not None]

    def _trip_origins(self, who: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Origin of each trip: the home district, or an entry point drawn by modal split."""
        origin = self._home_origin[who]
        u = rng.random(who.size)
        outside = np.flatnonzero(origin < 0)
        if outside.size:
            row = -1 - origin[outside]  # 0 city, 1 region
            origin[outside] = kernels.draw_choices(self._entry_table, row, u[outside])
        return origin

    def _choice_weights(self, purpose: str) -> tuple[np.ndarray, np.ndarray]:
        """(O*K, D) choice weights over the open units serving ``purpose``, and those units
        (without the units of sectors a lockdown closes)."""
        units = self.units
        serving = np.isin(units.sector, self._purpose_codes[purpose])
        serving &= ~self.closed_sectors[units.sector]
        candidates = np.flatnonzero(serving)
        loc = self._location_weights[purpose][:, candidates]  # (O, D)
        taste = self._taste_weights[:, units.sector[candidates]]  # (K, D)
        weights = (loc[:, None, :] * taste[None, :, :]).reshape(loc.shape[0] * taste.shape[0], -1)
        return weights, candidates

    def _choice_table(self) -> tuple[kernels.ChoiceTable, np.ndarray]:
        """The choice table of all purposes stacked (row ``purpose * O * K + origin * K +
        taste``) over each purpose's open candidates, padded with zero weights to a common
        width W, and the (purpose, W) candidate units (-1 in the padding).

        A purpose's rows are rebuilt in place (:func:`sim.kernels.visits.fill_choice_rows`) only
        when
        its candidates or their sectors changed, or at a new perception."""
        units = self.units
        cache = self._choice_cache
        keys = {}  # each unit's sector where it serves the purpose and may open, else -1
        for purpose in PURPOSES:
            codes = np.array(self._purpose_codes[purpose])
            by_sector = np.full(len(SECTORS) + 1, -1, dtype=np.int8)  # last: vacant (-1)
            by_sector[codes] = np.where(self.closed_sectors[codes], -1, codes)
            keys[purpose] = by_sector[units.sector]
        changed = [p for p in PURPOSES if p not in cache or not np.array_equal(keys[p], cache[p])]
        if not changed:
            return cache["stacked"]
        n_max = max(int((keys[p] >= 0).sum()) for p in PURPOSES)
        width = max(64 * -(-n_max // 64), 64)  # rounded up: fewer full rebuilds
        if "stacked" in cache and width <= (kept := cache["stacked"][0].n_cols) < width + 128:
            width = kept  # padding draws nothing, so a wider table gives the same draws
        n_rows, n_k = self.n_origins * len(TASTE_CLASSES), len(TASTE_CLASSES)
        stride = width + 1
        if "stacked" not in cache or cache["stacked"][0].n_cols != width:
            size = len(PURPOSES) * n_rows * stride
            table = kernels.ChoiceTable(
                cdf=np.empty(size), guide=np.empty(size, np.int32 if size < 2**31 else np.int64),
                n_cols=width, has_choice=np.empty(len(PURPOSES) * n_rows, dtype=bool))
            cache.clear()
            cache["stacked"] = (table, np.full((len(PURPOSES), width), -1, dtype=np.int64))
            changed = list(PURPOSES)
        table, candidates = cache["stacked"]
        for purpose in changed:
            b = PURPOSES.index(purpose)
            cand = np.flatnonzero(keys[purpose] >= 0)
            visits.fill_choice_rows(
                self._location_weights[purpose], self._taste_weights, cand, units.sector[cand],
                n_k, width, b * n_rows * stride, b * n_rows, table.cdf, table.guide,
                table.has_choice)
            candidates[b] = -1
            candidates[b, : cand.size] = cand
            cache[purpose] = keys[purpose]
        return cache["stacked"]

    def _perceive(self) -> None:
        """Update what visitors know: open neighbours (agglomeration) and vitality on the way."""
        ch = self.params.economy.choice
        open_ = (self.units.use == SHOP) | (self.units.use == CULTURE)
        self.open_neighbours = self.neighbours @ open_.astype(float)
        log_attr = (ch.floor_area_exponent * np.log(self.floor_m2)
                    + ch.neighbour_elasticity * np.log1p(self.open_neighbours)
                    + self.units.bonus)
        open_per_cell = np.bincount(self.town.premises_access[open_], minlength=self.n_cells)
        open_along = accumulate_to_destinations(self.trees, open_per_cell.astype(float))
        if not hasattr(self, "_units_along_door"):
            self._units_along_door = np.maximum(
                self.units_along[:, self.town.premises_access], 1.0)
        vitality = open_along[:, self.door] / self._units_along_door
        self._location_weights, self._location_scale = {}, {}
        for purpose in PURPOSES:
            self._location_weights[purpose], self._location_scale[purpose] = (
                kernels.location_utility(
                    log_attr, vitality, self.distance_m,
                    vitality_weight=ch.vitality_weight,
                    decay_per_100m=getattr(ch.distance_decay_per_100m, purpose)))
        self._purpose_codes = {p: [SECTORS.index(s) for s in PURPOSE_SECTORS[p]]
                               for p in PURPOSES}
        bonus = np.array([[ch.taste_weight if s in TASTE_SECTORS[t] else 0.0 for s in SECTORS]
                          for t in TASTE_CLASSES])
        self._taste_weights = np.exp(bonus)  # (K, S)
        # the choice table's arrays are kept; every purpose's rows are rebuilt
        self._choice_cache = {k: v for k, v in getattr(self, "_choice_cache", {}).items()
                              if k == "stacked"}
        self._update_pull()

    def _update_pull(self) -> None:
        """The centre's pull per purpose, origin and taste: (total choice weight now / with
        every unit open) ** visit_elasticity. Lockdown closures are left out (their effect is
        the lockdown's visit multiplier). Visit rates follow at the next :meth:`_perceive`."""
        sector = self.units.sector
        by_sector = np.zeros((len(sector), len(SECTORS)))  # (P, S) open units by sector
        by_sector[sector >= 0, sector[sector >= 0]] = 1.0
        with np.errstate(divide="ignore"):  # log 0 = -inf: no open unit serves the group
            log_total = np.stack([
                # sum over serving units of location x taste weight, summed by sector first
                np.log((self._location_weights[purpose] @ (
                    by_sector * np.isin(np.arange(len(SECTORS)),
                                        self._purpose_codes[purpose]))) @ self._taste_weights.T)
                + self._location_scale[purpose][:, None]
                for purpose in PURPOSES])  # (purpose, O, K), unscaled (kernels.location_utility)
        if not hasattr(self, "_full_log_weight"):
            self._full_log_weight = log_total  # the baseline: every unit open
            return
        theta = self.params.economy.choice.visit_elasticity
        full = self._full_log_weight
        known = np.isfinite(full)
        pull = np.where(known, np.exp(theta * (log_total - np.where(known, full, 0.0))), 1.0)
        entry_p = self._entry_probabilities()  # (2, E) city / region arrivals
        outside = np.einsum("he,pek->phk", entry_p, pull[:, : self.n_entries])  # (purpose, 2, K)
        self._pull = (pull, outside)
        self._resident_rates()

    def _expected_footfall(self) -> np.ndarray:
        """(C,) expected weekly passers-by per cell: the baseline, without random draws."""
        res = self.residents
        n_o, n_k = self.n_origins, len(TASTE_CLASSES)
        counts = np.zeros((n_o, self.n_doors))
        entry_p = self._entry_probabilities()
        for p_idx, purpose in enumerate(PURPOSES):
            rate = self._visit_rates[p_idx, res.home_type] * res.frequency * res.weight
            trips = np.zeros((n_o, n_k))
            centre = res.home_type == 0
            np.add.at(trips, (self.n_entries + res.zone[centre], res.taste[centre]), rate[centre])
            for row in (1, 2):
                at = res.home_type == row
                by_taste = np.bincount(res.taste[at], weights=rate[at], minlength=n_k)
                trips[: self.n_entries] += entry_p[row - 1][:, None] * by_taste[None, :]
            weights, candidates = self._choice_weights(purpose)
            total = weights.sum(axis=1, keepdims=True)
            probs = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
            walks = 1.0 + getattr(self.params.economy.choice.extra_stops, purpose) + 1.0
            visits = (trips.reshape(-1, 1) * probs * walks).reshape(n_o, n_k, -1).sum(axis=1)
            np.add.at(counts, (slice(None), self.door[candidates]), visits)
        return accumulate_paths(self.trees, counts)

    def shops_book_accounts(self) -> None:
        """Book the week: margin on revenue minus rent and fixed costs, into the reserve."""
        units = self.units
        is_open = units.open
        sector = np.where(is_open, units.sector, 0)
        margin = self._sector_array("gross_margin")[sector]
        fixed = self._sector_array("fixed_cost_eur_per_m2_year")[sector] * self.size_factor
        # starter support: the municipality pays a share of the rent while it lasts
        supported = is_open & (units.support_share > 0) & (units.support_until > self.week)
        paid_share = np.zeros_like(units.rent)
        for p in np.flatnonzero(supported):
            amount = units.support_share[p] * units.rent[p] * self.floor_m2[p] / 52
            if self.municipality.pay("starter_support", amount):
                paid_share[p] = units.support_share[p]
            else:
                units.support_until[p] = self.week  # the budget ran out: support ends
        rent_paid = units.rent * (1.0 - paid_share) + units.levy
        profit = kernels.weekly_profit(units.revenue, margin, rent_paid, fixed, self.floor_m2)
        # lockdown: closed businesses may get part of their rent and fixed costs paid
        closed = is_open & self.closed_sectors[sector]
        self.support_week = 0.0
        if self.lockdown_support > 0 and closed.any():
            support = (self.lockdown_support * (units.rent + fixed) * self.floor_m2 / 52)[closed]
            profit[closed] += support
            self.support_week = float(support.sum())
        profit = np.where(is_open, profit, 0.0)
        units.reserve += profit
        units.weeks_open[:] = np.where(is_open, units.weeks_open + 1, 0)
        # running mean over the first weeks of trading, then a 26-week moving average
        span = np.clip(units.weeks_open, 1, PROFIT_SMOOTHING_WEEKS)
        units.profit_avg[:] = np.where(is_open, kernels.ewma(units.profit_avg, profit, span), 0.0)
        units.revenue_avg[:] = np.where(
            is_open, kernels.ewma(units.revenue_avg, units.revenue, span), 0.0)
        units.loss_weeks[:] = np.where(is_open & (units.profit_avg < 0), units.loss_weeks + 1, 0)

    def cost_cover(self) -> np.ndarray:
        """(P,) each open shop's gross margin on its smoothed revenue over its rent and fixed
        costs (above 1: it covers its costs); NaN where no shop trades."""
        units = self.units
        sector = np.where(units.open, units.sector, 0)
        fixed = self._sector_array("fixed_cost_eur_per_m2_year")[sector] * self.size_factor
        cost = (units.rent + fixed) * self.floor_m2 / 52
        cover = self._sector_array("gross_margin")[sector] * units.revenue_avg / cost
        return np.where(units.open, cover, np.nan)

    def shops_close(self) -> None:
        """Close shops that run out of cash, lose money too long, end a losing lease, or retire."""
        units = self.units
        shops = self.params.economy.shops
        u = self._weekly("exits").random(len(self.floor_m2))
        is_open = units.open
        # a supported lockdown keeps closed businesses from failing while it lasts
        protected = (self.closed_sectors[np.where(is_open, units.sector, 0)]
                     & (self.lockdown_support > 0))
        insolvent = is_open & (units.reserve < 0) & ~protected
        losing = is_open & (units.loss_weeks >= shops.patience_weeks) & ~protected
        lease_ends = is_open & (units.lease_end <= self.week)
        leave_at_end = lease_ends & (units.profit_avg < 0)
        vacant_near = (self.neighbours @ units.vacant.astype(float)) / np.maximum(
            self._neighbour_slots, 1.0)
        retire = is_open & (u < shops.base_exit_rate_per_year / 52 * (
            1.0 + shops.vacant_neighbour_exit * vacant_near))
        for cause, mask in (("insolvent", insolvent), ("sustained_losses", losing),
                            ("lease_end", leave_at_end), ("other", retire)):
            for p in np.flatnonzero(mask & units.open):
                self._close_shop(int(p), cause)
        renew = lease_ends & units.open
        units.rent[renew] = units.market_rent[renew]  # rent reset at renewal
        units.lease_end[renew] = self.week + self.params.economy.rent.lease_years * 52

    def venues_book_accounts(self) -> None:
        """Venues book tickets and subsidy against rent and fixed costs."""
        for venue in self.venue_list():
            prog = venue.programme
            floor = self.floor_m2[venue.premises]
            cost = (venue.rent + prog.cost_eur_per_m2_year) * floor / 52
            if self.culture_closed and self.lockdown_support > 0:
                cost *= 1.0 - self.lockdown_support
            income = (venue.visitors_last_week * prog.ticket_eur
                      + prog.subsidy_eur_per_year / 52 + venue.subsidy_received)
            venue.reserve += income - cost
            venue.subsidy_received = 0.0
            venue.weeks_open += 1

    def venues_close(self) -> None:
        """Venues out of money close; meanwhile users leave when their lease ends."""
        for venue in self.venue_list():
            if venue.reserve < 0 and not (self.culture_closed and self.lockdown_support > 0):
                self._close_venue(venue, "insolvent")
            elif venue.lease_end <= self.week:
                self._close_venue(venue, "meanwhile_end" if venue.meanwhile else "lease_end")

    def months_vacant(self) -> np.ndarray:
        """(P,) months each vacant unit has been empty (0 for occupied units)."""
        units = self.units
        return np.where(units.vacant, (self.week - units.vacant_since) / WEEKS_PER_MONTH, 0.0)

    def owners_set_rents(self) -> None:
        """Owners set the asking rent of vacant units: first the old rent (or the market rent
        if higher); after ``months_before_cut`` months cuts of ``cut_per_year``, compounding,
        but never below the valuation floor (a share of the last contract rent)."""
        units = self.units
        ll = self.params.landlords
        kind = np.array([o.kind == "institutional" for o in self.owners])[units.owner]
        pick = {f: np.where(kind, getattr(ll.institutional, f), getattr(ll.local, f))
                for f in ("months_before_cut", "cut_per_year", "valuation_floor")}
        months = (self.week - units.vacant_since) / WEEKS_PER_MONTH  # meanwhile use included
        start = np.maximum(units.last_rent, units.market_rent)
        cut_years = np.maximum(months - pick["months_before_cut"], 0.0) / 12
        floor = pick["valuation_floor"] * units.last_rent
        asking = np.maximum(floor, start * (1.0 - pick["cut_per_year"]) ** cut_years)
        lettable = units.vacant | self._meanwhile_mask()
        units.asking_rent[:] = np.where(lettable, asking, units.asking_rent)

    def _meanwhile_mask(self) -> np.ndarray:
        mask = np.zeros(self.units.use.size, dtype=bool)
        for v in self.venue_list():
            mask[v.premises] = v.meanwhile
        return mask

    def owners_convert(self) -> None:
        """Long-vacant units where zoning allows become homes, at a yearly rate (3.5 times
        lower in the core, higher and at once for units that lost their retail zoning); a
        transformation subsidy raises the rate for owners who co-invest. Conversion is for
        good and brings new resident households."""
        ll = self.params.landlords
        units = self.units
        months = self.months_vacant()
        rng = self._weekly("conversions")
        u = rng.random(units.use.size)
        subsidy, uptake = policy.transformation_offer(self, months)  # (P,) share of cost paid
        coinvest = np.array([o.can_coinvest for o in self.owners])[units.owner]
        subsidy = np.where(coinvest, subsidy, 0.0)
        # owners consider converting after a long vacancy, or earlier when subsidised
        rezoned = ~units.retail_zoned
        eligible = units.vacant & self.housing_zoned & (
            (months >= ll.conversion_after_months) | (subsidy > 0) | rezoned)
        if not eligible.any():
            return
        base = ll.conversion_rate_per_year * np.where(
            rezoned, ll.rezoned_conversion_factor,
            np.where(self.core, ll.core_conversion_factor, 1.0))
        rate = base * (1.0 + uptake * subsidy)
        for p in np.flatnonzero(eligible & (u < rate / 52)):
            grant = subsidy[p] * ll.conversion_cost_eur_per_m2 * self.floor_m2[p]
            paid = grant > 0 and self.municipality.pay(
                "transformation_subsidy", grant, owner_share=1.0 - subsidy[p])
            if u[p] >= base[p] / 52 and not paid:
                continue  # only the subsidy made it worthwhile, and there is no money left
            self._convert(int(p), rng)

    def _convert(self, p: int, rng: np.random.Generator) -> None:
        units = self.units
        units.use[p] = HOUSING
        units.retail_zoned[p] = False
        self.conversions_week += 1
        households = self.floor_m2[p] / self.params.landlords.m2_per_household
        n_zones = self.n_origins - self.n_entries
        zone = int(np.argmin(self.distance_m[self.n_entries:, p])) if n_zones else -1
        added = self.add_residents(zone, households, rng) if zone >= 0 else 0
        self._record("conversion", p, -1, f"{households:.1f} households, {added} residents")

    def vacant_units_let(self) -> None:
        """Vacant units find tenants at a rate rising with expected revenue, falling with rent."""
        rng = self._weekly("entries")
        n = len(self.floor_m2)
        u_enter, u_sector, u_chain = rng.random(n), rng.random(n), rng.random(n)
        vacant, sector, p_enter = self.letting_offers(u_sector)
        enter = u_enter[vacant] < p_enter
        support = policy.starter_support_offer(self)
        for p, s in zip(vacant[enter], sector[enter], strict=True):
            if self.venues[p] is not None:  # a regular tenant ends the meanwhile lease
                self._close_venue(self.venues[p], "meanwhile_end")
            self._open_shop(int(p), int(s), float(u_chain[p]),
                            lease_weeks=self.params.economy.rent.lease_years * 52,
                            support=(support[0][p], support[1]))
        self.cultural_users_arrive()

    def cultural_users_arrive(self) -> None:
        """Cultural and creative starters look for premises: owners accept them on a cheap
        meanwhile lease once a unit has been vacant long enough (sooner with a broker)."""
        cult = self.params.culture
        rng = self._weekly("culture")
        rate, after_months, broker_cost = policy.meanwhile_demand(self)
        n = int(rng.poisson(rate / 52))
        if n == 0 or self.culture_closed:
            return
        units = self.units
        months = self.months_vacant()
        kinds = ("meanwhile", "gallery", "makerspace")
        own = np.array([getattr(self.params.landlords, o.kind).meanwhile_after_months
                        for o in self.owners])[units.owner]  # owner's own threshold
        footfall = self.footfall_smooth[self.town.premises_access]
        for _ in range(n):
            kind = kinds[int(rng.choice(3, p=[0.5, 0.25, 0.25]))]
            ok = units.vacant & (months >= np.minimum(own, after_months)) & (
                self.floor_m2 >= cult.kinds[kind].min_floor_m2)
            if not ok.any():
                return
            p = int(np.flatnonzero(ok)[np.argmax(footfall[ok])])
            brokered = months[p] < own[p]  # the owner agreed only because of the broker
            if brokered and not self.municipality.pay("meanwhile_use", broker_cost):
                continue
            venue = self._open_venue(p, kind, rent=cult.meanwhile_rent_eur_per_m2_year,
                                     lease_weeks=cult.meanwhile_lease_weeks, meanwhile=True)
            venue.reserve += policy.entrant_grant(self)

    def letting_offers(self, u_sector: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each vacant unit: the sector of the best-fitting candidate tenant and the
        weekly probability that it signs.

        The candidate's sector is drawn with weight ``sector_mix * ratio^4``, where ``ratio``
        is its expected gross margin over rent and fixed costs; the letting probability is
        logistic in that ratio (:func:`sim.kernels.entry_probability`).

        Args:
            u_sector: (P,) uniform draws used to pick each unit's candidate sector.

        Returns:
            vacant units (V,), candidate sectors (V,), weekly letting probabilities (V,).
        """
        shops = self.params.economy.shops
        units = self.units
        vacant = np.flatnonzero((units.vacant | self._meanwhile_mask()) & units.retail_zoned)
        if vacant.size == 0 or not self.units.open.any():  # no market to learn from
            return vacant[:0], np.zeros(0, dtype=int), np.zeros(0)
        ratio = self._expected_profit_ratio(vacant)  # (V, S)
        score = self._sector_array("sector_mix")[None, :] * np.maximum(ratio, 0.0) ** 4
        cdf = np.cumsum(score, axis=1) / np.maximum(score.sum(axis=1), 1e-300)[:, None]
        pick = np.minimum((cdf < u_sector[vacant, None]).sum(axis=1), len(SECTORS) - 1)
        p_enter = kernels.entry_probability(
            ratio[np.arange(vacant.size), pick], rate_per_year=shops.entry_rate_per_year,
            steepness=shops.entry_steepness, threshold=shops.entry_threshold)
        return vacant, pick, p_enter

    def _expected_profit_ratio(self, vacant: np.ndarray) -> np.ndarray:
        """(V, S) expected gross margin over costs for an entrant of each sector.

        Expected revenue per m2 is the sector's median among open shops, scaled by the unit's
        footfall relative to open shops (elasticity 0.5) and its open neighbours relative to
        theirs (elasticity as in the choice model).
        """
        units = self.units
        open_ = np.flatnonzero(units.open)
        access = self.town.premises_access
        per_m2 = units.revenue_avg[open_] / self.floor_m2[open_]
        ref = kernels.group_medians(per_m2, units.sector[open_], len(SECTORS))
        if np.isnan(ref).any():  # a sector without open shops: the median of all
            ref = np.where(np.isnan(ref), np.median(per_m2), ref)
        f_ref = np.median(self.footfall_smooth[access[open_]])
        n_ref = np.median(self.open_neighbours[open_])
        loc = (np.maximum(self.footfall_smooth[access[vacant]], 1e-9) / max(f_ref, 1e-9)) ** 0.5
        nb = ((1 + self.open_neighbours[vacant]) / (1 + n_ref)) ** (
            self.params.economy.choice.neighbour_elasticity)
        revenue = ref[None, :] * (loc * nb)[:, None] * self.floor_m2[vacant, None]
        margin = self._sector_array("gross_margin")
        fixed = (self._sector_array("fixed_cost_eur_per_m2_year")[None, :]
                 * self.size_factor[vacant, None])
        share, _ = policy.starter_support_offer(self)
        rent = units.asking_rent[vacant] * (1.0 - share[vacant])
        cost = (rent[:, None] + fixed) * self.floor_m2[vacant, None] / 52
        return revenue * margin[None, :] / cost

    def review_rents(self) -> None:
        """Re-estimate market (asking) rents from smoothed footfall once a review period."""
        if self.week % self.params.economy.rent.review_weeks == 0:
            self.units.market_rent[:] = self._market_rent()

    # ------------------------------------------------------------ open / close
    def _open_shop(self, p: int, sector: int, u_chain: float, *, lease_weeks: int,
                   record: bool = True, rent: float | None = None,
                   support: tuple[float, int] = (0.0, 0), cause: str = "new_tenant") -> None:
        """A new business signs a lease at the asking rent (or ``rent``) and moves into
        premises ``p``. ``u_chain`` < ``chain_share`` makes it a chain store; the same draw
        picks its chain."""
        units = self.units
        shops = self.params.economy.shops
        fixed = self._sector_array("fixed_cost_eur_per_m2_year")[sector] * self.size_factor[p]
        chain = u_chain < shops.chain_share
        units.sector[p] = sector
        units.use[p] = SHOP
        units.chain[p] = chain
        units.brand[p] = int(u_chain / shops.chain_share * shops.chain_brands_per_sector) if (
            chain) else -1
        units.rent[p] = units.asking_rent[p] if rent is None else rent
        units.support_share[p], units.support_until[p] = support[0], self.week + support[1]
        units.reported[p] = False
        monthly_cost = (units.rent[p] + fixed) * self.floor_m2[p] / 12
        units.reserve[p] = shops.reserve_months * monthly_cost * (
            shops.chain_reserve_factor if chain else 1.0)
        units.profit_avg[p] = 0.0
        units.revenue_avg[p] = 0.0
        units.loss_weeks[p] = 0
        units.weeks_open[p] = 0
        units.lease_end[p] = self.week + lease_weeks
        self.shops[p] = Shop(self, p, self._cells[p])
        if record:
            self.openings_week += 1
            self._record("opening", p, sector, cause)

    def _close_shop(self, p: int, cause: str) -> None:
        """The business leaves; the premises become vacant; the owner asks the old rent."""
        units = self.units
        self._record("closure", p, int(units.sector[p]), cause)
        units.sector[p] = -1
        units.use[p] = VACANT
        units.brand[p] = -1
        units.levy[p] = 0.0
        units.support_share[p] = 0.0
        units.last_rent[p] = units.rent[p]
        units.asking_rent[p] = max(units.rent[p], units.market_rent[p])
        units.vacant_since[p] = self.week
        units.reported[p] = False
        self.shops[p].remove()
        self.shops[p] = None
        self.closures_week += 1

    def _open_venue(self, p: int, kind: str, *, rent: float, lease_weeks: int, meanwhile: bool,
                    record: bool = True) -> CulturalVenue:
        """A cultural venue or meanwhile user moves into premises ``p``."""
        cult = self.params.culture
        prog = cult.kinds[kind]
        monthly = (rent + prog.cost_eur_per_m2_year) * self.floor_m2[p] / 12
        venue = CulturalVenue(self, p, self._cells[p], kind, rent=rent,
                              lease_end=self.week + lease_weeks, meanwhile=meanwhile,
                              reserve=cult.reserve_months * monthly)
        self.venues[p] = venue
        self.units.use[p] = CULTURE
        self.units.reported[p] = False
        if record:
            self._record("meanwhile_lease" if meanwhile else "cultural_opening", p, -1, kind)
        return venue

    def _close_venue(self, venue: CulturalVenue, cause: str) -> None:
        """The venue leaves. After meanwhile use the vacancy spell of the owner continues."""
        p = venue.premises
        units = self.units
        self._record("cultural_closure", p, -1, f"{venue.kind}: {cause}")
        units.use[p] = VACANT
        if not venue.meanwhile:
            units.vacant_since[p] = self.week
            units.last_rent[p] = units.market_rent[p]
        venue.remove()
        self.venues[p] = None

    def _record(self, kind: str, p: int, sector: int, cause: str) -> None:
        if self.reported:
            label = SECTORS[sector] if sector >= 0 else ""
            self.event_log.append((self.date_iso, self.report_step, kind, p, label, cause))

    # ---------------------------------------------------------------- outputs
    def _reset_week_counters(self) -> None:
        self.openings_week = 0
        self.closures_week = 0
        self.conversions_week = 0
        self.events_week = 0
        self.public_events = []

    def _measure(self) -> None:
        """Compute this week's reported indicators (model attributes named as METRICS)."""
        units = self.units
        stock = units.retail  # converted units have left the premises stock
        vacant = units.vacant
        n = int(stock.sum())
        self.vacant_units = int(vacant.sum())
        self.open_units = n - self.vacant_units
        self.vacancy_rate = self.vacant_units / max(n, 1)
        self.vacancy_rate_floor = float(self.floor_m2[vacant].sum()
                                        / max(self.floor_m2[stock].sum(), 1e-9))
        core, edge = self.core & stock, ~self.core & stock
        self.vacancy_rate_core = float(vacant[core].mean()) if core.any() else 0.0
        self.vacancy_rate_edge = float(vacant[edge].mean()) if edge.any() else 0.0
        self.footfall = float(self.footfall_cells.sum())
        self.turnover = float(units.revenue[units.open].sum())
        self.openings = self.openings_week
        self.closures = self.closures_week
        shops_open = units.open.any()
        self.mean_rent = float(units.rent[units.open].mean()) if shops_open else 0.0
        self.conversions = self.conversions_week
        self.cultural_venues = len(self.venue_list())
        self.events = self.events_week
        spend = self.municipality.spend_week
        self.municipal_spend = float(sum(spend.values()))
        self.cofunding_spend = self.municipality.cofunded_week
        self.support_paid = self.support_week
        self.collaboration = self.municipality.collaboration
        for kind in INTERVENTION_TYPES:
            setattr(self, f"spend_{kind}", float(spend.get(kind, 0.0)))
        for name, cell in self.town.counting_points.items():
            setattr(self, f"footfall_{name}", float(self.footfall_cells[cell]))

    def maps(self) -> tuple[np.ndarray, np.ndarray]:
        """(height, width) grids: smoothed footfall on walkable cells, occupancy of premises."""
        shape = (self.town.height, self.town.width)
        footfall = np.full(shape, np.nan)
        x, y = self.town.walkable_xy.T
        footfall[y, x] = self.footfall_smooth
        occupancy = np.full(shape, np.nan)
        x, y = self.town.premises_xy.T
        stock = self.units.retail
        occupancy[y[stock], x[stock]] = (~self.units.vacant[stock]).astype(float)
        return footfall, occupancy

    def _use_label(self, p: int) -> str:
        use = self.units.use[p]
        if use == SHOP:
            return SECTORS[self.units.sector[p]]
        if use == CULTURE:
            return f"culture:{self.venues[p].kind}"
        return "housing" if use == HOUSING else "vacant"

    def premises_table(self) -> list[dict]:
        """Static and final attributes of every premises (location class, core flag, state)."""
        units = self.units
        rows = []
        for p, (x, y) in enumerate(self.town.premises_xy):
            rows.append({
                "premises": p, "x": int(x), "y": int(y),
                "symbol": str(self.town.premises_symbol[p]),
                "floor_m2": float(self.floor_m2[p]),
                "location_class": str(self.location_class[p]),
                "core": bool(self.core[p]),
                "walk_to_busiest_m": float(self.walk_to_busiest_m[p]),
                "footfall_baseline": float(self.footfall_baseline[self.town.premises_access[p]]),
                "owner": int(units.owner[p]),
                "owner_kind": self.owners[units.owner[p]].kind,
                "sector_end": self._use_label(p),
                "rent_end": float(units.rent[p]) if units.open[p] else float(
                    units.asking_rent[p]),
            })
        return rows

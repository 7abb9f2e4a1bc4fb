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

import datetime as dt
from dataclasses import dataclass

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import OrthogonalVonNeumannGrid

from sim import kernels
from sim.agents import Resident, Shop
from sim.loading import build_town
from sim.routing import accumulate_along_paths, accumulate_paths, shortest_path_trees
from sim.schema import ENTRY_KINDS, INCOME_CLASSES, PURPOSES, SECTORS, TASTE_CLASSES, Scenario
from sim.streams import stream
from sim.town import home_zones

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

#: Timeseries columns reported every week (DataCollector model reporters, by name).
METRICS = (
    "vacancy_rate", "vacancy_rate_floor", "vacancy_rate_core", "vacancy_rate_edge",
    "footfall", "turnover", "open_units", "vacant_units", "openings", "closures",
    "mean_rent", "online_share",
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

    @property
    def open(self) -> np.ndarray:
        """(P,) bool: occupied by a business."""
        return self.sector >= 0


class CityCentre(Model):
    """A city centre of shops, residents and visitors, stepped weekly.

    Args:
        scenario: a validated :class:`sim.schema.Scenario`.
        seed: replication seed (an integer); all random streams derive from it.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.params = scenario
        self.seed = seed
        self.town = build_town(scenario)
        self.grid = OrthogonalVonNeumannGrid(
            (self.town.width, self.town.height), torus=False, random=self.random
        )
        self.sim_start = scenario.start - dt.timedelta(weeks=scenario.warmup_weeks)
        self.events: list[tuple] = []
        init = stream(seed, "init")

        self._build_routes()
        self._create_residents(stream(seed, "residents"))
        self._create_units(init)
        self._measure_baseline()
        self._open_initial_shops(init)
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
        self.update_drivers()  # calendar, online shares, footfall trend
        self.residents_visit()  # trips, destination choice, spending, footfall
        self.shops_book_accounts()  # revenue minus rent and fixed costs
        self.shops_close()  # insolvency, sustained losses, lease end, other reasons
        self.vacant_units_let()  # entry of new tenants
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
        destinations = np.unique(town.premises_access)
        self.trees = shortest_path_trees(town.adjacency, origins, destinations)
        # column of each premises' door in the (origin, destination) walker counts
        self.door = np.searchsorted(destinations, town.premises_access)
        self.n_doors = destinations.size
        steps = self.trees.dist_steps[:, town.premises_access]
        # walking to the unit's door: one more cell
        self.distance_m = (steps + 1).astype(float) * town.cell_size_m
        self.n_origins = len(origins)
        self.n_cells = town.adjacency.shape[0]
        self.neighbours = town.premises_neighbours(self.params.town.neighbour_radius_cells)
        self.units_per_cell = np.bincount(town.premises_access, minlength=self.n_cells)
        self.units_along = accumulate_along_paths(self.trees, self.units_per_cell.astype(float))

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
        rates = self._visit_rates[:, home_type] * self.residents.frequency  # (purpose, N)
        self._visit_rate_total = rates.sum(axis=0)
        total = np.maximum(self._visit_rate_total, 1e-300)
        self._purpose_cut = np.cumsum(rates, axis=0)[:2] / total  # (2, N) purpose shares
        extra = self.params.economy.choice.extra_stops
        self._extra_stops = np.array([getattr(extra, p) for p in PURPOSES])
        self._spend = self._sector_array("spend_per_visit_eur")
        self._income_mult = np.array([pop.income_spend_multiplier[c] for c in INCOME_CLASSES])
        self._retail_sector = np.isin(np.arange(len(SECTORS)),
                                      [SECTORS.index("comparison"), SECTORS.index("daily")])

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
        self.units.sector[:] = -1

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

    def _open_initial_shops(self, rng: np.random.Generator) -> None:
        """Occupy all but ``initial_vacancy`` of the units, weaker locations vacant more often."""
        shops = self.params.economy.shops
        n = len(self.floor_m2)
        f_units = self.footfall_baseline[self.town.premises_access]
        weakness = 1.0 / np.sqrt(np.maximum(f_units, 1e-9) / f_units.max())
        n_vacant = round(shops.initial_vacancy * n)
        vacant = rng.choice(n, size=n_vacant, replace=False, p=weakness / weakness.sum())
        occupied = np.setdiff1d(np.arange(n), vacant)
        chain = rng.random(n) < shops.chain_share
        lease_left = rng.integers(1, self.params.economy.rent.lease_years * 52 + 1, size=n)
        for p in occupied:
            self._open_shop(int(p), int(self._initial_sector[p]), bool(chain[p]),
                            lease_weeks=int(lease_left[p]), record=False)
        self.units.vacant_since[vacant] = 0

    # ------------------------------------------------------------ weekly rules
    def update_drivers(self) -> None:
        """Calendar date, online share per sector and the background footfall trend."""
        eco = self.params.economy
        date = self.date
        self.year = date.year + (date.timetuple().tm_yday - 1) / 365.25
        self.online_by_sector = np.array([
            kernels.interpolate_path(
                np.array([pt.year for pt in getattr(eco.online_share, s)]),
                np.array([pt.share for pt in getattr(eco.online_share, s)]),
                self.year,
            )
            for s in SECTORS
        ])
        years_from_start = (date - self.params.start).days / 365.25
        self.trend = (1.0 + eco.footfall_trend_per_year) ** years_from_start

    def residents_visit(self) -> None:
        """Each resident draws its trips; each stop picks a shop; spending and footfall follow."""
        res = self.residents
        units = self.units
        trips_rng, choice_rng = self._weekly("trips"), self._weekly("choice")
        # trips: one Poisson draw per resident for all purposes, then a purpose per trip
        n_trips = trips_rng.poisson(self._visit_rate_total * self.trend)
        who = np.repeat(np.arange(n_trips.size), n_trips)
        u_purpose = trips_rng.random(who.size)
        purpose = ((u_purpose >= self._purpose_cut[0, who]).astype(np.int8)
                   + (u_purpose >= self._purpose_cut[1, who]))
        origin = self._trip_origins(who, trips_rng)
        n_stops = np.minimum(1 + trips_rng.poisson(self._extra_stops[purpose]), MAX_STOPS)
        res.trips_last_week[:] = n_trips
        # stops: each its own destination draw from its group's choice probabilities
        stop_trip = np.repeat(np.arange(who.size), n_stops)
        stop_who = who[stop_trip]
        stop_purpose = purpose[stop_trip]
        group = origin[stop_trip] * len(TASTE_CLASSES) + res.taste[stop_who]
        u_choice = choice_rng.random(stop_trip.size)
        unit = np.full(stop_trip.size, -1)
        for p_idx, name in enumerate(PURPOSES):
            cdf, has_choice, candidates = self._choice_table(name)
            sel = np.flatnonzero((stop_purpose == p_idx) & has_choice[group]
                                 if candidates.size else np.zeros(0, dtype=bool))
            if sel.size:
                unit[sel] = candidates[kernels.draw_choices(
                    cdf, candidates.size, group[sel], u_choice[sel])]
        chose = unit >= 0
        stop_trip, stop_who, unit = stop_trip[chose], stop_who[chose], unit[chose]
        # spending, minus what the resident buys online in that sector
        sector = units.sector[unit]
        potential = self._spend[sector] * self._income_mult[res.income[stop_who]] * (
            res.weight[stop_who])
        kept = potential * kernels.online_spend_factor(
            self.online_by_sector[sector], res.propensity[stop_who])
        revenue = np.bincount(unit, weights=kept, minlength=len(self.floor_m2))
        retail = self._retail_sector[sector]
        lost = potential[retail].sum() - kept[retail].sum()
        self.online_share = lost / potential[retail].sum() if retail.any() else 0.0
        # walkers: out to each stop, and back home from the last stop of the visit
        last = np.r_[stop_trip[1:] != stop_trip[:-1], True]
        flat = origin[stop_trip] * self.n_doors + self.door[unit]
        walkers = res.weight[stop_who] * (1.0 + last)
        counts = np.bincount(flat, weights=walkers, minlength=self.n_origins * self.n_doors)
        self.footfall_cells = accumulate_paths(self.trees, counts.reshape(self.n_origins, -1))
        impulse = self.params.economy.shops.impulse_eur_per_passerby
        revenue += units.open * impulse * self.footfall_cells[self.town.premises_access]
        units.revenue[:] = revenue
        self.footfall_smooth = kernels.ewma(self.footfall_smooth, self.footfall_cells,
                                            FOOTFALL_SMOOTHING_WEEKS)

    def _trip_origins(self, who: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Origin of each trip: the home district, or an entry point drawn by modal split."""
        home = self.residents.home_type[who]
        origin = self.n_entries + self.residents.zone[who]
        outside = home > 0
        u = rng.random(who.size)[outside]
        row = home[outside] - 1
        n_e = self.n_entries
        flat = (self._entry_cdf + np.arange(2)[:, None]).ravel()
        origin[outside] = np.minimum(np.searchsorted(flat, row + u, side="right") - row * n_e,
                                     n_e - 1)
        return origin

    def _choice_weights(self, purpose: str) -> tuple[np.ndarray, np.ndarray]:
        """(O*K, D) choice weights over the open units serving ``purpose``, and those units."""
        units = self.units
        candidates = np.flatnonzero(np.isin(units.sector, self._purpose_codes[purpose]))
        loc = self._location_weights[purpose][:, candidates]  # (O, D)
        taste = self._taste_weights[:, units.sector[candidates]]  # (K, D)
        weights = (loc[:, None, :] * taste[None, :, :]).reshape(loc.shape[0] * taste.shape[0], -1)
        return weights, candidates

    def _choice_table(self, purpose: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Choice CDF per (origin, taste) group, rows with a choice, and the candidate units."""
        weights, candidates = self._choice_weights(purpose)
        cdf, has_choice = kernels.choice_cdf(weights)
        return cdf, has_choice, candidates

    def _perceive(self) -> None:
        """Update what visitors know: open neighbours (agglomeration) and vitality on the way."""
        ch = self.params.economy.choice
        open_ = self.units.open
        self.open_neighbours = self.neighbours @ open_.astype(float)
        log_attr = (ch.floor_area_exponent * np.log(self.floor_m2)
                    + ch.neighbour_elasticity * np.log1p(self.open_neighbours))
        open_per_cell = np.bincount(self.town.premises_access[open_], minlength=self.n_cells)
        open_along = accumulate_along_paths(self.trees, open_per_cell.astype(float))
        access = self.town.premises_access
        vitality = open_along[:, access] / np.maximum(self.units_along[:, access], 1.0)
        self._location_weights = {
            purpose: kernels.location_utility(
                log_attr, vitality, self.distance_m,
                vitality_weight=ch.vitality_weight,
                decay_per_100m=getattr(ch.distance_decay_per_100m, purpose),
            )
            for purpose in PURPOSES
        }
        self._purpose_codes = {p: [SECTORS.index(s) for s in PURPOSE_SECTORS[p]]
                               for p in PURPOSES}
        bonus = np.array([[ch.taste_weight if s in TASTE_SECTORS[t] else 0.0 for s in SECTORS]
                          for t in TASTE_CLASSES])
        self._taste_weights = np.exp(bonus)  # (K, S)

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
        profit = kernels.weekly_profit(units.revenue, margin, units.rent, fixed, self.floor_m2)
        profit = np.where(is_open, profit, 0.0)
        units.reserve += profit
        units.weeks_open[:] = np.where(is_open, units.weeks_open + 1, 0)
        # running mean over the first weeks of trading, then a 26-week moving average
        span = np.clip(units.weeks_open, 1, PROFIT_SMOOTHING_WEEKS)
        units.profit_avg[:] = np.where(is_open, kernels.ewma(units.profit_avg, profit, span), 0.0)
        units.revenue_avg[:] = np.where(
            is_open, kernels.ewma(units.revenue_avg, units.revenue, span), 0.0)
        units.loss_weeks[:] = np.where(is_open & (units.profit_avg < 0), units.loss_weeks + 1, 0)

    def shops_close(self) -> None:
        """Close shops that run out of cash, lose money too long, end a losing lease, or retire."""
        units = self.units
        shops = self.params.economy.shops
        u = self._weekly("exits").random(len(self.floor_m2))
        is_open = units.open
        insolvent = is_open & (units.reserve < 0)
        losing = is_open & (units.loss_weeks >= shops.patience_weeks)
        lease_ends = is_open & (units.lease_end <= self.week)
        leave_at_end = lease_ends & (units.profit_avg < 0)
        retire = is_open & (u < shops.base_exit_rate_per_year / 52)
        for cause, mask in (("insolvent", insolvent), ("sustained_losses", losing),
                            ("lease_end", leave_at_end), ("other", retire)):
            for p in np.flatnonzero(mask & units.open):
                self._close_shop(int(p), cause)
        renew = lease_ends & units.open
        units.rent[renew] = units.market_rent[renew]
        units.lease_end[renew] = self.week + self.params.economy.rent.lease_years * 52

    def vacant_units_let(self) -> None:
        """Vacant units find tenants at a rate rising with expected revenue, falling with rent."""
        shops = self.params.economy.shops
        rng = self._weekly("entries")
        n = len(self.floor_m2)
        u_enter, u_sector, u_chain = rng.random(n), rng.random(n), rng.random(n)
        vacant, sector, p_enter = self.letting_offers(u_sector)
        enter = u_enter[vacant] < p_enter
        for p, s in zip(vacant[enter], sector[enter], strict=True):
            self._open_shop(int(p), int(s), bool(u_chain[p] < shops.chain_share),
                            lease_weeks=self.params.economy.rent.lease_years * 52)

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
        vacant = np.flatnonzero(~self.units.open)
        if vacant.size == 0 or not self.units.open.any():
            return vacant, np.zeros(0, dtype=int), np.zeros(0)
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
        ref = np.array([
            np.median(per_m2[units.sector[open_] == s]) if np.any(units.sector[open_] == s)
            else np.median(per_m2)
            for s in range(len(SECTORS))
        ])
        f_ref = np.median(self.footfall_smooth[access[open_]])
        n_ref = np.median(self.open_neighbours[open_])
        loc = (np.maximum(self.footfall_smooth[access[vacant]], 1e-9) / max(f_ref, 1e-9)) ** 0.5
        nb = ((1 + self.open_neighbours[vacant]) / (1 + n_ref)) ** (
            self.params.economy.choice.neighbour_elasticity)
        revenue = ref[None, :] * (loc * nb)[:, None] * self.floor_m2[vacant, None]
        margin = self._sector_array("gross_margin")
        fixed = (self._sector_array("fixed_cost_eur_per_m2_year")[None, :]
                 * self.size_factor[vacant, None])
        cost = (units.market_rent[vacant, None] + fixed) * self.floor_m2[vacant, None] / 52
        return revenue * margin[None, :] / cost

    def review_rents(self) -> None:
        """Re-estimate market (asking) rents from smoothed footfall once a review period."""
        if self.week % self.params.economy.rent.review_weeks == 0:
            self.units.market_rent[:] = self._market_rent()

    # ------------------------------------------------------------ open / close
    def _open_shop(self, p: int, sector: int, chain: bool, *, lease_weeks: int,
                   record: bool = True) -> None:
        """A new business signs a lease at the asking rent and moves into premises ``p``."""
        units = self.units
        shops = self.params.economy.shops
        fixed = self._sector_array("fixed_cost_eur_per_m2_year")[sector] * self.size_factor[p]
        units.sector[p] = sector
        units.chain[p] = chain
        units.rent[p] = units.market_rent[p]
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
            self._record("opening", p, sector, "new_tenant")

    def _close_shop(self, p: int, cause: str) -> None:
        """The business leaves; the premises become vacant."""
        units = self.units
        self._record("closure", p, int(units.sector[p]), cause)
        units.sector[p] = -1
        units.vacant_since[p] = self.week
        self.shops[p].remove()
        self.shops[p] = None
        self.closures_week += 1

    def _record(self, kind: str, p: int, sector: int, cause: str) -> None:
        if self.reported:
            self.events.append((self.date_iso, self.report_step, kind, p, SECTORS[sector], cause))

    # ---------------------------------------------------------------- outputs
    def _reset_week_counters(self) -> None:
        self.openings_week = 0
        self.closures_week = 0

    def _measure(self) -> None:
        """Compute this week's reported indicators (model attributes named as METRICS)."""
        units = self.units
        vacant = ~units.open
        n = vacant.size
        self.vacant_units = int(vacant.sum())
        self.open_units = n - self.vacant_units
        self.vacancy_rate = self.vacant_units / n
        self.vacancy_rate_floor = float(self.floor_m2[vacant].sum() / self.floor_m2.sum())
        self.vacancy_rate_core = float(vacant[self.core].mean()) if self.core.any() else 0.0
        self.vacancy_rate_edge = float(vacant[~self.core].mean()) if (~self.core).any() else 0.0
        self.footfall = float(self.footfall_cells.sum())
        self.turnover = float(units.revenue[units.open].sum())
        self.openings = self.openings_week
        self.closures = self.closures_week
        self.mean_rent = float(units.rent[units.open].mean()) if self.open_units else 0.0
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
        occupancy[y, x] = self.units.open.astype(float)
        return footfall, occupancy

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
                "sector_end": SECTORS[units.sector[p]] if units.open[p] else "vacant",
                "rent_end": float(units.rent[p]) if units.open[p] else float(
                    units.market_rent[p]),
            })
        return rows

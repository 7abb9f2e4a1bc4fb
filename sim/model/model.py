"""The city-centre model: assembly and the weekly schedule.

A Dutch mid-size city centre on a Mesa grid built from an ASCII map. Residents of the
centre and visitors from the city and region make trips, choose shops with a Huff /
multinomial-logit rule (Huff 1963; Borgers & Timmermans 1986) and walk along the streets;
their footfall and spending feed the shops' accounts; shops close when the accounts fail
and vacant units are let again at a rate set by expected revenue and rent; owners set sticky
asking rents and convert long-vacant units to homes; cultural venues programme events; the
municipality runs its instruments. Vacancy and footfall emerge.

This module only assembles the actors (one module each: :mod:`~sim.model.residents`,
:mod:`~sim.model.shops`, :mod:`~sim.model.owners`, :mod:`~sim.model.venues`,
:mod:`~sim.model.municipality`, with :mod:`~sim.model.premises`, :mod:`~sim.model.footfall`,
:mod:`~sim.model.drivers` and :mod:`~sim.model.shocks`) and calls them in the order of the
schedule in ``docs/ODD.md`` (section 3): :meth:`CityCentre.step`. Runs are driven by
:mod:`sim.runs.output`; the app steps it live (:mod:`sim.present.app`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector

from sim.kernels import parallel
from sim.kernels.streams import stream
from sim.model import metrics
from sim.model.drivers import Conditions
from sim.model.footfall import Footfall
from sim.model.grid import TownGrid
from sim.model.metrics import EVENT_KINDS, METRICS, WeekTally
from sim.model.municipality import Municipality
from sim.model.owners import Owners, market_rent
from sim.model.premises import SHOP, VACANT, Premises, Zones, shopping_heart
from sim.model.residents import Residents
from sim.model.shocks import Shocks
from sim.model.shops import Shops
from sim.model.venues import Venues
from sim.scenario.balance import rent_scale
from sim.scenario.fields import SECTORS
from sim.scenario.interventions import INSTRUMENTS
from sim.scenario.loading import build_town
from sim.scenario.schema import Scenario
from sim.town.routes import Routes
from sim.town.routing import shortest_path_trees

__all__ = ["EVENT_KINDS", "METRICS", "CityCentre"]


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

    Attributes:
        town, routes: the map and its walking routes (:mod:`sim.town`).
        premises: the premises register (:class:`~sim.model.premises.Premises`).
        residents, shops, owners, venues, municipality: the actors.
        footfall: passers-by per street cell (:class:`~sim.model.footfall.Footfall`).
        conditions: this week's calendar, online shares, trend and shocks in force.
        event_log: (date, step, event, premises, sector, cause) rows of the reported weeks.
        indicators: this week's indicators by metric name (reported weeks only).
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
            self.event_log: list[tuple] = []
            self.tally = WeekTally()
            self.instrument_types = tuple(INSTRUMENTS)
            self.conditions = Conditions(self)
            self.shocks = Shocks(self)
            init = stream(seed, "init")
            self.routes = Routes(self.town, scenario.town.home_zone_cells,
                                 scenario.town.neighbour_radius_cells)
            self.premises = Premises.empty(self.town.premises_floor_m2,
                                           scenario.economy.shops.size_cost_elasticity)
            self.premises_cells = [self.grid[(int(x), int(y))] for x, y in self.town.premises_xy]
            self.footfall = Footfall(self)
            self.residents = Residents(self, stream(seed, "residents"))
            initial_sector = self._initial_sectors(init)
            self._locate_premises(initial_sector)
            self.owners = Owners(self, stream(seed, "owners"))
            self.shops = Shops(self)
            self.venues = Venues(self)
            self.venues.open_initial()
            self.shops.open_initial(initial_sector, init)
            self.municipality = Municipality(self)
            self.residents.perceive()

            self.indicators: dict[str, float | int] = {}  # this week's, by metric name
            names = (*metrics.metric_names(),
                     *(f"footfall_{name}" for name in self.town.counting_points))
            self.datacollector = DataCollector(
                model_reporters={"step": "report_step", "date": "date_iso"}
                | {name: [self.indicators.get, [name]] for name in names})

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One week, in the order of the ODD schedule (numpy's linear algebra on one thread:
        :func:`sim.kernels.parallel.one_blas_thread` says why)."""
        with parallel.one_blas_thread():
            self.conditions.update()  # calendar, online shares, footfall trend
            self.shocks.strike()  # lockdowns in force, chain bankruptcies
            self.municipality.act()  # instruments, co-funding, collaboration stock
            self.residents.visit()  # trips, destination choice, spending
            self.venues.programme()  # cultural and public events draw visitors
            self.footfall.walk()  # footfall along the routes, impulse spending
            self.shops.book_accounts()  # revenue minus rent and fixed costs
            self.venues.book_accounts()  # tickets and subsidy minus rent and costs
            self.shops.close_failing()  # insolvency, sustained losses, lease end, other reasons
            self.venues.close_failing()  # out of money, meanwhile leases ending
            self.owners.set_asking_rents()  # sticky asking rents of vacant units
            self.owners.convert()  # long-vacant units become homes where zoning allows
            self.shops.let_vacant_units()  # entry of new shops
            self.venues.arrive()  # cultural and meanwhile users take vacant units
            self.owners.review_rents()  # yearly market-rent review from footfall
            if self.week % self.params.economy.choice.perception_weeks == 0:
                self.residents.perceive()  # visitors update what they know of the centre
            if self.reported:
                self.measure()  # the week's indicators
                self.datacollector.collect(self)
            self.end_week()  # counters and queued events start afresh

    def run(self) -> None:
        """Run warm-up and reported horizon (the weeks not yet run)."""
        for _ in range(self.params.warmup_weeks + self.params.weeks - self.week):
            self.step()

    def continue_as(self, scenario: Scenario, since: dt.date) -> None:
        """Carry on as ``scenario`` from the week of ``since`` (shared history,
        :mod:`sim.runs.history`).

        ``scenario`` must equal this model's scenario in every setting except instruments,
        shocks and funding rounds that start on or after ``since``, and no week on or after
        ``since`` may have run: then the weeks run so far are exactly ``scenario``'s (nothing
        acts before its start), and so is everything that follows.
        """
        before, self.params = self.params, scenario
        self.municipality.continue_as(before, scenario, since)

    def measure(self) -> None:
        """This week's indicators (``indicators``, collected by name)."""
        self.indicators.update(metrics.measure(self))

    def end_week(self) -> None:
        """Counters and queued public events start afresh."""
        self.tally = WeekTally()
        self.venues.public_events = []

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

    def stream(self, name: str) -> np.random.Generator:
        """The random stream of process ``name`` for this week (common random numbers)."""
        return stream(self.seed, f"{name}:{self.week}")

    def record(self, kind: str, p: int, sector: int, cause: str) -> None:
        """An event of the reported weeks for events.csv (``kind`` one of EVENT_KINDS)."""
        if self.reported:
            label = SECTORS[sector] if sector >= 0 else ""
            self.event_log.append((self.date_iso, self.report_step, kind, p, label, cause))

    # ------------------------------------------------------------------ assembly
    def _initial_sectors(self, rng: np.random.Generator) -> np.ndarray:
        """The initial occupants' sectors, decided before the shops open so the baseline
        sees a full centre: drawn from the sector mix (anchors daily or comparison), or as an
        imported town's data says where it knows the use."""
        n = len(self.premises)
        mix = self.params.economy.shops.sector_mix.array()
        sector = rng.choice(len(SECTORS), size=n, p=mix / mix.sum())
        anchors = self.town.premises_symbol == "A"
        sector[anchors] = rng.choice([SECTORS.index("daily"), SECTORS.index("comparison")],
                                     size=int(anchors.sum()))
        use = self.town.premises_use
        if use is not None:
            for code, name in enumerate(SECTORS):
                sector[use == name] = code
        return sector.astype(np.int8)

    def _locate_premises(self, initial_sector: np.ndarray) -> None:
        """Footfall with every unit open (location classes), the heart of the shopping area
        and the core around it, and market rents."""
        premises = self.premises
        premises.sector[:] = initial_sector
        premises.use[:] = SHOP
        self.residents.perceive()
        footfall, spending = self.footfall.expected()
        self.footfall.set_baseline(footfall)
        access = self.town.premises_access
        f_units = self.footfall.baseline[access]
        heart = shopping_heart(spending, self.routes.legs.near, self.routes.leg_m)
        self.busiest_cell = int(access[heart])  # the heart of the shopping area
        trees = shortest_path_trees(self.town.adjacency, np.array([self.busiest_cell], np.int32))
        premises.classify(f_units, (trees.dist_steps[0, access] + 1) * self.town.cell_size_m,
                          self.params.town.core_walk_m)
        if self.town.core_mask is not None:  # the municipality's own core boundary
            x, y = self.town.premises_xy.T
            premises.core = self.town.core_mask[y, x].astype(bool)
        self.zones = Zones(self.town.premises_xy, self.town.walkable_xy,
                           np.flatnonzero(self.town.walkable_is_square), premises.core)
        if self.residents.balance.balanced:
            premises.rent_scale = rent_scale(self.params, market_rent(self), premises.floor_m2)
        premises.market_rent[:] = market_rent(self)
        premises.asking_rent[:] = premises.market_rent
        premises.last_rent[:] = premises.market_rent
        premises.sector[:] = -1
        premises.use[:] = VACANT

    # ------------------------------------------------------------------ outputs
    def maps(self) -> tuple[np.ndarray, np.ndarray]:
        """(height, width) grids: smoothed footfall on walkable cells, occupancy of premises."""
        return metrics.maps(self)

    def premises_table(self) -> list[dict]:
        """Static and final attributes of every premises (location class, core flag, state)."""
        return metrics.premises_table(self)

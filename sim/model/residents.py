"""Residents and visitors: who they are, what they know of the centre, and their weekly visits.

Each :class:`Resident` is an individual Mesa agent standing for some households of the
centre, the rest of the city or the region, with its own home, income, online propensity,
visit frequency and taste (drawn at creation). :class:`Residents` holds all of them as arrays
(:class:`ResidentState`) and their rules:

- **perceive** (every few weeks): what visitors know of the centre: open neighbours
  (agglomeration), vitality on the way, hence the choice weights of every destination, and the
  centre's pull, which scales visit rates (``economy.choice.visit_elasticity``);
- **visit** (every week): each resident draws its trips (Poisson), each trip a purpose, an
  origin and its stops, each stop a destination (Huff / multinomial logit, Huff 1963;
  Borgers & Timmermans 1986), summing spending per premises and walkers per route, in one
  compiled pass (:mod:`sim.kernels.visits`);
- **add** new households after a conversion to homes (:mod:`sim.model.owners`).

Built and stepped by :class:`sim.model.model.CityCentre`; the venues draw event visitors from
here (:meth:`Residents.draw_event_visitors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim import kernels
from sim.kernels import tours, visits
from sim.kernels.rates import visit_rates
from sim.kernels.streams import stream
from sim.model.premises import CULTURE, SHOP
from sim.scenario.balance import PURPOSE_SECTORS, agent_weight, town_balance
from sim.scenario.fields import (
    ENTRY_KINDS,
    GROUPS,
    INCOME_CLASSES,
    OUTSIDE_GROUPS,
    PURPOSES,
    SECTORS,
    TASTE_CLASSES,
)
from sim.town.flows import accumulate_to_destinations

if TYPE_CHECKING:
    from sim.model.model import CityCentre

#: Weeks over which a normal week's retail spending is smoothed (an exponential average).
NORMAL_WEEKS = 8
#: Sectors each taste class prefers.
TASTE_SECTORS = {"run": ("daily", "services"), "fun": ("comparison", "leisure"),
                 "food": ("food_beverage",)}
#: Most stops of one visit.
MAX_STOPS = 8


def relative_pull(ratio: np.ndarray, elasticity: float) -> np.ndarray:
    """The centre's pull from the ratio of its attractiveness to that of the full centre
    (``W / W0``), against alternatives (other centres, online) of attractiveness ``B``: the
    centre's share ``W / (W + B)`` relative to its share with every unit open. ``B`` is set so
    that the elasticity of visits to ``W`` at the full centre is ``elasticity``: ``B = W0 e /
    (1 - e)``; small changes act as ``ratio ** elasticity``, large gains saturate (the share
    cannot exceed 1) and large losses are damped."""
    if elasticity <= 0.0:  # no pull, also for a group no open unit serves (0 / 0)
        return np.ones_like(ratio)
    if elasticity >= 1.0:
        return ratio
    b = elasticity / (1.0 - elasticity)
    return ratio * (1.0 + b) / (ratio + b)


@dataclass
class ResidentState:
    """Attributes of all residents, one entry per Resident agent (index = agent.index)."""

    home_type: np.ndarray  # (N,) int8 index into GROUPS: 0 centre, 1 city, 2 region, ...
    zone: np.ndarray  # (N,) int32 home district, -1 outside the centre
    weight: np.ndarray  # (N,) float households (tourist parties, commuters) per agent
    persons: np.ndarray  # (N,) float persons walking on one of the agent's visits
    income: np.ndarray  # (N,) int8 index into INCOME_CLASSES
    propensity: np.ndarray  # (N,) float online propensity multiplier
    frequency: np.ndarray  # (N,) float visit-frequency multiplier
    taste: np.ndarray  # (N,) int8 index into TASTE_CLASSES
    trips_last_week: np.ndarray  # (N,) int32


class Resident(Agent):
    """A group of households: living in the centre, the rest of the city or the region, or
    tourists, or people who work in the centre.

    Attributes are drawn at creation and stored in the residents' arrays at ``index``: group,
    household weight, persons per visit, income class, online propensity, visit frequency and
    taste (sector preference) class. Each week the resident draws its own trips and, per stop,
    its own destination (:meth:`Residents.visit`).
    """

    def __init__(self, model: CityCentre, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _state(self) -> ResidentState:
        return self.model.residents.state

    @property
    def home(self) -> str:
        """Where it comes from: 'centre' (a dwelling district), or 'city', 'region', 'tourist'
        or 'commuter' (arriving at entry points)."""
        return GROUPS[self._state.home_type[self.index]]

    @property
    def home_zone(self) -> int:
        """Index of the home district in the centre, -1 for visitors from outside."""
        return int(self._state.zone[self.index])

    @property
    def household_weight(self) -> float:
        """Number of real households this agent stands for."""
        return float(self._state.weight[self.index])

    @property
    def persons_per_visit(self) -> float:
        """Persons walking on one of its visits, all its households together."""
        return float(self._state.persons[self.index])

    @property
    def income_class(self) -> str:
        """'low', 'middle' or 'high'."""
        return INCOME_CLASSES[self._state.income[self.index]]

    @property
    def online_propensity(self) -> float:
        """Multiplier on the sector's online share (mean 1 over residents)."""
        return float(self._state.propensity[self.index])

    @property
    def visit_frequency(self) -> float:
        """Multiplier on the mean visit rate (mean 1 over residents)."""
        return float(self._state.frequency[self.index])

    @property
    def taste(self) -> str:
        """Taste class: 'run' (daily, services), 'fun' (comparison, leisure), 'food'."""
        return TASTE_CLASSES[self._state.taste[self.index]]

    @property
    def trips_last_week(self) -> int:
        """Centre visits this resident made in the last simulated week."""
        return int(self._state.trips_last_week[self.index])


class Residents:
    """Every resident agent, as arrays, with the rules of perception and visits.

    Args:
        model: the city centre (its town, routes, premises and parameters).
        rng: the stream that draws the residents' attributes.

    Attributes:
        balance: the town's people and how its pull on them is balanced
            (:class:`sim.scenario.balance.Balance`).
        people: people (tourist parties) of each visitor group the centre serves.
        state: the residents' attributes (:class:`ResidentState`).
        agents: the :class:`Resident` agents, in index order.
        online_share: share of last week's retail spending that went online.
        leisure_cdf: (N,) cumulative leisure visit rates, to draw event visitors.
    """

    def __init__(self, model: CityCentre, rng: np.random.Generator) -> None:
        self.model = model
        params = model.params
        pop = params.population
        self._choice_cache: dict = {}
        self._local_key: dict[int, np.ndarray] = {}  # each purpose's key at its last fill
        self._walk_cost: dict[str, tuple] = {}  # by purpose: decay, (O, P) and (P, M) costs
        self._pull: tuple[np.ndarray, np.ndarray] | None = None
        self._full_log_weight: np.ndarray | None = None
        self._visit_rates = np.array(
            [getattr(pop.visits_per_week, p).array() for p in PURPOSES])  # (purpose, group)
        town = model.town
        self.balance = town_balance(params, town)
        self.people = self.balance.people
        self._households = self.balance.households  # (G,)
        self.weight = agent_weight(params, float(self._households.sum()))  # households/agent
        outside = np.arange(len(GROUPS)) > 0  # the centre's residents are not scaled
        self._visit_rates[:, outside] *= self.balance.visit_scale[:, None]
        self._persons_per_visit = pop.persons_per_visit.array()  # (group,)
        extra = params.economy.choice.extra_stops
        self._stop_cdf = visits.stop_cdf(np.array([getattr(extra, p) for p in PURPOSES]),
                                         MAX_STOPS)
        self._visit_work: dict = {}  # the visits' buffers, reused every week
        self.spend_per_visit = params.economy.shops.spend_per_visit_eur.array()
        self.income_multiplier = np.array(
            [pop.income_spend_multiplier[c] for c in INCOME_CLASSES])
        self._retail_sector = np.isin(np.arange(len(SECTORS)),
                                      [SECTORS.index("comparison"), SECTORS.index("daily")])
        self._purpose_codes = {p: [SECTORS.index(s) for s in PURPOSE_SECTORS[p]]
                               for p in PURPOSES}
        self.online_share = 0.0
        self.visitors_last_week = 0.0  # persons
        # retail spending of a week without measures, per unit of the footfall trend
        # (smoothed): what a lockdown's forgone spending is measured against
        self._normal_retail_per_trend: float | None = None
        self._create(rng)

    # ------------------------------------------------------------------ who they are
    def _draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Income, online propensity, frequency and taste of ``n`` new residents."""
        pop = self.model.params.population
        income_p = np.array([getattr(pop.income_shares, c) for c in INCOME_CLASSES])
        taste_p = np.array([getattr(pop.taste_shares, c) for c in TASTE_CLASSES])
        sigma, shape = pop.online_propensity_sigma, pop.visit_frequency_shape
        return {
            "income": rng.choice(3, size=n, p=income_p / income_p.sum()).astype(np.int8),
            "propensity": rng.lognormal(-sigma**2 / 2, sigma, size=n),
            "frequency": rng.gamma(shape, 1.0 / shape, size=n),
            "taste": rng.choice(3, size=n, p=taste_p / taste_p.sum()).astype(np.int8),
        }

    def _create(self, rng: np.random.Generator) -> None:
        """Draw every resident's home, weight, income, online propensity, frequency, taste."""
        model = self.model
        town = model.town
        per_group = np.rint(self._households / self.weight).astype(np.int64)
        if not len(town.dwelling_access):
            per_group[0] = 0  # a map without dwellings houses nobody
        n_total = int(per_group.sum())
        home_type = np.repeat(np.arange(len(GROUPS), dtype=np.int8), per_group)
        zone = np.full(n_total, -1, dtype=np.int32)
        n_centre = int(per_group[0])
        if n_centre:
            if town.dwelling_households is None:
                dwelling = rng.integers(0, len(town.dwelling_access), size=n_centre)
            else:  # an imported town knows how many households live in each dwelling cell
                p = np.maximum(town.dwelling_households, 0.0)
                dwelling = rng.choice(p.size, size=n_centre, p=p / p.sum())
            zone[:n_centre] = model.routes.zone_of_dwelling[dwelling]
        self.state = ResidentState(
            home_type=home_type,
            zone=zone,
            weight=np.full(n_total, self.weight),
            persons=self.weight * self._persons_per_visit[home_type],
            **self._draw(n_total, rng),
            trips_last_week=np.zeros(n_total, dtype=np.int32),
        )
        self.agents = [Resident(model, i) for i in range(n_total)]
        self._rates()

    def add(self, zone: int, households: float, rng: np.random.Generator) -> int:
        """New households in the centre (after a conversion) become Resident agents of home
        district ``zone``, with attributes drawn like the initial ones. Returns how many."""
        n = int(np.floor(households / self.weight + rng.random()))
        if n == 0:
            return 0
        res = self.state
        new = {
            "home_type": np.zeros(n, dtype=np.int8),
            "zone": np.full(n, zone, dtype=np.int32),
            "weight": np.full(n, self.weight),
            "persons": np.full(n, self.weight * self._persons_per_visit[0]),
            **self._draw(n, rng),
            "trips_last_week": np.zeros(n, dtype=np.int32),
        }
        start = res.home_type.size
        for name, values in new.items():
            setattr(res, name, np.concatenate([getattr(res, name), values]))
        self.agents += [Resident(self.model, i) for i in range(start, start + n)]
        self._rates()
        return n

    def entry_probabilities(self) -> np.ndarray:
        """(G - 1, E) probability that a visit of each outside group arrives at each entry
        point."""
        model = self.model
        kinds = model.routes.entry_kind
        out = np.zeros((len(OUTSIDE_GROUPS), len(kinds)))
        for row, home in enumerate(OUTSIDE_GROUPS):
            shares = getattr(model.params.population.entry_shares, home)
            for kind in ENTRY_KINDS:
                at = kinds == kind
                if at.any():
                    out[row, at] = getattr(shares, kind) / at.sum()
            if out[row].sum() == 0:  # the map lacks every kind this group uses
                out[row] = 1.0 / len(kinds)
            out[row] /= out[row].sum()
        return out

    def _rates(self) -> None:
        """Per-resident visit rates, purpose shares and the draw table for event visitors.

        A resident's rate per purpose is the scenario's rate for its home type, times its own
        frequency, times the pull of the centre it perceives (1 when every unit is open; see
        ``economy.choice.visit_elasticity``). Also keeps what the weekly draws need per
        resident: its home origin and income multiplier, and the entry table."""
        res = self.state
        n_k = len(TASTE_CLASSES)
        if getattr(self, "_rate_base", None) is None:  # the first call: every resident
            self._entry_table = kernels.choice_table(self.entry_probabilities())
            (self._rate_base, self._pull_group, self._home_origin,
             self._income_factor) = self._resident_terms(slice(None))
        elif (known := self._rate_base.shape[1]) != res.home_type.size:  # residents added
            (self._rate_base, self._pull_group, self._home_origin, self._income_factor) = (
                np.concatenate([old, new], axis=-1) for old, new in zip(
                    (self._rate_base, self._pull_group, self._home_origin, self._income_factor),
                    self._resident_terms(slice(known, None)), strict=True))
        by_group = None
        if self._pull is not None:
            pull = self._pull
            by_group = np.concatenate([
                pull[0].reshape(len(PURPOSES), -1),
                pull[1].reshape(len(PURPOSES), len(OUTSIDE_GROUPS) * n_k)], axis=1)
        # total, (2, N) cumulative purpose shares, leisure rates and their running sum
        self.visit_rate_total, self._purpose_cut, leisure, cum = visit_rates(
            self._rate_base, by_group, self._pull_group)
        self.leisure_cdf = cum / max(leisure.sum(), 1e-300)

    def _resident_terms(self, who: slice) -> tuple[np.ndarray, ...]:
        """What only changes when residents are added, for residents ``who``: base rates
        (purpose, n), pull group, home origin (-1 - row of the outside group) and income
        multiplier."""
        res, routes, n_k = self.state, self.model.routes, len(TASTE_CLASSES)
        home = res.home_type[who]
        centre = home == 0
        origin = routes.n_entries + res.zone[who]
        outside = routes.n_origins * n_k + (home.astype(np.int32) - 1) * n_k
        return (self._visit_rates[:, home] * res.frequency[who],
                np.where(centre, origin * n_k, outside) + res.taste[who],
                np.where(centre, origin, -home.astype(np.int32)),
                self.income_multiplier[res.income[who]])

    # ------------------------------------------------------------------ what they know
    def perceive(self) -> None:
        """Update what visitors know: open neighbours (agglomeration) and vitality on the way,
        hence the choice weights of every destination and the centre's pull."""
        model = self.model
        ch = model.params.economy.choice
        premises, routes = model.premises, model.routes
        open_ = (premises.use == SHOP) | (premises.use == CULTURE)
        premises.open_neighbours = routes.neighbours @ open_.astype(float)
        log_attr = (ch.floor_area_exponent * np.log(premises.floor_m2)
                    + ch.neighbour_elasticity * np.log1p(premises.open_neighbours)
                    + premises.bonus)
        access = model.town.premises_access
        open_per_cell = np.bincount(access[open_], minlength=routes.n_cells)
        open_along = accumulate_to_destinations(routes.trees, open_per_cell.astype(float))
        stock = premises.retail  # homes converted from shops no longer count as empty units
        if getattr(self, "_stock_seen", None) is None or (self._stock_seen != stock).any():
            self._stock_seen = stock.copy()
            along = (routes.units_along_door if stock.all() else accumulate_to_destinations(
                routes.trees, np.bincount(access[stock], minlength=routes.n_cells).astype(float)
            )[:, routes.door])  # whole units: the same sums as along every cell, 10x sooner
            self._units_along_door = np.maximum(along, 1.0)
        vitality = open_along[:, routes.door] / self._units_along_door
        self._location_weights, self._location_scale = {}, {}
        self._local_weights = {}  # (P, M) next-stop weights from each premises, by purpose
        legs = routes.legs
        # kernels.location_utility term by term, its parts shared by the purposes (the walk's
        # cost never changes): the same numbers with a third of the passes over O x P
        near_part = log_attr[None, :] + ch.vitality_weight * vitality
        for purpose in PURPOSES:
            walk_cost, leg_cost = self._walk_costs(purpose)
            logw = log_attr[legs.near] - leg_cost
            logw = np.where(legs.near >= 0, logw, -np.inf)
            top = np.max(logw, axis=1, keepdims=True)
            self._local_weights[purpose] = np.exp(logw - np.where(np.isfinite(top), top, 0.0))
            self._location_weights[purpose], self._location_scale[purpose] = (
                kernels.scaled_exp(near_part - walk_cost))
        bonus = np.array([[ch.taste_weight if s in TASTE_SECTORS[t] else 0.0 for s in SECTORS]
                          for t in TASTE_CLASSES])
        self._taste_weights = np.exp(bonus)  # (K, S)
        # the choice table's arrays are kept; every purpose's rows are rebuilt
        self._choice_cache = {k: v for k, v in self._choice_cache.items() if k == "stacked"}
        self._local_key = {}  # new weights: every next-stop row is refilled
        self._update_pull()

    def _walk_costs(self, purpose: str) -> tuple[np.ndarray, np.ndarray]:
        """The utility lost walking from each origin to each premises (O, P) and along each
        leg (P, M) for ``purpose``: ``decay * metres / 100``, kept from the first perception."""
        decay = getattr(self.model.params.economy.choice.distance_decay_per_100m, purpose)
        costs = self._walk_cost.get(purpose)
        if costs is None or costs[0] != decay:
            routes = self.model.routes
            costs = self._walk_cost[purpose] = (
                decay, decay * routes.distance_m / 100, decay * routes.leg_m / 100.0)
        return costs[1], costs[2]

    def _update_pull(self) -> None:
        """The centre's pull per purpose, origin and taste: (total choice weight now / with
        every unit open) ** visit_elasticity. Lockdown closures are left out (their effect is
        the lockdown's visit multiplier). Visit rates follow at once."""
        sector = self.model.premises.sector
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
        if self._full_log_weight is None:
            self._full_log_weight = log_total  # the baseline: every unit open
            return
        full = self._full_log_weight
        known = np.isfinite(full)
        with np.errstate(over="ignore"):
            ratio = np.where(known, np.exp(log_total - np.where(known, full, 0.0)), 1.0)
        pull = relative_pull(ratio, self.model.params.economy.choice.visit_elasticity)
        n_entries = self.model.routes.n_entries
        entry_p = self.entry_probabilities()  # (G - 1, E) arrivals of the outside groups
        outside = np.einsum("he,pek->phk", entry_p, pull[:, :n_entries])  # (purpose, G-1, K)
        self._pull = (pull, outside)
        self._rates()

    def _choice_weights(self, purpose: str) -> tuple[np.ndarray, np.ndarray]:
        """(O*K, D) choice weights over the open units serving ``purpose``, and those units
        (without the units of sectors a lockdown closes without pickup)."""
        premises = self.model.premises
        serving = np.isin(premises.sector, self._purpose_codes[purpose])
        serving &= ~self.model.conditions.unserved[premises.sector]
        candidates = np.flatnonzero(serving)
        loc = self._location_weights[purpose][:, candidates]  # (O, D)
        taste = self._taste_weights[:, premises.sector[candidates]]  # (K, D)
        weights = (loc[:, None, :] * taste[None, :, :]).reshape(loc.shape[0] * taste.shape[0], -1)
        return weights, candidates

    def _choice_table(self) -> tuple[kernels.ChoiceTable, np.ndarray]:
        """The choice table of all purposes stacked (row ``purpose * O * K + origin * K +
        taste``) over each purpose's open candidates, padded with zero weights to a common
        width W, and the (purpose, W) candidate units (-1 in the padding).

        A purpose's rows are rebuilt in place (:func:`sim.kernels.visits.fill_choice_rows`)
        only when its candidates or their sectors changed, or at a new perception."""
        premises = self.model.premises
        closed = self.model.conditions.unserved
        cache = self._choice_cache
        keys = {}  # each unit's sector where it serves the purpose and may open, else -1
        for purpose in PURPOSES:
            codes = np.array(self._purpose_codes[purpose])
            by_sector = np.full(len(SECTORS) + 1, -1, dtype=np.int8)  # last: vacant (-1)
            by_sector[codes] = np.where(closed[codes], -1, codes)
            keys[purpose] = by_sector[premises.sector]
        changed = [p for p in PURPOSES if p not in cache or not np.array_equal(keys[p], cache[p])]
        if not changed:
            return cache["stacked"]
        n_max = max(int((keys[p] >= 0).sum()) for p in PURPOSES)
        width = max(64 * -(-n_max // 64), 64)  # rounded up: fewer full rebuilds
        if "stacked" in cache and width <= (kept := cache["stacked"][0].n_cols) < width + 128:
            width = kept  # padding draws nothing, so a wider table gives the same draws
        n_k = len(TASTE_CLASSES)
        n_rows = self.model.routes.n_origins * n_k
        stride = width + 1
        if "stacked" not in cache or cache["stacked"][0].n_cols != width:
            size = len(PURPOSES) * n_rows * stride
            table = kernels.ChoiceTable(
                cdf=np.empty(size), guide=np.empty(size, visits.offsets_dtype(width)),
                n_cols=width, has_choice=np.empty(len(PURPOSES) * n_rows, dtype=bool))
            cache.clear()
            cache["stacked"] = (table, np.full((len(PURPOSES), width), -1, dtype=np.int64))
            changed = list(PURPOSES)
        table, candidates = cache["stacked"]
        for purpose in changed:
            b = PURPOSES.index(purpose)
            cand = np.flatnonzero(keys[purpose] >= 0)
            visits.fill_choice_rows(
                self._location_weights[purpose], self._taste_weights, cand,
                premises.sector[cand], n_k, width, b * n_rows * stride, b * n_rows, table.cdf,
                table.guide, table.has_choice)
            candidates[b] = -1
            candidates[b, : cand.size] = cand
            cache[purpose] = keys[purpose]
            self._fill_next_stops(b, keys[purpose])
        return cache["stacked"]

    def _fill_next_stops(self, b: int, key: np.ndarray) -> None:
        """Purpose ``b``'s rows of the next-stop table (tours): from each premises, the
        probability of each of its nearest premises that serves the purpose (``key`` >= 0),
        by its attractiveness, the walk to it and the visitor's taste."""
        near = self.model.routes.legs.near
        if not hasattr(self, "_local_cdf"):
            n_units, width = near.shape
            self._local_cdf = np.empty((len(PURPOSES), n_units, len(TASTE_CLASSES), width))
            self._local_guide = np.empty(self._local_cdf.shape, dtype=tours.guide_dtype(width))
            self._local_has = np.empty((len(PURPOSES), n_units, len(TASTE_CLASSES)), bool)
        # Only the rows whose neighbours changed since the last fill (same weights, i.e. no
        # perception since) are recomputed, by the same arithmetic row by row: a large town
        # changes a few units a week, and refilling all its rows took half its week (issue 17).
        tours.fill_next_stops(near, key, self._local_key.get(b),
                              self._local_weights[PURPOSES[b]], self._taste_weights,
                              self._local_cdf[b].reshape(-1), self._local_guide[b].reshape(-1),
                              self._local_has[b].reshape(-1))
        self._local_key[b] = key.copy()

    # ------------------------------------------------------------------ what they do
    def visit(self) -> None:
        """Each resident draws its trips; each stop picks a shop; spending and walkers follow.

        One compiled pass over the residents (:mod:`sim.kernels.visits`): per resident a
        Poisson number of trips, per trip a purpose, an origin and its stops, per stop a
        destination from its group's choice probabilities, summing spending into the premises'
        revenue and walkers into ``model.footfall.walks`` as it goes."""
        model = self.model
        res = self.state
        premises, routes, cond = model.premises, model.routes, model.conditions
        table, candidates = self._choice_table()
        entry = self._entry_table
        sector = premises.sector
        n_units = len(premises)
        revenue = np.zeros(n_units)
        potential = np.zeros(n_units)
        walks, legs = model.footfall.start_week()
        rate, income = self.visit_rate_total * cond.trend, self._income_factor
        if (cond.group_multiplier != 1.0).any() or (cond.group_spend_multiplier != 1.0).any():
            rate = rate * cond.group_multiplier[res.home_type]
            income = income * cond.group_spend_multiplier[res.home_type]
        visits.visit_week(
            rate, self._purpose_cut, self._home_origin,
            res.taste, entry.cdf, entry.guide, entry.n_cols, self._stop_cdf,
            np.asarray(cond.visit_multiplier, dtype=float), cond.lockdown, table.cdf,
            table.guide, table.n_cols, table.has_choice, candidates, routes.n_origins,
            len(TASTE_CLASSES), (self.spend_per_visit * cond.spend_multiplier)[sector],
            cond.online_by_sector[sector],
            income, res.propensity, res.weight, res.persons, routes.door,
            routes.n_doors,
            model.stream("trips"), model.stream("choice"), model.stream("lockdown"),
            res.trips_last_week, revenue, potential, walks, **self._tour_arguments(legs),
            work=self._visit_work)
        retail = self._retail_sector[sector] & (sector >= 0)
        self.online_share = self._online_share(potential[retail].sum(), revenue[retail].sum())
        self.visitors_last_week = float(res.trips_last_week @ res.persons)
        premises.revenue[:] = revenue

    def _online_share(self, potential_retail: float, revenue_retail: float) -> float:
        """Share of the residents' comparison and daily spending bought online this week:
        what the stops lose to the sectors' online shares, plus, while measures keep spending
        out of the shops, ``online_substitution`` of that forgone spending (7.19.1): how far
        the week's potential falls short of a normal week's at today's trend (smoothed over
        weeks without measures). So it counts all retail spending, as the national figure."""
        cond = self.model.conditions
        lost = potential_retail - revenue_retail
        substituted = 0.0
        if not cond.lockdown:
            per_trend = potential_retail / cond.trend
            previous = self._normal_retail_per_trend
            self._normal_retail_per_trend = per_trend if previous is None else (
                previous + (per_trend - previous) / NORMAL_WEEKS)
        elif self._normal_retail_per_trend is not None:
            forgone = self._normal_retail_per_trend * cond.trend - potential_retail
            substituted = cond.online_substitution * max(forgone, 0.0)
        spent = potential_retail + substituted
        return (lost + substituted) / spent if spent > 0 else 0.0

    def _tour_arguments(self, legs: np.ndarray) -> dict:
        """The next-stop table for :func:`sim.kernels.visits.visit_week` (tours)."""
        if not self.model.params.economy.choice.tours:
            return {}
        return dict(tours=True, near=self.model.routes.legs.near,
                    local_cdf=self._local_cdf.reshape(-1), local_has=self._local_has.reshape(-1),
                    local_guide=self._local_guide.reshape(-1), legs=legs)

    def trip_origins(self, who: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Origin of each trip of the residents ``who``: the home district, or an entry point
        drawn by modal split."""
        origin = self._home_origin[who]
        u = rng.random(who.size)
        outside = np.flatnonzero(origin < 0)
        if outside.size:
            row = -1 - origin[outside]  # the outside group's row: 0 city, 1 region, ...
            origin[outside] = kernels.draw_choices(self._entry_table, row, u[outside])
        return origin

    def baseline_walks(self, weeks: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Walkers per (origin, door) and per leg, and spending per premises before online
        substitution, in an average week of the centre as it is now, without trend or shocks:
        the mean of ``weeks`` weeks of visits drawn from their own streams
        (``baseline:<k>:...``), so the weekly streams are untouched."""
        model = self.model
        res, premises, routes = self.state, model.premises, model.routes
        table, candidates = self._choice_table()
        entry = self._entry_table
        sector = premises.sector
        walks = np.zeros(routes.n_origins * routes.n_doors)
        legs = np.zeros(routes.legs.near.size)
        scratch = np.zeros(res.home_type.size, dtype=np.int32)
        potential = np.zeros(len(premises))
        online = model.conditions.online_shares(model.params.start.year)
        for k in range(weeks):
            visits.visit_week(
                self.visit_rate_total, self._purpose_cut, self._home_origin, res.taste,
                entry.cdf, entry.guide, entry.n_cols, self._stop_cdf, np.ones(len(PURPOSES)),
                False, table.cdf, table.guide, table.n_cols, table.has_choice, candidates,
                routes.n_origins, len(TASTE_CLASSES), self.spend_per_visit[sector],
                online[sector], self._income_factor, res.propensity, res.weight, res.persons,
                routes.door, routes.n_doors, stream(model.seed, f"baseline:{k}:trips"),
                stream(model.seed, f"baseline:{k}:choice"),
                stream(model.seed, f"baseline:{k}:lockdown"), scratch, np.zeros(len(premises)),
                potential, walks, **self._tour_arguments(legs), work=self._visit_work)
        return walks / weeks, legs / weeks, potential / weeks

"""Cultural entrepreneurs: venues and meanwhile users, their programmes and accounts.

A :class:`CulturalVenue` is a Mesa agent fixed to its premises: a pop venue, theatre,
gallery, makerspace or meanwhile user (stedenintransitie.nl; ideedoen.nl). :class:`Venues`
holds the rules:

- **programme**: each venue's events (Poisson) and the public events of the municipality and
  the BIZ draw visitors, who are individual residents walking from their own origin and, some
  of them, on to food & beverage nearby (the evening economy);
- **book accounts**: tickets and subsidy against rent and fixed costs;
- **close**: out of money, or at the end of a meanwhile lease;
- **arrive**: cultural and creative starters take vacant units on cheap meanwhile leases
  once owners accept them (sooner with a broker).

Built and stepped by :class:`sim.model.model.CityCentre`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

from sim import kernels
from sim.model.premises import CULTURE, VACANT
from sim.scenario.fields import SECTORS

if TYPE_CHECKING:
    from sim.model.model import CityCentre

#: Kinds of cultural starters and their shares among arrivals.
STARTER_KINDS = ("meanwhile", "gallery", "makerspace")
STARTER_SHARES = (0.5, 0.25, 0.25)


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


class Venues:
    """Every cultural venue, with the rules of programmes, accounts and arrivals.

    Attributes:
        agents: (P,) the :class:`CulturalVenue` in each premises, or None.
        public_events: this week's public events as (door, visitors, organiser).
        events_held: public events held so far, by organiser.
    """

    def __init__(self, model: CityCentre) -> None:
        self.model = model
        self.agents: list[CulturalVenue | None] = [None] * len(model.premises)
        self.public_events: list[tuple[int, float, str]] = []
        self.events_held: dict[str, int] = {}

    def open_venues(self) -> list[CulturalVenue]:
        """Open cultural venues in premises order."""
        return [v for v in self.agents if v is not None]

    def meanwhile_mask(self) -> np.ndarray:
        """(P,) bool: premises in meanwhile use (the owner may still let them)."""
        mask = np.zeros(len(self.agents), dtype=bool)
        for v in self.open_venues():
            mask[v.premises] = v.meanwhile
        return mask

    # ------------------------------------------------------------------ open and close
    def open(self, p: int, kind: str, *, rent: float, lease_weeks: int, meanwhile: bool,
             record: bool = True) -> CulturalVenue:
        """A cultural venue or meanwhile user moves into premises ``p``."""
        model = self.model
        cult = model.params.culture
        prog = cult.kinds[kind]
        monthly = (rent + prog.cost_eur_per_m2_year) * model.premises.floor_m2[p] / 12
        venue = CulturalVenue(model, p, model.premises_cells[p], kind, rent=rent,
                              lease_end=model.week + lease_weeks, meanwhile=meanwhile,
                              reserve=cult.reserve_months * monthly)
        self.agents[p] = venue
        model.premises.use[p] = CULTURE
        model.premises.reported[p] = False
        if record:
            model.record("meanwhile_lease" if meanwhile else "cultural_opening", p, -1, kind)
        return venue

    def close(self, venue: CulturalVenue, cause: str) -> None:
        """The venue leaves. After meanwhile use the vacancy spell of the owner continues."""
        model = self.model
        p = venue.premises
        premises = model.premises
        model.record("cultural_closure", p, -1, f"{venue.kind}: {cause}")
        premises.use[p] = VACANT
        if not venue.meanwhile:
            premises.vacant_since[p] = model.week
            premises.last_rent[p] = premises.market_rent[p]
        venue.remove()
        self.agents[p] = None

    def open_initial(self) -> None:
        """Place the initial cultural venues in fitting units closest to a square. In a town
        whose data records each unit's use (an imported town), only in units recorded as
        leisure (its theatres, cinemas, museums): a venue never takes the place of a recorded
        shop of another sector or of a recorded vacant unit, and fewer venues open where the
        data has fewer leisure units."""
        model = self.model
        cult = model.params.culture
        premises, town = model.premises, model.town
        site_xy = town.walkable_xy[model.routes.event_sites]
        dist = np.abs(town.premises_xy[:, None, :] - site_xy[None, :, :]).sum(axis=2)
        near = dist.min(axis=1)
        allowed = (np.ones(len(premises), dtype=bool) if town.premises_use is None
                   else town.premises_use == "leisure")
        for kind, count in cult.initial_venues.items():
            for _ in range(count):
                free = (premises.use == VACANT) & allowed
                fits = free & (premises.floor_m2 >= cult.kinds[kind].min_floor_m2)
                pool = fits if fits.any() else free
                if not pool.any():
                    return
                p = int(np.flatnonzero(pool)[np.argmin(near[pool])])
                self.open(p, kind, rent=cult.venue_rent_eur_per_m2_year,
                          lease_weeks=10**6, meanwhile=False, record=False)

    # ------------------------------------------------------------------ public events
    def schedule_public_events(self, n: int, visitors: float, zone: np.ndarray,
                               organiser: str, rng: np.random.Generator) -> None:
        """Queue ``n`` public events this week at event sites (squares), preferring sites near
        ``zone``. Their visitors follow the footfall trend; a lockdown that closes culture
        cancels them."""
        model = self.model
        if n <= 0 or model.conditions.culture_closed:
            return
        visitors *= model.conditions.trend
        routes = model.routes
        doors = routes.site_door
        if zone is not None:
            site_in = np.array([zone[model.zones.near(np.array([s]), 5)].any()
                                for s in routes.event_sites])
            if site_in.any():
                doors = doors[site_in]
        for k in rng.integers(0, doors.size, size=n):
            self.public_events.append((int(doors[k]), visitors, organiser))
        self.events_held[organiser] = self.events_held.get(organiser, 0) + n

    # ------------------------------------------------------------------ weekly rules
    def programme(self) -> None:
        """Cultural venues and public events (events programme, BIZ) draw visitors.

        Each event's attendance is a Poisson draw; each attendee is an individual resident,
        drawn in proportion to its leisure visit rate, who walks from its own origin to the
        event and, with probability ``culture.fnb_stop_share``, on to a food & beverage
        outlet near the event, where it spends like a leisure stop.
        """
        model = self.model
        cult = model.params.culture
        cond, premises, routes, town = (model.conditions, model.premises, model.routes,
                                        model.town)
        rng = model.stream("events")
        events: list[tuple[int, float, tuple[int, int], CulturalVenue | None]] = []
        lively = premises.open_neighbours / np.maximum(routes.neighbour_slots, 1.0)
        for venue in self.open_venues():
            venue.events_last_week = 0
            venue.visitors_last_week = 0.0
            if cond.culture_closed:
                continue
            prog = venue.programme
            n = int(rng.poisson(prog.events_per_week))
            venue.events_last_week = n
            visitors = (prog.visitors_per_event * cond.trend * cond.visit_multiplier[2]
                        * (lively[venue.premises] / 0.8) ** cult.attendance_elasticity)
            xy = tuple(town.premises_xy[venue.premises])
            events += [(int(routes.door[venue.premises]), visitors, xy, venue)] * n
        for door, visitors, _organiser in self.public_events:
            xy = tuple(town.walkable_xy[routes.trees.destinations[door]])
            events.append((door, visitors * cond.visit_multiplier[2], xy, None))
        model.tally.events += len(events)
        if not events:
            return
        residents = model.residents
        res = residents.state
        persons_mean = float(res.persons.mean())  # an attendee agent brings this many
        n_att = rng.poisson([max(v, 0.0) / persons_mean for _, v, _, _ in events])
        event_of = np.repeat(np.arange(len(events)), n_att)
        who = np.minimum(np.searchsorted(residents.leisure_cdf, rng.random(event_of.size),
                                         side="right"), res.weight.size - 1)
        origin = residents.trip_origins(who, rng)
        persons = res.persons[who]
        visitors_of = np.bincount(event_of, weights=persons, minlength=len(events))
        model.tally.event_visitors += float(persons.sum())
        for k, (_, _, _, venue) in enumerate(events):
            if venue is not None:
                venue.visitors_last_week += float(visitors_of[k])
        # on to food & beverage near the event?
        fnb = SECTORS.index("food_beverage")
        outlets = np.flatnonzero((premises.sector == fnb) & ~cond.unserved[fnb])
        stop = rng.random(who.size) < cult.fnb_stop_share
        doors = np.array([d for d, _, _, _ in events])[event_of]
        back = doors.copy()
        if outlets.size and stop.any():
            xy = np.array([e[2] for e in events])  # (E, 2): one outlet distribution per event
            d = np.abs(town.premises_xy[outlets][None, :, :] - xy[:, None, :]).sum(axis=2)
            logw = (model.params.economy.choice.floor_area_exponent
                    * np.log(premises.floor_m2[outlets])[None, :]
                    - cult.fnb_decay_per_100m * d * town.cell_size_m / 100)
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
            spend = (residents.spend_per_visit[fnb]
                     * residents.income_multiplier[res.income[who[stop]]]
                     * res.weight[who[stop]] * kernels.online_spend_factor(
                         np.full(pick.size, cond.online_by_sector[fnb]),
                         res.propensity[who[stop]]))
            premises.revenue += np.bincount(pick, weights=spend, minlength=premises.use.size)
            back[stop] = routes.door[pick]
        for dest in (doors, back):  # there, and home from the event or the outlet
            model.footfall.add_walks(origin, dest, persons)

    def book_accounts(self) -> None:
        """Venues book tickets and subsidy against rent and fixed costs."""
        model = self.model
        cond = model.conditions
        for venue in self.open_venues():
            prog = venue.programme
            floor = model.premises.floor_m2[venue.premises]
            cost = (venue.rent + prog.cost_eur_per_m2_year) * floor / 52
            if cond.culture_closed and cond.support is not None:
                cost *= 1.0 - cond.support.fixed_cost_share  # closed: costs supported
            income = (venue.visitors_last_week * prog.ticket_eur
                      + prog.subsidy_eur_per_year / 52 + venue.subsidy_received)
            venue.reserve += income - cost
            venue.subsidy_received = 0.0
            venue.weeks_open += 1

    def close_failing(self) -> None:
        """Venues out of money close; meanwhile users leave when their lease ends."""
        cond = self.model.conditions
        for venue in self.open_venues():
            if venue.reserve < 0 and cond.support is None:
                self.close(venue, "insolvent")
            elif venue.lease_end <= self.model.week:
                self.close(venue, "meanwhile_end" if venue.meanwhile else "lease_end")

    def arrive(self) -> None:
        """Cultural and creative starters look for premises: owners accept them on a cheap
        meanwhile lease once a unit has been vacant long enough (sooner with a broker)."""
        model = self.model
        cult = model.params.culture
        rng = model.stream("culture")
        rate, after_months, broker_cost = model.municipality.cultural_demand()
        n = int(rng.poisson(rate / 52))
        if n == 0 or model.conditions.culture_closed:
            return
        premises = model.premises
        months = premises.months_vacant(model.week)
        own = model.owners.meanwhile_after_months()  # each owner's own threshold
        footfall = model.footfall.at_premises()
        for _ in range(n):
            kind = STARTER_KINDS[int(rng.choice(3, p=list(STARTER_SHARES)))]
            ok = premises.vacant & (months >= np.minimum(own, after_months)) & (
                premises.floor_m2 >= cult.kinds[kind].min_floor_m2)
            if not ok.any():
                return
            p = int(np.flatnonzero(ok)[np.argmax(footfall[ok])])
            brokered = months[p] < own[p]  # the owner agreed only because of the broker
            if brokered and not model.municipality.pay("meanwhile_use", broker_cost):
                continue
            venue = self.open(p, kind, rent=cult.meanwhile_rent_eur_per_m2_year,
                              lease_weeks=cult.meanwhile_lease_weeks, meanwhile=True)
            venue.reserve += model.municipality.start_grant()

"""The municipality's instruments (meervoudig sturen) as weekly rules on the model.

Each instrument in ``scenario.interventions`` acts while it is active (between its ``start``
and ``end``, if ``enabled``); public-space works keep their effect after they end, and a
designated core keeps its zoning. The municipality pays through
:meth:`sim.model.agents.Municipality.pay`, so every cost is booked (``municipal_spend``,
``cofunding_spend``, ``spend_<type>``) and capped by the yearly budget. Joint actions feed
the collaboration stock, whose multiplier scales the instruments that need cooperation
(BIZ, events, meanwhile brokering, transformation uptake). ``docs/ODD.md`` (section 7)
documents every rule and parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.schema import SECTORS

if TYPE_CHECKING:
    from sim.model.model import CityCentre

WEEKS_PER_MONTH = 52 / 12


class PolicyState:
    """What instruments remember between weeks, and the areas they apply to."""

    def __init__(self, model: CityCentre) -> None:
        self.year = model.date.year
        n = len(model.floor_m2)
        self.public_bonus = np.zeros(n)
        self.biz_bonus = np.zeros(n)
        self.spent = {}  # intervention index -> EUR spent on public-space works
        self.biz = {}  # intervention index -> dict(adopted, term_end, vote_week)
        self.designated = {}  # intervention index -> (P,) bool designated core
        self.culture_left = {}  # intervention index -> culture budget left this year
        self.events_held: dict[str, int] = {}  # organiser -> public events so far


def zone_mask(model: CityCentre, zone: str) -> np.ndarray:
    """(P,) premises in ``zone``: core, edge, all or squares (units near a square)."""
    if zone == "core":
        return model.core.copy()
    if zone == "edge":
        return ~model.core
    if zone == "squares":
        return _near_cells(model, np.flatnonzero(model.town.walkable_is_square), 3)
    return np.ones(len(model.floor_m2), dtype=bool)


def _near_cells(model: CityCentre, cells: np.ndarray, radius: int) -> np.ndarray:
    """(P,) premises within ``radius`` cells (Chebyshev) of any of the walkable ``cells``."""
    if cells.size == 0:
        return np.zeros(len(model.floor_m2), dtype=bool)
    xy = model.town.walkable_xy[cells]
    d = np.abs(model.town.premises_xy[:, None, :] - xy[None, :, :]).max(axis=2)
    return d.min(axis=1) <= radius


def _active(model: CityCentre, kind: str):
    """(index, intervention) pairs of ``kind`` active this week."""
    date = model.date
    return [(i, iv) for i, iv in enumerate(model.params.interventions)
            if iv.type == kind and iv.active(date)]


# ------------------------------------------------------------------------ weekly rules
def act(model: CityCentre) -> None:
    """The municipality's week: last week's joint actions feed the collaboration stock, a
    new budget year starts in January, then every instrument acts in scenario order."""
    muni = model.municipality
    muni.update_collaboration()
    muni.spend_week, muni.cofunded_week, muni.joint_actions_week = {}, 0.0, 0.0
    state = model.policy
    if model.date.year != state.year:
        state.year = model.date.year
        muni.new_year()
        state.culture_left.clear()
    for i, iv in enumerate(model.params.interventions):
        if not iv.enabled or model.date < iv.start:
            continue
        RULES[iv.type](model, i, iv, iv.active(model.date))
    model.units.bonus[:] = state.public_bonus + state.biz_bonus


def core_designation(model: CityCentre, i: int, iv, active: bool) -> None:
    """Outside the designated core, retail zoning lapses: vacant units there can no longer
    be let to shops and may become homes; the core is protected from conversion. With a
    relocation grant, shops outside move into vacant core units."""
    units = model.units
    if i not in model.policy.designated:
        if iv.area is None:
            core = model.walk_to_busiest_m <= iv.core_walk_m
        else:
            x0, y0, x1, y1 = iv.area
            x, y = model.town.premises_xy.T
            core = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        model.policy.designated[i] = core
        units.retail_zoned &= core
        model.housing_zoned = ~core
        model._record("core_designation", -1, -1, f"{int(core.sum())} units in the core")
    if not active:
        return  # the zoning stays
    model.municipality.pay("core_designation", iv.cost_eur_per_year / 52)
    if iv.relocation_support_eur <= 0:
        return
    core = model.policy.designated[i]
    rng = model._weekly("relocation")
    outside = np.flatnonzero(units.open & ~core)
    movers = outside[rng.random(outside.size) < iv.relocation_rate_per_year / 52]
    footfall = model.footfall_smooth[model.town.premises_access]
    shops = model.params.economy.shops
    for p in movers:
        free = units.vacant & core & units.retail_zoned
        if not free.any() or not model.municipality.pay("core_designation",
                                                        iv.relocation_support_eur):
            return
        q = int(np.flatnonzero(free)[np.argmax(footfall[free])])
        sector, brand = int(units.sector[p]), int(units.brand[p])
        u_chain = ((brand + 0.5) / shops.chain_brands_per_sector * shops.chain_share
                   if brand >= 0 else 1.0)
        model._close_shop(int(p), "relocation")
        model._open_shop(q, sector, u_chain, lease_weeks=model.params.economy.rent.lease_years
                         * 52, cause="relocation")
        units.reserve[q] += iv.relocation_support_eur


def vacancy_ordinance(model: CityCentre, i: int, iv, active: bool) -> None:
    """Owners report long vacancy; after ``nominate_after_months`` (and yearly after that)
    the municipality nominates a tenant at a cost-based rent; the owner accepts or pays the
    penalty per m2."""
    if not active:
        return
    units, muni = model.units, model.municipality
    months = model.months_vacant()
    stock = units.vacant
    rng = model._weekly("ordinance")
    for p in np.flatnonzero(stock & ~units.reported & (months >= iv.report_after_months)):
        units.reported[p] = True
        muni.pay("vacancy_ordinance", iv.cost_per_case_eur)
        model._record("vacancy_report", int(p), -1, f"{months[p]:.0f} months vacant")
    due = stock & (months >= iv.nominate_after_months) & (
        model.week - units.nominated_week >= 52)
    for p in np.flatnonzero(due):
        p = int(p)
        u_culture, u_accept = rng.random(2)
        units.nominated_week[p] = model.week
        if not muni.pay("vacancy_ordinance", iv.cost_per_case_eur):
            continue
        cultural = u_culture < iv.cultural_share or not units.retail_zoned[p]
        if u_accept >= iv.owner_acceptance:
            fine = iv.penalty_eur_per_m2 * model.floor_m2[p]
            muni.receive("vacancy_ordinance", fine)
            model._record("nomination", p, -1, f"refused: penalty EUR {fine:,.0f}")
            continue
        if cultural:
            venue = model._open_venue(p, "meanwhile", rent=iv.cost_rent_eur_per_m2_year,
                                      lease_weeks=model.params.economy.rent.lease_years * 52,
                                      meanwhile=False)
            venue.reserve += entrant_grant(model)
            model._record("nomination", p, -1, "accepted: cultural user")
        else:
            ratio = model._expected_profit_ratio(np.array([p]))[0]
            sector = int(np.argmax(ratio))
            model._open_shop(p, sector, 1.0, rent=iv.cost_rent_eur_per_m2_year,
                             lease_weeks=model.params.economy.rent.lease_years * 52,
                             cause="nominated")
            model._record("nomination", p, sector, "accepted: starter shop")


def biz(model: CityCentre, i: int, iv, active: bool) -> None:
    """Business investment zone: adopted by a vote of the zone's entrepreneurs (quorum and
    majority), then a levy for ``term_years`` paying public space, marketing and events;
    at the end of the term a new vote, which can fail."""
    units, muni = model.units, model.municipality
    state = model.policy.biz.setdefault(i, {"adopted": False, "term_end": model.week,
                                            "vote_week": model.week})
    zone = zone_mask(model, iv.zone)
    if model.week >= state["term_end"]:
        state["adopted"] = False
        if active and model.week >= state["vote_week"]:
            state["adopted"] = _biz_vote(model, iv, zone)
            state["term_end"] = model.week + iv.term_years * 52
            state["vote_week"] = state["term_end"]
    if not state["adopted"]:
        units.levy[:] = 0.0
        model.policy.biz_bonus[:] = 0.0
        return
    payers = units.open & zone
    units.levy[:] = np.where(payers, iv.levy_eur_per_m2_year, 0.0)
    income = float((units.levy * model.floor_m2).sum())  # EUR/year
    muni.pay("biz", iv.cost_eur_per_year / 52)
    mult = muni.multiplier()
    gain = iv.attractiveness_per_eur_per_m2 * iv.levy_eur_per_m2_year * (1 - iv.event_share)
    model.policy.biz_bonus[:] = np.where(zone, gain * mult, 0.0)
    rng = model._weekly("biz")
    n = int(rng.poisson(income * iv.event_share / iv.cost_per_event_eur / 52))
    _public_events(model, n, iv.visitors_per_event * mult, zone, "biz", rng)
    muni.joint_actions_week += n + 12 / 52  # events, plus a monthly BIZ board


def _biz_vote(model: CityCentre, iv, zone: np.ndarray) -> bool:
    """Each entrepreneur in the zone votes (with probability ``turnout`` times the
    collaboration multiplier) for the BIZ if its expected gain exceeds its levy."""
    units, muni = model.units, model.municipality
    rng = model._weekly("biz_vote")
    voters = np.flatnonzero(units.open & zone)
    n = voters.size
    u_vote, perception = rng.random(n), rng.lognormal(0.0, 0.75, n)
    margin = model._sector_array("gross_margin")[units.sector[voters]]
    gain = iv.attractiveness_per_eur_per_m2 * iv.levy_eur_per_m2_year * (1 - iv.event_share)
    benefit = units.revenue_avg[voters] * 52 * margin * gain * muni.multiplier() * perception
    cost = iv.levy_eur_per_m2_year * model.floor_m2[voters]
    votes = u_vote < min(1.0, iv.turnout * muni.multiplier())
    yes = int((votes & (benefit > cost)).sum())
    turnout = votes.sum() / max(n, 1)
    in_favour = yes / max(int(votes.sum()), 1)
    adopted = bool(n and turnout >= iv.turnout_min and in_favour >= iv.majority)
    model._record("biz_vote", -1, -1, f"{'adopted' if adopted else 'rejected'}: turnout "
                  f"{turnout:.0%}, {in_favour:.0%} in favour, {n} entrepreneurs")
    return adopted


def _public_events(model: CityCentre, n: int, visitors: float, zone: np.ndarray,
                   organiser: str, rng: np.random.Generator) -> None:
    """Queue ``n`` events at event sites (squares), preferring sites near ``zone``. Their
    visitors follow the footfall trend; a lockdown that closes culture cancels them."""
    if n <= 0 or model.culture_closed:
        return
    visitors *= model.trend
    doors = model.site_door
    if zone is not None:
        site_in = np.array([zone[_near_cells(model, np.array([s]), 5)].any()
                            for s in model.event_sites])
        if site_in.any():
            doors = doors[site_in]
    for k in rng.integers(0, doors.size, size=n):
        model.public_events.append((int(doors[k]), visitors, organiser))
    model.policy.events_held[organiser] = model.policy.events_held.get(organiser, 0) + n


def events_programme(model: CityCentre, i: int, iv, active: bool) -> None:
    """Events on squares: about ``budget / cost_per_event`` a year, each drawing visitors
    (times the collaboration multiplier); every event is a joint action."""
    if not active:
        return
    muni = model.municipality
    rng = model._weekly("events_programme")
    n = int(rng.poisson(iv.budget_eur_per_year / iv.cost_per_event_eur / 52))
    if model.culture_closed:
        return  # events are cancelled during a lockdown that closes culture
    paid = sum(muni.pay("events_programme", iv.cost_per_event_eur) for _ in range(n))
    _public_events(model, paid, iv.visitors_per_event * muni.multiplier(),
                   np.ones(len(model.floor_m2), dtype=bool), "events_programme", rng)
    muni.joint_actions_week += paid


def _culture_left(model: CityCentre, i: int, iv) -> float:
    return model.policy.culture_left.setdefault(i, iv.budget_eur_per_year)


def culture_subsidy(model: CityCentre, i: int, iv, active: bool) -> None:
    """What is left of the yearly budget (after start grants) tops up venues whose reserve
    is below three months of costs, at most a 52nd of the budget a week."""
    if not active:
        return
    needy = []
    for v in model.venue_list():
        monthly = (v.rent + v.programme.cost_eur_per_m2_year) * model.floor_m2[v.premises] / 12
        if v.reserve < 3 * monthly:
            needy.append(v)
    if not needy:
        return
    share = min(iv.budget_eur_per_year / 52, _culture_left(model, i, iv)) / len(needy)
    for v in needy:
        if share > 0 and model.municipality.pay("culture_subsidy", share):
            v.subsidy_received += share
            model.policy.culture_left[i] -= share


def public_space(model: CityCentre, i: int, iv, active: bool) -> None:
    """Works spread the investment over the period (a year if open-ended); units near the
    improved cells gain attractiveness in proportion to the works done, and keep it."""
    area = iv.area
    if isinstance(area, str):
        mask = (_near_cells(model, np.flatnonzero(model.town.walkable_is_square),
                            iv.radius_cells) if area == "squares" else zone_mask(model, area))
    else:
        x0, y0, x1, y1 = area
        xy = model.town.walkable_xy
        cells = np.flatnonzero((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0)
                               & (xy[:, 1] <= y1))
        mask = _near_cells(model, cells, iv.radius_cells)
    spent = model.policy.spent.get(i, 0.0)
    if spent < iv.investment_eur:
        weeks = max(((iv.end - iv.start).days / 7) if iv.end else 52.0, 1.0)
        amount = min(iv.investment_eur / weeks, iv.investment_eur - spent)
        if model.municipality.pay("public_space", amount):
            spent += amount
            model.policy.spent[i] = spent
    done = spent / iv.investment_eur if iv.investment_eur > 0 else 1.0
    model.policy.public_bonus[:] = np.maximum(model.policy.public_bonus,
                                              np.where(mask, iv.attractiveness_gain * done, 0))


def meanwhile_use(model: CityCentre, i: int, iv, active: bool) -> None:
    """The broker's yearly cost; its placements happen in ``cultural_users_arrive``."""
    if active:
        model.municipality.pay("meanwhile_use", iv.cost_eur_per_year / 52)


def centre_management(model: CityCentre, i: int, iv, active: bool) -> None:
    """A centre manager organises joint actions (feeding the collaboration stock)."""
    if active and model.municipality.pay("centre_management", iv.cost_eur_per_year / 52):
        model.municipality.joint_actions_week += iv.joint_actions_per_year / 52


def _passive(model: CityCentre, i: int, iv, active: bool) -> None:
    """Instruments that act when tenants sign or owners convert (see the offers below)."""


RULES = {
    "core_designation": core_designation, "vacancy_ordinance": vacancy_ordinance, "biz": biz,
    "events_programme": events_programme, "culture_subsidy": culture_subsidy,
    "public_space": public_space, "starter_support": _passive, "meanwhile_use": meanwhile_use,
    "transformation_subsidy": _passive, "centre_management": centre_management,
}


# --------------------------------------------------------- offers read by the model
def starter_support_offer(model: CityCentre) -> tuple[np.ndarray, int]:
    """(P,) share of rent the municipality would pay for a new tenant now, and for how many
    weeks (starter support for long-vacant units in its zone)."""
    share = np.zeros(len(model.floor_m2))
    weeks = 0
    months = model.months_vacant()
    for _, iv in _active(model, "starter_support"):
        ok = zone_mask(model, iv.zone) & (months >= iv.min_vacant_months) & model.units.vacant
        share = np.where(ok, np.maximum(share, iv.rent_share), share)
        weeks = max(weeks, round(iv.support_months * WEEKS_PER_MONTH))
    return share, weeks


def meanwhile_demand(model: CityCentre) -> tuple[float, float, float]:
    """Cultural starters per year (with a culture subsidy's multiplier and a broker's extra
    users), the months after which a brokered owner accepts, and the cost per brokered lease."""
    rate = model.params.culture.entry_rate_per_year
    for _, iv in _active(model, "culture_subsidy"):
        rate *= iv.entry_multiplier
    after, cost = float("inf"), 0.0
    for _, iv in _active(model, "meanwhile_use"):
        rate += iv.extra_users_per_year * model.municipality.multiplier()
        after, cost = min(after, iv.after_months), iv.cost_per_lease_eur
    return rate, after, cost


def entrant_grant(model: CityCentre) -> float:
    """Start grant for a new cultural entrant from an active culture subsidy's yearly budget,
    paid now (0 if there is none or the money is gone)."""
    for i, iv in _active(model, "culture_subsidy"):
        if iv.entrant_grant_eur <= _culture_left(model, i, iv) and model.municipality.pay(
                "culture_subsidy", iv.entrant_grant_eur):
            model.policy.culture_left[i] -= iv.entrant_grant_eur
            return iv.entrant_grant_eur
    return 0.0


def transformation_offer(model: CityCentre, months: np.ndarray) -> tuple[np.ndarray, float]:
    """(P,) share of the conversion cost a transformation subsidy pays, and the uptake
    elasticity of the conversion rate to it."""
    share = np.zeros(len(model.floor_m2))
    uptake = 0.0
    for _, iv in _active(model, "transformation_subsidy"):
        ok = zone_mask(model, iv.zone) & (months >= iv.min_vacant_months)
        share = np.where(ok, np.maximum(share, iv.subsidy_share), share)
        uptake = max(uptake, iv.uptake_elasticity * model.municipality.multiplier())
    return share, uptake


__all__ = ["RULES", "SECTORS", "PolicyState", "act"]

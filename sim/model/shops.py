"""Shops: businesses that rent premises, book their weeks, close, and move into vacant units.

A :class:`Shop` is a Mesa agent fixed to its premises' cell: a shop, a horeca business or a
service of one sector, independent or part of a chain. Its accounts and lease are columns of
the premises register (:mod:`sim.model.premises`). :class:`Shops` holds the rules:

- **book accounts** every week: gross margin on revenue minus rent (less starter support,
  plus the BIZ levy) and fixed costs, into the cash reserve; support schemes and rent relief
  in a crisis, debts repaid after it; smoothed profit and revenue, without lockdown weeks;
- **close**: out of cash, sustained losses, a losing lease at its end, or other reasons
  (retirement, chain strategy; more often among vacant neighbours, Kickert & vom Hofe 2018,
  and for new independents, the liability of newness);
- **let vacant units**: once the last tenant left ``fit_out_weeks`` ago (letting, permits and
  fit-out take months), a candidate tenant of the best-fitting sector signs at a rate rising
  with its expected margin over rent and costs (logistic).

Built and stepped by :class:`sim.model.model.CityCentre`; instruments and shocks open, close
and move shops through :meth:`Shops.open`, :meth:`Shops.close` and :meth:`Shops.relocate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

from sim import kernels
from sim.model.premises import SHOP, VACANT
from sim.scenario.fields import SECTORS

if TYPE_CHECKING:
    from sim.model.model import CityCentre

#: Weeks of the moving average of profit (a running mean over the first weeks of trading).
PROFIT_SMOOTHING_WEEKS = 26.0


class Shop(FixedAgent):
    """A business occupying one premises: a shop, a horeca business or a service.

    Fixed to the premises' cell. Its accounts (revenue, profit, reserve) and lease live in
    the premises register at ``premises``; :class:`Shops` opens and closes shops.
    """

    def __init__(self, model: CityCentre, premises: int, cell) -> None:
        super().__init__(model)
        self.premises = premises
        self.cell = cell

    @property
    def sector(self) -> str:
        """One of comparison, daily, food_beverage, services, leisure."""
        return SECTORS[self.model.premises.sector[self.premises]]

    @property
    def is_chain(self) -> bool:
        """Chain store (larger reserve) or independent."""
        return bool(self.model.premises.chain[self.premises])

    @property
    def rent_eur_per_m2_year(self) -> float:
        """Contract rent of the current lease."""
        return float(self.model.premises.rent[self.premises])

    @property
    def reserve_eur(self) -> float:
        """Cash reserve; the shop fails when it runs out."""
        return float(self.model.premises.reserve[self.premises])

    @property
    def profit_eur_per_week(self) -> float:
        """Rolling (exponentially smoothed) weekly profit."""
        return float(self.model.premises.profit_avg[self.premises])

    @property
    def revenue_eur_per_week(self) -> float:
        """Revenue booked in the last week (destination visits plus passers-by)."""
        return float(self.model.premises.revenue[self.premises])


class Shops:
    """Every shop, with the rules of its accounts, exit and entry.

    Attributes:
        agents: (P,) the :class:`Shop` in each premises, or None.
        support_week: lockdown support paid this week (EUR).
    """

    def __init__(self, model: CityCentre) -> None:
        self.model = model
        shops = model.params.economy.shops
        self.agents: list[Shop | None] = [None] * len(model.premises)
        self.support_week = 0.0
        self._margin = shops.gross_margin.array()
        self._fixed = shops.fixed_cost_eur_per_m2_year.array()
        self._mix = shops.sector_mix.array()
        self._staff = shops.staff_cost_share.array()

    # ------------------------------------------------------------------ open and close
    def open(self, p: int, sector: int, u_chain: float, *, lease_weeks: int,
             record: bool = True, rent: float | None = None,
             support: tuple[float, int] = (0.0, 0), cause: str = "new_tenant",
             founded_week: int | None = None) -> None:
        """A business signs a lease at the asking rent (or ``rent``) and moves into premises
        ``p``. ``u_chain`` < ``chain_share`` makes it a chain store; the same draw picks its
        chain. A new independent (``founded_week`` None: founded now) starts with a smaller
        reserve than an established one."""
        model = self.model
        premises = model.premises
        shops = model.params.economy.shops
        fixed = self._fixed[sector] * premises.size_factor[p]
        chain = u_chain < shops.chain_share
        premises.sector[p] = sector
        premises.use[p] = SHOP
        premises.chain[p] = chain
        premises.brand[p] = int(u_chain / shops.chain_share * shops.chain_brands_per_sector) if (
            chain) else -1
        premises.rent[p] = premises.asking_rent[p] if rent is None else rent
        premises.support_share[p], premises.support_until[p] = support[0], model.week + support[1]
        premises.reported[p] = False
        monthly_cost = (premises.rent[p] + fixed) * premises.floor_m2[p] / 12
        new = founded_week is None
        premises.founded_week[p] = model.week if new else founded_week
        premises.reserve[p] = shops.reserve_months * monthly_cost * (
            shops.chain_reserve_factor if chain else
            shops.entrant_reserve_share if new else 1.0)
        premises.revenue_reference[p] = 0.0
        premises.debt[p] = premises.instalment[p] = 0.0
        premises.profit_avg[p] = 0.0
        premises.revenue_avg[p] = 0.0
        premises.loss_weeks[p] = 0
        premises.weeks_open[p] = 0
        premises.lease_end[p] = model.week + lease_weeks
        self.agents[p] = Shop(model, p, model.premises_cells[p])
        if record:
            model.tally.openings += 1
            if chain and cause == "new_tenant":  # a chain's new store is no new business
                cause = "new_chain_store"
            model.record("opening", p, sector, cause)

    def close(self, p: int, cause: str) -> None:
        """The business leaves; the premises become vacant; the owner asks the old rent."""
        model = self.model
        premises = model.premises
        model.record("closure", p, int(premises.sector[p]), cause)
        premises.sector[p] = -1
        premises.use[p] = VACANT
        premises.brand[p] = -1
        premises.levy[p] = 0.0
        premises.support_share[p] = 0.0
        premises.debt[p] = premises.instalment[p] = 0.0  # the owner and the state write it off
        premises.last_rent[p] = premises.rent[p]
        premises.asking_rent[p] = max(premises.rent[p], premises.market_rent[p])
        premises.vacant_since[p] = model.week
        premises.reported[p] = False
        self.agents[p].remove()
        self.agents[p] = None
        model.tally.closures += 1

    def relocate(self, p: int, q: int) -> None:
        """The shop in ``p`` moves to the vacant premises ``q``: the same sector and chain on a
        new lease at ``q``'s asking rent."""
        premises = self.model.premises
        shops = self.model.params.economy.shops
        sector, brand = int(premises.sector[p]), int(premises.brand[p])
        u_chain = ((brand + 0.5) / shops.chain_brands_per_sector * shops.chain_share
                   if brand >= 0 else 1.0)
        founded = int(premises.founded_week[p])
        self.close(p, "relocation")
        self.open(q, sector, u_chain, lease_weeks=self.model.params.economy.rent.lease_years
                  * 52, cause="relocation", founded_week=founded)

    def open_initial(self, initial_sector: np.ndarray, rng: np.random.Generator) -> None:
        """Occupy all but ``initial_vacancy`` of the units, weaker locations vacant more often;
        in an imported town that marks vacant premises, exactly those are vacant."""
        model = self.model
        premises = model.premises
        shops = model.params.economy.shops
        n = len(premises)
        f_units = model.footfall.baseline[model.town.premises_access]
        # max(..., 1e-9): a centre nobody visits yet (no footfall at all) still starts
        weakness = 1.0 / np.sqrt(np.maximum(f_units, 1e-9) / max(f_units.max(), 1e-9))
        free = premises.use == VACANT
        weakness[~free] = 0.0
        n_vacant = min(round(shops.initial_vacancy * n), int(free.sum()))
        vacant = (rng.choice(n, size=n_vacant, replace=False, p=weakness / weakness.sum())
                  if free.any() else np.zeros(0, dtype=np.int64))  # every unit a venue
        use = model.town.premises_use
        if use is not None and (use == "vacant").any():
            vacant = np.flatnonzero((use == "vacant") & free)
        occupied = np.setdiff1d(np.flatnonzero(free), vacant)
        u_chain = rng.random(n)
        lease_left = rng.integers(1, model.params.economy.rent.lease_years * 52 + 1, size=n)
        age_weeks = rng.exponential(shops.established_age_years * 52, size=n).astype(np.int32)
        for p in occupied:
            self.open(int(p), int(initial_sector[p]), float(u_chain[p]),
                      lease_weeks=int(lease_left[p]), record=False,
                      founded_week=-int(age_weeks[p]))
        premises.vacant_since[vacant] = 0

    # ------------------------------------------------------------------ weekly rules
    def book_accounts(self) -> None:
        """Book the week: margin on revenue minus rent and fixed costs, into the reserve.

        A support scheme pays part of the costs of businesses that lost turnover and owners waive or
        defer part of their rent; debts from deferrals are repaid afterwards. Weeks with
        closures (lockdowns) do not count in the smoothed profit and revenue."""
        model = self.model
        premises = model.premises
        cond = model.conditions
        is_open = premises.open
        sector = np.where(is_open, premises.sector, 0)
        margin = self._margin[sector]
        fixed = self._fixed[sector] * premises.size_factor
        # starter support: the municipality pays a share of the rent while it lasts
        supported = is_open & (premises.support_share > 0) & (premises.support_until > model.week)
        paid_share = np.zeros_like(premises.rent)
        for p in np.flatnonzero(supported):
            amount = premises.support_share[p] * premises.rent[p] * premises.floor_m2[p] / 52
            if model.municipality.pay("starter_support", amount):
                paid_share[p] = premises.support_share[p]
            else:
                premises.support_until[p] = model.week  # the budget ran out: support ends
        rent_paid = premises.rent * (1.0 - paid_share) + premises.levy
        profit = kernels.weekly_profit(premises.revenue, margin, rent_paid, fixed,
                                       premises.floor_m2)
        self.support_week = 0.0
        if cond.support is not None:
            profit += self._relief(cond.support, is_open, sector, rent_paid, fixed)
        profit = np.where(is_open, profit, 0.0)
        premises.reserve += profit
        if cond.support is None and premises.instalment.any():
            # deferred rent and taxes are paid from the cash reserve: financing, not a loss of
            # the business's operations
            repay = np.where(is_open, np.minimum(premises.instalment, premises.debt), 0.0)
            premises.reserve -= repay
            premises.debt -= repay
            premises.instalment[premises.debt <= 0] = 0.0
        premises.weeks_open[:] = np.where(is_open, premises.weeks_open + 1, 0)
        if cond.closures:
            return  # a lockdown week: the accounts' memory skips it
        # running mean over the first weeks of trading, then a 26-week moving average
        span = np.clip(premises.weeks_open, 1, PROFIT_SMOOTHING_WEEKS)
        premises.profit_avg[:] = np.where(is_open, kernels.ewma(premises.profit_avg, profit,
                                                                span), 0.0)
        premises.revenue_avg[:] = np.where(
            is_open, kernels.ewma(premises.revenue_avg, premises.revenue, span), 0.0)
        if cond.support is not None:
            return  # losses while support is paid do not count towards giving up
        premises.loss_weeks[:] = np.where(is_open & (premises.profit_avg < 0),
                                          premises.loss_weeks + 1, 0)

    def _relief(self, scheme, is_open: np.ndarray, sector: np.ndarray, rent_paid: np.ndarray,
                fixed: np.ndarray) -> np.ndarray:
        """(P,) this week's support of each business by the scheme (EUR); deferred rent is
        added to its debt. The turnover it lost is measured against its smoothed turnover when
        the scheme began (or when it opened, if later)."""
        premises = self.model.premises
        reference = premises.revenue_reference
        start = is_open & (reference <= 0)
        reference[start] = premises.revenue_avg[start]
        loss = np.where(is_open & (reference > 0),
                        np.clip(1.0 - premises.revenue / np.maximum(reference, 1e-9), 0.0, 1.0),
                        0.0)
        week = premises.floor_m2 / 52
        staff = self._staff[sector] * fixed * week
        state, waived, deferred = scheme.relief(loss, rent_paid * week,
                                                (fixed * week) - staff, staff)
        premises.debt += np.where(is_open, deferred, 0.0)
        self.support_week = float(state[is_open].sum())
        return state + waived + deferred

    def start_repaying(self, weeks: int) -> None:
        """The support scheme has ended: deferred taxes (a negative reserve) join the deferred
        rent as a debt, repaid in ``weeks`` equal instalments."""
        premises = self.model.premises
        is_open = premises.open
        short = is_open & (premises.reserve < 0)
        premises.debt[short] -= premises.reserve[short]
        premises.reserve[short] = 0.0
        premises.instalment[:] = np.where(is_open, premises.debt / weeks, 0.0)
        premises.revenue_reference[:] = 0.0

    def cost_cover(self) -> np.ndarray:
        """(P,) each open shop's gross margin on its smoothed revenue over its rent and fixed
        costs (above 1: it covers its costs); NaN where no shop trades."""
        premises = self.model.premises
        sector = np.where(premises.open, premises.sector, 0)
        fixed = self._fixed[sector] * premises.size_factor
        cost = (premises.rent + fixed) * premises.floor_m2 / 52
        cover = self._margin[sector] * premises.revenue_avg / cost
        return np.where(premises.open, cover, np.nan)

    def close_failing(self) -> None:
        """Close shops that run out of cash, lose money too long, end a losing lease, or
        retire."""
        model = self.model
        premises, cond = model.premises, model.conditions
        shops = model.params.economy.shops
        u = model.stream("exits").random(len(premises))
        is_open = premises.open
        # while a support scheme pays, nobody fails for cash (taxes deferred), losses or a lease
        exposed = cond.support is None
        insolvent = is_open & (premises.reserve < 0) & exposed
        losing = is_open & (premises.loss_weeks >= shops.patience_weeks) & exposed
        lease_ends = is_open & (premises.lease_end <= model.week)
        leave_at_end = lease_ends & (premises.profit_avg < 0) & exposed
        vacant_near = (model.routes.neighbours @ premises.vacant.astype(float)) / np.maximum(
            model.routes.neighbour_slots, 1.0)
        age_years = (model.week - premises.founded_week) / 52
        newness = np.where(premises.chain, 1.0, 1.0 + (shops.newness_exit_multiplier - 1.0)
                           * 0.5 ** (age_years / shops.newness_half_life_years))
        retire = is_open & (u < shops.base_exit_rate_per_year / 52 * newness * (
            1.0 + shops.vacant_neighbour_exit * vacant_near))
        for cause, mask in (("insolvent", insolvent), ("sustained_losses", losing),
                            ("lease_end", leave_at_end), ("other", retire)):
            for p in np.flatnonzero(mask & premises.open):
                self.close(int(p), cause)
        renew = lease_ends & premises.open
        premises.rent[renew] = premises.market_rent[renew]  # rent reset at renewal
        premises.lease_end[renew] = model.week + model.params.economy.rent.lease_years * 52

    def let_vacant_units(self) -> None:
        """Vacant units find tenants at a rate rising with expected revenue, falling with
        rent; a regular tenant ends a meanwhile lease."""
        model = self.model
        rng = model.stream("entries")
        n = len(model.premises)
        u_enter, u_sector, u_chain = rng.random(n), rng.random(n), rng.random(n)
        vacant, sector, p_enter = self.letting_offers(u_sector)
        enter = u_enter[vacant] < p_enter
        support = model.municipality.starter_support()
        for p, s in zip(vacant[enter], sector[enter], strict=True):
            venue = model.venues.agents[p]
            if venue is not None:  # a regular tenant ends the meanwhile lease
                model.venues.close(venue, "meanwhile_end")
            self.open(int(p), int(s), float(u_chain[p]),
                      lease_weeks=model.params.economy.rent.lease_years * 52,
                      support=(support[0][p], support[1]))

    def fitted_out(self) -> np.ndarray:
        """(P,) bool: the last tenant left at least ``fit_out_weeks`` ago, so a new one could
        open now (a successor signs early, but strips, fits out and gets its permits only once
        the unit is empty). Meanwhile use counts towards the spell."""
        premises = self.model.premises
        return (self.model.week - premises.vacant_since
                >= self.model.params.economy.shops.fit_out_weeks)

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
        model = self.model
        shops = model.params.economy.shops
        premises = model.premises
        vacant = np.flatnonzero((premises.vacant | model.venues.meanwhile_mask())
                                & premises.retail_zoned & self.fitted_out())
        if vacant.size == 0 or not premises.open.any():  # no market to learn from
            return vacant[:0], np.zeros(0, dtype=int), np.zeros(0)
        ratio = self.expected_profit_ratio(vacant)  # (V, S)
        ratio[:, model.conditions.closed_sectors] = 0.0  # nobody opens what may not open
        # clipped: a unit with next to no costs would overflow the fourth power
        score = self._mix[None, :] * np.clip(ratio, 0.0, 1e6) ** 4
        cdf = np.cumsum(score, axis=1) / np.maximum(score.sum(axis=1), 1e-300)[:, None]
        pick = np.minimum((cdf < u_sector[vacant, None]).sum(axis=1), len(SECTORS) - 1)
        p_enter = kernels.entry_probability(
            ratio[np.arange(vacant.size), pick],
            rate_per_year=shops.entry_rate_per_year * model.municipality.letting_factor,
            steepness=shops.entry_steepness, threshold=shops.entry_threshold)
        return vacant, pick, p_enter

    def expected_profit_ratio(self, vacant: np.ndarray) -> np.ndarray:
        """(V, S) expected gross margin over costs for an entrant of each sector.

        Expected revenue per m2 is the sector's median among open shops, scaled by the unit's
        footfall relative to open shops (elasticity 0.5) and its open neighbours relative to
        theirs (elasticity as in the choice model).
        """
        model = self.model
        premises = model.premises
        open_ = np.flatnonzero(premises.open)
        if open_.size == 0:  # every shop has closed: nothing to expect from (no entrant)
            return np.full((vacant.size, len(SECTORS)), np.nan)
        footfall = model.footfall.at_premises()
        floor = premises.floor_m2
        per_m2 = premises.revenue_avg[open_] / floor[open_]
        ref = kernels.group_medians(per_m2, premises.sector[open_], len(SECTORS))
        if np.isnan(ref).any():  # a sector without open shops: the median of all
            ref = np.where(np.isnan(ref), np.median(per_m2), ref)
        f_ref = np.median(footfall[open_])
        n_ref = np.median(premises.open_neighbours[open_])
        loc = (np.maximum(footfall[vacant], 1e-9) / max(f_ref, 1e-9)) ** 0.5
        nb = ((1 + premises.open_neighbours[vacant]) / (1 + n_ref)) ** (
            model.params.economy.choice.neighbour_elasticity)
        revenue = ref[None, :] * (loc * nb)[:, None] * floor[vacant, None]
        fixed = self._fixed[None, :] * premises.size_factor[vacant, None]
        share, _ = model.municipality.starter_support()
        rent = premises.asking_rent[vacant] * (1.0 - share[vacant])
        cost = (rent[:, None] + fixed) * floor[vacant, None] / 52
        return revenue * self._margin[None, :] / cost

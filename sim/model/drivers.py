"""The week's conditions: calendar, online shares and the background footfall trend, and what
shocks in force change about them.

:meth:`Conditions.update` sets the calendar-driven part at the start of every week
(``CityCentre.step``); the shocks (:mod:`sim.model.shocks`) then close sectors, cut visits
and raise online shares while they last. Every actor reads the result from
``model.conditions``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from sim import kernels
from sim.scenario.fields import GROUPS, PURPOSES, SECTORS

if TYPE_CHECKING:
    from sim.model.model import CityCentre


def decimal_year(date: dt.date) -> float:
    """``date`` as a decimal calendar year."""
    return date.year + (date.timetuple().tm_yday - 1) / 365.25


class Conditions:
    """This week's exogenous conditions (one per model).

    Attributes:
        year: calendar year as a decimal.
        online_by_sector: (S,) share of each sector's spending bought online.
        trend: background footfall trend relative to ``start``.
        visit_multiplier: (purposes,) share of trips made per purpose (lockdowns cut them).
        group_multiplier: (G,) visit rates of each visitor group relative to normal
            (measures, the behavioural gap after them, pent-up demand).
        spend_multiplier: (S,) spending per visit relative to normal.
        group_spend_multiplier: (G,) spending per visit of each visitor group relative to
            normal (visitors who come less often shop with more purpose, 7.19.4).
        closed_sectors: (S,) bool, sectors that may not open their doors as usual.
        culture_closed: cultural venues may not open.
        pickup_share: (S,) spending per visit at a closed shop relative to normal, for the
            visitors who still come (click-and-collect, by appointment, takeaway); 0: closed
            shops of the sector get no visits at all.
        online_lasting: the part of past lockdowns' online jumps that stays (the largest).
        online_substitution: share of the retail spending the measures keep out of the shops
            that residents buy online instead (the largest of the lockdowns in force).
        support: the support scheme paid this week, if any
            (:class:`sim.model.shocks.support_scheme.SupportScheme`).
    """

    def __init__(self, model: CityCentre) -> None:
        self.model = model
        self.year = 0.0
        self.online_by_sector = np.zeros(len(SECTORS))
        self.trend = 1.0
        self.clear_shocks()

    def clear_shocks(self) -> None:
        """No shock in force: normal visits and spending, every sector open, no support."""
        self.visit_multiplier = np.ones(len(PURPOSES))
        self.group_multiplier = np.ones(len(GROUPS))
        self.spend_multiplier = np.ones(len(SECTORS))
        self.group_spend_multiplier = np.ones(len(GROUPS))
        self.closed_sectors = np.zeros(len(SECTORS), dtype=bool)
        self.culture_closed = False
        self.pickup_share = np.zeros(len(SECTORS))
        self.online_lasting = 0.0
        self.online_substitution = 0.0
        self.support = None

    @property
    def lockdown(self) -> bool:
        """Whether trips are cut by purpose this week."""
        return bool((self.visit_multiplier < 1).any())

    @property
    def unserved(self) -> np.ndarray:
        """(S,) bool: sectors whose shops get no visits this week (closed, no pickup)."""
        return self.closed_sectors & (self.pickup_share <= 0)

    @property
    def closures(self) -> bool:
        """Whether some businesses may not open this week (a lockdown week: it does not count
        in the businesses' smoothed accounts)."""
        return bool(self.closed_sectors.any() or self.culture_closed)

    def online_shares(self, year: float) -> np.ndarray:
        """(S,) online share of each sector's spending at calendar ``year`` (as given)."""
        paths = self.model.params.economy.online_share
        return np.array([
            kernels.interpolate_path(np.array([pt.year for pt in getattr(paths, s)]),
                                     np.array([pt.share for pt in getattr(paths, s)]), year)
            for s in SECTORS
        ])

    def update(self) -> None:
        """Calendar date, online share per sector and the background footfall trend."""
        params = self.model.params
        eco = params.economy
        date = self.model.date
        self.year = decimal_year(date)
        self.online_by_sector = self.online_shares(self.year)
        if date > params.start and eco.online_growth != 1.0:
            at_start = self.online_shares(decimal_year(params.start))
            self.online_by_sector = np.clip(
                at_start + eco.online_growth * (self.online_by_sector - at_start), 0.0, 1.0)
        years_from_start = (date - params.start).days / 365.25
        self.trend = (1.0 + eco.footfall_trend_per_year) ** years_from_start

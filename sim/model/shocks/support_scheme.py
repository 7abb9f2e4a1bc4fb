"""Support scheme: the corona support as it was paid, by the state and by property owners.

While the scheme runs, every business that loses more than a threshold share of its turnover
(against its turnover when the scheme began) gets a share of its fixed costs, rent included,
in proportion to the turnover it lost (TVL), and a share of its wage costs in the same
proportion (NOW; TOZO for the self-employed); owners waive or defer part of the rent (Vastgoed
Belang: four in five private owners helped, two thirds with a waiver, a quarter with
deferral); taxes are deferred, so no business fails for lack of cash, and none leaves because
its lease ends or its losses last. When the scheme ends, deferred rent and taxes become a debt
repaid in weekly instalments. ``docs/ODD.md`` section 7.19.3.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.fields import param
from sim.scenario.interventions import Shock, register_shock

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_shock
class SupportScheme(Shock):
    """National corona support (TVL, NOW, TOZO, tax deferral) and owners' rent relief."""

    title_text: ClassVar[str] = "Support scheme"

    type: Literal["support_scheme"]
    end: dt.date = Field(..., description="Last day support is paid.")
    turnover_loss_threshold: float = param(
        0.3, "Businesses losing more than this share of their turnover are supported. TVL: "
        "30% (fashionunited.nl 12-03-2021).", "share", ge=0, le=1)
    fixed_cost_share: float = param(
        0.8, "Share of fixed costs (rent included, staff excluded) paid, times the share of "
        "turnover lost. TVL: 70%, raised to 85% and 100% from Q4 2020 to Q2 2021 "
        "(fashionunited.nl 12-03-2021); 0.8 over the whole scheme.", "share", ge=0, le=1)
    wage_support_share: float = param(
        0.9, "Share of staff costs paid, times the share of turnover lost. NOW: up to 90% of "
        "the wage bill; TOZO for the self-employed.", "share", ge=0, le=1)
    rent_waiver_share: float = param(
        0.3, "Share of the rent owners waive for supported tenants. Vastgoed Belang via "
        "iex.nl (2021): four in five private owners helped, two thirds of them with a full or "
        "partial waiver (0.8 x 2/3 x about half).", "share", ge=0, le=1)
    rent_deferral_share: float = param(
        0.1, "Share of the rent owners defer for supported tenants, repaid after the scheme. "
        "Vastgoed Belang: a quarter of the helping owners deferred (0.8 x 1/4 x about half).",
        "share", ge=0, le=1)
    repay_weeks: int = param(
        260, "Weeks over which deferred rent and taxes are repaid after the scheme. "
        "Belastingdienst: deferred taxes repaid in 60 monthly instalments from October 2022.",
        "weeks", ge=1, le=1040)

    def what(self) -> str:
        return (f"businesses losing more than {self.turnover_loss_threshold:.0%} of their "
                f"turnover get {self.fixed_cost_share:.0%} of their fixed costs and "
                f"{self.wage_support_share:.0%} of their wage costs in proportion to the loss; "
                f"owners waive {self.rent_waiver_share:.0%} and defer "
                f"{self.rent_deferral_share:.0%} of their rent; taxes are deferred and repaid "
                f"over {self.repay_weeks} weeks.")

    def strike(self, model: CityCentre) -> None:
        """In force: the week's support is this scheme; the week after it: deferrals become
        debts."""
        date = model.date
        if self.active(date):
            if model.conditions.support is None:
                model.conditions.support = self
        elif self.end < date <= self.end + dt.timedelta(weeks=1):
            model.shops.start_repaying(self.repay_weeks)

    def relief(self, loss: np.ndarray, rent: np.ndarray, fixed: np.ndarray,
               staff: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This week's relief of each business, EUR.

        Args:
            loss: (P,) share of turnover lost against the reference (0 where not trading).
            rent, fixed, staff: (P,) this week's rent, other fixed costs and staff costs.

        Returns:
            (P,) paid by the state, rent waived and rent deferred by the owner.
        """
        eligible = loss > self.turnover_loss_threshold
        lost = np.where(eligible, loss, 0.0)
        state = lost * (self.fixed_cost_share * (rent + fixed) + self.wage_support_share * staff)
        waived = np.where(eligible, self.rent_waiver_share * rent, 0.0)
        deferred = np.where(eligible, self.rent_deferral_share * rent, 0.0)
        return state, waived, deferred

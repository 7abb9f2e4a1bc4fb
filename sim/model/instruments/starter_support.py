"""Starter support: a share of the rent paid for new tenants of long-vacant units.

Passive: it acts when a tenant signs (:meth:`sim.model.shops.Shops.let_vacant_units` asks the
municipality for its offer). ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.fields import Zone, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre

from sim.model.premises import WEEKS_PER_MONTH


@register_instrument
class StarterSupport(Instrument):
    """A share of rent paid for new tenants of long-vacant units."""

    title_text: ClassVar[str] = "Starter support"

    type: Literal["starter_support"]
    rent_share: float = param(0.5, "Share of rent paid. Koster et al. (2019): optimal subsidy "
                           "about 10% of rent; starter schemes often pay more.", "share",
                           ge=0, le=1)
    support_months: float = param(12, "How long each new tenant is supported.", "months",
                               gt=0, le=120)
    min_vacant_months: float = param(6, "Units must have been vacant this long.", "months",
                                  ge=0, le=240)
    zone: Zone = Field("core", description="Where support applies: core, edge, all, or "
                       "squares (units within 3 cells of a square).")

    def what(self) -> str:
        return (f"{self.rent_share:.0%} of the rent for {self.support_months:g} months for new "
                f"tenants of units ({self.zone}) vacant at least {self.min_vacant_months:g} "
                f"months. Cost: the rent paid.")


def offer(model: CityCentre, active: list[tuple[StarterSupport, None]]) -> tuple[np.ndarray, int]:
    """(P,) share of rent the municipality would pay for a new tenant now, and for how many
    weeks (the most generous active scheme for long-vacant units in its zone)."""
    premises = model.premises
    share = np.zeros(len(premises))
    weeks = 0
    months = premises.months_vacant(model.week)
    for iv, _ in active:
        ok = model.zones.mask(iv.zone) & (months >= iv.min_vacant_months) & premises.vacant
        share = np.where(ok, np.maximum(share, iv.rent_share), share)
        weeks = max(weeks, round(iv.support_months * WEEKS_PER_MONTH))
    return share, weeks

"""Vacancy ordinance (leegstandverordening, Leegstandwet 2010).

Owners report vacancy after some months; after a year the municipality nominates a tenant at
a cost-based rent; the owner accepts or pays a penalty per m2. ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_instrument
class VacancyOrdinance(Instrument):
    """Leegstandverordening (Leegstandwet 2010)."""

    title_text: ClassVar[str] = "Vacancy ordinance"

    type: Literal["vacancy_ordinance"]
    report_after_months: float = param(6, "Owners report vacancy after this many months.",
                                    "months", ge=0, le=120)
    nominate_after_months: float = param(
        12, "After this many months the municipality nominates a tenant.", "months",
        ge=0, le=240)
    cost_rent_eur_per_m2_year: float = param(
        100.0, "Cost-based rent of a nominated tenancy. Assumption (service and upkeep).",
        "EUR/m2/year", ge=0, le=5000)
    penalty_eur_per_m2: float = param(20.0, "Penalty per m2 if the owner refuses (Amsterdam: EUR "
                                   "20/m2).", "EUR/m2", ge=0, le=1000)
    owner_acceptance: float = param(
        0.7, "Chance that an owner accepts the nominated tenant rather than pay the penalty. "
        "Assumption: few penalties are reported in practice.", "share", ge=0, le=1)
    cultural_share: float = param(0.3, "Share of nominees that are cultural or creative users "
                               "(the rest are starter shops). Assumption.", "share", ge=0, le=1)
    cost_per_case_eur: float = param(500.0, "Administrative cost per report or nomination. "
                                  "Assumption.", "EUR", ge=0, le=1e6)

    def what(self) -> str:
        return (f"owners report units vacant {self.report_after_months:g} months; after "
                f"{self.nominate_after_months:g} months the municipality nominates a tenant at "
                f"EUR {self.cost_rent_eur_per_m2_year:g}/m2/yr or the owner pays EUR "
                f"{self.penalty_eur_per_m2:g}/m2. Cost {eur(self.cost_per_case_eur)} per case.")

    def act(self, model: CityCentre, state: None, active: bool) -> None:
        """Owners report long vacancy; after ``nominate_after_months`` (and yearly after
        that) the municipality nominates a tenant at a cost-based rent; the owner accepts or
        pays the penalty per m2."""
        if not active:
            return
        premises, muni = model.premises, model.municipality
        lease_weeks = model.params.economy.rent.lease_years * 52
        months = premises.months_vacant(model.week)
        stock = premises.vacant
        rng = model.stream("ordinance")
        for p in np.flatnonzero(stock & ~premises.reported
                                & (months >= self.report_after_months)):
            premises.reported[p] = True
            muni.pay("vacancy_ordinance", self.cost_per_case_eur)
            model.record("vacancy_report", int(p), -1, f"{months[p]:.0f} months vacant")
        due = stock & (months >= self.nominate_after_months) & (
            model.week - premises.nominated_week >= 52)
        for p in np.flatnonzero(due):
            p = int(p)
            u_culture, u_accept = rng.random(2)
            premises.nominated_week[p] = model.week
            if not muni.pay("vacancy_ordinance", self.cost_per_case_eur):
                continue
            cultural = u_culture < self.cultural_share or not premises.retail_zoned[p]
            if u_accept >= self.owner_acceptance:
                fine = self.penalty_eur_per_m2 * premises.floor_m2[p]
                muni.receive("vacancy_ordinance", fine)
                model.record("nomination", p, -1, f"refused: penalty EUR {fine:,.0f}")
                continue
            if cultural:
                venue = model.venues.open(p, "meanwhile", rent=self.cost_rent_eur_per_m2_year,
                                          lease_weeks=lease_weeks, meanwhile=False)
                venue.reserve += muni.start_grant()
                model.record("nomination", p, -1, "accepted: cultural user")
            else:
                ratio = model.shops.expected_profit_ratio(np.array([p]))[0]
                sector = int(np.argmax(ratio))
                model.shops.open(p, sector, 1.0, rent=self.cost_rent_eur_per_m2_year,
                                 lease_weeks=lease_weeks, cause="nominated")
                model.record("nomination", p, sector, "accepted: starter shop")

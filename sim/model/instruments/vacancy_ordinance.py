"""Vacancy ordinance (leegstandverordening, Leegstandwet 2010), with its real frictions.

Owners report vacancy after some months. After a year the municipality may nominate a tenant
at a cost-based rent, but only where it has a candidate: candidates come from a small pool that
fills slowly. A nomination goes through a procedure of months (hearing, objection); some
owners object successfully; the others accept the tenant or pay a penalty per m2. In
practice 26-31 municipalities have an ordinance, few enforce it and nomination is rarely used
(nul20.nl; houthoff.com 2025). ``docs/ODD.md`` section 7.18.2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from sim.model.premises import WEEKS_PER_MONTH
from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@dataclass
class Caseload:
    """Candidate tenants waiting, and nominations in procedure (premises, week decided)."""

    candidates: int = 0
    pending: list[tuple[int, int]] = field(default_factory=list)


@register_instrument
class VacancyOrdinance(Instrument):
    """Leegstandverordening (Leegstandwet 2010)."""

    title_text: ClassVar[str] = "Vacancy ordinance"

    type: Literal["vacancy_ordinance"]
    report_after_months: float = param(6, "Owners report vacancy after this many months.",
                                       "months", ge=0, le=120)
    nominate_after_months: float = param(
        12, "After this many months the municipality may nominate a tenant (Leegstandwet: "
        "after a year of vacancy).", "months", ge=0, le=240)
    candidates_per_year: float = param(
        2.0, "Candidate tenants the municipality finds per year (a nomination needs one). "
        "Assumption: nomination is rarely used because suitable tenants are scarce "
        "(nul20.nl).", "1/year", ge=0, le=1000)
    procedure_months: float = param(
        6.0, "Months from the decision to nominate to the nomination (hearing, objection). "
        "Assumption.", "months", ge=0, le=60)
    objection_share: float = param(
        0.3, "Share of nominations the owner contests successfully. Assumption.", "share",
        ge=0, le=1)
    cost_rent_eur_per_m2_year: float = param(
        100.0, "Cost-based rent of a nominated tenancy. Assumption (service and upkeep).",
        "EUR/m2/year", ge=0, le=5000)
    penalty_eur_per_m2: float = param(20.0, "Penalty per m2 if the owner refuses (Amsterdam: "
                                      "EUR 20/m2).", "EUR/m2", ge=0, le=1000)
    owner_acceptance: float = param(
        0.7, "Chance that an owner accepts the nominated tenant rather than pay the penalty. "
        "Assumption: few penalties are reported in practice.", "share", ge=0, le=1)
    cultural_share: float = param(0.3, "Share of nominees that are cultural or creative users "
                                  "(the rest are starter shops). Assumption.", "share", ge=0,
                                  le=1)
    cost_per_case_eur: float = param(500.0, "Administrative cost per report or nomination. "
                                     "Assumption.", "EUR", ge=0, le=1e6)

    def what(self) -> str:
        return (f"owners report units vacant {self.report_after_months:g} months; after "
                f"{self.nominate_after_months:g} months the municipality may nominate one of "
                f"about {self.candidates_per_year:g} candidate tenants a year, after a "
                f"procedure of {self.procedure_months:g} months, at EUR "
                f"{self.cost_rent_eur_per_m2_year:g}/m2/yr, or the owner pays EUR "
                f"{self.penalty_eur_per_m2:g}/m2. Cost {eur(self.cost_per_case_eur)} per case.")

    def new_state(self, model: CityCentre) -> Caseload:
        return Caseload()

    def act(self, model: CityCentre, state: Caseload, active: bool) -> None:
        """Reports; candidates arrive; due units with a candidate enter the procedure; at its
        end the owner objects, accepts the tenant or pays the penalty."""
        if not active:
            return
        premises, muni = model.premises, model.municipality
        months = premises.months_vacant(model.week)
        stock = premises.vacant
        rng = model.stream("ordinance")
        for p in np.flatnonzero(stock & ~premises.reported
                                & (months >= self.report_after_months)):
            premises.reported[p] = True
            muni.pay("vacancy_ordinance", self.cost_per_case_eur)
            model.record("vacancy_report", int(p), -1, f"{months[p]:.0f} months vacant")
        state.candidates += int(rng.poisson(self.candidates_per_year / 52))
        due = stock & (months >= self.nominate_after_months) & (
            model.week - premises.nominated_week >= 52)
        for p in np.flatnonzero(due):
            if state.candidates == 0:
                break  # no tenant to nominate: the unit waits
            if not muni.pay("vacancy_ordinance", self.cost_per_case_eur):
                break
            state.candidates -= 1
            premises.nominated_week[p] = model.week
            state.pending.append((int(p), model.week))
        procedure = round(self.procedure_months * WEEKS_PER_MONTH)
        waiting = []
        for p, week in state.pending:
            if model.week - week < procedure:
                waiting.append((p, week))
            elif premises.vacant[p]:  # (let meanwhile: nothing to nominate)
                self._nominate(model, p, rng)
        state.pending = waiting

    def _nominate(self, model: CityCentre, p: int, rng: np.random.Generator) -> None:
        """The procedure ends: the owner objects, accepts the candidate or pays."""
        premises, muni = model.premises, model.municipality
        u_object, u_culture, u_accept = rng.random(3)
        if u_object < self.objection_share:
            model.record("nomination", p, -1, "objection upheld")
            return
        if u_accept >= self.owner_acceptance:
            fine = self.penalty_eur_per_m2 * premises.floor_m2[p]
            muni.receive("vacancy_ordinance", fine)
            model.record("nomination", p, -1, f"refused: penalty EUR {fine:,.0f}")
            return
        lease_weeks = model.params.economy.rent.lease_years * 52
        if u_culture < self.cultural_share or not premises.retail_zoned[p]:
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

"""The ``municipality`` section (budget, collaboration stock) and ``funding`` rounds of the
province and the state. Read by :mod:`sim.model.municipality`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.fields import Strict, param
from sim.scenario.interventions import INSTRUMENTS


class Collaboration(Strict):
    """The collaboration stock: grows with joint action, withers without (Platform31 2021:
    'samenwerken is een werkwoord ... als een spier')."""

    initial: float = param(0.3, "Stock at the start. Assumption: some existing cooperation.",
                        "-", ge=0.0, le=1.0)
    floor: float = param(0.1, "Level the stock decays to without joint action. Assumption.",
                      "-", ge=0.0, le=1.0)
    half_life_years: float = param(
        2.0, "Half-life of the stock's excess over the floor without joint action. Assumption.",
        "years", gt=0.0, le=100.0,
    )
    gain_per_action: float = param(
        0.01, "Share of the gap to 1 closed by one joint action. Assumption: a year of monthly "
        "joint actions lifts the stock by about a tenth of the gap.", "-", ge=0.0, le=1.0,
    )
    effect: float = param(
        1.0, "Effectiveness multiplier of cooperation-dependent instruments is "
        "1 + effect * (stock - reference). Assumption.", "-", ge=0.0, le=10.0,
    )
    reference: float = param(
        0.3, "Stock at which cooperation-dependent instruments work as their parameters say "
        "(multiplier 1). Assumption: the default initial stock.", "-", ge=0.0, le=1.0,
    )


class Municipality(Strict):
    """The municipality: its yearly budget for the centre and the collaboration stock."""

    budget_eur_per_year: float = param(
        2_000_000.0, "Yearly municipal budget for centre instruments (the co-funded part is "
        "extra). Assumption for a G40 city.", "EUR/year", ge=0.0, le=1e10,
    )
    collaboration: Collaboration = Field(default_factory=Collaboration)


class FundingRound(Strict):
    """Co-funding from the province or the national government for a period."""

    name: str = Field(..., description="Name of the round, e.g. 'Impulsaanpak Winkelgebieden'.")
    funder: Literal["province", "national"] = Field("national", description="Who pays.")
    start: dt.date = Field(..., description="First day money can be committed.")
    end: dt.date = Field(..., description="Last day money can be committed.")
    match_share: float = param(
        0.5, "Share of eligible spending the round pays (the municipality pays the rest).",
        "share", ge=0.0, le=1.0,
    )
    instruments: list[str] = Field(
        default_factory=list, description="Intervention types the round co-funds (empty: all).")
    cap_eur: float = param(5_000_000.0, "Total the round pays out. rvo.nl Impulsaanpak: at most "
                        "EUR 5m a project.", "EUR", ge=0.0, le=1e10)
    owner_coinvestment: float = param(
        0.0, "Condition: the round only co-funds projects in which owners pay at least this "
        "share of the cost (Impulsaanpak: private co-investors required). With a value above "
        "0 only owner projects (conversions) qualify. Owners' own money is not public "
        "spending and is not booked.", "share", ge=0.0, le=1.0,
    )

    @field_validator("instruments")
    @classmethod
    def _known(cls, types: list[str]) -> list[str]:
        for name in types:
            if name not in INSTRUMENTS:
                raise ValueError(f"{name!r} is not an instrument type; allowed: "
                                 f"{', '.join(INSTRUMENTS)}")
        return types

    @model_validator(mode="after")
    def _ordered(self) -> FundingRound:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def describe(self) -> str:
        which = ", ".join(self.instruments) if self.instruments else "all instruments"
        cond = (f"; owners co-invest at least {self.owner_coinvestment:.0%}"
                if self.owner_coinvestment else "")
        return (f"{self.name} ({self.funder}) from {self.start} to {self.end}: pays "
                f"{self.match_share:.0%} of spending on {which}, up to EUR "
                f"{self.cap_eur:,.0f}{cond}.")

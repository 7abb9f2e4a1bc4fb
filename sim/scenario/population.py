"""The ``population`` section: resident agents, their visits, incomes, tastes and modal split.

Read by :mod:`sim.model.residents`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.fields import PerHome, Share, Strict, param


class VisitRates(Strict):
    """Mean centre visits per household per week, by purpose and home."""

    daily: PerHome = Field(
        default_factory=lambda: PerHome(centre=2.0, city=0.30, region=0.02),
        description="Daily shopping. Assumption: residents of the centre do most daily "
        "shopping there; the rest of the city has its own neighbourhood centres.",
    )
    comparison: PerHome = Field(
        default_factory=lambda: PerHome(centre=0.35, city=0.30, region=0.10),
        description="Comparison (fashion, goods) shopping. Assumption: about one visit a month "
        "from the city, less from the region.",
    )
    leisure: PerHome = Field(
        default_factory=lambda: PerHome(centre=0.60, city=0.22, region=0.06),
        description="Leisure (food & beverage, leisure). Assumption.",
    )


class EntryShares(Strict):
    """Share of a home type's visits arriving through each kind of entry point."""

    station: Share
    car_park: Share
    bus_stop: Share
    bike_park: Share

    @model_validator(mode="after")
    def _sums_to_one(self) -> EntryShares:
        total = self.station + self.car_park + self.bus_stop + self.bike_park
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"entry shares must sum to 1 (got {total:.3f})")
        return self


class EntrySharesByHome(Strict):
    """Modal split of visitors living outside the centre."""

    city: EntryShares = Field(
        default_factory=lambda: EntryShares(
            station=0.05, car_park=0.35, bus_stop=0.20, bike_park=0.40
        ),
        description="Visitors from the rest of the city. Assumption: Dutch modal split, "
        "bike first.",
    )
    region: EntryShares = Field(
        default_factory=lambda: EntryShares(
            station=0.35, car_park=0.55, bus_stop=0.10, bike_park=0.0
        ),
        description="Visitors from the region. Assumption: by train or car.",
    )


def _some_share(shares: Strict) -> Strict:
    if not sum(shares.model_dump().values()) > 0:
        raise ValueError("the shares must not all be 0 (they are normalised to sum to 1)")
    return shares


class IncomeShares(Strict):
    """Share of households per income class."""

    low: Share = 0.30
    middle: Share = 0.45
    high: Share = 0.25

    _not_all_zero = model_validator(mode="after")(_some_share)


class TasteShares(Strict):
    """Share of residents per taste (sector-preference) class."""

    run: Share = Field(0.4, description="Run shoppers: daily goods and services first.")
    fun: Share = Field(0.35, description="Fun shoppers: comparison and leisure.")
    food: Share = Field(0.25, description="Food & beverage lovers.")

    _not_all_zero = model_validator(mode="after")(_some_share)


class Population(Strict):
    """Residents and visitors: individual agents, each standing for some households."""

    agents: int = param(
        12000,
        "Number of resident agents (centre residents plus visitors from the city and region). "
        "Assumption: enough agents for stable weekly flows.",
        "agents", gt=0, le=5_000_000,
    )
    households_per_agent: float = param(
        5.0,
        "Households one agent stands for (the household weight). Assumption: a G40 city of "
        "about 120,000 inhabitants has about 55,000 households (2.2 persons each).",
        "households", ge=0.1, le=10_000.0,
    )
    region_share: float = param(
        0.30,
        "Share of the agents living outside the centre who live in the region rather than the "
        "city. Assumption: a centre with a regional function.",
        "share", ge=0.0, le=1.0,
    )
    visits_per_week: VisitRates = Field(default_factory=VisitRates)
    visit_frequency_shape: float = param(
        2.0,
        "Shape of the gamma distribution of individual visit-frequency multipliers (mean 1). "
        "Assumption: some households visit far more often than others.",
        "-", gt=0.1, le=100.0,
    )
    income_shares: IncomeShares = Field(default_factory=IncomeShares)
    income_spend_multiplier: dict[Literal["low", "middle", "high"],
                                  Annotated[float, Field(ge=0.0, le=100.0)]] = Field(
        default_factory=lambda: {"low": 0.7, "middle": 1.0, "high": 1.45},
        description="Spending per visit relative to the middle class. Assumption (CBS budget "
        "surveys put the top-to-bottom ratio near 2).",
        json_schema_extra={"unit": "-"},
    )
    online_propensity_sigma: float = param(
        0.5,
        "Log-normal spread of individual online propensity (mean 1 times the sector's online "
        "share). Assumption.",
        "-", ge=0.0, le=3.0,
    )
    taste_shares: TasteShares = Field(default_factory=TasteShares)
    entry_shares: EntrySharesByHome = Field(default_factory=EntrySharesByHome)

"""The scenario schema: every model parameter with its default, unit, range and source.

This module is the one place where parameters are declared. Each field's ``description``
cites its source in ``../shared/domain.md`` (reproduced in ``docs/ODD.md``) or says
"assumption" with a reason; ``json_schema_extra={"unit": ...}`` gives the unit. A
scenario reference and a JSON Schema can be generated from here (planned: issue 4).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

SECTORS = ("comparison", "daily", "food_beverage", "services", "leisure")
PURPOSES = ("daily", "comparison", "leisure")
INCOME_CLASSES = ("low", "middle", "high")
TASTE_CLASSES = ("run", "fun", "food")
HOME_TYPES = ("centre", "city", "region")
ENTRY_KINDS = ("station", "car_park", "bus_stop", "bike_park")
PRESET_NAMES = ("kleinstad", "middelstad", "grootstad")


def _f(default, description: str, unit: str, **limits):
    """A documented field: default, description with source, unit and range."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **limits)


Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# --------------------------------------------------------------------------- town
class FloorArea(Strict):
    """Floor area of each premises symbol in the map legend."""

    s: float = _f(
        60.0, "Small unit. Assumption: typical Dutch high-street unit.", "m2", gt=0, le=20000
    )
    m: float = _f(150.0, "Medium unit. Assumption.", "m2", gt=0, le=20000)
    L: float = _f(400.0, "Large unit. Assumption.", "m2", gt=0, le=20000)
    A: float = _f(
        1200.0, "Anchor (department store, supermarket). Assumption.", "m2", gt=0, le=20000
    )


class Town(Strict):
    """The map of the centre: a built-in preset, an inline map or a map file (exactly one)."""

    preset: Literal["kleinstad", "middelstad", "grootstad"] | None = Field(
        None,
        description="Built-in town map; `middelstad` if neither `map` nor `map_file` is given.",
    )
    map: str | None = Field(None, description="Inline ASCII map (see the legend in docs/ODD.md).")
    map_file: str | None = Field(
        None, description="Path to an ASCII map file, relative to the scenario file."
    )
    cell_size_m: float = _f(
        10.0, "Edge length of one map cell. Assumption: about one shop frontage.", "m",
        ge=2.0, le=50.0,
    )
    floor_area_m2: FloorArea = Field(default_factory=FloorArea)
    households_per_dwelling_cell: float = _f(
        12.0,
        "Households living in one dwelling cell ('h'), homes above and behind shops. "
        "Assumption: 3-4 storeys of apartments on a 10 m x 10 m plot.",
        "households", ge=0.0, le=500.0,
    )
    core_walk_m: float = _f(
        300.0,
        "Premises within this walking distance of the busiest point are 'core', others 'edge'. "
        "Assumption: Ossokina et al. (2024) rent gradient halves rents over ~400 m.",
        "m", gt=0.0, le=5000.0,
    )
    home_zone_cells: int = _f(
        15,
        "Dwellings are grouped into square districts of this many cells per side; each "
        "district's residents start walking from one street cell. Assumption: keeps the routing "
        "cost bounded; error in walking distance is at most half a district.",
        "cells", ge=1, le=200,
    )
    neighbour_radius_cells: int = _f(
        3,
        "Premises within this Chebyshev distance count as neighbours (agglomeration, contagion). "
        "Assumption: about 30 m, both sides of a street.",
        "cells", ge=1, le=20,
    )

    @model_validator(mode="after")
    def _one_source(self) -> Town:
        given = [k for k in ("preset", "map", "map_file") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of preset, map, map_file (got {', '.join(given)})")
        return self


# ----------------------------------------------------------------------- population
class PerPurpose(Strict):
    """A value per trip purpose."""

    daily: float
    comparison: float
    leisure: float


class PerHome(Strict):
    """Visits per household per week by where the household lives."""

    centre: float = Field(ge=0.0, le=20.0)
    city: float = Field(ge=0.0, le=20.0)
    region: float = Field(ge=0.0, le=20.0)


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


class IncomeShares(Strict):
    """Share of households per income class."""

    low: Share = 0.30
    middle: Share = 0.45
    high: Share = 0.25


class TasteShares(Strict):
    """Share of residents per taste (sector-preference) class."""

    run: Share = Field(0.4, description="Run shoppers: daily goods and services first.")
    fun: Share = Field(0.35, description="Fun shoppers: comparison and leisure.")
    food: Share = Field(0.25, description="Food & beverage lovers.")


class Population(Strict):
    """Residents and visitors: individual agents, each standing for some households."""

    agents: int = _f(
        12000,
        "Number of resident agents (centre residents plus visitors from the city and region). "
        "Assumption: enough agents for stable weekly flows.",
        "agents", gt=0, le=5_000_000,
    )
    households_per_agent: float = _f(
        5.0,
        "Households one agent stands for (the household weight). Assumption: a G40 city of "
        "about 120,000 inhabitants has about 55,000 households (2.2 persons each).",
        "households", gt=0.0, le=10_000.0,
    )
    region_share: float = _f(
        0.30,
        "Share of the agents living outside the centre who live in the region rather than the "
        "city. Assumption: a centre with a regional function.",
        "share", ge=0.0, le=1.0,
    )
    visits_per_week: VisitRates = Field(default_factory=VisitRates)
    visit_frequency_shape: float = _f(
        2.0,
        "Shape of the gamma distribution of individual visit-frequency multipliers (mean 1). "
        "Assumption: some households visit far more often than others.",
        "-", gt=0.1, le=100.0,
    )
    income_shares: IncomeShares = Field(default_factory=IncomeShares)
    income_spend_multiplier: dict[Literal["low", "middle", "high"], float] = Field(
        default_factory=lambda: {"low": 0.7, "middle": 1.0, "high": 1.45},
        description="Spending per visit relative to the middle class. Assumption (CBS budget "
        "surveys put the top-to-bottom ratio near 2).",
        json_schema_extra={"unit": "-"},
    )
    online_propensity_sigma: float = _f(
        0.5,
        "Log-normal spread of individual online propensity (mean 1 times the sector's online "
        "share). Assumption.",
        "-", ge=0.0, le=3.0,
    )
    taste_shares: TasteShares = Field(default_factory=TasteShares)
    entry_shares: EntrySharesByHome = Field(default_factory=EntrySharesByHome)


# -------------------------------------------------------------------------- economy
class PerSector(Strict):
    """A value per sector."""

    comparison: float
    daily: float
    food_beverage: float
    services: float
    leisure: float


def _per_sector(description: str, unit: str, **values: float):
    return Field(
        default_factory=lambda: PerSector(**values),
        description=description,
        json_schema_extra={"unit": unit},
    )


class OnlinePoint(Strict):
    """One point of an online-share path."""

    year: float = Field(ge=1990, le=2100)
    share: Share


def _path(*pairs: tuple[float, float]):
    return [OnlinePoint(year=y, share=s) for y, s in pairs]


class OnlineShares(Strict):
    """Online share of spending per sector over calendar time (linear between points)."""

    comparison: list[OnlinePoint] = Field(
        default_factory=lambda: _path((2015, 0.17), (2019, 0.27), (2025, 0.34), (2035, 0.42)),
        description="Comparison goods. CBS/Panteia: online 10% (2015) to 16% (2019) of all retail; "
        "comparison goods carry most of it (assumption for the sector split).",
    )
    daily: list[OnlinePoint] = Field(
        default_factory=lambda: _path((2015, 0.02), (2019, 0.05), (2025, 0.08), (2035, 0.11)),
        description="Daily goods. Assumption: groceries online grow slowly (CBS total as bound).",
    )
    food_beverage: list[OnlinePoint] = Field(
        default_factory=lambda: _path((2015, 0.0), (2019, 0.03), (2025, 0.06), (2035, 0.08)),
        description="Meal delivery replacing visits. Assumption.",
    )
    services: list[OnlinePoint] = Field(
        default_factory=lambda: _path((2015, 0.0), (2035, 0.0)),
        description="Services (hairdresser, bank, travel agent) are visited. Assumption.",
    )
    leisure: list[OnlinePoint] = Field(
        default_factory=lambda: _path((2015, 0.0), (2035, 0.0)),
        description="Leisure is visited. Assumption.",
    )


class Choice(Strict):
    """Destination choice (Huff / multinomial logit) and trip chaining."""

    distance_decay_per_100m: PerPurpose = Field(
        default_factory=lambda: PerPurpose(daily=1.2, comparison=0.45, leisure=0.6),
        description="Utility lost per 100 m walked (beta in exp(-beta d)). Huff (1963); "
        "Borgers & Timmermans (1986): daily trips are short, comparison trips range widely "
        "(assumed values).",
        json_schema_extra={"unit": "1/100 m"},
    )
    floor_area_exponent: float = _f(
        0.6, "alpha in A_j = floor^alpha (Huff 1963). Assumption within the usual 0.5-1.", "-",
        ge=0.0, le=2.0,
    )
    neighbour_elasticity: float = _f(
        0.25,
        "Attractiveness elasticity to the number of open neighbouring units (agglomeration). "
        "Koster, Pasidis & van Ommeren (2019): rent elasticity to nearby shops about 0.25.",
        "-", ge=0.0, le=2.0,
    )
    vitality_weight: float = _f(
        1.0,
        "Utility weight of vitality, the share of open units passed on the way. D'Alessandro, "
        "Bossomaier et al. (MAS 2016) vitality feedback; value assumed.",
        "-", ge=0.0, le=10.0,
    )
    taste_weight: float = _f(
        0.7, "Utility bonus for a sector the resident's taste class prefers. Assumption.", "-",
        ge=0.0, le=5.0,
    )
    extra_stops: PerPurpose = Field(
        default_factory=lambda: PerPurpose(daily=0.3, comparison=1.5, leisure=0.5),
        description="Mean number of further stops chained in one visit (Poisson). Borgers & "
        "Timmermans pedestrian models: shopping visits chain several stops (assumed means).",
        json_schema_extra={"unit": "stops"},
    )
    perception_weeks: int = _f(
        4,
        "Visitors update what they know of vitality (open units on the way) every this many "
        "weeks. Assumption: perception lags reality.",
        "weeks", ge=1, le=52,
    )


class Rent(Strict):
    """Market rents from location (issue 3 adds landlords who set asking rents)."""

    a1_eur_per_m2_year: float = _f(
        850.0,
        "Rent at the busiest point. JLL via telegraaf.nl: EUR 600-1,200 on the A1 street of a "
        "mid-size centre.",
        "EUR/m2/year", gt=0.0, le=10000.0,
    )
    footfall_elasticity: float = _f(
        0.25, "Rent elasticity to footfall. Koster, Pasidis & van Ommeren (2019).", "-",
        ge=0.0, le=2.0,
    )
    gradient_per_100m: float = _f(
        0.17, "Relative rent fall per 100 m from the busiest point. Ossokina et al. (2024).",
        "1/100 m", ge=0.0, le=0.9,
    )
    floor_eur_per_m2_year: float = _f(
        120.0, "Lowest market rent. JLL: about EUR 150-400 on B/C streets; assumed floor.",
        "EUR/m2/year", ge=0.0, le=5000.0,
    )
    level: float = _f(
        1.0, "Multiplier on all market rents (for what-ifs and tests). Assumption: 1.", "-",
        gt=0.0, le=10.0,
    )
    lease_years: int = _f(
        5, "Lease term; rent is reset to the market rent at renewal. Domain brief: 5-year leases.",
        "years", ge=1, le=20,
    )
    review_weeks: int = _f(
        52, "Market rents are re-estimated from current footfall every this many weeks. "
        "Assumption: yearly valuation.", "weeks", ge=1, le=520,
    )


class Shops(Strict):
    """Shop accounts, exit and entry."""

    sector_mix: PerSector = _per_sector(
        "Initial share of occupied units per sector. Assumption after Locatus centre mixes.",
        "share", comparison=0.36, daily=0.14, food_beverage=0.24, services=0.16, leisure=0.10,
    )
    spend_per_visit_eur: PerSector = _per_sector(
        "Spending per stop by a middle-income household, before online substitution. "
        "Assumption (CBS bestedingen, rounded).", "EUR",
        comparison=25.0, daily=12.0, food_beverage=10.0, services=13.0, leisure=9.0,
    )
    gross_margin: PerSector = _per_sector(
        "Share of revenue left after cost of goods. Assumption (CBS/ABN AMRO sector figures).",
        "share", comparison=0.45, daily=0.26, food_beverage=0.68, services=0.70, leisure=0.62,
    )
    fixed_cost_eur_per_m2_year: PerSector = _per_sector(
        "Staff, energy and other fixed costs per m2, excluding rent. Assumption, set so that a "
        "typical unit breaks even at B-location footfall.", "EUR/m2/year",
        comparison=710.0, daily=322.0, food_beverage=1095.0, services=1510.0, leisure=740.0,
    )
    size_cost_elasticity: float = _f(
        -0.4,
        "Elasticity of rent and fixed costs per m2 to floor area, relative to a 100 m2 unit: "
        "large units pay less per m2. Assumption, equal to minus one minus the floor-area "
        "exponent of attractiveness (revenue per m2 falls as floor^-0.4), so size alone does "
        "not decide survival.",
        "-", ge=-1.0, le=0.0,
    )
    impulse_eur_per_passerby: float = _f(
        0.05,
        "Impulse revenue a shop earns per passer-by. Koster et al. (2019): a pedestrian is worth "
        "about EUR 0.005 in rent; with rent about 10% of turnover that is EUR 0.05 of revenue.",
        "EUR", ge=0.0, le=5.0,
    )
    chain_share: float = _f(
        0.35, "Share of entrants that are chain stores. Assumption after Locatus.", "share",
        ge=0.0, le=1.0,
    )
    chain_reserve_factor: float = _f(
        3.0, "Chains hold this many times the cash reserve of an independent. Assumption.", "-",
        ge=1.0, le=50.0,
    )
    reserve_months: float = _f(
        4.0, "Cash reserve of a new independent shop, in months of fixed costs and rent. "
        "Assumption.", "months", ge=0.0, le=60.0,
    )
    patience_weeks: int = _f(
        78,
        "A shop closes when its smoothed weekly profit (running mean over the first 26 weeks, "
        "then a 26-week moving average) has been negative this many weeks in a row (exit "
        "rule; Kickert & vom Hofe 2018 find weak, remote shops close first). Assumption.",
        "weeks", ge=1, le=520,
    )
    base_exit_rate_per_year: float = _f(
        0.008,
        "Yearly probability that a profitable shop closes anyway (retirement, chain strategy). "
        "nrc.nl 2020: fewer than 20% of closures are bankruptcies. Assumption.",
        "1/year", ge=0.0, le=1.0,
    )
    entry_rate_per_year: float = _f(
        1.0,
        "Highest yearly rate at which a vacant unit finds a tenant (at the best locations). "
        "Assumption: about a year of vacancy even at the best locations.",
        "1/year", ge=0.0, le=52.0,
    )
    entry_steepness: float = _f(
        5.0,
        "Steepness of the entry rate in the expected profit ratio (logistic). Assumption.",
        "-", gt=0.0, le=100.0,
    )
    entry_threshold: float = _f(
        1.2,
        "Expected revenue over costs at which entry runs at half its highest rate. Assumption: "
        "entrepreneurs need some margin of safety.", "-", gt=0.0, le=10.0,
    )
    initial_vacancy: float = _f(
        0.08, "Share of premises vacant at the start of the warm-up. Locatus: 6.7-7.5% nationally.",
        "share", ge=0.0, le=0.9,
    )


class Economy(Strict):
    """Exogenous drivers and the economics of shops."""

    online_share: OnlineShares = Field(default_factory=OnlineShares)
    footfall_trend_per_year: float = _f(
        -0.009,
        "Background change in visit rates per year, apart from what the model produces itself. "
        "Locatus: footfall -1 to -1.5% a year before corona; part of it comes from the model's "
        "own closures (assumed split).",
        "1/year", ge=-0.5, le=0.5,
    )
    choice: Choice = Field(default_factory=Choice)
    rent: Rent = Field(default_factory=Rent)
    shops: Shops = Field(default_factory=Shops)


# ------------------------------------------------------------------------- scenario
class Scenario(Strict):
    """A binnenstad scenario: a town, its population and its economy over a horizon."""

    _source: Path | None = PrivateAttr(default=None)  # file it was loaded from (sim.loading)
    _town: tuple | None = PrivateAttr(default=None)  # (cache key, Town) cached by sim.loading

    name: str = Field(
        ..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80,
        description="Short name used for output folders (letters, digits, _ . -).",
    )
    description: str = Field("", description="What the scenario represents, in plain words.")
    seed: int = _f(20190107, "Master seed of the run; replications derive from it.", "-",
                   ge=0, le=2**63 - 1)
    start: dt.date = Field(
        dt.date(2019, 1, 7), description="First reported week (a Monday is best)."
    )
    years: int = _f(6, "Reported horizon after `start`.", "years", ge=1, le=50)
    warmup_years: int = _f(
        2, "Burn-in before `start`: simulated, not reported, so the shop population settles.",
        "years", ge=0, le=20,
    )
    town: Town = Field(default_factory=Town)
    population: Population = Field(default_factory=Population)
    economy: Economy = Field(default_factory=Economy)

    @property
    def weeks(self) -> int:
        """Reported weeks."""
        return self.years * 52

    @property
    def warmup_weeks(self) -> int:
        """Warm-up weeks before `start`."""
        return self.warmup_years * 52

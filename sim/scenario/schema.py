"""The scenario schema: every model parameter with its default, unit, range and source.

This module is the one place where parameters are declared. Each field's ``description``
cites its source in ``../shared/domain.md`` (reproduced in ``docs/ODD.md``) or says
"assumption" with a reason; ``json_schema_extra={"unit": ...}`` gives the unit. A
scenario reference and a JSON Schema are generated from here (``binnenstad schema``).
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
    visit_elasticity: float = _f(
        0.5,
        "Elasticity of a resident's visit rate (per purpose) to the total attractiveness of "
        "the centre it perceives from its origin (the sum of its choice weights), relative to "
        "the fully occupied centre. 0: closures only shift visits to other shops; 1: every "
        "shop's pull is independent of the others (Huff with a fixed outside option: other "
        "centres, online). D'Alessandro et al. (MAS 2016): visit propensity rises with the open "
        "units a visitor sees. Assumption: 0.5.",
        "-", ge=0.0, le=2.0,
    )
    perception_weeks: int = _f(
        4,
        "Visitors update what they know of vitality (open units on the way) every this many "
        "weeks. Assumption: perception lags reality.",
        "weeks", ge=1, le=52,
    )


class Rent(Strict):
    """Market rents from location; owners set asking rents from them (see `landlords`)."""

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
        "Assumption (CBS bestedingen, rounded), set so that the median shop of every sector "
        "turns over EUR 2,200-4,500 per m2 a year (docs/calibration.md).", "EUR",
        comparison=25.0, daily=12.0, food_beverage=14.5, services=10.5, leisure=12.0,
    )
    gross_margin: PerSector = _per_sector(
        "Share of revenue left after cost of goods. Assumption (CBS/ABN AMRO sector figures).",
        "share", comparison=0.45, daily=0.26, food_beverage=0.68, services=0.70, leisure=0.62,
    )
    fixed_cost_eur_per_m2_year: PerSector = _per_sector(
        "Staff, energy and other fixed costs per m2, excluding rent. Assumption, set so that "
        "the median shop of every sector in the initial centre earns a gross margin of about "
        "1.5 times its rent and fixed costs (docs/calibration.md).", "EUR/m2/year",
        comparison=710.0, daily=322.0, food_beverage=840.0, services=1800.0, leisure=700.0,
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
    chain_brands_per_sector: int = _f(
        4, "Chain stores belong to one of this many chains per sector (drawn at opening). "
        "Assumption.", "chains", ge=1, le=100,
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
        0.02,
        "Yearly probability that a profitable shop closes anyway (retirement, chain strategy). "
        "nrc.nl 2020: fewer than 20% of closures are bankruptcies. Assumption, set with "
        "entry_threshold so that closures are about 3% of shops a year (docs/calibration.md).",
        "1/year", ge=0.0, le=1.0,
    )
    vacant_neighbour_exit: float = _f(
        2.0,
        "The yearly exit probability of a profitable shop is multiplied by 1 + this times the "
        "share of vacant premises among its neighbours (a deteriorating street makes owners "
        "give up). Kickert & vom Hofe (2018): shops with fewer neighbouring shops close more "
        "often; Benmelech et al. (2019): after a chain liquidation nearby stores close more "
        "often. Assumption for the size.",
        "-", ge=0.0, le=50.0,
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
        1.5,
        "Expected revenue over costs at which entry runs at half its highest rate. Assumption: "
        "entrepreneurs need a margin of safety, about what the median incumbent earns; set so "
        "that vacancy lands in the calibration range (docs/calibration.md).", "-", gt=0.0,
        le=10.0,
    )
    initial_vacancy: float = _f(
        0.12, "Share of premises vacant at the start of the warm-up (2017 by default). Locatus: "
        "12.3% in the centres of mid-size cities in 2016 (nu.nl 2017).",
        "share", ge=0.0, le=0.9,
    )


class Economy(Strict):
    """Exogenous drivers and the economics of shops."""

    online_share: OnlineShares = Field(default_factory=OnlineShares)
    online_growth: float = _f(
        1.0,
        "Multiplier on the growth of every sector's online share after `start`: the share at "
        "`start` stays and a later share s(t) becomes s(start) + m x (s(t) - s(start)), "
        "clipped to [0, 1]. 1: the paths as given; 0: online shopping frozen at its level at "
        "`start`; 2: twice the growth. The one number for the uncertainty 'online growth' in "
        "experiments and the app.", "-", ge=0.0, le=10.0,
    )
    footfall_trend_per_year: float = _f(
        -0.012,
        "Background change in visit rates per year, apart from what the model produces itself. "
        "Locatus: footfall -1 to -1.5% a year before corona; the model's own closures add "
        "about -0.3% a year (measured, docs/calibration.md).",
        "1/year", ge=-0.5, le=0.5,
    )
    choice: Choice = Field(default_factory=Choice)
    rent: Rent = Field(default_factory=Rent)
    shops: Shops = Field(default_factory=Shops)


# --------------------------------------------------------------------- landlords
class OwnerKind(Strict):
    """Rent-setting behaviour of one kind of property owner."""

    months_before_cut: float = Field(
        ..., ge=0, le=240, json_schema_extra={"unit": "months"},
        description="Months a unit stays vacant at the old asking rent before the owner cuts it.",
    )
    cut_per_year: float = Field(
        ..., ge=0, le=1, json_schema_extra={"unit": "share/year"},
        description="Relative cut of the asking rent per year once cutting has begun.",
    )
    valuation_floor: float = Field(
        ..., ge=0, le=2, json_schema_extra={"unit": "share"},
        description="Lowest asking rent, as a share of the last contract rent of the unit.",
    )
    meanwhile_after_months: float = Field(
        ..., ge=0, le=240, json_schema_extra={"unit": "months"},
        description="Months vacant after which the owner accepts a meanwhile (cultural) user.",
    )
    can_coinvest: float = Field(
        ..., ge=0, le=1, json_schema_extra={"unit": "share"},
        description="Share of owners of this kind able to co-invest in a transformation.",
    )


class Landlords(Strict):
    """Property owners: who owns the premises and how sticky their asking rents are.

    gebiedsontwikkeling.nu and stadszaken.nl: owners wait for the old rent because a cut lowers
    the valuation and bank collateral; institutional owners overlook single units."""

    institutional_share: float = _f(
        0.4, "Share of premises owned by institutional investors (the rest by local owners). "
        "Assumption: a mid-size centre's A and B streets are largely in institutional hands.",
        "share", ge=0.0, le=1.0,
    )
    units_per_institutional_owner: int = _f(
        12, "Premises per institutional owner (portfolio size). Assumption.", "units",
        ge=1, le=1000,
    )
    units_per_local_owner: int = _f(
        2, "Premises per local owner. Assumption: mostly one or two units.", "units",
        ge=1, le=100,
    )
    institutional: OwnerKind = Field(
        default_factory=lambda: OwnerKind(
            months_before_cut=18, cut_per_year=0.10, valuation_floor=0.85,
            meanwhile_after_months=24, can_coinvest=0.9),
        description="Valuation-driven owners: wait long, cut little, keep a high floor "
        "(gebiedsontwikkeling.nu: a cut lowers the valuation). Assumption for the numbers.",
    )
    local: OwnerKind = Field(
        default_factory=lambda: OwnerKind(
            months_before_cut=6, cut_per_year=0.20, valuation_floor=0.6,
            meanwhile_after_months=12, can_coinvest=0.4),
        description="Local owners: need the income sooner, cut faster. Assumption.",
    )
    conversion_after_months: float = _f(
        24, "Months vacant after which an owner considers converting a unit to housing "
        "(where zoning allows). Assumption.", "months", ge=0, le=240,
    )
    conversion_rate_per_year: float = _f(
        0.10,
        "Yearly probability that an eligible long-vacant unit at the edge is converted. Domain "
        "brief: about 1% of the retail stock a year becomes homes nationally, mostly from "
        "vacancy (about 8%), so about 0.1 a year per vacant unit.", "1/year", ge=0.0, le=1.0,
    )
    core_conversion_factor: float = _f(
        1 / 3.5,
        "Conversion rate in the core relative to the edge. Domain brief: transformation happens "
        "3.5 times as often at the edge.", "-", ge=0.0, le=1.0,
    )
    rezoned_conversion_factor: float = _f(
        4.0, "Conversion rate of vacant units that lost their retail zoning (outside a "
        "designated core) relative to the edge rate; they may convert at once. Assumption: "
        "without a retail prospect, homes are the owner's best use.", "-", ge=1.0, le=100.0,
    )
    conversion_cost_eur_per_m2: float = _f(
        1500.0, "Cost of converting retail floor space to homes. Assumption (building cost).",
        "EUR/m2", ge=0.0, le=20000.0,
    )
    m2_per_household: float = _f(
        80.0, "Floor area per new home after conversion. Assumption.", "m2", gt=0, le=1000,
    )


# ------------------------------------------------------------------------- culture
CULTURE_KINDS = ("pop_venue", "theatre", "gallery", "makerspace", "meanwhile")


class VenueKind(Strict):
    """Programme and accounts of one kind of cultural venue."""

    events_per_week: float = Field(..., ge=0, le=50, json_schema_extra={"unit": "1/week"},
                                   description="Events programmed per week.")
    visitors_per_event: float = Field(..., ge=0, le=50000, json_schema_extra={"unit": "people"},
                                      description="Mean visitors (households) per event.")
    ticket_eur: float = Field(..., ge=0, le=500, json_schema_extra={"unit": "EUR"},
                              description="Net ticket revenue per visitor.")
    subsidy_eur_per_year: float = Field(
        ..., ge=0, le=1e8, json_schema_extra={"unit": "EUR/year"},
        description="Structural subsidy outside any intervention.")
    cost_eur_per_m2_year: float = Field(
        ..., ge=0, le=1e5, json_schema_extra={"unit": "EUR/m2/year"},
        description="Fixed costs per m2 apart from rent (staff, programme, energy).")
    min_floor_m2: float = Field(0.0, ge=0, le=1e5, json_schema_extra={"unit": "m2"},
                                description="Smallest premises the venue can use.")


class Culture(Strict):
    """Cultural entrepreneurs: venues and meanwhile users (stedenintransitie.nl; ideedoen.nl).

    Numbers are assumptions of the order of Dutch mid-size venues (VNPF, theatre benchmarks)."""

    kinds: dict[Literal["pop_venue", "theatre", "gallery", "makerspace", "meanwhile"],
                VenueKind] = Field(
        default_factory=lambda: {
            "pop_venue": VenueKind(events_per_week=2.0, visitors_per_event=250, ticket_eur=12,
                                   subsidy_eur_per_year=150_000, cost_eur_per_m2_year=450,
                                   min_floor_m2=400),
            "theatre": VenueKind(events_per_week=3.0, visitors_per_event=200, ticket_eur=18,
                                 subsidy_eur_per_year=400_000, cost_eur_per_m2_year=900,
                                 min_floor_m2=1000),
            "gallery": VenueKind(events_per_week=1.0, visitors_per_event=40, ticket_eur=2,
                                 subsidy_eur_per_year=10_000, cost_eur_per_m2_year=30),
            "makerspace": VenueKind(events_per_week=0.5, visitors_per_event=25, ticket_eur=4,
                                    subsidy_eur_per_year=6_000, cost_eur_per_m2_year=25),
            "meanwhile": VenueKind(events_per_week=0.3, visitors_per_event=30, ticket_eur=2,
                                   subsidy_eur_per_year=0, cost_eur_per_m2_year=20),
        },
        description="Programme and accounts per kind of venue. Assumption (orders of magnitude "
        "of Dutch venues; meanwhile users are low-cost pop-ups).",
    )
    initial_venues: dict[Literal["pop_venue", "theatre", "gallery", "makerspace"], int] = Field(
        default_factory=lambda: {"pop_venue": 1, "theatre": 1, "gallery": 2, "makerspace": 0},
        description="Venues open at the start, each in the fitting unit (floor area at least "
        "its kind's min_floor_m2) closest to a square. Assumption: a mid-size centre has a "
        "theatre and a pop venue.",
    )
    venue_rent_eur_per_m2_year: float = _f(
        60.0, "Rent of the initial venues (theatres and pop venues are mostly in municipal "
        "property at a low rent). Assumption.", "EUR/m2/year", ge=0.0, le=5000.0,
    )
    entry_rate_per_year: float = _f(
        2.0, "Cultural or creative starters looking for premises per year (galleries, "
        "makerspaces, meanwhile users). Assumption.", "1/year", ge=0.0, le=500.0,
    )
    meanwhile_rent_eur_per_m2_year: float = _f(
        25.0, "Rent of a meanwhile lease (service costs only). ideedoen.nl: low rent.",
        "EUR/m2/year", ge=0.0, le=1000.0,
    )
    meanwhile_lease_weeks: int = _f(
        52, "Length of a meanwhile lease; the owner may let the unit regularly after it.",
        "weeks", ge=1, le=520,
    )
    reserve_months: float = _f(
        6.0, "Starting cash reserve of a venue in months of its fixed costs. Assumption.",
        "months", ge=0.0, le=120.0,
    )
    fnb_stop_share: float = _f(
        0.5, "Share of event visitors who also visit food & beverage near the venue (evening "
        "economy). Assumption.", "share", ge=0.0, le=1.0,
    )
    fnb_decay_per_100m: float = _f(
        1.5, "Decline of the chance to pick a food & beverage outlet per 100 m from the venue "
        "(logit). Assumption: visitors stay close.", "1/100 m", ge=0.0, le=20.0,
    )
    attendance_elasticity: float = _f(
        0.5, "Elasticity of event attendance to the share of open units around the venue "
        "(a lively neighbourhood draws more). Assumption.", "-", ge=0.0, le=5.0,
    )


# ------------------------------------------------------------------ municipality
class Collaboration(Strict):
    """The collaboration stock: grows with joint action, withers without (Platform31 2021:
    'samenwerken is een werkwoord ... als een spier')."""

    initial: float = _f(0.3, "Stock at the start. Assumption: some existing cooperation.",
                        "-", ge=0.0, le=1.0)
    floor: float = _f(0.1, "Level the stock decays to without joint action. Assumption.",
                      "-", ge=0.0, le=1.0)
    half_life_years: float = _f(
        2.0, "Half-life of the stock's excess over the floor without joint action. Assumption.",
        "years", gt=0.0, le=100.0,
    )
    gain_per_action: float = _f(
        0.01, "Share of the gap to 1 closed by one joint action. Assumption: a year of monthly "
        "joint actions lifts the stock by about a tenth of the gap.", "-", ge=0.0, le=1.0,
    )
    effect: float = _f(
        1.0, "Effectiveness multiplier of cooperation-dependent instruments is "
        "1 + effect * (stock - reference). Assumption.", "-", ge=0.0, le=10.0,
    )
    reference: float = _f(
        0.3, "Stock at which cooperation-dependent instruments work as their parameters say "
        "(multiplier 1). Assumption: the default initial stock.", "-", ge=0.0, le=1.0,
    )


class Municipality(Strict):
    """The municipality: its yearly budget for the centre and the collaboration stock."""

    budget_eur_per_year: float = _f(
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
    match_share: float = _f(
        0.5, "Share of eligible spending the round pays (the municipality pays the rest).",
        "share", ge=0.0, le=1.0,
    )
    instruments: list[str] = Field(
        default_factory=list, description="Intervention types the round co-funds (empty: all).")
    cap_eur: float = _f(5_000_000.0, "Total the round pays out. rvo.nl Impulsaanpak: at most "
                        "EUR 5m a project.", "EUR", ge=0.0, le=1e10)
    owner_coinvestment: float = _f(
        0.0, "Condition: the round only co-funds projects in which owners pay at least this "
        "share of the cost (Impulsaanpak: private co-investors required). With a value above "
        "0 only owner projects (conversions) qualify. Owners' own money is not public "
        "spending and is not booked.", "share", ge=0.0, le=1.0,
    )

    def describe(self) -> str:
        which = ", ".join(self.instruments) if self.instruments else "all instruments"
        cond = (f"; owners co-invest at least {self.owner_coinvestment:.0%}"
                if self.owner_coinvestment else "")
        return (f"{self.name} ({self.funder}) from {self.start} to {self.end}: pays "
                f"{self.match_share:.0%} of spending on {which}, up to EUR "
                f"{self.cap_eur:,.0f}{cond}.")


# -------------------------------------------------------------------- interventions
def _eur(x: float) -> str:
    return f"EUR {x:,.0f}"


class Intervention(Strict):
    """Common fields of every instrument: its period and whether it is switched on."""

    start: dt.date = Field(..., description="First day the instrument acts.")
    end: dt.date | None = Field(
        None, description="Last day it takes new action (empty: to the horizon). What it set "
        "up stays: an adopted BIZ runs to the end of its term, public-space works are paid "
        "off and keep their effect, a designated core keeps its zoning.")
    enabled: bool = Field(True, description="Switch the instrument off without deleting it.")
    label: str = Field("", description="Optional name shown in reports.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def active(self, date: dt.date) -> bool:
        """Whether the instrument acts on ``date``."""
        return self.enabled and self.start <= date and (self.end is None or date <= self.end)

    def period(self) -> str:
        return f"from {self.start}" + (f" to {self.end}" if self.end else " onwards")

    def title(self) -> str:
        return self.label or TITLES.get(self.type, self.type.replace("_", " ").capitalize())

    def describe(self) -> str:
        """The instrument, its period, what it does and its cost, in plain words."""
        off = "" if self.enabled else " (switched off)"
        return f"{self.title()} {self.period()}{off}: {self.what()}"

    def what(self) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


Zone = Literal["core", "edge", "all", "squares"]
#: Plain-language names of instruments and shocks (reports, app).
TITLES = {
    "core_designation": "Core designation", "vacancy_ordinance": "Vacancy ordinance",
    "biz": "BIZ (business investment zone)", "events_programme": "Events programme",
    "culture_subsidy": "Culture subsidy", "public_space": "Public-space investment",
    "starter_support": "Starter support", "meanwhile_use": "Meanwhile use",
    "transformation_subsidy": "Transformation subsidy", "centre_management": "Centre management",
    "lockdown": "Lockdown", "chain_bankruptcy": "Chain bankruptcy",
}


class CoreDesignation(Intervention):
    """Concentreren: a compact core; outside it retail zoning lapses (G40 kennisdossier)."""

    type: Literal["core_designation"]
    core_walk_m: float = _f(250.0, "Walking distance from the busiest point that bounds the "
                            "designated core (unless `area` is given).", "m", gt=0, le=10000)
    area: tuple[int, int, int, int] | None = Field(
        None, description="A map zone instead of a walking distance: the premises inside the "
        "cell rectangle [x0, y0, x1, y1] (inclusive) form the core.")
    relocation_support_eur: float = _f(
        0.0, "Grant per shop that moves from outside into a vacant core unit (0: none).",
        "EUR", ge=0, le=1e7)
    relocation_rate_per_year: float = _f(
        0.15, "Yearly probability that a shop outside the core moves in when supported and a "
        "core unit is vacant. Assumption.", "1/year", ge=0, le=1)
    cost_eur_per_year: float = _f(50_000.0, "Planning and zoning work. Assumption.",
                                  "EUR/year", ge=0, le=1e8)

    def what(self) -> str:
        move = (f", {_eur(self.relocation_support_eur)} per shop relocating into the core"
                if self.relocation_support_eur else "")
        where = (f"in the map zone {list(self.area)}" if self.area else
                 f"within {self.core_walk_m:.0f} m of the busiest point")
        return (f"a compact core {where}; outside "
                f"it vacant units may not be let to shops and may become homes{move}. Cost "
                f"{_eur(self.cost_eur_per_year)} a year{' plus grants' if move else ''}.")


class VacancyOrdinance(Intervention):
    """Leegstandverordening (Leegstandwet 2010)."""

    type: Literal["vacancy_ordinance"]
    report_after_months: float = _f(6, "Owners report vacancy after this many months.",
                                    "months", ge=0, le=120)
    nominate_after_months: float = _f(
        12, "After this many months the municipality nominates a tenant.", "months",
        ge=0, le=240)
    cost_rent_eur_per_m2_year: float = _f(
        100.0, "Cost-based rent of a nominated tenancy. Assumption (service and upkeep).",
        "EUR/m2/year", ge=0, le=5000)
    penalty_eur_per_m2: float = _f(20.0, "Penalty per m2 if the owner refuses (Amsterdam: EUR "
                                   "20/m2).", "EUR/m2", ge=0, le=1000)
    owner_acceptance: float = _f(
        0.7, "Chance that an owner accepts the nominated tenant rather than pay the penalty. "
        "Assumption: few penalties are reported in practice.", "share", ge=0, le=1)
    cultural_share: float = _f(0.3, "Share of nominees that are cultural or creative users "
                               "(the rest are starter shops). Assumption.", "share", ge=0, le=1)
    cost_per_case_eur: float = _f(500.0, "Administrative cost per report or nomination. "
                                  "Assumption.", "EUR", ge=0, le=1e6)

    def what(self) -> str:
        return (f"owners report units vacant {self.report_after_months:g} months; after "
                f"{self.nominate_after_months:g} months the municipality nominates a tenant at "
                f"EUR {self.cost_rent_eur_per_m2_year:g}/m2/yr or the owner pays EUR "
                f"{self.penalty_eur_per_m2:g}/m2. Cost {_eur(self.cost_per_case_eur)} per case.")


class Biz(Intervention):
    """Bedrijveninvesteringszone (BIZ law 2015): levy adopted by vote, at most 5 years."""

    type: Literal["biz"]
    zone: Zone = Field("core", description="Where the BIZ applies: core, edge, all, or "
                       "squares (units within 3 cells of a square).")
    levy_eur_per_m2_year: float = _f(6.0, "Levy on entrepreneurs per m2. Assumption (Dutch "
                                     "BIZ levies are a few euros per m2).", "EUR/m2/year",
                                     ge=0, le=1000)
    term_years: int = _f(5, "Term until a renewal vote (law: at most 5).", "years", ge=1, le=5)
    turnout_min: float = _f(0.5, "Quorum: at least this share votes (law).", "share", ge=0, le=1)
    majority: float = _f(2 / 3, "Share of voters in favour needed (law).", "share", ge=0, le=1)
    turnout: float = _f(0.6, "Chance an entrepreneur votes, times the collaboration "
                        "multiplier. Assumption.", "share", ge=0, le=1)
    attractiveness_per_eur_per_m2: float = _f(
        0.01, "Utility gain of zone units per EUR/m2/yr of levy spent on public space and "
        "marketing, times the collaboration multiplier. Assumption.", "1/(EUR/m2/year)",
        ge=0, le=1)
    event_share: float = _f(0.4, "Share of the levy spent on events.", "share", ge=0, le=1)
    cost_per_event_eur: float = _f(10_000.0, "Cost of one BIZ event. Assumption.", "EUR",
                                   gt=0, le=1e7)
    visitors_per_event: float = _f(800.0, "Visitors per BIZ event. Assumption.", "people",
                                   ge=0, le=1e6)
    cost_eur_per_year: float = _f(10_000.0, "Municipal cost of collecting the levy. "
                                  "Assumption.", "EUR/year", ge=0, le=1e7)

    def what(self) -> str:
        return (f"a business investment zone ({self.zone}) if entrepreneurs vote for it "
                f"(quorum {self.turnout_min:.0%}, {self.majority:.0%} in favour): a levy of EUR "
                f"{self.levy_eur_per_m2_year:g}/m2/yr for {self.term_years} years for public "
                f"space, events and marketing, renewed by a new vote. Municipal cost "
                f"{_eur(self.cost_eur_per_year)} a year.")


class EventsProgramme(Intervention):
    """Events on squares and streets (profileren)."""

    type: Literal["events_programme"]
    budget_eur_per_year: float = _f(150_000.0, "Yearly budget.", "EUR/year", ge=0, le=1e9)
    cost_per_event_eur: float = _f(10_000.0, "Cost of one event. Assumption.", "EUR",
                                   gt=0, le=1e7)
    visitors_per_event: float = _f(1000.0, "Visitors per event at the initial collaboration "
                                   "stock. Assumption (market, festival).", "people",
                                   ge=0, le=1e6)

    def what(self) -> str:
        n = self.budget_eur_per_year / self.cost_per_event_eur
        return (f"about {n:.0f} events a year on squares, each drawing about "
                f"{self.visitors_per_event:,.0f} visitors. Cost "
                f"{_eur(self.budget_eur_per_year)} a year.")


class CultureSubsidy(Intervention):
    """Support for cultural venues and new cultural entrants."""

    type: Literal["culture_subsidy"]
    budget_eur_per_year: float = _f(
        200_000.0, "Yearly budget: start grants first, the rest tops up venues in need "
        "(at most a 52nd of the budget a week).", "EUR/year", ge=0, le=1e9)
    entrant_grant_eur: float = _f(15_000.0, "Start grant per new cultural entrant (starters, "
                                  "brokered and nominated users), paid from the budget.",
                                  "EUR", ge=0, le=1e7)
    entry_multiplier: float = _f(2.0, "Multiplier on the rate of cultural starters while "
                                 "the instrument is active. Assumption.", "-", ge=1, le=20)

    def what(self) -> str:
        return (f"subsidy for cultural venues and a start grant of "
                f"{_eur(self.entrant_grant_eur)} for new ones (starters x"
                f"{self.entry_multiplier:g}). Budget {_eur(self.budget_eur_per_year)} a year.")


class PublicSpace(Intervention):
    """Investment in chosen streets and squares."""

    type: Literal["public_space"]
    area: Zone | tuple[int, int, int, int] = Field(
        "squares", description="Where: core, edge, all, squares, or a cell rectangle "
        "[x0, y0, x1, y1].")
    investment_eur: float = _f(3_000_000.0, "Total investment, spread over the period "
                               "(or over one year if open-ended).", "EUR", ge=0, le=1e10)
    attractiveness_gain: float = _f(
        0.2, "Utility gain of units facing the improved cells, reached at the end of the "
        "works and kept afterwards. Assumption (public-realm upgrades raise footfall by some "
        "10-20%).", "-", ge=0, le=5)
    radius_cells: int = _f(3, "Units within this many cells of an improved cell benefit.",
                           "cells", ge=0, le=50)

    def what(self) -> str:
        where = self.area if isinstance(self.area, str) else f"cells {list(self.area)}"
        return (f"public space works in {where}, making the units there more attractive "
                f"(+{self.attractiveness_gain:g} utility). Cost {_eur(self.investment_eur)}.")


class StarterSupport(Intervention):
    """A share of rent paid for new tenants of long-vacant units."""

    type: Literal["starter_support"]
    rent_share: float = _f(0.5, "Share of rent paid. Koster et al. (2019): optimal subsidy "
                           "about 10% of rent; starter schemes often pay more.", "share",
                           ge=0, le=1)
    support_months: float = _f(12, "How long each new tenant is supported.", "months",
                               gt=0, le=120)
    min_vacant_months: float = _f(6, "Units must have been vacant this long.", "months",
                                  ge=0, le=240)
    zone: Zone = Field("core", description="Where support applies: core, edge, all, or "
                       "squares (units within 3 cells of a square).")

    def what(self) -> str:
        return (f"{self.rent_share:.0%} of the rent for {self.support_months:g} months for new "
                f"tenants of units ({self.zone}) vacant at least {self.min_vacant_months:g} "
                f"months. Cost: the rent paid.")


class MeanwhileUse(Intervention):
    """The municipality brokers vacant units to cultural and creative users."""

    type: Literal["meanwhile_use"]
    after_months: float = _f(3, "Owners accept a brokered meanwhile user after this many "
                             "months vacant.", "months", ge=0, le=120)
    extra_users_per_year: float = _f(6.0, "Extra cultural/creative users found by the broker "
                                     "per year, times the collaboration multiplier. "
                                     "Assumption.", "1/year", ge=0, le=1000)
    cost_per_lease_eur: float = _f(3_000.0, "Brokering and fitting-out cost per lease.",
                                   "EUR", ge=0, le=1e6)
    cost_eur_per_year: float = _f(40_000.0, "A part-time broker. Assumption.", "EUR/year",
                                  ge=0, le=1e7)

    def what(self) -> str:
        return (f"a broker places cultural and creative users in units vacant "
                f"{self.after_months:g}+ months (about {self.extra_users_per_year:g} extra a "
                f"year). Cost {_eur(self.cost_eur_per_year)} a year plus "
                f"{_eur(self.cost_per_lease_eur)} per lease.")


class TransformationSubsidy(Intervention):
    """Converting vacant edge units to homes (Impulsaanpak-like)."""

    type: Literal["transformation_subsidy"]
    subsidy_share: float = _f(0.3, "Share of the conversion cost paid.", "share", ge=0, le=1)
    zone: Zone = Field("edge", description="Eligible units: edge (outside the core), core, "
                       "all, or squares (units within 3 cells of a square).")
    min_vacant_months: float = _f(12, "Units must have been vacant this long.", "months",
                                  ge=0, le=240)
    uptake_elasticity: float = _f(
        3.0, "Conversion rate multiplier per unit of subsidy share: rate x (1 + e x m x "
        "share), m the collaboration multiplier (deals between owners and the municipality "
        "need cooperation). Assumption.", "-", ge=0, le=100)

    def what(self) -> str:
        return (f"pays {self.subsidy_share:.0%} of converting {self.zone} units vacant "
                f"{self.min_vacant_months:g}+ months to homes, for owners who co-invest. "
                f"Cost: the subsidy paid.")


class CentreManagement(Intervention):
    """The arranging role: a centre manager organising joint action."""

    type: Literal["centre_management"]
    cost_eur_per_year: float = _f(120_000.0, "Centre manager and office. Assumption.",
                                  "EUR/year", ge=0, le=1e8)
    joint_actions_per_year: float = _f(24.0, "Joint actions organised per year (meetings, "
                                       "campaigns, shared projects). Assumption.", "1/year",
                                       ge=0, le=1000)

    def what(self) -> str:
        return (f"a centre manager organising about {self.joint_actions_per_year:g} joint "
                f"actions a year. Cost {_eur(self.cost_eur_per_year)} a year.")


AnyIntervention = Annotated[
    CoreDesignation | VacancyOrdinance | Biz | EventsProgramme | CultureSubsidy | PublicSpace
    | StarterSupport | MeanwhileUse | TransformationSubsidy | CentreManagement,
    Field(discriminator="type"),
]
INTERVENTION_TYPES = (
    "core_designation", "vacancy_ordinance", "biz", "events_programme", "culture_subsidy",
    "public_space", "starter_support", "meanwhile_use", "transformation_subsidy",
    "centre_management",
)


# ----------------------------------------------------------------------------- shocks
class Lockdown(Intervention):
    """Corona measures: fewer trips, closed sectors, a jump in online shopping, support."""

    type: Literal["lockdown"]
    end: dt.date = Field(..., description="Last day of the measures.")
    footfall_multiplier: PerPurpose = Field(
        default_factory=lambda: PerPurpose(daily=0.4, comparison=0.15, leisure=0.1),
        description="Visit rates per purpose relative to normal. Locatus via nieuws.nl "
        "(2020): footfall about 25% of normal in March 2020.")
    closed_sectors: list[Literal["comparison", "daily", "food_beverage", "services",
                                 "leisure", "culture"]] = Field(
        default_factory=lambda: ["food_beverage", "leisure", "culture"],
        description="Sectors that may not open.")
    online_jump: float = _f(0.08, "Added to the online share of comparison and daily goods "
                            "while it lasts. Thuiswinkel (2021): above 22% in lockdown vs 16%.",
                            "share", ge=0, le=1)
    online_persistence: float = _f(0.4, "Share of the jump that stays after the end. "
                                   "Domain brief: partly back in 2022.", "share", ge=0, le=1)
    support_share: float = _f(
        0.0, "Share of rent and fixed costs of closed businesses paid by the national "
        "government (TVL/NOW) while it lasts; supported businesses do not fail during it.",
        "share", ge=0, le=1)

    def what(self) -> str:
        closed = ", ".join(self.closed_sectors) or "none"
        sup = (f"; the government pays {self.support_share:.0%} of closed businesses' rent "
               f"and fixed costs" if self.support_share else "; no support payments")
        return (f"visits at {self.footfall_multiplier.daily:.0%} (daily), "
                f"{self.footfall_multiplier.comparison:.0%} (comparison), "
                f"{self.footfall_multiplier.leisure:.0%} (leisure) of normal; closed: {closed}; "
                f"online share +{self.online_jump:.0%}{sup}.")


class ChainBankruptcy(Intervention):
    """A chain goes bankrupt: all its units close at once (Benmelech et al. 2019)."""

    type: Literal["chain_bankruptcy"]
    end: None = Field(None, description="Not used: the bankruptcy happens in the week of "
                      "`start`.")
    sector: Literal["comparison", "daily", "food_beverage", "services", "leisure"] = Field(
        "comparison", description="Sector of the chain (the largest chain of it fails).")

    def what(self) -> str:
        return f"the largest {self.sector} chain closes all its units at once."


AnyShock = Annotated[Lockdown | ChainBankruptcy, Field(discriminator="type")]
SHOCK_TYPES = ("lockdown", "chain_bankruptcy")


# ------------------------------------------------------------------------- scenario
class Scenario(Strict):
    """A binnenstad scenario: a town, its population and its economy over a horizon."""

    _source: Path | None = PrivateAttr(default=None)  # file it was loaded from (loading)
    _town: tuple | None = PrivateAttr(default=None)  # (cache key, Town) cached by loading

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
    landlords: Landlords = Field(default_factory=Landlords)
    culture: Culture = Field(default_factory=Culture)
    municipality: Municipality = Field(default_factory=Municipality)
    funding: list[FundingRound] = Field(
        default_factory=list, description="Co-funding rounds of the province or the state.")
    interventions: list[AnyIntervention] = Field(
        default_factory=list, description="Municipal instruments, each with a `type`, `start`, "
        "`end` and its parameters (see docs/scenarios.md).")
    shocks: list[AnyShock] = Field(
        default_factory=list, description="Exogenous shocks: `lockdown`, `chain_bankruptcy`.")

    @property
    def weeks(self) -> int:
        """Reported weeks."""
        return self.years * 52

    @property
    def warmup_weeks(self) -> int:
        """Warm-up weeks before `start`."""
        return self.warmup_years * 52

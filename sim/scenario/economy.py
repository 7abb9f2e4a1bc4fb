"""The ``economy`` section: online shares, the footfall trend, destination choice, rents and
the shops' accounts, exit and entry.

Read by :mod:`sim.model.drivers`, :mod:`sim.model.residents`, :mod:`sim.model.shops` and
:mod:`sim.model.owners`.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from sim.scenario.fields import PerPurpose, PerSector, Share, Strict, param, per_sector


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

    @field_validator("comparison", "daily", "food_beverage", "services", "leisure")
    @classmethod
    def _ordered(cls, path: list[OnlinePoint]) -> list[OnlinePoint]:
        # the share is interpolated between points: they must be in calendar order
        if not path:
            raise ValueError("needs at least one point (year and share)")
        for i in range(1, len(path)):
            if path[i].year <= path[i - 1].year:
                raise ValueError(f"years must increase from point to point (point {i}: year "
                                 f"{path[i].year:g} after {path[i - 1].year:g})")
        return path


class Choice(Strict):
    """Destination choice (Huff / multinomial logit) and trip chaining."""

    distance_decay_per_100m: PerPurpose = Field(
        default_factory=lambda: PerPurpose(daily=1.2, comparison=0.45, leisure=0.6),
        description="Utility lost per 100 m walked (beta in exp(-beta d)). Huff (1963); "
        "Borgers & Timmermans (1986): daily trips are short, comparison trips range widely "
        "(assumed values).",
        json_schema_extra={"unit": "1/100 m"},
    )
    floor_area_exponent: float = param(
        0.6, "alpha in A_j = floor^alpha (Huff 1963). Assumption within the usual 0.5-1.", "-",
        ge=0.0, le=2.0,
    )
    neighbour_elasticity: float = param(
        0.25,
        "Attractiveness elasticity to the number of open neighbouring units (agglomeration). "
        "Koster, Pasidis & van Ommeren (2019): rent elasticity to nearby shops about 0.25.",
        "-", ge=0.0, le=2.0,
    )
    vitality_weight: float = param(
        1.0,
        "Utility weight of vitality, the share of open units passed on the way. D'Alessandro, "
        "Bossomaier et al. (MAS 2016) vitality feedback; value assumed.",
        "-", ge=0.0, le=10.0,
    )
    taste_weight: float = param(
        0.7, "Utility bonus for a sector the resident's taste class prefers. Assumption.", "-",
        ge=0.0, le=5.0,
    )
    extra_stops: PerPurpose = Field(
        default_factory=lambda: PerPurpose(daily=0.3, comparison=1.5, leisure=0.5),
        description="Mean number of further stops chained in one visit (Poisson). Borgers & "
        "Timmermans pedestrian models: shopping visits chain several stops (assumed means).",
        json_schema_extra={"unit": "stops"},
    )
    visit_elasticity: float = param(
        0.5,
        "Elasticity of a resident's visit rate (per purpose) to the total attractiveness W of "
        "the centre it perceives from its origin (the sum of its choice weights), at the fully "
        "occupied centre W0. The centre competes with alternatives (other centres, online) of "
        "attractiveness B = W0 e / (1 - e): visits follow the centre's share W / (W + B) "
        "relative to W0 / (W0 + B), so small changes act as (W / W0)^e and large ones "
        "saturate. 0: closures only shift visits to other shops; 1: visits proportional to "
        "W. D'Alessandro et al. (MAS 2016): visit propensity rises with the open units a "
        "visitor sees. Assumption: 0.5 (the centre holds half its visitors' market).",
        "-", ge=0.0, le=1.0,
    )
    tours: bool = param(
        True,
        "Visits with several stops walk from stop to stop: each next stop is chosen by the same "
        "rule from the current stop, among its 64 nearest premises by walking distance, and "
        "the walk returns to its origin after the last stop (Borgers & Timmermans pedestrian "
        "models). false: every stop is walked to from the origin (a star).", "-",
    )
    perception_weeks: int = param(
        4,
        "Visitors update what they know of vitality (open units on the way) every this many "
        "weeks. Assumption: perception lags reality.",
        "weeks", ge=1, le=52,
    )


class Rent(Strict):
    """Market rents from location; owners set asking rents from them (see `landlords`)."""

    a1_eur_per_m2_year: float = param(
        850.0,
        "Rent at the busiest point. JLL via telegraaf.nl: EUR 600-1,200 on the A1 street of a "
        "mid-size centre.",
        "EUR/m2/year", gt=0.0, le=10000.0,
    )
    footfall_elasticity: float = param(
        0.25, "Rent elasticity to footfall. Koster, Pasidis & van Ommeren (2019).", "-",
        ge=0.0, le=2.0,
    )
    gradient_per_100m: float = param(
        0.17, "Relative rent fall per 100 m from the busiest point. Ossokina et al. (2024).",
        "1/100 m", ge=0.0, le=0.9,
    )
    floor_eur_per_m2_year: float = param(
        120.0, "Lowest market rent. JLL: about EUR 150-400 on B/C streets; assumed floor.",
        "EUR/m2/year", ge=0.0, le=5000.0,
    )
    level: float = param(
        0.90, "Multiplier on all market rents (for what-ifs and tests). Calibrated: the best "
        "set of calibrations/middelstad.yaml (0.904; sets within tolerance 0.84-0.93, "
        "docs/calibration.md): JLL's A1 rents with the gradient above leave too many shops "
        "below break-even for the observed vacancy and closures.", "-",
        gt=0.0, le=10.0,
    )
    lease_years: int = param(
        5, "Lease term; rent is reset to the market rent at renewal. Domain brief: 5-year leases.",
        "years", ge=1, le=20,
    )
    review_weeks: int = param(
        52, "Market rents are re-estimated from current footfall every this many weeks. "
        "Assumption: yearly valuation.", "weeks", ge=1, le=520,
    )


class Shops(Strict):
    """Shop accounts, exit and entry."""

    sector_mix: PerSector = per_sector(
        "Initial share of occupied units per sector. Assumption after Locatus centre mixes.",
        "share", comparison=0.36, daily=0.14, food_beverage=0.24, services=0.16, leisure=0.10,
    )
    spend_per_visit_eur: PerSector = per_sector(
        "Spending per stop by a middle-income household (party), before online substitution. "
        "Assumption (CBS bestedingen, rounded), set so that the median shop of every sector "
        "covers its rent and fixed costs about 1.5-1.75 times in the initial centre "
        "(docs/calibration.md).", "EUR",
        comparison=15.0, daily=21.5, food_beverage=11.0, services=28.5, leisure=10.0,
    )
    gross_margin: PerSector = per_sector(
        "Share of revenue left after cost of goods. Assumption (CBS/ABN AMRO sector figures).",
        "share", comparison=0.45, daily=0.26, food_beverage=0.68, services=0.70, leisure=0.62,
    )
    fixed_cost_eur_per_m2_year: PerSector = per_sector(
        "Staff, energy and other fixed costs per m2, excluding rent. Assumption, set so that "
        "the median shop of every sector in the initial centre earns a gross margin of about "
        "1.5 times its rent and fixed costs (docs/calibration.md).", "EUR/m2/year",
        comparison=710.0, daily=322.0, food_beverage=840.0, services=1800.0, leisure=700.0,
    )
    size_cost_elasticity: float = param(
        -0.4,
        "Elasticity of rent and fixed costs per m2 to floor area, relative to a 100 m2 unit: "
        "large units pay less per m2. Assumption, equal to minus one minus the floor-area "
        "exponent of attractiveness (revenue per m2 falls as floor^-0.4), so size alone does "
        "not decide survival.",
        "-", ge=-1.0, le=0.0,
    )
    impulse_eur_per_passerby: float = param(
        0.05,
        "Impulse revenue a shop earns per passer-by. Koster et al. (2019): a pedestrian is worth "
        "about EUR 0.005 in rent; with rent about 10% of turnover that is EUR 0.05 of revenue.",
        "EUR", ge=0.0, le=5.0,
    )
    chain_share: float = param(
        0.35, "Share of entrants that are chain stores. Assumption after Locatus.", "share",
        ge=0.0, le=1.0,
    )
    chain_brands_per_sector: int = param(
        4, "Chain stores belong to one of this many chains per sector (drawn at opening). "
        "Assumption.", "chains", ge=1, le=100,
    )
    chain_reserve_factor: float = param(
        3.0, "Chains hold this many times the cash reserve of an independent. Assumption.", "-",
        ge=1.0, le=50.0,
    )
    reserve_months: float = param(
        4.0, "Cash reserve of an established independent shop, in months of fixed costs and "
        "rent. Assumption.", "months", ge=0.0, le=60.0,
    )
    entrant_reserve_share: float = param(
        0.5, "A new independent starts with this share of an established one's reserve (the "
        "liability of newness: Stinchcombe 1965). Assumption.", "share", ge=0.0, le=1.0,
    )
    newness_exit_multiplier: float = param(
        6.0, "Yearly probability of other exits of an independent in its first weeks relative "
        "to an established shop; the excess halves every `newness_half_life_years`. "
        "Stinchcombe (1965), liability of newness. Set so that about 56% of new independents "
        "survive five years in middelstad's baseline: CBS business demography (via "
        "fashionunited.nl 29-11-2022): 56% of the physical shops founded in 2015 still "
        "existed in 2020, horeca 59%, trade 51%; KvK 2012: retail 39%.", "-", ge=1.0, le=20.0,
    )
    newness_half_life_years: float = param(
        3.0, "Years in which the extra exit risk of a new independent halves. Assumption: "
        "with 1.5, half of the extra risk was gone before a starter's first lease was half "
        "over and 85% of new independents survived five years.", "years", gt=0.0, le=20.0,
    )
    established_age_years: float = param(
        12.0, "Mean age of the businesses open at the start (exponentially distributed). "
        "Assumption.", "years", gt=0.0, le=100.0,
    )
    staff_cost_share: PerSector = per_sector(
        "Share of fixed costs (rent excluded) that is staff: wage support (NOW) pays part of "
        "it in a support scheme. Assumption after CBS cost structures (personnel about half "
        "of retail operating costs, more in horeca and services).", "share",
        comparison=0.5, daily=0.6, food_beverage=0.6, services=0.7, leisure=0.5,
    )
    patience_weeks: int = param(
        78,
        "A shop closes when its smoothed weekly profit (running mean over the first 26 weeks, "
        "then a 26-week moving average) has been negative this many weeks in a row (exit "
        "rule; Kickert & vom Hofe 2018 find weak, remote shops close first). Assumption.",
        "weeks", ge=1, le=520,
    )
    base_exit_rate_per_year: float = param(
        0.015,
        "Yearly probability that a profitable shop closes anyway (retirement, chain strategy). "
        "nrc.nl 2020: fewer than 20% of closures are bankruptcies. Calibrated: the best set "
        "of calibrations/middelstad.yaml (0.0148; sets within tolerance 0.012-0.019, "
        "docs/calibration.md), closures about 3% of shops a year.",
        "1/year", ge=0.0, le=1.0,
    )
    vacant_neighbour_exit: float = param(
        2.0,
        "The yearly exit probability of a profitable shop is multiplied by 1 + this times the "
        "share of vacant premises among its neighbours (a deteriorating street makes owners "
        "give up). Kickert & vom Hofe (2018): shops with fewer neighbouring shops close more "
        "often; Benmelech et al. (2019): after a chain liquidation nearby stores close more "
        "often. Assumption for the size.",
        "-", ge=0.0, le=50.0,
    )
    entry_rate_per_year: float = param(
        0.94,
        "Highest yearly rate at which a vacant unit finds a tenant (at the best locations): "
        "about a year of vacancy even at the best locations. Calibrated: the best set of "
        "calibrations/middelstad.yaml (0.94; sets within tolerance 0.90-1.45, "
        "docs/calibration.md).",
        "1/year", ge=0.0, le=52.0,
    )
    fit_out_weeks: int = param(
        8,
        "Weeks from a tenant leaving to the earliest opening of the next one, whether a new "
        "tenant or a shop relocating into a designated core: a successor may sign during the "
        "notice period, but strips and fits out the unit and gets its permits only once it is "
        "empty. With the letting rate it sets the frictional vacancy of a healthy market, 4-5% "
        "of premises (Locatus via nrc.nl 09-01-2023). The regular permit procedure's term, "
        "eight weeks (Omgevingswet; extendable by six), as the floor: about three months "
        "(13 weeks) left the corona years' vacancy at the end of 2023 at the edge of its "
        "range (docs/validation.md).", "weeks", ge=0, le=520,
    )
    entry_steepness: float = param(
        5.0,
        "Steepness of the entry rate in the expected profit ratio (logistic). Assumption.",
        "-", gt=0.0, le=100.0,
    )
    entry_threshold: float = param(
        1.35,
        "Expected revenue over costs at which entry runs at half its highest rate. Assumption: "
        "entrepreneurs need a margin of safety, about what the median incumbent earns; set so "
        "that vacancy lands in the calibration range (docs/calibration.md).", "-", gt=0.0,
        le=10.0,
    )
    initial_vacancy: float = param(
        0.12, "Share of premises vacant at the start of the warm-up (2017 by default). Locatus: "
        "12.3% in the centres of mid-size cities in 2016 (nu.nl 2017).",
        "share", ge=0.0, le=0.9,
    )


    @field_validator("sector_mix")
    @classmethod
    def _some_sector(cls, mix: PerSector) -> PerSector:
        if not mix.array().sum() > 0:
            raise ValueError("the shares must not all be 0 (they are normalised to sum to 1)")
        return mix

    @field_validator("gross_margin")
    @classmethod
    def _margin_is_a_share(cls, margin: PerSector) -> PerSector:
        if (margin.array() > 1).any():
            raise ValueError("each sector's margin is a share of revenue: at most 1")
        return margin

class Economy(Strict):
    """Exogenous drivers and the economics of shops."""

    online_share: OnlineShares = Field(default_factory=OnlineShares)
    online_growth: float = param(
        1.0,
        "Multiplier on the growth of every sector's online share after `start`: the share at "
        "`start` stays and a later share s(t) becomes s(start) + m x (s(t) - s(start)), "
        "clipped to [0, 1]. 1: the paths as given; 0: online shopping frozen at its level at "
        "`start`; 2: twice the growth. The one number for the uncertainty 'online growth' in "
        "experiments and the app.", "-", ge=0.0, le=10.0,
    )
    footfall_trend_per_year: float = param(
        -0.010,
        "Background change in visit rates per year, apart from what the model produces itself. "
        "Locatus: footfall -1 to -1.5% a year before corona. Calibrated: the best set of "
        "calibrations/middelstad.yaml (-1.01%; sets within tolerance -1.4% to -0.5%, "
        "docs/calibration.md).",
        "1/year", ge=-0.5, le=0.5,
    )
    choice: Choice = Field(default_factory=Choice)
    rent: Rent = Field(default_factory=Rent)
    shops: Shops = Field(default_factory=Shops)

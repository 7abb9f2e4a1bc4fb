"""The ``population`` section: resident agents, their visits, incomes, tastes and modal split.

Read by :mod:`sim.model.residents`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.fields import PerGroup, Share, Strict, param


class VisitsPerGroup(PerGroup):
    """Visits a week of one household of each group: at most 50 (seven a day), since every
    visit is drawn and walked."""

    centre: float = Field(ge=0.0, le=50.0)
    city: float = Field(ge=0.0, le=50.0)
    region: float = Field(ge=0.0, le=50.0)
    tourist: float = Field(ge=0.0, le=50.0)
    commuter: float = Field(ge=0.0, le=50.0)


class VisitRates(Strict):
    """Mean centre visits per household per week, by purpose and visitor group (tourists: per
    party-day in town; commuters: per person working in the centre)."""

    daily: VisitsPerGroup = Field(
        default_factory=lambda: VisitsPerGroup(centre=2.5, city=0.30, region=0.02, tourist=0.1,
                                         commuter=0.8),
        description="Daily shopping. Assumption: residents of the centre do most daily "
        "shopping there; the rest of the city has its own neighbourhood centres; people who "
        "work in the centre shop for the day at lunch or after work.",
    )
    comparison: VisitsPerGroup = Field(
        default_factory=lambda: VisitsPerGroup(centre=0.4, city=0.5, region=0.15, tourist=0.4,
                                         commuter=0.2),
        description="Comparison (fashion, goods) shopping. Assumption: about one visit in "
        "three weeks from the city, less from the region.",
    )
    leisure: VisitsPerGroup = Field(
        default_factory=lambda: VisitsPerGroup(centre=0.9, city=0.45, region=0.08, tourist=0.5,
                                         commuter=0.4),
        description="Leisure (food & beverage, leisure). Assumption.",
    )


class EntryShares(Strict):
    """Share of a home type's visits arriving through each kind of entry point."""

    station: Share
    car_park: Share
    bus_stop: Share
    bike_park: Share
    walk_in: Share = Field(0.0, description="Walking or cycling in from the neighbourhoods "
                           "around the centre, at a street end on the map's edge.")

    @model_validator(mode="after")
    def _sums_to_one(self) -> EntryShares:
        total = self.station + self.car_park + self.bus_stop + self.bike_park + self.walk_in
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"entry shares must sum to 1 (got {total:.3f})")
        return self


class EntrySharesByGroup(Strict):
    """Modal split of the visitors who arrive at entry points (all but the centre's
    residents, who walk from home)."""

    city: EntryShares = Field(
        default_factory=lambda: EntryShares(
            station=0.05, car_park=0.30, bus_stop=0.15, bike_park=0.30, walk_in=0.20
        ),
        description="Visitors from the rest of the city. Assumption: Dutch modal split, "
        "bike first; a fifth walk or cycle in from the neighbourhoods around the centre.",
    )
    region: EntryShares = Field(
        default_factory=lambda: EntryShares(
            station=0.35, car_park=0.55, bus_stop=0.10, bike_park=0.0
        ),
        description="Visitors from the region. Assumption: by train or car.",
    )
    tourist: EntryShares = Field(
        default_factory=lambda: EntryShares(
            station=0.40, car_park=0.45, bus_stop=0.15, bike_park=0.0
        ),
        description="Tourists and day trippers. Assumption: by train, car or coach.",
    )
    commuter: EntryShares = Field(
        default_factory=lambda: EntryShares(
            station=0.30, car_park=0.25, bus_stop=0.10, bike_park=0.25, walk_in=0.10
        ),
        description="People who work in the centre. Assumption: a commute by train, car or "
        "bike, some on foot.",
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
    """Residents and visitors in real units: people living in the centre, in the rest of the
    city and in the region, tourists and people working in the centre; each number as given,
    or from the town's size by the densities of a G40 centre (so a town of any size balances
    by construction). Each agent stands for ``households_per_agent`` households (parties for
    tourists, persons for commuters); the number of agents follows."""

    centre_people: float | None = param(
        None,
        "People living in the centre. Empty: `centre_people_per_dwelling_cell` times the map's "
        "dwelling cells (middelstad: about 6,000, as the about 5,950 inside Deventer's former "
        "fortress, a historic centre of a city of about 100,000; wandelenindeventer.nl).",
        "persons", ge=0.0, le=1e7,
    )
    centre_people_per_dwelling_cell: float = param(
        2.8, "People per dwelling cell ('h') when `centre_people` is empty. Calibrated: "
        "middelstad's 2,155 dwelling cells house about 6,000 people.", "persons", ge=0.0,
        le=1000.0,
    )
    city_people: float | None = param(
        None,
        "People living in the rest of the city. Empty: `city_people_per_m2` times the "
        "centre's retail floor area (middelstad: about 94,000 for 48,000 m2; CBS, a G40 city "
        "of about 100,000 inhabitants).", "persons", ge=0.0, le=1e8,
    )
    city_people_per_m2: float = param(
        1.95, "People in the rest of the city per m2 of the centre's retail floor area, when "
        "`city_people` is empty: the spending power of a G40 city for its centre, so that a "
        "town of any size balances by construction.", "persons/m2", ge=0.0, le=1000.0,
    )
    region_people: float | None = param(
        None,
        "People living in the region for which the centre is the regional shopping centre. "
        "Empty: `region_people_per_m2` times the retail floor area (middelstad: about "
        "150,000).", "persons", ge=0.0, le=1e8,
    )
    region_people_per_m2: float = param(
        3.1, "Regional residents per m2 of retail floor area when `region_people` is empty. "
        "Assumption: a region about one and a half times the city.", "persons/m2", ge=0.0,
        le=1000.0,
    )
    tourist_parties_per_week: float | None = param(
        None,
        "Parties of tourists and day trippers in town per week (party-days). Empty: "
        "`tourist_parties_per_m2` times the retail floor area (middelstad: about 4,000 a "
        "week, 200,000 a year, a modest tourist function).", "parties/week", ge=0.0, le=1e7,
    )
    tourist_parties_per_m2: float = param(
        0.083, "Tourist parties per week per m2 of retail floor area when "
        "`tourist_parties_per_week` is empty. Assumption.", "parties/week/m2", ge=0.0, le=100.0,
    )
    commuters: float | None = param(
        None,
        "People who work in the centre (shops, offices, services). Empty: `commuters_per_m2` "
        "times the retail floor area (middelstad: about 7,000).", "persons", ge=0.0, le=1e7,
    )
    commuters_per_m2: float = param(
        0.145, "People working in the centre per m2 of retail floor area when `commuters` is "
        "empty. Assumption: a few per premises plus the offices of the centre.",
        "persons/m2", ge=0.0, le=100.0,
    )
    persons_per_household: PerGroup = Field(
        default_factory=lambda: PerGroup(centre=1.6, city=2.2, region=2.3, tourist=2.0,
                                         commuter=1.0),
        description="Persons per household: CBS, small households in city centres, about 2.2 "
        "in a G40 city and its region; a tourist party of two (assumption); a commuter is one "
        "person. Converts people to households.", json_schema_extra={"unit": "persons"},
    )
    persons_per_visit: PerGroup = Field(
        default_factory=lambda: PerGroup(centre=1.2, city=1.4, region=1.6, tourist=2.0,
                                         commuter=1.0),
        description="Persons walking together on one visit (what a counting camera counts per "
        "visit). Assumption: most shoppers come alone or in twos.",
        json_schema_extra={"unit": "persons"},
    )
    households_per_agent: float = param(
        10.0,
        "Households (tourist parties, commuters) one agent stands for: the weight. The number "
        "of agents is the households of all groups divided by it. Assumption: enough agents "
        "for stable weekly flows.", "households", ge=0.1, le=10_000.0,
    )
    balance_spending: bool = param(
        True,
        "When the visitor groups' numbers are derived from the town's size (none given), "
        "scale the centre's pull on them per trip purpose so that the town's expected "
        "spending per m2 of retail floor area equals that of middelstad, the calibrated town, "
        "under the same parameters, times the town's agglomeration (its shops' neighbours as "
        "the choice weighs them, relative to middelstad's), and scale its rents down to "
        "middelstad's mean: a town of any size then starts near a realistic vacancy "
        "(sim/scenario/balance.py; middelstad's scales are 1).", "-",
    )
    agents: int | None = param(
        None,
        "Number of agents, if given instead of the weight: the weight is then the households "
        "of all groups divided by it (a lighter model for tests and the app).",
        "agents", gt=0, le=5_000_000,
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
    entry_shares: EntrySharesByGroup = Field(default_factory=EntrySharesByGroup)

    def people(self, floor_m2: float, dwelling_cells: int,
               town_centre_people: float | None = None) -> dict[str, float]:
        """People (tourist parties) of each group in a town of ``floor_m2`` m2 of retail floor
        area and ``dwelling_cells`` dwelling cells: the numbers given, else what the town
        knows (``town_centre_people``: the people of its dwellings, from an imported town's
        BAG or OSM data), else the densities."""

        def given(value: float | None, density: float, size: float) -> float:
            return float(value) if value is not None else density * size

        centre = self.centre_people
        if centre is None and town_centre_people is not None:
            centre = town_centre_people
        return {
            "centre": given(centre, self.centre_people_per_dwelling_cell, dwelling_cells),
            "city": given(self.city_people, self.city_people_per_m2, floor_m2),
            "region": given(self.region_people, self.region_people_per_m2, floor_m2),
            "tourist": given(self.tourist_parties_per_week, self.tourist_parties_per_m2,
                             floor_m2),
            "commuter": given(self.commuters, self.commuters_per_m2, floor_m2),
        }

"""The ``culture`` section: kinds of cultural venues, their programmes and accounts, and
meanwhile users. Read by :mod:`sim.model.venues`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.scenario.fields import Strict, param

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
    initial_venues: dict[Literal["pop_venue", "theatre", "gallery", "makerspace"],
                         Annotated[int, Field(ge=0, le=1000)]] = Field(
        default_factory=lambda: {"pop_venue": 1, "theatre": 1, "gallery": 2, "makerspace": 0},
        description="Venues open at the start, each in the fitting unit (floor area at least "
        "its kind's min_floor_m2) closest to a square. Assumption: a mid-size centre has a "
        "theatre and a pop venue.",
    )
    venue_rent_eur_per_m2_year: float = param(
        60.0, "Rent of the initial venues (theatres and pop venues are mostly in municipal "
        "property at a low rent). Assumption.", "EUR/m2/year", ge=0.0, le=5000.0,
    )
    entry_rate_per_year: float = param(
        2.0, "Cultural or creative starters looking for premises per year (galleries, "
        "makerspaces, meanwhile users) in a city of middelstad's inhabitants (its centre and "
        "the rest of the city, about 100,000); a town's rate scales with its own inhabitants "
        "(`population`), so a village centre does not get a city's starters. Assumption.",
        "1/year", ge=0.0, le=500.0,
    )
    meanwhile_rent_eur_per_m2_year: float = param(
        25.0, "Rent of a meanwhile lease (service costs only). ideedoen.nl: low rent.",
        "EUR/m2/year", ge=0.0, le=1000.0,
    )
    meanwhile_lease_weeks: int = param(
        52, "Length of a meanwhile lease; the owner may let the unit regularly after it.",
        "weeks", ge=1, le=520,
    )
    reserve_months: float = param(
        6.0, "Starting cash reserve of a venue in months of its fixed costs. Assumption.",
        "months", ge=0.0, le=120.0,
    )
    fnb_stop_share: float = param(
        0.5, "Share of event visitors who also visit food & beverage near the venue (evening "
        "economy). Assumption.", "share", ge=0.0, le=1.0,
    )
    fnb_decay_per_100m: float = param(
        1.5, "Decline of the chance to pick a food & beverage outlet per 100 m from the venue "
        "(logit). Assumption: visitors stay close.", "1/100 m", ge=0.0, le=20.0,
    )
    attendance_elasticity: float = param(
        0.5, "Elasticity of event attendance to the share of open units around the venue "
        "(a lively neighbourhood draws more). Assumption.", "-", ge=0.0, le=5.0,
    )

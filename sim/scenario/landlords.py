"""The ``landlords`` section: who owns the premises, how sticky asking rents are, and when
owners convert vacant units to homes. Read by :mod:`sim.model.owners`.
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.fields import Strict, param


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

    institutional_share: float = param(
        0.4, "Share of premises owned by institutional investors (the rest by local owners). "
        "Assumption: a mid-size centre's A and B streets are largely in institutional hands.",
        "share", ge=0.0, le=1.0,
    )
    units_per_institutional_owner: int = param(
        12, "Premises per institutional owner (portfolio size). Assumption.", "units",
        ge=1, le=1000,
    )
    units_per_local_owner: int = param(
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
    conversion_after_months: float = param(
        24, "Months vacant after which an owner considers converting a unit to housing "
        "(where zoning allows). Assumption.", "months", ge=0, le=240,
    )
    conversion_rate_per_year: float = param(
        0.10,
        "Yearly probability that an eligible long-vacant unit at the edge is converted. Domain "
        "brief: about 1% of the retail stock a year becomes homes nationally, mostly from "
        "vacancy (about 8%), so about 0.1 a year per vacant unit.", "1/year", ge=0.0, le=1.0,
    )
    core_conversion_factor: float = param(
        1 / 3.5,
        "Conversion rate in the core relative to the edge. Domain brief: transformation happens "
        "3.5 times as often at the edge.", "-", ge=0.0, le=1.0,
    )
    rezoned_conversion_factor: float = param(
        4.0, "Conversion rate of vacant units that lost their retail zoning (outside a "
        "designated core) relative to the edge rate; they may convert at once. Assumption: "
        "without a retail prospect, homes are the owner's best use.", "-", ge=1.0, le=100.0,
    )
    conversion_capacity_m2_per_year: float = param(
        2000.0, "Retail floor area the local market can convert to homes in a year (owners' "
        "finance, developers, permits); conversions beyond it wait for next year. Assumption "
        "for a mid-size centre: the Impulsaanpak transformed about 3,200 m2 per "
        "municipality over 5-9 years with subsidy (propertynl.com; fashionunited.nl "
        "10-12-2024), on top of ordinary conversions.", "m2/year", ge=0.0, le=1e7,
    )
    conversion_cost_eur_per_m2: float = param(
        1500.0, "Cost of converting retail floor space to homes. Assumption (building cost).",
        "EUR/m2", ge=0.0, le=20000.0,
    )
    m2_per_household: float = param(
        80.0, "Floor area per new home after conversion. Assumption.", "m2", ge=20, le=1000,
    )

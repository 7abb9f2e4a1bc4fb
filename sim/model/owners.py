"""Property owners: asking rents, market rents, meanwhile leases and conversion to homes.

An :class:`Owner` is a Mesa agent: an institutional investor with a portfolio or a local
owner of one or two units. :class:`Owners` holds the rules:

- **market rents** from smoothed footfall and distance to the busiest point (Koster, Pasidis &
  van Ommeren 2019; Ossokina, Svitak & Teulings 2024), re-estimated once a review period;
- **asking rents** of vacant units are sticky: first the old rent, cuts only after some
  months, never below a valuation floor (gebiedsontwikkeling.nu; stadszaken.nl);
- **meanwhile use**: after some months vacant an owner accepts a cultural user
  (:meth:`sim.model.venues.Venues.arrive` asks);
- **conversion** of long-vacant units to homes where zoning allows, more at the edge than in
  the core, up to what the local market can convert in a year; a transformation subsidy
  raises the rate for owners who co-invest.

Built and stepped by :class:`sim.model.model.CityCentre`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim import kernels
from sim.model.premises import HOUSING, VACANT, WEEKS_PER_MONTH

if TYPE_CHECKING:
    from sim.model.model import CityCentre


def market_rent(model: CityCentre) -> np.ndarray:
    """(P,) market rent from smoothed footfall and distance to the busiest point."""
    r = model.params.economy.rent
    premises = model.premises
    return premises.rent_scale * r.level * premises.size_factor * kernels.market_rent(
        model.footfall.at_premises(),
        model.footfall.reference,
        premises.walk_to_busiest_m,
        a1_eur_per_m2_year=r.a1_eur_per_m2_year,
        footfall_elasticity=r.footfall_elasticity,
        gradient_per_100m=r.gradient_per_100m,
        floor_eur_per_m2_year=r.floor_eur_per_m2_year,
    )


class Owner(Agent):
    """A property owner: an institutional investor with a portfolio or a local owner.

    Owners set the asking rent of their vacant units (sticky: they wait for the old rent,
    then cut slowly, never below a valuation floor), accept meanwhile users after a while
    and may convert long-vacant units to homes (:class:`Owners`).
    """

    def __init__(self, model: CityCentre, kind: str, units: list[int], can_coinvest: bool) -> None:
        super().__init__(model)
        self.kind = kind  # "institutional" or "local"
        self.units = units
        self.can_coinvest = can_coinvest

    @property
    def behaviour(self):
        """The rent-setting parameters of this owner's kind (``landlords.<kind>``)."""
        return getattr(self.model.params.landlords, self.kind)

    @property
    def vacant_units(self) -> list[int]:
        """This owner's premises that are vacant now."""
        return [p for p in self.units if self.model.premises.use[p] == VACANT]


class Owners:
    """Every property owner, with the rules of rents and conversions.

    Args:
        model: the city centre.
        rng: the stream that assigns premises to owners.

    Attributes:
        agents: the :class:`Owner` agents; ``premises.owner`` indexes them.
    """

    def __init__(self, model: CityCentre, rng: np.random.Generator) -> None:
        self.model = model
        ll = model.params.landlords
        premises = model.premises
        n = len(premises)
        order = rng.permutation(n)
        n_inst = round(ll.institutional_share * n)
        self.agents: list[Owner] = []
        for kind, units, size in (("institutional", order[:n_inst],
                                   ll.units_per_institutional_owner),
                                  ("local", order[n_inst:], ll.units_per_local_owner)):
            share = getattr(ll, kind).can_coinvest
            for start in range(0, len(units), size):
                group = sorted(int(p) for p in units[start:start + size])
                premises.owner[group] = len(self.agents)
                self.agents.append(Owner(model, kind, group, bool(rng.random() < share)))
        institutional = np.array([o.kind == "institutional" for o in self.agents])
        self._institutional = institutional[premises.owner]  # (P,) owned by an institution
        self._can_coinvest = np.array([o.can_coinvest for o in self.agents])[premises.owner]
        self._year, self.converted_m2_this_year = None, 0.0

    def _by_kind(self, field: str) -> np.ndarray:
        """(P,) a ``landlords.<kind>`` parameter of each premises' owner."""
        ll = self.model.params.landlords
        return np.where(self._institutional, getattr(ll.institutional, field),
                        getattr(ll.local, field))

    def meanwhile_after_months(self) -> np.ndarray:
        """(P,) months vacant after which each premises' owner accepts a meanwhile user."""
        ll = self.model.params.landlords
        return np.array([getattr(ll, o.kind).meanwhile_after_months
                         for o in self.agents])[self.model.premises.owner]

    def set_asking_rents(self) -> None:
        """Owners set the asking rent of vacant units: first the old rent (or the market rent
        if higher); after ``months_before_cut`` months cuts of ``cut_per_year``, compounding,
        but never below the valuation floor (a share of the last contract rent)."""
        model = self.model
        premises = model.premises
        months = (model.week - premises.vacant_since) / WEEKS_PER_MONTH  # meanwhile included
        start = np.maximum(premises.last_rent, premises.market_rent)
        cut_years = np.maximum(months - self._by_kind("months_before_cut"), 0.0) / 12
        floor = self._by_kind("valuation_floor") * premises.last_rent
        asking = np.maximum(floor, start * (1.0 - self._by_kind("cut_per_year")) ** cut_years)
        lettable = premises.vacant | model.venues.meanwhile_mask()
        premises.asking_rent[:] = np.where(lettable, asking, premises.asking_rent)

    def convert(self) -> None:
        """Long-vacant units where zoning allows become homes, at a yearly rate (3.5 times
        lower in the core, higher and at once for units that lost their retail zoning); a
        transformation subsidy raises the rate for owners who co-invest. Conversion is for
        good and brings new resident households."""
        model = self.model
        ll = model.params.landlords
        premises = model.premises
        months = premises.months_vacant(model.week)
        rng = model.stream("conversions")
        u = rng.random(premises.use.size)
        subsidy, uptake = model.municipality.conversion_subsidy(months)  # (P,) share paid
        subsidy = np.where(self._can_coinvest, subsidy, 0.0)
        # owners consider converting after a long vacancy, or earlier when subsidised
        rezoned = ~premises.retail_zoned
        eligible = premises.vacant & premises.housing_zoned & (
            (months >= ll.conversion_after_months) | (subsidy > 0) | rezoned)
        if self._year != model.date.year:
            self._year, self.converted_m2_this_year = model.date.year, 0.0
        if not eligible.any():
            return
        base = ll.conversion_rate_per_year * np.where(
            rezoned, ll.rezoned_conversion_factor,
            np.where(premises.core, ll.core_conversion_factor, 1.0))
        rate = base * (1.0 + uptake * subsidy)
        for p in np.flatnonzero(eligible & (u < rate / 52)):
            if (self.converted_m2_this_year + premises.floor_m2[p]
                    > ll.conversion_capacity_m2_per_year):
                continue  # the market's capacity for this year is taken
            grant = subsidy[p] * ll.conversion_cost_eur_per_m2 * premises.floor_m2[p]
            paid = grant > 0 and model.municipality.pay(
                "transformation_subsidy", grant, owner_share=1.0 - subsidy[p])
            if u[p] >= base[p] / 52 and not paid:
                continue  # only the subsidy made it worthwhile, and there is no money left
            self._convert(int(p), rng)

    def _convert(self, p: int, rng: np.random.Generator) -> None:
        """Premises ``p`` becomes homes for good; its households move in."""
        model = self.model
        premises, routes = model.premises, model.routes
        premises.use[p] = HOUSING
        premises.retail_zoned[p] = False
        self.converted_m2_this_year += premises.floor_m2[p]
        model.tally.conversions += 1
        households = premises.floor_m2[p] / model.params.landlords.m2_per_household
        zone = (int(np.argmin(routes.distance_m[routes.n_entries:, p]))
                if routes.n_zones else -1)
        added = model.residents.add(zone, households, rng) if zone >= 0 else 0
        model.record("conversion", p, -1, f"{households:.1f} households, {added} residents")

    def review_rents(self) -> None:
        """Re-estimate market (asking) rents from smoothed footfall once a review period."""
        if self.model.week % self.model.params.economy.rent.review_weeks == 0:
            self.model.premises.market_rent[:] = market_rent(self.model)

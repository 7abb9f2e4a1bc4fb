"""Transformation subsidy: a share of the cost of converting vacant units to homes
(Impulsaanpak-like), for owners who co-invest.

Passive: owners ask for it when they consider converting
(:meth:`sim.model.owners.Owners.convert`). ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.fields import Zone, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_instrument
class TransformationSubsidy(Instrument):
    """Converting vacant edge units to homes (Impulsaanpak-like)."""

    title_text: ClassVar[str] = "Transformation subsidy"

    type: Literal["transformation_subsidy"]
    subsidy_share: float = param(0.3, "Share of the conversion cost paid.", "share", ge=0, le=1)
    zone: Zone = Field("edge", description="Eligible units: edge (outside the core), core, "
                       "all, or squares (units within 3 cells of a square).")
    min_vacant_months: float = param(12, "Units must have been vacant this long.", "months",
                                  ge=0, le=240)
    uptake_elasticity: float = param(
        3.0, "Conversion rate multiplier per unit of subsidy share: rate x (1 + e x m x "
        "share), m the collaboration multiplier (deals between owners and the municipality "
        "need cooperation). Assumption.", "-", ge=0, le=100)

    def what(self) -> str:
        return (f"pays {self.subsidy_share:.0%} of converting {self.zone} units vacant "
                f"{self.min_vacant_months:g}+ months to homes, for owners who co-invest. "
                f"Cost: the subsidy paid.")


def offer(model: CityCentre, months: np.ndarray,
          active: list[tuple[TransformationSubsidy, None]]) -> tuple[np.ndarray, float]:
    """(P,) share of the conversion cost a transformation subsidy pays, and the uptake
    elasticity of the conversion rate to it (times the collaboration multiplier)."""
    share = np.zeros(len(model.premises))
    uptake = 0.0
    for iv, _ in active:
        ok = model.zones.mask(iv.zone) & (months >= iv.min_vacant_months)
        share = np.where(ok, np.maximum(share, iv.subsidy_share), share)
        uptake = max(uptake, iv.uptake_elasticity * model.municipality.multiplier())
    return share, uptake

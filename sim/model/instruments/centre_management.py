"""Centre management (the arranging role): a centre manager who organises joint action,
acquires tenants for vacant units and coordinates opening hours and events.

Joint actions feed the collaboration stock (Platform31 2021); acquisition raises the rate at
which vacant units are let; coordination makes every unit a little more attractive. No Dutch
evaluation quantifies these effects: the sizes are assumptions, kept modest.
``docs/ODD.md`` section 7.18.10.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_instrument
class CentreManagement(Instrument):
    """The arranging role: a centre manager organising joint action and acquiring tenants."""

    title_text: ClassVar[str] = "Centre management"

    type: Literal["centre_management"]
    cost_eur_per_year: float = param(120_000.0, "Centre manager and office. Assumption.",
                                     "EUR/year", ge=0, le=1e8)
    joint_actions_per_year: float = param(24.0, "Joint actions organised per year (meetings, "
                                          "campaigns, shared projects). Assumption.", "1/year",
                                          ge=0, le=1000)
    acquisition_factor: float = param(
        1.15, "Letting rate of vacant units while the manager acquires tenants, relative to "
        "without (times the collaboration multiplier's excess). Assumption: no quantified "
        "Dutch evaluation; a modest size.", "-", ge=1, le=5)
    coordination_gain: float = param(
        0.02, "Utility gain of every unit from coordinated opening hours and events while the "
        "manager works. Assumption: no quantified evaluation; small.", "-", ge=0, le=1)

    def what(self) -> str:
        return (f"a centre manager organising about {self.joint_actions_per_year:g} joint "
                f"actions a year, acquiring tenants for vacant units (letting rate "
                f"x{self.acquisition_factor:g}) and coordinating opening hours and events. "
                f"Cost {eur(self.cost_eur_per_year)} a year.")

    def act(self, model: CityCentre, state: None, active: bool) -> None:
        """Pay the manager; joint actions feed the collaboration stock; while paid, tenants
        are acquired and opening hours coordinated."""
        muni = model.municipality
        if active and muni.pay("centre_management", self.cost_eur_per_year / 52):
            muni.joint_actions_week += self.joint_actions_per_year / 52
            muni.letting_factor *= 1.0 + (self.acquisition_factor - 1.0) * muni.multiplier()
            muni.week_bonus += self.coordination_gain

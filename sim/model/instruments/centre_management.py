"""Centre management (the arranging role): a centre manager organising joint action, which
feeds the collaboration stock. ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from sim.scenario.fields import eur, param
from sim.scenario.interventions import Instrument, register_instrument

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_instrument
class CentreManagement(Instrument):
    """The arranging role: a centre manager organising joint action."""

    title_text: ClassVar[str] = "Centre management"

    type: Literal["centre_management"]
    cost_eur_per_year: float = param(120_000.0, "Centre manager and office. Assumption.",
                                  "EUR/year", ge=0, le=1e8)
    joint_actions_per_year: float = param(24.0, "Joint actions organised per year (meetings, "
                                       "campaigns, shared projects). Assumption.", "1/year",
                                       ge=0, le=1000)

    def what(self) -> str:
        return (f"a centre manager organising about {self.joint_actions_per_year:g} joint "
                f"actions a year. Cost {eur(self.cost_eur_per_year)} a year.")

    def act(self, model: CityCentre, state: None, active: bool) -> None:
        """Pay the manager; the joint actions feed the collaboration stock."""
        muni = model.municipality
        if active and muni.pay("centre_management", self.cost_eur_per_year / 52):
            muni.joint_actions_week += self.joint_actions_per_year / 52

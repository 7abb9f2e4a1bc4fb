"""Exogenous shocks, one module each (lockdowns, support schemes, visitor gaps, chain
bankruptcies).

Each module declares its shock's parameters and its weekly rule (``strike``) and registers
the class (:func:`sim.scenario.interventions.register_shock`); importing this package
registers every shock, in the order of :data:`MODULES`. :class:`Shocks` applies the
scenario's shocks every week, after the calendar-driven conditions are set.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.fields import SECTORS

if TYPE_CHECKING:
    from sim.model.model import CityCentre

MODULES = ("lockdown", "support_scheme", "visitor_gap", "chain_bankruptcy")

for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")


class Shocks:
    """The scenario's shocks, applied to the week's conditions (``model.conditions``)."""

    def __init__(self, model: CityCentre) -> None:
        self.model = model

    def strike(self) -> None:
        """Lockdowns in force (visits, closed sectors, online jump) and chain bankruptcies."""
        cond = self.model.conditions
        cond.clear_shocks()
        for shock in self.model.params.shocks:
            if shock.enabled:
                shock.strike(self.model)
        cond.online_by_sector[[SECTORS.index("comparison"), SECTORS.index("daily")]] += (
            cond.online_lasting)
        cond.online_by_sector = np.minimum(cond.online_by_sector, 1.0)

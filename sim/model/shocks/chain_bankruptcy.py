"""Chain bankruptcy: the largest chain of a sector closes all its units at once
(Benmelech et al. 2019). ``docs/ODD.md`` section 7.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.scenario.fields import SECTORS
from sim.scenario.interventions import Shock, register_shock

if TYPE_CHECKING:
    from sim.model.model import CityCentre


@register_shock
class ChainBankruptcy(Shock):
    """A chain goes bankrupt: all its units close at once (Benmelech et al. 2019)."""

    title_text: ClassVar[str] = "Chain bankruptcy"

    type: Literal["chain_bankruptcy"]
    end: None = Field(None, description="Not used: the bankruptcy happens in the week of "
                      "`start`.")
    sector: Literal["comparison", "daily", "food_beverage", "services", "leisure"] = Field(
        "comparison", description="Sector of the chain (the largest chain of it fails).")

    def what(self) -> str:
        return f"the largest {self.sector} chain closes all its units at once."

    def strike(self, model: CityCentre) -> None:
        """In the week of ``start``: the chain with the most open units in the sector closes
        all of them."""
        if not self.start <= model.date < self.start + dt.timedelta(weeks=1):
            return
        premises = model.premises
        sector = SECTORS.index(self.sector)
        mine = premises.open & (premises.sector == sector) & (premises.brand >= 0)
        if not mine.any():
            return
        brand = int(np.argmax(np.bincount(premises.brand[mine])))
        for p in np.flatnonzero(mine & (premises.brand == brand)):
            model.shops.close(int(p), "chain_bankruptcy")

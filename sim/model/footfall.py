"""Footfall: passers-by on every street cell, the impulse spending they bring, and its memory.

Every walk of the week (origin to door, summed by :meth:`sim.model.residents.Residents.visit`
and the venues' events into :attr:`Footfall.walks`) is counted on each cell of its shortest
route (:func:`sim.town.legs.accumulate_walks`); shops earn impulse revenue from the
passers-by at their door (Koster, Pasidis & van Ommeren 2019). A smoothed footfall is what
rents, entrants and the app see.

Built and stepped by :class:`sim.model.model.CityCentre`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import kernels
from sim.town.legs import accumulate_walks

if TYPE_CHECKING:
    from sim.model.model import CityCentre

#: Weeks of the exponential smoothing of footfall.
FOOTFALL_SMOOTHING_WEEKS = 8.0


class Footfall:
    """Walkers per route and passers-by per street cell.

    Attributes:
        walks: (O * D,) walkers from each origin to each door this week.
        legs: (P * M,) walkers from each premises to each of its nearest this week (tours).
        cells: (C,) passers-by on each walkable cell this week.
        smooth: (C,) passers-by per week, exponentially smoothed.
        baseline: (C,) expected passers-by with every unit open (set-up).
        reference: the baseline at the busiest premises.
    """

    def __init__(self, model: CityCentre) -> None:
        self.model = model
        routes = model.routes
        self.walks = np.zeros(routes.n_origins * routes.n_doors)
        self.legs = np.zeros(routes.legs.near.size)
        self.cells = np.zeros(routes.n_cells)

    def expected(self) -> tuple[np.ndarray, np.ndarray]:
        """(C,) passers-by per cell and (P,) spending per premises in an average week of the
        centre as it is now (:meth:`sim.model.residents.Residents.baseline_walks`)."""
        walks, legs, spending = self.model.residents.baseline_walks()
        return self.laid_out(walks, legs), spending

    def laid_out(self, walks: np.ndarray, legs: np.ndarray) -> np.ndarray:
        """(C,) passers-by per cell of ``walks`` (origin to door) and ``legs`` (premises to
        premises)."""
        routes = self.model.routes
        return accumulate_walks(routes.trees, walks.reshape(routes.n_origins, -1), routes.legs,
                                legs, routes.n_cells)

    def set_baseline(self, baseline: np.ndarray) -> None:
        """The footfall with every unit open: the start of the smoothed footfall and the
        reference of market rents."""
        self.baseline = baseline
        self.smooth = baseline.copy()
        self.reference = float(baseline[self.model.town.premises_access].max())

    def start_week(self) -> tuple[np.ndarray, np.ndarray]:
        """No walkers yet this week; returns the arrays the week's walks and legs are added
        to."""
        self.walks.fill(0.0)  # in place: fresh arrays of 2.5 MB a week on grootstad cost
        self.legs.fill(0.0)  # page faults besides the zeroing
        return self.walks, self.legs

    def add_walks(self, origin: np.ndarray, door: np.ndarray, weight: np.ndarray) -> None:
        """Add walkers (households of ``weight``) from each ``origin`` to each ``door``."""
        n_doors = self.model.routes.n_doors
        # summed per (origin, door) in the given order, as a bincount over all of them, but
        # added only where someone walks: not a fresh array of every pair (1.6 MB on grootstad)
        pairs, at = np.unique(origin * n_doors + door, return_inverse=True)
        self.walks[pairs] += np.bincount(at, weights=weight, minlength=pairs.size)

    def walk(self) -> None:
        """Footfall: every walk (origin to door) counted on each cell of its route; shops earn
        impulse revenue from the passers-by at their door."""
        model = self.model
        premises = model.premises
        self.cells = self.laid_out(self.walks, self.legs)
        impulse = model.params.economy.shops.impulse_eur_per_passerby
        trading = premises.open & ~model.conditions.closed_sectors[premises.sector]
        premises.revenue += trading * impulse * self.cells[model.town.premises_access]
        self.smooth = kernels.ewma(self.smooth, self.cells, FOOTFALL_SMOOTHING_WEEKS)

    def at_premises(self) -> np.ndarray:
        """(P,) smoothed passers-by per week at the door of each premises."""
        return self.smooth[self.model.town.premises_access]

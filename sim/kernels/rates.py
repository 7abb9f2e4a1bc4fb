"""The residents' visit rates in one compiled pass (:meth:`sim.model.residents.Residents._rates`).

Each resident's rate per purpose (daily, comparison, leisure) is its base rate times the pull
of the centre on its group; from them its total rate, its cumulative purpose shares and the
running sum of the leisure rates that event visitors are drawn by. The numpy it replaces made
seven passes over the (purpose, N) arrays (111,000 residents in grootstad: about 1.5 ms at each
perception and each conversion); this makes one, with the same arithmetic in the same order,
so every number is the same to the bit (``tests/kernels/test_rates.py``).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["visit_rates"]


@numba.njit(cache=True, nogil=True)
def _visit_rates(base, pull, group, scaled, total, cut, leisure, leisure_cum):
    running = 0.0
    for i in range(base.shape[1]):
        r0, r1, r2 = base[0, i], base[1, i], base[2, i]
        if scaled:
            g = group[i]
            r0 *= pull[0, g]
            r1 *= pull[1, g]
            r2 *= pull[2, g]
        both = r0 + r1
        t = both + r2  # numpy's sum over the purposes: row by row, in order
        total[i] = t
        if t < 1e-300:  # np.maximum(total, 1e-300), NaN kept
            t = 1e-300
        cut[0, i] = r0 / t
        cut[1, i] = both / t
        leisure[i] = r2
        running += r2
        leisure_cum[i] = running


def visit_rates(base: np.ndarray, pull: np.ndarray | None,
                group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rates of (3, N) ``base`` per purpose, each times ``pull[purpose, group[i]]`` (none if
    ``pull`` is None).

    Returns:
        total: (N,) the sum of the three rates (``rates.sum(axis=0)``);
        cut: (2, N) the cumulative purpose shares ``[r0, r0 + r1] / max(total, 1e-300)``;
        leisure: (N,) the leisure (third) rates;
        leisure_cum: (N,) their running sum (``np.cumsum``).
    """
    n = base.shape[1]
    total, leisure, leisure_cum = np.empty(n), np.empty(n), np.empty(n)
    cut = np.empty((2, n))
    scaled = pull is not None
    _visit_rates(base, pull if scaled else np.ones((3, 1)), group, scaled, total, cut,
                 leisure, leisure_cum)
    return total, cut, leisure, leisure_cum

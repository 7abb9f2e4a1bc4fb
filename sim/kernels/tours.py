"""The next-stop table of visits that walk from stop to stop (tours), compiled.

A tour's next stop is drawn from the current stop's row of this table: for each trip
purpose, premises and taste class, the cumulative probabilities of its ``M`` nearest premises
(:mod:`sim.town.legs`) by their choice weight. :class:`sim.model.residents.Residents` fills it
after each perception (every row) and between perceptions refills only the rows whose
neighbours opened, closed or changed sector (:func:`fill_next_stops`); the stops of
:mod:`sim.kernels.visits` draw from it (:func:`next_stop`).

Why compiled, with a guide table (measured on ``grootstad``, 1,650 premises, M = 64, one
thread, loaded 2-core machine): the fill in numpy built several (P, K, M) temporaries and
took 3 ms a call, 8 ms of CPU a week at 2.7 fills a week; the loop below writes each row once.
A binary search over a row of 64 probes up to 6 of its 8 cache lines, and the rows (7.6 MB)
are read in the random order of the tours, so the stops waited on memory: about 70 ns a stop.
A guide row (Chen & Asau 1974, as in :class:`sim.kernels.ChoiceTable`) points the draw to the
entry where its search starts, usually the one it returns; where the next bin's guide points
to the same entry, no entry ends in the uniform's bin and that entry is the column, found
without reading the probabilities at all (one read from memory a stop instead of two). The
guide is one byte an entry (1 MB on grootstad instead of 2), so more of it stays in cache.
All give the same column as the binary search for every uniform, so the draws are unchanged
to the bit.

Pure functions over arrays: ``P`` premises, ``K`` taste classes, ``M`` neighbours.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.kernels import parallel

#: Steps forward from the guide's start before a draw switches to a binary search.
_GUIDE_STEPS = 4


@numba.njit(cache=True, inline="always")
def next_stop(local_cdf: np.ndarray, local_guide: np.ndarray, base: int, width: int,
              u: float) -> int:
    """Column of the next-stop row at flat index ``base``: the first whose cumulative
    probability exceeds ``u`` (at most ``width - 1``), i.e. ``searchsorted(row, u, "right")``.

    Every entry before the guide's start lies in a lower bin ``trunc(cdf * M)`` than ``u``,
    and bins never decrease with the value, so those entries are below ``u``: starting
    there finds the binary search's column."""
    b = min(int(u * width), width - 1)  # u * M rounds up to M near 1
    idx = np.int64(local_guide[base + b])
    if b < width - 1 and local_guide[base + b + 1] == idx:
        return min(idx, width - 1)  # no entry in u's bin: the first above it is the column
    for _ in range(_GUIDE_STEPS):
        if idx >= width - 1 or local_cdf[base + idx] > u:
            return min(idx, width - 1)
        idx += 1
    lo = idx
    hi = width - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if local_cdf[base + mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, inline="always")
def _guide_row(cdf: np.ndarray, guide: np.ndarray, base: int, width: int,
               in_bin: np.ndarray) -> None:
    """``guide[base + b]``: the first column of the row whose bin is ``b`` or above, i.e. the
    number of its entries in lower bins (bins never decrease along a row)."""
    for b in range(width + 1):
        in_bin[b] = 0
    for j in range(width):
        in_bin[int(cdf[base + j] * width)] += 1
    below = 0
    for b in range(width):
        guide[base + b] = below
        below += in_bin[b]


@numba.njit(cache=True, nogil=True)
def _fill_rows(near, key, moved, full, local_w, taste_w, lo, hi, cdf, guide, has):
    """Premises ``lo .. hi`` of one purpose: every row if ``full``, else the rows with a
    neighbour ``q`` that ``moved[q]``. The arithmetic of the numpy fill it replaces, term by
    term: a neighbour that does not serve the purpose (``key`` < 0) or a missing one weighs
    0.0; the cumulative sums run left to right and are divided by the row's total (exactly
    1.0 at the end); a row without weight is 1.0 throughout and has no choice."""
    n_k = taste_w.shape[0]
    width = near.shape[1]
    in_bin = np.empty(width + 1, dtype=np.int64)
    for p in range(lo, hi):
        if not full:
            hit = False
            for m in range(width):
                q = near[p, m]
                if q >= 0 and moved[q]:
                    hit = True
                    break
            if not hit:
                continue
        for k in range(n_k):
            base = (p * n_k + k) * width
            acc = 0.0
            for m in range(width):
                q = near[p, m]
                x = 0.0
                if q >= 0 and key[q] >= 0:
                    x = local_w[p, m] * taste_w[k, key[q]]
                acc += x
                cdf[base + m] = acc
            ok = acc > 0
            has[p * n_k + k] = ok
            if ok:
                for m in range(width):
                    cdf[base + m] = cdf[base + m] / acc
            else:
                for m in range(width):
                    cdf[base + m] = 1.0
            _guide_row(cdf, guide, base, width, in_bin)


def fill_next_stops(near: np.ndarray, key: np.ndarray, previous: np.ndarray | None,
                    local_w: np.ndarray, taste_w: np.ndarray, cdf: np.ndarray,
                    guide: np.ndarray, has: np.ndarray) -> None:
    """One purpose's rows of the next-stop table, in place, in the fixed blocks of
    :mod:`sim.kernels.parallel` (rows are independent, so threads do not change a bit).

    Args:
        near: (P, M) the nearest premises of each premises, -1 where a town has fewer.
        key: (P,) each premises' sector where it serves the purpose, else -1.
        previous: ``key`` at the last fill with the same ``local_w``: only the rows with a
            neighbour whose key changed are refilled; None refills every row.
        local_w: (P, M) choice weight of each neighbour before taste.
        taste_w: (K, S) taste weight of each taste class for each sector.
        cdf: (P * K * M,) float64 cumulative probabilities, row ``p * K + k``.
        guide: (P * K * M,) integer guide of each row (:func:`next_stop`).
        has: (P * K,) bool, whether the row has any weight.
    """
    n_units = near.shape[0]
    full = previous is None
    moved = np.zeros(n_units, dtype=bool) if full else previous != key
    if not full and not moved.any():
        return
    edges = [n_units * b // parallel.BLOCKS for b in range(parallel.BLOCKS + 1)]
    parallel.map_blocks(_fill_rows, [
        (near, key, moved, full, local_w, taste_w, edges[b], edges[b + 1], cdf, guide, has)
        for b in range(parallel.BLOCKS)], items=near.size * (taste_w.shape[0] if full else 1))


@numba.njit(cache=True, nogil=True)
def _guides(cdf, width, guide):
    in_bin = np.empty(width + 1, dtype=np.int64)
    for row in range(cdf.size // width):
        _guide_row(cdf, guide, row * width, width, in_bin)


def guide_dtype(width: int) -> type:
    """The smallest integer type of a next-stop guide over rows of ``width`` (its entries run
    to ``width``): one byte for the usual 64 neighbours, so more of the table stays in cache."""
    return np.uint8 if width < 256 else np.int16


def next_stop_guide(local_cdf: np.ndarray, width: int) -> np.ndarray:
    """The guide of a next-stop table given without one (rows of ``width``), as
    :func:`fill_next_stops` writes it."""
    guide = np.empty(local_cdf.size, dtype=guide_dtype(width))
    _guides(local_cdf, width, guide)
    return guide

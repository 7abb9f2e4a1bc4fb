"""Walking legs between nearby premises, for visits that walk from stop to stop (tours).

A visit with several stops walks from one shop to the next (Borgers & Timmermans' pedestrian
models), not back to where it came from between stops. The next stop is chosen among the
``M`` premises nearest to the current one by walking distance (:data:`NEAR_PREMISES`; further
stops are rare at the distance decay of the choice rule). :func:`nearest_premises` finds them
with one breadth-first search from each premises' access cell and keeps the cells of each
shortest route, so the walkers of every leg can be laid on the streets
(:func:`accumulate_legs`).

Pure compiled functions over arrays: ``P`` premises, ``C`` walkable cells, ``M`` neighbours.
Built once per model by :class:`sim.town.routes.Routes`; the flows are added every week by
:class:`sim.model.footfall.Footfall`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp

from sim.kernels import parallel
from sim.town.flows import accumulate_paths
from sim.town.routing import PathTrees

#: Premises a visitor considers for its next stop: the nearest by walking distance.
NEAR_PREMISES = 64


@dataclass(frozen=True, eq=False)
class Legs:
    """The nearest premises of every premises and the routes to them.

    Attributes:
        near: (P, M) int32 the M premises nearest to each premises' door (itself excluded),
            nearest first; -1 where a town has fewer.
        steps: (P, M) int32 cell steps between the two doors.
        path_start: (P * M + 1,) int64 start of each leg's cells in ``path_cells``.
        path_cells: (L,) int32 the cells walked on each leg, both doors included.
    """

    near: np.ndarray
    steps: np.ndarray
    path_start: np.ndarray
    path_cells: np.ndarray

    @property
    def width(self) -> int:
        """M, neighbours per premises."""
        return self.near.shape[1]


@numba.njit(cache=True, nogil=True)
def _search(indptr, indices, access, at_cell_start, at_cell, sources, width, near, steps,
            parent_out, lo, hi):
    """Premises ``lo .. hi``: breadth-first search from the access cell until ``width`` other
    premises are reached (in order of distance, then cell order of the search); their index,
    steps and the search's parent cells (row of ``parent_out``) are kept."""
    n_cells = indptr.size - 1
    dist = np.full(n_cells, -1, dtype=np.int32)
    queue = np.empty(n_cells, dtype=np.int32)
    for p in range(lo, hi):
        src = access[p]
        touched = 0
        dist[src] = 0
        queue[0] = src
        parent_out[p - lo, src] = -1
        head, tail, found = 0, 1, 0
        while head < tail and found < width:
            c = queue[head]
            head += 1
            for k in range(at_cell_start[c], at_cell_start[c + 1]):
                q = at_cell[k]
                if q != p and found < width:
                    near[p, found] = q
                    steps[p, found] = dist[c]
                    found += 1
            for j in range(indptr[c], indptr[c + 1]):
                n = indices[j]
                if dist[n] < 0:
                    dist[n] = dist[c] + 1
                    parent_out[p - lo, n] = c
                    queue[tail] = n
                    tail += 1
        touched = tail
        for i in range(touched):  # reset only what this search touched
            dist[queue[i]] = -1
        sources[p] = src


@numba.njit(cache=True, nogil=True)
def _paths(near, steps, access, parent, lo, hi, start, cells):
    """Cells of each leg of premises ``lo .. hi`` (``start``: offsets within this chunk),
    walked back from the neighbour's door to the premises' own door."""
    width = near.shape[1]
    for p in range(lo, hi):
        for m in range(width):
            leg = (p - lo) * width + m
            q = near[p, m]
            if q < 0:
                continue
            c = access[q]
            k = start[leg + 1] - 1
            while c >= 0:
                cells[k] = c
                k -= 1
                c = parent[p - lo, c]


def nearest_premises(adjacency: sp.csr_array, access: np.ndarray,
                     width: int = NEAR_PREMISES) -> Legs:
    """The ``width`` premises nearest to each premises by walking distance, and the routes.

    Args:
        adjacency: (C, C) symmetric 0/1 links between walkable cells.
        access: (P,) walkable index of each premises' door (access cell).
        width: M, neighbours per premises (fewer if the town has fewer premises).

    Returns:
        The :class:`Legs`; ties in distance are broken by the order of the search (cells in
        the order of the adjacency's links), so the result is deterministic.
    """
    adjacency = sp.csr_array(adjacency)
    access = access.astype(np.int32)
    n_premises = access.size
    n_cells = adjacency.shape[0]
    width = max(min(width, n_premises - 1), 1)
    at_cell_start = np.zeros(n_cells + 1, dtype=np.int64)
    np.cumsum(np.bincount(access, minlength=n_cells), out=at_cell_start[1:])
    at_cell = np.argsort(access, kind="stable").astype(np.int32)
    indptr = adjacency.indptr.astype(np.int64)
    indices = adjacency.indices.astype(np.int32)
    near = np.full((n_premises, width), -1, dtype=np.int32)
    steps = np.zeros((n_premises, width), dtype=np.int32)
    sources = np.empty(n_premises, dtype=np.int32)
    # chunks of premises, so that the (chunk, C) search parents stay small
    chunk = max(1, min(n_premises, 2**22 // max(n_cells, 1)))
    lengths, cells = [], []
    # one buffer for every chunk: a fresh one of 16 MB each time cost grootstad 0.19 s of
    # page faults at set-up
    parents = np.empty((chunk, n_cells), dtype=np.int32)
    for lo in range(0, n_premises, chunk):
        hi = min(n_premises, lo + chunk)
        parent = parents[:hi - lo]
        parent.fill(-1)
        _search(indptr, indices, access, at_cell_start, at_cell, sources, width, near, steps,
                parent, lo, hi)
        length = np.where(near[lo:hi] >= 0, steps[lo:hi] + 1, 0).ravel().astype(np.int64)
        start = np.concatenate([[0], np.cumsum(length)])
        piece = np.empty(int(start[-1]), dtype=np.int32)
        _paths(near, steps, access, parent, lo, hi, start, piece)
        lengths.append(length)
        cells.append(piece)
    path_start = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int64)
    return Legs(near=near, steps=steps, path_start=path_start,
                path_cells=np.concatenate(cells).astype(np.int32))


@numba.njit(cache=True, nogil=True)
def _leg_block(counts, path_start, path_cells, lo, hi, out):
    for leg in range(lo, hi):
        w = counts[leg]
        if w == 0.0:
            continue
        for k in range(path_start[leg], path_start[leg + 1]):
            out[path_cells[k]] += w


def accumulate_legs(legs: Legs, counts: np.ndarray, n_cells: int) -> np.ndarray:
    """(C,) walkers on each cell from ``counts``, (P * M,) walkers per leg (premises p to its
    m-th neighbour at ``p * M + m``); every cell of a leg's route counts them once.

    The blocks' sums are added in block order, so the result does not depend on the number
    of threads."""
    n_legs = counts.size
    blocks = parallel.BLOCKS
    edges = [n_legs * b // blocks for b in range(blocks + 1)]
    outs = np.zeros((blocks, n_cells))
    parallel.map_blocks(_leg_block, [
        (counts, legs.path_start, legs.path_cells, edges[b], edges[b + 1], outs[b])
        for b in range(blocks)], items=int(legs.path_cells.size))
    total = outs[0].copy()
    for b in range(1, blocks):
        total += outs[b]
    return total


def _run(fn, *args):
    return fn(*args)


def accumulate_walks(trees: PathTrees, walks: np.ndarray, legs: Legs, counts: np.ndarray,
                     n_cells: int) -> np.ndarray:
    """(C,) walkers on each cell: ``accumulate_paths(trees, walks)`` plus
    ``accumulate_legs(legs, counts, n_cells)`` (if any leg is walked), the same numbers.

    The routes' pass is one serial pass (:mod:`sim.town.routing` says why); here it runs
    beside the legs' blocks, on the threads of :mod:`sim.kernels.parallel`, instead of before
    them (on grootstad 1.3 ms and 4 x 0.35 ms of a week's footfall)."""
    if not counts.any():
        return accumulate_paths(trees, walks)
    n_legs = counts.size
    blocks = parallel.BLOCKS
    edges = [n_legs * b // blocks for b in range(blocks + 1)]
    outs = np.zeros((blocks, n_cells))
    args = [(_leg_block, counts, legs.path_start, legs.path_cells, edges[b], edges[b + 1],
             outs[b]) for b in range(blocks)]
    # the routes second: on two threads one runs them and a leg block, the other three blocks
    args.insert(1, (accumulate_paths, trees, walks))
    cells = parallel.map_blocks(_run, args, items=int(legs.path_cells.size))[1]
    total = outs[0].copy()  # the legs' blocks in block order, as accumulate_legs adds them
    for b in range(1, blocks):
        total += outs[b]
    cells += total
    return cells

"""Walking routes on the town's 4-neighbour grid: shortest-path trees (flows along them are in
:mod:`sim.town.flows`).

Pedestrians walk shortest paths (in cell steps) from an origin (an entry point or a home zone's
street cell) to a destination cell. For each origin the shortest paths to all cells form one
breadth-first search tree, so a walker's route is the tree path from the origin to its
destination. The passers-by on a cell are then the walkers whose destination lies in the cell's
subtree.

All functions are pure and work on arrays:

* ``O`` origins, ``C`` walkable cells (``Town.walkable_xy``), ``D`` destination cells, distances
  in cell steps (multiply by ``Town.cell_size_m`` for metres).

Why :func:`accumulate_paths` works on compressed trees (measured on the ``grootstad`` benchmark:
C = 17,188 walkable cells, O = 112 origins (entry points and 25-cell home zones), D = 1,611
doors and event sites, deepest tree level 465; median CPU time of 20-200 calls on the shared
development machine, so +-20%; rows marked * were measured earlier with O = 120 and 15-cell
zones):

=====================================================================  ==========
method                                                                 ms / call
=====================================================================  ==========
level-by-level subtree sums over all O x C nodes (``np.bincount`` per   20
level, one flat level-major ordering)
sparse route incidence matrix, cells x (origin, destination) pairs,     32 *
28.7 M non-zeros (4.3 s to build) @ counts vector
the same restricted to rows of premises access cells (4.7 M nnz)        6.0 *
compressed trees, preorder slots and cumulative sums, in numpy          2.0
(``expand @ (cum[subtree_end] - cum[:-1])``); 210 k compressed nodes,
0.62 M expansion nnz
the same compiled, cell by cell over the rows of ``expand``             2.2
**the same compiled, slot by slot over the chains** (kept)             **1.2**
the same with counts given as (O, C) (column gather and a check)       2.5
=====================================================================  ==========

Slot by slot, the reads are sequential and the additions land in a (C,) array that stays in
cache; cell by cell, every term is a random read from the (K,) cumulative sums. Both add each
cell's terms in slot order, so they give the numpy figures to the bit. The incidence matrix also
needs memory proportional to the summed route lengths; the compressed trees need the number of
(origin, cell) pairs on routes to destinations at most.

The set-up, :func:`shortest_path_trees`, is compiled too: one origin at a time (its search,
level order and compressed tree in arrays of C that stay in cache), on the fixed origin blocks
of :mod:`sim.kernels.parallel`, then one pass that lays the trees out in the level-major and
preorder
arrays. On ``grootstad`` it takes 88 ms of CPU time, where a ``scipy`` breadth-first search per
origin followed by numpy passes over all O x C nodes took 490 ms; the other compiled passes:
:func:`accumulate_to_destinations` 1.5 ms (numpy 2.6), :func:`accumulate_along_paths` 11 ms
(numpy 16). All give the same arrays to the bit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp

from sim.kernels import parallel

__all__ = ["PathTrees", "shortest_path_trees"]


@dataclass(frozen=True, eq=False)
class PathTrees:
    """Shortest-path (BFS) trees from several origins over the walkable cells.

    Attributes:
        origins: (O,) int32 walkable indices of the origins.
        dist_steps: (O, C) int32 number of cell steps on the shortest path, -1 if unreachable.
        parent: (O, C) int32 predecessor on the shortest path from the origin; -1 for the origin
            itself and for unreachable cells.
        destinations: (D,) int32 sorted walkable indices walkers may go to (all cells if not
            restricted).
        node_flat: (N,) int64 flat index ``o * C + c`` of every reachable (origin, cell) node,
            ordered by depth (level-major), then origin, then cell.
        node_cell: (N,) int32 cell ``c`` of each node in that order.
        level_start: (L + 2,) int64 start of each depth level ``0..L`` in the node order, plus N.
        parent_rel: (N,) int32 position of each node's parent relative to the start of the
            previous level (0 for the origins, level 0).
        dest_slot: (O, D) int64 preorder slot of node (o, destinations[d]) in the compressed
            trees, K where unreachable.
        subtree_end: (K,) int64 end (exclusive) of each compressed node's subtree in preorder.
        expand: (C, K) csr_array mapping compressed-node subtree totals to cells.
        chain_start: (K + 1,) int64 start of each compressed node's cells in ``chain_cells``.
        chain_cells: (M,) int32 the cells each compressed node stands for (the chain of cells
            down to it), ascending; the columns of ``expand``.
    """

    origins: np.ndarray
    dist_steps: np.ndarray
    parent: np.ndarray
    destinations: np.ndarray
    node_flat: np.ndarray
    node_cell: np.ndarray
    level_start: np.ndarray
    parent_rel: np.ndarray
    dest_slot: np.ndarray
    subtree_end: np.ndarray
    expand: sp.csr_array
    chain_start: np.ndarray
    chain_cells: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of walkable cells C."""
        return self.dist_steps.shape[1]


@numba.njit(cache=True, nogil=True)
def _grow_trees(
    indptr: np.ndarray,
    indices: np.ndarray,
    t_indptr: np.ndarray,
    t_indices: np.ndarray,
    is_dest: np.ndarray,
    origins: np.ndarray,
    parent: np.ndarray,
    depth: np.ndarray,
    rank: np.ndarray,
    slot: np.ndarray,
    chain: np.ndarray,
    end: np.ndarray,
    n_comp: np.ndarray,
) -> None:
    """Breadth-first tree of each origin and its compressed form, one origin (row) at a time.

    The search is the rule of ``scipy.sparse.csgraph.breadth_first_order(directed=False)``:
    cells leave the queue first in, first out; each scans its out-links (``indptr``,
    ``indices``) and then its in-links (``t_indptr``, ``t_indices``, empty for a symmetric
    adjacency) in stored order, and a cell's parent is the queued cell that reached it first.

    A cell is *kept* if its subtree holds a destination, and *compressed* if it is also the
    origin, a destination or has two or more kept children. The compressed nodes get slots
    (local to the origin) in depth-first preorder, the children of a node taken in order of
    (depth, cell).

    Fills, for row ``i`` of the (O, C) outputs: ``parent``, ``depth`` (-1 where unreachable),
    ``rank`` (place of the cell among the cells of its depth, by cell index), ``slot`` (local
    preorder slot of compressed cells, -1 elsewhere), ``chain`` (slot of the compressed node at
    the lower end of a kept cell's chain, -1 where not kept), ``end[i, s]`` (end of slot ``s``'s
    subtree, exclusive) and ``n_comp[i]`` (number of compressed nodes).
    """
    n_cells = len(indptr) - 1
    queue = np.empty(n_cells, dtype=np.int32)
    by_level = np.empty(n_cells, dtype=np.int32)  # cells in order of (depth, cell)
    level_begin = np.empty(n_cells + 1, dtype=np.int64)
    level_fill = np.empty(n_cells + 1, dtype=np.int64)
    kept = np.empty(n_cells, dtype=np.bool_)  # the subtree holds a destination
    n_child = np.empty(n_cells, dtype=np.int32)  # kept children
    bottom = np.empty(n_cells, dtype=np.int32)  # compressed cell at the lower end of the chain
    size = np.empty(n_cells, dtype=np.int32)  # compressed nodes in the subtree
    up = np.empty(n_cells, dtype=np.int32)  # nearest compressed ancestor-or-self
    next_free = np.empty(n_cells, dtype=np.int32)  # next free slot under a compressed cell
    for i in range(len(origins)):
        par, dep = parent[i], depth[i]
        head = origins[i]
        dep[head] = 0
        queue[0] = head
        kept[head], n_child[head], size[head] = is_dest[head], 0, 0
        front, n_reached = 0, 1
        while front < n_reached:
            cell = queue[front]
            front += 1
            d = dep[cell] + 1
            for j in range(indptr[cell], indptr[cell + 1]):
                nb = indices[j]
                if dep[nb] < 0:
                    dep[nb], par[nb] = d, cell
                    kept[nb], n_child[nb], size[nb] = is_dest[nb], 0, 0
                    queue[n_reached] = nb
                    n_reached += 1
            for j in range(t_indptr[cell], t_indptr[cell + 1]):
                nb = t_indices[j]
                if dep[nb] < 0:
                    dep[nb], par[nb] = d, cell
                    kept[nb], n_child[nb], size[nb] = is_dest[nb], 0, 0
                    queue[n_reached] = nb
                    n_reached += 1
        # (depth, cell) order by counting sort; rank within the depth.
        max_depth = dep[queue[n_reached - 1]]
        level_fill[: max_depth + 2] = 0
        for c in range(n_cells):
            if dep[c] >= 0:
                level_fill[dep[c] + 1] += 1
        for k in range(1, max_depth + 2):
            level_fill[k] += level_fill[k - 1]
        level_begin[: max_depth + 2] = level_fill[: max_depth + 2]
        rk = rank[i]
        for c in range(n_cells):
            d = dep[c]
            if d >= 0:
                p = level_fill[d]
                level_fill[d] += 1
                by_level[p] = c
                rk[c] = p - level_begin[d]
        # Kept and compressed cells, chains and subtree sizes, deepest first: a cell's
        # children are done when it comes up. A kept cell that is not compressed has one
        # kept child, whose chain it continues.
        for q in range(n_reached - 1, -1, -1):
            c = queue[q]
            if not kept[c]:
                continue
            if q == 0 or is_dest[c] or n_child[c] >= 2:
                bottom[c], up[c] = c, c
                size[c] += 1
            else:
                up[c] = -1
            if q > 0:
                p = par[c]
                kept[p] = True
                n_child[p] += 1
                size[p] += size[c]
                bottom[p] = bottom[c]
        # Preorder slots, parents first, siblings in (depth, cell) order.
        sl = slot[i]
        count = 0
        for q in range(n_reached):
            c = by_level[q]
            if not kept[c]:
                continue
            if up[c] < 0:
                up[c] = up[par[c]]
                continue
            if q == 0:
                s = 0
            else:
                above = up[par[c]]
                s = next_free[above]
                next_free[above] += size[c]
            next_free[c] = s + 1
            sl[c] = s
            end[i, s] = s + size[c]
            count += 1
        n_comp[i] = count
        ch = chain[i]
        for q in range(n_reached):
            c = queue[q]
            if kept[c]:
                ch[c] = sl[bottom[c]]


@numba.njit(cache=True)
def _assemble(
    parent: np.ndarray,
    depth: np.ndarray,
    rank: np.ndarray,
    slot: np.ndarray,
    chain: np.ndarray,
    end: np.ndarray,
    n_comp: np.ndarray,
    dest: np.ndarray,
) -> tuple:
    """The trees of all origins in the layout of :class:`PathTrees`.

    Nodes in level-major order (depth, origin, cell); compressed slots of origin ``i`` after
    those of origins ``0 .. i - 1`` (the preorder of the forest of all trees).

    Returns:
        ``(node_flat, node_cell, level_start, parent_rel, dest_slot, subtree_end, indptr,
        indices, chain_start, chain_cells)``: ``indptr`` and ``indices`` are the CSR structure
        of ``PathTrees.expand``, the rest fields of :class:`PathTrees`.
    """
    n_orig, n_cells = depth.shape
    max_depth = -1
    for i in range(n_orig):
        for c in range(n_cells):
            max_depth = max(max_depth, depth[i, c])
    # offset[i, k]: where origin i's nodes of depth k start in the level-major order.
    count = np.zeros((n_orig, max_depth + 1), dtype=np.int64)
    for i in range(n_orig):
        for c in range(n_cells):
            if depth[i, c] >= 0:
                count[i, depth[i, c]] += 1
    offset = np.empty((n_orig, max_depth + 1), dtype=np.int64)
    level_start = np.empty(max_depth + 2, dtype=np.int64)
    total = 0
    for k in range(max_depth + 1):
        level_start[k] = total
        for i in range(n_orig):
            offset[i, k] = total
            total += count[i, k]
    level_start[max_depth + 1] = total
    node_flat = np.empty(total, dtype=np.int64)
    node_cell = np.empty(total, dtype=np.int32)
    parent_rel = np.zeros(total, dtype=np.int32)
    for i in range(n_orig):
        for c in range(n_cells):
            d = depth[i, c]
            if d < 0:
                continue
            p = offset[i, d] + rank[i, c]
            node_flat[p] = i * n_cells + c
            node_cell[p] = c
            if d > 0:
                parent_rel[p] = offset[i, d - 1] + rank[i, parent[i, c]] - level_start[d - 1]
    # Slots: origin i's compressed trees start at base[i].
    base = np.zeros(n_orig + 1, dtype=np.int64)
    for i in range(n_orig):
        base[i + 1] = base[i] + n_comp[i]
    n_slots = base[n_orig]
    subtree_end = np.empty(n_slots, dtype=np.int64)
    for i in range(n_orig):
        for s in range(n_comp[i]):
            subtree_end[base[i] + s] = base[i] + end[i, s]
    dest_slot = np.full((n_orig, len(dest)), n_slots, dtype=np.int64)
    for i in range(n_orig):
        for d in range(len(dest)):
            if slot[i, dest[d]] >= 0:
                dest_slot[i, d] = base[i] + slot[i, dest[d]]
    # expand: a row per cell, slots ascending (origins in order, one node per origin).
    indptr = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n_orig):
        for c in range(n_cells):
            if chain[i, c] >= 0:
                indptr[c + 1] += 1
    for c in range(n_cells):
        indptr[c + 1] += indptr[c]
    fill = indptr[:-1].copy()
    indices = np.empty(indptr[n_cells], dtype=np.int64)
    for i in range(n_orig):
        for c in range(n_cells):
            if chain[i, c] >= 0:
                indices[fill[c]] = base[i] + chain[i, c]
                fill[c] += 1
    # The same links by slot: cells ascending within each (origin i's cells in order).
    chain_start = np.zeros(n_slots + 1, dtype=np.int64)
    for i in range(n_orig):
        for c in range(n_cells):
            if chain[i, c] >= 0:
                chain_start[base[i] + chain[i, c] + 1] += 1
    for k in range(n_slots):
        chain_start[k + 1] += chain_start[k]
    fill = chain_start[:-1].copy()
    chain_cells = np.empty(chain_start[n_slots], dtype=np.int32)
    for i in range(n_orig):
        for c in range(n_cells):
            if chain[i, c] >= 0:
                k = base[i] + chain[i, c]
                chain_cells[fill[k]] = c
                fill[k] += 1
    return (
        node_flat,
        node_cell,
        level_start,
        parent_rel,
        dest_slot,
        subtree_end,
        indptr,
        indices,
        chain_start,
        chain_cells,
    )


def shortest_path_trees(
    adjacency: sp.sparray | sp.spmatrix,
    origins: np.ndarray,
    destinations: np.ndarray | None = None,
) -> PathTrees:
    """Breadth-first shortest-path trees from each origin.

    Ties between equally short paths are broken deterministically: a cell's parent is the neighbour
    through which BFS (neighbours in increasing index order) first reached it.

    Besides distances and parents, this precomputes a compressed form of the trees for
    :func:`accumulate_paths`: each tree is pruned to the paths towards ``destinations`` and every
    chain of cells with a single continuing path is merged into the node below it. Ordering the
    compressed nodes of all trees in depth-first preorder makes every subtree a contiguous slot
    range, so the walkers passing a node are a difference of two cumulative sums.

    Args:
        adjacency: (C, C) symmetric sparse 0/1 links between walkable cells (``Town.adjacency``).
        origins: (O,) walkable indices of the origins (duplicates allowed).
        destinations: (D,) walkable indices walkers can go to (e.g. premises access cells), or
            None for all cells. Fewer destinations make :func:`accumulate_paths` faster.

    Returns:
        The trees.
    """
    adjacency = sp.csr_array(adjacency)
    adjacency.sort_indices()
    transpose = sp.csr_array(adjacency.T)  # in-links, for a non-symmetric adjacency
    transpose.sort_indices()
    origins = np.asarray(origins, dtype=np.int32).ravel()
    n_orig, n_cells = len(origins), adjacency.shape[0]
    if n_orig and (origins.min() < 0 or origins.max() >= n_cells):
        raise ValueError(f"origins must be walkable indices in [0, {n_cells}), got {origins}")
    if destinations is None:
        dest = np.arange(n_cells, dtype=np.int32)
    else:
        dest = np.unique(np.asarray(destinations, dtype=np.int32).ravel())
        if len(dest) and (dest[0] < 0 or dest[-1] >= n_cells):
            raise ValueError(f"destinations must be walkable indices in [0, {n_cells})")
    symmetric = np.array_equal(adjacency.indptr, transpose.indptr) and np.array_equal(
        adjacency.indices, transpose.indices
    )
    if symmetric:  # the in-links are the out-links: nothing new to scan
        transpose = sp.csr_array((n_cells, n_cells), dtype=np.int8)
    is_dest = np.zeros(n_cells, dtype=bool)
    is_dest[dest] = True
    parent = np.full((n_orig, n_cells), -1, dtype=np.int32)
    dist = np.full((n_orig, n_cells), -1, dtype=np.int32)
    rank = np.empty((n_orig, n_cells), dtype=np.int32)
    slot = np.full((n_orig, n_cells), -1, dtype=np.int32)
    chain = np.full((n_orig, n_cells), -1, dtype=np.int32)
    end = np.empty((n_orig, n_cells), dtype=np.int32)
    n_comp = np.zeros(n_orig, dtype=np.int64)
    links = (adjacency.indptr, adjacency.indices, transpose.indptr, transpose.indices)
    # Each origin's tree on its own: fixed blocks of origins, on threads.
    cut = np.linspace(0, n_orig, parallel.BLOCKS + 1).astype(int)
    rows = [slice(a, b) for a, b in itertools.pairwise(cut)]
    per_origin = (origins, parent, dist, rank, slot, chain, end, n_comp)
    parallel.map_blocks(_grow_trees, [(*links, is_dest, *(x[r] for x in per_origin)) for r in rows])
    layout = _assemble(parent, dist, rank, slot, chain, end, n_comp, dest)
    node_flat, node_cell, level_start, parent_rel, dest_slot, subtree_end = layout[:6]
    indptr, indices, chain_start, chain_cells = layout[6:]
    expand = sp.csr_array(
        (np.ones(len(indices)), indices, indptr), shape=(n_cells, len(subtree_end))
    )
    return PathTrees(
        origins=origins,
        dist_steps=dist,
        parent=parent,
        destinations=dest,
        node_flat=node_flat,
        node_cell=node_cell,
        level_start=level_start,
        parent_rel=parent_rel,
        dest_slot=dest_slot,
        subtree_end=subtree_end,
        expand=expand,
        chain_start=chain_start,
        chain_cells=chain_cells,
    )

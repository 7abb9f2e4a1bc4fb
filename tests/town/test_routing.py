"""Tests for sim.town.routing and sim.town.flows: BFS trees and flows along shortest paths."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, depth_first_order

from sim.kernels import parallel
from sim.town.flows import (
    accumulate_along_paths,
    accumulate_paths,
    accumulate_to_destinations,
)
from sim.town.maps import home_zones, load_preset, parse_map
from sim.town.routing import shortest_path_trees


def path_cells(trees, o, c):
    """Cells of the path from origin o to cell c, walked up the parent array."""
    cells = []
    while c >= 0:
        cells.append(int(c))
        c = trees.parent[o, c]
    return cells


def open_grid(w, h):
    rows = ["T" + "." * (w - 1)] + ["." * w] * (h - 2) + ["s" + "." * (w - 1)]
    return parse_map("\n".join(rows))


def test_bfs_distance_is_manhattan_on_open_grid():
    town = open_grid(7, 5)
    origins = town.walkable_index[[0, 2, 3], [0, 4, 6]]
    trees = shortest_path_trees(town.adjacency, origins)
    xy = town.walkable_xy
    for i, o in enumerate(origins):
        manhattan = np.abs(xy - xy[o]).sum(axis=1)
        assert np.array_equal(trees.dist_steps[i], manhattan)
        assert trees.parent[i, o] == -1
        # every parent is one step closer and a 4-neighbour
        c = np.nonzero(trees.parent[i] >= 0)[0]
        p = trees.parent[i, c]
        assert (trees.dist_steps[i, p] == trees.dist_steps[i, c] - 1).all()
        assert (np.abs(xy[p] - xy[c]).sum(axis=1) == 1).all()


def test_bfs_follows_detour_around_wall_and_blocking_cuts_off():
    town = parse_map("T...\n##.#\n....\n#s##\n")
    o = town.walkable_index[0, 0]
    target = town.walkable_index[2, 0]  # walkable_index is [y, x]
    trees = shortest_path_trees(town.adjacency, [o])
    # around the wall: (0,0) -> (2,0) -> (2,2) -> (0,2) is 2 + 2 + 2 steps
    assert trees.dist_steps[0, target] == 6
    assert len(path_cells(trees, 0, target)) == 7
    # opening a shortcut shortens it
    open_town = parse_map("T...\n.#.#\n....\n#s##\n")
    t2 = shortest_path_trees(open_town.adjacency, [open_town.walkable_index[0, 0]])
    assert t2.dist_steps[0, open_town.walkable_index[2, 0]] == 2


def test_blocking_a_street_cell_makes_detour_or_unreachable():
    base = "T.....\n.####.\n......\n#s####\n"
    town = parse_map(base)
    far = town.walkable_index[2, 1]
    d0 = shortest_path_trees(town.adjacency, [town.entry_access[0]]).dist_steps[0, far]
    blocked = "T.....\n#####.\n......\n#s####\n"
    town_b = parse_map(blocked)
    far_b = town_b.walkable_index[2, 1]
    d1 = shortest_path_trees(town_b.adjacency, [town_b.entry_access[0]]).dist_steps[0, far_b]
    assert (d0, d1) == (3, 11)  # 5 east + 2 south + 4 west
    # cutting the corridor leaves the cells beyond unreachable (from an origin on the cut side)
    cut = "T.....\n#####.\n......\n#s####\n".replace("T.....", "T..#..")
    with pytest.raises(ValueError, match="not connected"):
        parse_map(cut)
    town_c = parse_map("T..#..\n#####.\n..B...\n#s####\n")
    trees = shortest_path_trees(town_c.adjacency, town_c.entry_access)
    beyond = town_c.walkable_index[2, 0]
    assert trees.dist_steps[0, beyond] == -1 and trees.parent[0, beyond] == -1
    assert trees.dist_steps[1, beyond] == 2


def test_accumulate_paths_on_corridor_exact():
    town = parse_map("T....\nsssss\n")
    # corridor cells 0..4, origin at 0
    trees = shortest_path_trees(town.adjacency, [0])
    counts = np.zeros((1, 5))
    counts[0, 2] = 3.0  # 3 walkers to cell 2
    counts[0, 4] = 1.0  # 1 walker to cell 4
    counts[0, 0] = 2.0  # 2 walkers staying at the origin cell
    assert accumulate_paths(trees, counts).tolist() == [6.0, 4.0, 4.0, 1.0, 1.0]
    # two origins, opposite ends
    trees2 = shortest_path_trees(town.adjacency, [0, 4])
    c2 = np.zeros((2, 5))
    c2[0, 4] = 1.0
    c2[1, 0] = 2.0
    assert accumulate_paths(trees2, c2).tolist() == [3.0] * 5


def brute_force_paths(trees, counts):
    out = np.zeros(trees.dist_steps.shape[1])
    for o, c in zip(*np.nonzero(counts), strict=True):
        if trees.dist_steps[o, c] >= 0:
            out[path_cells(trees, o, c)] += counts[o, c]
    return out


@pytest.mark.parametrize("name", ["kleinstad", "middelstad"])
@pytest.mark.parametrize("restricted", [False, True])
def test_accumulate_paths_matches_brute_force_on_preset(name, restricted):
    town = load_preset(name)
    rng = np.random.default_rng(3)
    _, zone_origin = home_zones(town, 15)
    origins = np.concatenate([town.entry_access, rng.choice(zone_origin, 4, replace=False)])
    dest = np.unique(town.premises_access)
    trees = shortest_path_trees(town.adjacency, origins, dest if restricted else None)
    counts = np.zeros((len(origins), town.n_walkable))
    pick = rng.choice(dest, size=min(40, len(dest)), replace=False)
    counts[:, pick] = rng.poisson(3.0, size=(len(origins), len(pick)))
    expected = brute_force_paths(trees, counts)
    assert np.allclose(accumulate_paths(trees, counts), expected)
    if restricted:
        # the fast (O, D) form gives the same
        assert np.allclose(accumulate_paths(trees, counts[:, trees.destinations]), expected)
    # the origins' own cells carry every walker of that origin
    total = accumulate_paths(trees, counts)
    assert total[origins].sum() >= counts.sum() - 1e-9


def test_accumulate_paths_rejects_walkers_outside_destinations():
    town = parse_map("T....\nsssss\n")
    trees = shortest_path_trees(town.adjacency, [0], destinations=[2, 4])
    counts = np.zeros((1, 5))
    counts[0, 3] = 1.0
    with pytest.raises(ValueError, match="outside"):
        accumulate_paths(trees, counts)
    with pytest.raises(ValueError, match="shape"):
        accumulate_paths(trees, np.zeros((2, 5)))


def test_accumulate_paths_ignores_unreachable_destinations():
    town = parse_map("T.#..\nss#.B\n")
    trees = shortest_path_trees(town.adjacency, [0])
    counts = np.zeros((1, town.n_walkable))
    counts[0, town.walkable_index[0, 3]] = 5.0
    counts[0, town.walkable_index[0, 1]] = 1.0
    out = accumulate_paths(trees, counts)
    assert out[town.walkable_index[0, 0]] == 1.0
    assert out[town.walkable_index[0, 3]] == 0.0


def test_accumulate_along_paths_matches_brute_force():
    town = load_preset("kleinstad")
    rng = np.random.default_rng(5)
    origins = np.concatenate([town.entry_access, [0, town.n_walkable - 1]])
    trees = shortest_path_trees(town.adjacency, origins)
    values = rng.random(town.n_walkable)
    got = accumulate_along_paths(trees, values)
    assert got.shape == (len(origins), town.n_walkable)
    for o in range(len(origins)):
        for c in rng.choice(town.n_walkable, 30, replace=False):
            assert got[o, c] == pytest.approx(values[path_cells(trees, o, c)].sum())
    # ones count the path cells: distance + 1
    ones = accumulate_along_paths(trees, np.ones(town.n_walkable))
    assert np.array_equal(ones, trees.dist_steps + 1.0)


def test_accumulate_along_paths_nan_when_unreachable():
    town = parse_map("T.#..\nss#.B\n")
    trees = shortest_path_trees(town.adjacency, [0])
    got = accumulate_along_paths(trees, np.arange(town.n_walkable, dtype=float))
    assert np.isnan(got[0, town.walkable_index[0, 3]])
    assert got[0, town.walkable_index[0, 1]] == 0.0 + 1.0


def test_trees_are_deterministic():
    town = load_preset("kleinstad")
    a = shortest_path_trees(town.adjacency, town.entry_access)
    b = shortest_path_trees(town.adjacency, town.entry_access)
    assert np.array_equal(a.parent, b.parent) and np.array_equal(a.dist_steps, b.dist_steps)


@pytest.mark.parametrize("preset", ["kleinstad", "middelstad"])
def test_accumulate_to_destinations_equals_full_sums(preset):
    town = load_preset(preset)
    _, zone_origin = home_zones(town, 15)
    origins = np.concatenate([town.entry_access, zone_origin])
    trees = shortest_path_trees(town.adjacency, origins, town.premises_access)
    rng = np.random.default_rng(11)
    values = rng.integers(0, 4, town.n_walkable).astype(float)
    full = accumulate_along_paths(trees, values)[:, trees.destinations]
    got = accumulate_to_destinations(trees, values)
    assert got.shape == (len(origins), len(trees.destinations))
    assert np.array_equal(got, full)  # integer values: exact
    real = rng.random(town.n_walkable)
    assert np.allclose(
        accumulate_to_destinations(trees, real),
        accumulate_along_paths(trees, real)[:, trees.destinations],
    )
    with pytest.raises(ValueError):
        accumulate_to_destinations(trees, values[:-1])


def test_accumulate_to_destinations_nan_when_unreachable():
    town = parse_map("T.#..\nss#.B\n")
    dest = town.walkable_index[[0, 0], [1, 3]]
    trees = shortest_path_trees(town.adjacency, [0], dest)
    got = accumulate_to_destinations(trees, np.arange(town.n_walkable, dtype=float))
    col = np.searchsorted(trees.destinations, dest)
    assert got[0, col[0]] == 1.0
    assert np.isnan(got[0, col[1]])


def reference_trees(adjacency, origins, destinations):
    """The trees built the slow way, with scipy's searches and numpy passes over all O x C
    nodes (the construction before the compiled one): every field of ``PathTrees``."""
    adjacency = sp.csr_array(adjacency)
    adjacency.sort_indices()
    origins = np.asarray(origins, dtype=np.int32)
    n_orig, n_cells = len(origins), adjacency.shape[0]
    dest = np.unique(np.asarray(destinations, dtype=np.int32))
    parent = np.full((n_orig, n_cells), -1, dtype=np.int32)
    dist = np.full((n_orig, n_cells), -1, dtype=np.int32)
    for i, origin in enumerate(origins):
        order, pred = breadth_first_order(adjacency, int(origin), directed=False)
        parent[i] = np.where(pred >= 0, pred, -1)
        dist[i, order[0]] = 0
        for c in order[1:]:
            dist[i, c] = dist[i, parent[i, c]] + 1
    o_idx, c_idx = np.nonzero(dist >= 0)
    order = np.lexsort((c_idx, o_idx, dist[o_idx, c_idx]))  # level-major: depth, origin, cell
    o_idx, c_idx = o_idx[order], c_idx[order]
    depth = dist[o_idx, c_idx]
    n = len(order)
    level_start = np.searchsorted(depth, np.arange(depth[-1] + 2)).astype(np.int64)
    position = np.full((n_orig, n_cells), -1)
    position[o_idx, c_idx] = np.arange(n)
    is_root = depth == 0
    ppos = np.where(is_root, -1, position[o_idx, np.maximum(parent[o_idx, c_idx], 0)])
    parent_rel = np.where(is_root, 0, ppos - level_start[np.maximum(depth - 1, 0)])
    # kept: the subtree holds a destination; compressed: also a root, destination or branch
    is_dest = np.isin(c_idx, dest)
    kept, n_child, size = is_dest.copy(), np.zeros(n, int), np.zeros(n, int)
    for k in range(n - 1, 0, -1):
        if kept[k] and not is_root[k]:
            kept[ppos[k]] = True
            n_child[ppos[k]] += 1
    comp = kept & (is_root | is_dest | (n_child >= 2))
    bottom, up = np.where(comp, np.arange(n), -1), np.where(comp, np.arange(n), -1)
    size[comp] = 1
    for k in range(n - 1, -1, -1):
        if kept[k] and not is_root[k]:
            size[ppos[k]] += size[k]
            if not comp[ppos[k]]:
                bottom[ppos[k]] = bottom[k]
    for k in range(n):
        if kept[k] and not comp[k]:
            up[k] = up[ppos[k]]
    comp_pos = np.nonzero(comp)[0]
    n_comp = len(comp_pos)
    comp_id = np.full(n, -1)
    comp_id[comp_pos] = np.arange(n_comp)
    above = np.where(is_root[comp_pos], n_comp, comp_id[up[np.maximum(ppos[comp_pos], 0)]])
    forest = sp.csr_array(
        (np.ones(n_comp), (above, np.arange(n_comp))), shape=(n_comp + 1, n_comp + 1)
    )
    pre = depth_first_order(forest, n_comp, directed=True, return_predecessors=False)[1:]
    slot = np.empty(n_comp, dtype=np.int64)
    slot[pre] = np.arange(n_comp)
    subtree_end = np.empty(n_comp, dtype=np.int64)
    subtree_end[slot] = slot + size[comp_pos]
    expand = sp.csr_array(
        (np.ones(kept.sum()), (c_idx[kept], slot[comp_id[bottom[kept]]])),
        shape=(n_cells, n_comp),
    )
    dpos = position[:, dest]
    dest_slot = np.where(dpos >= 0, slot[comp_id[dpos]], n_comp)
    return {
        "dist_steps": dist,
        "parent": parent,
        "destinations": dest,
        "node_flat": (o_idx * n_cells + c_idx).astype(np.int64),
        "node_cell": c_idx.astype(np.int32),
        "level_start": level_start,
        "parent_rel": parent_rel.astype(np.int32),
        "dest_slot": dest_slot.astype(np.int64),
        "subtree_end": subtree_end,
        "expand": expand,
    }


def random_links(n, seed, symmetric):
    """A random sparse 0/1 link matrix over n cells, connected along a path."""
    rng = np.random.default_rng(seed)
    rows = np.concatenate([np.arange(n - 1), rng.integers(0, n, 3 * n)])
    cols = np.concatenate([np.arange(1, n), rng.integers(0, n, 3 * n)])
    links = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return ((links + links.T) if symmetric else links).astype(np.int8)


@pytest.mark.parametrize("case", ["kleinstad", "middelstad", "random", "random_directed"])
def test_trees_equal_the_reference_construction_to_the_bit(case):
    """The compiled trees, field by field, and the flows on them, to the bit: the same
    breadth-first parents (scipy's rule, also for links given one way only), the same
    level-major order and the same compressed preorder, so the same float sums."""
    rng = np.random.default_rng(7)
    if case in ("kleinstad", "middelstad"):
        town = load_preset(case)
        _, zone_origin = home_zones(town, 15)
        adjacency = town.adjacency
        origins = np.concatenate([town.entry_access, zone_origin, zone_origin[:2]])
        dest = town.premises_access
    else:
        adjacency = random_links(300, seed=1, symmetric=case == "random")
        origins = rng.integers(0, 300, 12)
        dest = rng.choice(300, 40, replace=False)
    trees = shortest_path_trees(adjacency, origins, dest)
    ref = reference_trees(adjacency, origins, dest)
    for name, expected in ref.items():
        got = getattr(trees, name)
        if name == "expand":
            assert got.shape == expected.shape and got.has_canonical_format
            for part in ("indptr", "indices", "data"):
                assert np.array_equal(getattr(got, part), getattr(expected, part)), part
            cols = got.tocsc()
            assert np.array_equal(trees.chain_start, cols.indptr)
            assert np.array_equal(trees.chain_cells, cols.indices)
        else:
            assert got.dtype == expected.dtype and np.array_equal(got, expected), name
    # the flows: the numpy arithmetic of the compressed trees, to the bit
    counts = rng.exponential(size=trees.dest_slot.shape) * (rng.random(trees.dest_slot.shape) < 0.4)
    n_comp = len(trees.subtree_end)
    x = np.zeros(n_comp + 1)
    x[trees.dest_slot] = counts
    cum = np.concatenate([[0.0], np.cumsum(x[:n_comp])])
    passers = trees.expand @ (cum[trees.subtree_end] - cum[:-1])
    assert np.array_equal(accumulate_paths(trees, counts), passers)
    values = rng.normal(size=trees.n_cells)
    chain = trees.expand.T @ values
    diff = np.append(chain, 0.0) - np.bincount(trees.subtree_end, chain, minlength=n_comp + 1)
    along = np.cumsum(diff)
    along[n_comp] = np.nan
    assert np.array_equal(
        accumulate_to_destinations(trees, values), along[trees.dest_slot], equal_nan=True
    )


def test_trees_do_not_depend_on_the_number_of_threads():
    town = load_preset("kleinstad")
    _, zone_origin = home_zones(town, 15)
    origins = np.concatenate([town.entry_access, zone_origin])
    built = []
    try:
        for n in (1, parallel.BLOCKS):
            parallel.set_threads(n)
            built.append(shortest_path_trees(town.adjacency, origins, town.premises_access))
    finally:
        parallel.set_threads(None)
    one, many = built
    for name in ("parent", "dist_steps", "node_flat", "parent_rel", "dest_slot", "chain_cells"):
        assert np.array_equal(getattr(one, name), getattr(many, name)), name

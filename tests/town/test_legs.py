"""Tests for sim.town.legs: the walkers of the routes and of the legs laid out together."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels import parallel
from sim.town.flows import accumulate_paths
from sim.town.legs import accumulate_legs, accumulate_walks, nearest_premises
from sim.town.maps import load_preset
from sim.town.routing import shortest_path_trees


@pytest.mark.parametrize("threads", [1, 2])
def test_routes_and_legs_together_give_the_numbers_of_each_in_turn(threads, monkeypatch):
    """The routes' pass runs beside the legs' blocks: the cells get the same sums, to the bit,
    as the routes first and the legs' total added after, on any number of threads."""
    town = load_preset("middelstad")
    rng = np.random.default_rng(5)
    dest = np.unique(town.premises_access)
    trees = shortest_path_trees(town.adjacency, town.entry_access, dest)
    legs = nearest_premises(town.adjacency, town.premises_access, width=8)
    walks = rng.random((len(town.entry_access), len(dest))) * (rng.random((1, len(dest))) < 0.3)
    counts = rng.random(legs.near.size) * 2.7 * (rng.random(legs.near.size) < 0.2)
    want = accumulate_paths(trees, walks) + accumulate_legs(legs, counts, town.n_walkable)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 0)  # threads even for this small town
    parallel.set_threads(threads)
    try:
        got = accumulate_walks(trees, walks, legs, counts, town.n_walkable)
        alone = accumulate_walks(trees, walks, legs, np.zeros_like(counts), town.n_walkable)
    finally:
        parallel.set_threads(None)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(alone, accumulate_paths(trees, walks))
    assert (got > alone).any()  # the legs were laid out

"""Tests for sim.kernels: guide-table choice draws equal inverse-CDF binary search exactly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.kernels import choice_table, draw_choices, stack_choice_tables


def bisect_draw(weights, group, u):
    """Reference: per draw, searchsorted(side='right') in its row's normalised cumsum."""
    cdf = np.cumsum(weights, axis=1)
    cdf = cdf / cdf[:, -1:]
    return np.array([min(np.searchsorted(cdf[g], x, side="right"), weights.shape[1] - 1)
                     for g, x in zip(group, u, strict=True)])


weights_strategy = st.integers(1, 6).flatmap(lambda g: st.integers(1, 40).flatmap(
    lambda d: arrays(np.float64, (g, d), elements=st.one_of(
        st.just(0.0), st.floats(1e-12, 1e6), st.floats(0.0, 1.0)))))


@settings(max_examples=200, deadline=None)
@given(weights=weights_strategy, seed=st.integers(0, 2**32 - 1))
def test_guide_draw_equals_binary_search(weights, seed):
    weights[:, 0] += 1e-3  # every row has a choice
    rng = np.random.default_rng(seed)
    n = 300
    group = rng.integers(0, weights.shape[0], n)
    u = rng.random(n)
    # also the bin edges k / D and their float neighbours, and the largest u below 1
    d = weights.shape[1]
    edges = np.arange(d + 1) / d
    extra = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, 1)])
    extra = np.concatenate([extra[(extra >= 0) & (extra < 1)], [np.nextafter(1.0, 0)]])
    u = np.concatenate([u, extra, extra])
    group = np.concatenate([group, np.zeros(extra.size, int),
                            np.full(extra.size, weights.shape[0] - 1)])
    table = choice_table(weights)
    got = draw_choices(table, group, u)
    assert np.array_equal(got, bisect_draw(weights, group, u))


@settings(max_examples=100, deadline=None)
@given(weights=weights_strategy, seed=st.integers(0, 2**32 - 1))
def test_zero_weight_columns_are_never_drawn(weights, seed):
    weights[:, 0] += 1e-3
    table = choice_table(weights)
    rng = np.random.default_rng(seed)
    group = rng.integers(0, weights.shape[0], 500)
    cols = draw_choices(table, group, rng.random(500))
    assert (weights[group, cols] > 0).all()


def test_draw_at_cdf_values_goes_to_the_next_column():
    # cdf = 0.25, 0.5, 0.75, 1: u exactly at an edge belongs to the next column
    table = choice_table(np.ones((1, 4)))
    u = np.array([0.0, 0.24999, 0.25, 0.5, 0.74, 0.75, np.nextafter(1.0, 0)])
    assert draw_choices(table, np.zeros(u.size, int), u).tolist() == [0, 0, 1, 2, 2, 3, 3]


def test_frequencies_match_probabilities():
    rng = np.random.default_rng(7)
    weights = np.array([[1.0, 0.0, 3.0, 6.0], [5.0, 5.0, 0.0, 0.0]])
    n = 200_000
    group = np.repeat([0, 1], n)
    cols = draw_choices(choice_table(weights), group, rng.random(2 * n))
    for g in (0, 1):
        freq = np.bincount(cols[group == g], minlength=4) / n
        p = weights[g] / weights[g].sum()
        assert np.allclose(freq, p, atol=4 * np.sqrt(0.25 / n))


def test_row_without_choice_is_flagged():
    table = choice_table(np.array([[0.0, 0.0], [1.0, 2.0]]))
    assert table.has_choice.tolist() == [False, True]
    assert table.cdf[table.stride: table.stride + 2].tolist() == [1 / 3, 1.0]


def test_one_column_and_no_column():
    table = choice_table(np.array([[2.0], [0.5]]))
    assert draw_choices(table, np.array([0, 1, 1]), np.array([0.0, 0.5, 0.99])).tolist() == [
        0, 0, 0]
    with pytest.raises(ValueError):
        choice_table(np.zeros((2, 0)))


def test_stacked_tables_draw_like_their_parts():
    rng = np.random.default_rng(3)
    parts = [rng.random((3, 5)) * (rng.random((3, 5)) < 0.7) + [1e-9, 0, 0, 0, 0]
             for _ in range(3)]
    stacked = stack_choice_tables([choice_table(w) for w in parts])
    group = rng.integers(0, 3, 1000)
    block = rng.integers(0, 3, 1000)
    u = rng.random(1000)
    got = draw_choices(stacked, block * 3 + group, u)
    for b in range(3):
        at = block == b
        assert np.array_equal(got[at], draw_choices(choice_table(parts[b]), group[at], u[at]))
    with pytest.raises(ValueError):
        stack_choice_tables([choice_table(np.ones((1, 2))), choice_table(np.ones((1, 3)))])


def test_bins_crowded_with_improbable_columns_fall_back_to_binary_search():
    # 200 columns of weight 1e-9 share the first bin with the start of a heavy column
    weights = np.concatenate([[1.0], np.full(200, 1e-9), [1.0, 0.0, 3.0]])[None, :]
    first = 1.0 / weights.sum()  # cdf of column 0; the improbable columns follow
    u = np.concatenate([np.linspace(0, 1, 2001)[:-1], first + np.arange(300) * 1e-10])
    group = np.zeros(u.size, int)
    got = draw_choices(choice_table(weights), group, u)
    assert np.array_equal(got, bisect_draw(weights, group, u))
    assert len(set(got.tolist()) - {0, 201, 203}) > 10  # improbable columns were reached

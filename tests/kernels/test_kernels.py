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


# ---------------------------------------------------------------- compiled weekly visits
from sim.kernels import visits  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(weights=weights_strategy, seed=st.integers(0, 2**32 - 1))
def test_compiled_guide_draw_equals_binary_search(weights, seed):
    weights[:, 0] += 1e-3
    table = choice_table(weights)
    rng = np.random.default_rng(seed)
    group = rng.integers(0, weights.shape[0], 200)
    u = rng.random(200)
    at_cdf = table.cdf.reshape(-1, table.stride)[group[:20], rng.integers(0, table.n_cols, 20)]
    u[:20] = np.where(at_cdf < 1.0, at_cdf, u[:20])  # exactly at a cumulative probability
    got = [visits._draw(table.cdf, table.guide, int(g) * table.stride, table.n_cols, float(x))
           for g, x in zip(group, u, strict=True)]
    np.testing.assert_array_equal(got, bisect_draw(weights, group, u))


def _visit_inputs(seed, lockdown, uniform_weight, n=400, tours=False):
    """A small town: 2 entry points + 3 districts, 3 tastes, 15 premises, 9 doors; with
    ``tours`` a next-stop table over each premises' 5 nearest (some rows without choice)."""
    rng = np.random.default_rng(seed)
    n_entries, n_origins, n_k, n_units, width = 2, 5, 3, 15, 7
    home_type = rng.integers(0, 3, n)
    home_origin = np.where(home_type == 0, rng.integers(n_entries, n_origins, n),
                           -home_type).astype(np.int32)
    entry = choice_table(rng.random((2, n_entries)))
    weights = rng.random((3 * n_origins * n_k, width)) * (rng.random(width) < 0.8)
    weights[rng.random(weights.shape[0]) < 0.1] = 0.0  # some rows without any choice
    weights[:, 3] *= 1e-9  # an improbable column
    table = choice_table(weights)
    candidates = rng.integers(0, n_units, (3, width))
    cuts = np.sort(rng.random((2, n)), axis=0)
    weight = np.full(n, 2.0) if uniform_weight else rng.random(n) + 0.5
    return dict(
        rate=rng.random(n) * 4, purpose_cut=cuts, home_origin=home_origin,
        taste=rng.integers(0, n_k, n).astype(np.int8), entry_cdf=entry.cdf,
        entry_guide=entry.guide, entry_cols=entry.n_cols,
        stop_cdf=visits.stop_cdf(np.array([0.3, 1.5, 0.5]), 8),
        visit_share=np.array([0.9, 0.4, 0.2]), lockdown=lockdown, cdf=table.cdf,
        guide=visits.row_offsets(table), n_cols=table.n_cols, has_choice=table.has_choice,
        candidates=candidates, n_origins=n_origins, n_tastes=n_k,
        unit_spend=rng.random(n_units) * 50, unit_online=rng.random(n_units) * 0.5,
        income_factor=rng.random(n) + 0.5, propensity=rng.lognormal(0, 0.5, n), weight=weight,
        persons=1.5 * weight, door=rng.integers(0, 9, n_units), n_doors=9,
        **(_tour_inputs(rng, n_units, n_k) if tours else {}))


def _tour_inputs(rng, n_units, n_k, width=5):
    near = np.array([rng.permutation(np.delete(np.arange(n_units), p))[:width]
                     for p in range(n_units)], dtype=np.int32)
    weights = rng.random((3 * n_units * n_k, width)) * (rng.random((3 * n_units * n_k, width))
                                                         < 0.7)
    total = weights.sum(axis=1, keepdims=True)
    local_cdf = np.where(total > 0, np.cumsum(weights, axis=1) / np.maximum(total, 1e-300), 1.0)
    return dict(tours=True, near=near, local_cdf=local_cdf.ravel(),
                local_has=total.ravel() > 0, legs=np.zeros(n_units * width))


def _run_visits(fn, inputs, seed):
    n, n_units = inputs["rate"].size, inputs["unit_spend"].size
    out = dict(trips_out=np.zeros(n, np.int32), revenue=np.zeros(n_units),
               potential=np.zeros(n_units), walks=np.zeros(5 * 9))
    inputs = dict(inputs)
    if "legs" in inputs:
        out["legs"] = inputs.pop("legs").copy()
    rngs = [np.random.default_rng([seed, k]) for k in range(3)]
    fn(**inputs, trips_rng=rngs[0], choice_rng=rngs[1], lockdown_rng=rngs[2], **out)
    out["next_draws"] = np.array([r.random() for r in rngs])  # streams left in the same state
    return out


@pytest.mark.parametrize("tours", [False, True])
@pytest.mark.parametrize("lockdown", [False, True])
@pytest.mark.parametrize("uniform_weight", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_visits_equal_the_plain_python_rule(seed, lockdown, uniform_weight, tours):
    inputs = _visit_inputs(seed, lockdown, uniform_weight, tours=tours)
    got = _run_visits(visits.visit_week, inputs, seed)
    want = _run_visits(visits.visit_week_reference, inputs, seed)
    for key, value in want.items():
        np.testing.assert_array_equal(got[key], value, err_msg=key)
    assert got["revenue"].sum() > 0
    assert (got["revenue"] <= got["potential"]).all()
    if tours:  # some stops walked from stop to stop, the walkers conserved
        assert got["legs"].sum() > 0


def test_visits_draw_poisson_trips_and_stops():
    """Means of the inversion draws: trips ~ Poisson(rate), walkers = trips * (stops + 1)."""
    n = 40_000
    inputs = _visit_inputs(7, False, True, n=n)
    rate = np.full(n, 1.7)
    inputs.update(rate=rate, has_choice=np.ones_like(inputs["has_choice"]),
                  cdf=choice_table(np.ones((45, 7))).cdf,
                  guide=visits.row_offsets(choice_table(np.ones((45, 7)))))
    out = _run_visits(visits.visit_week, inputs, 7)
    trips = out["trips_out"]
    assert abs(trips.mean() - 1.7) < 4 * np.sqrt(1.7 / n)
    assert abs(trips.var() - 1.7) < 0.08
    # stops per trip: purpose shares from the cuts, 1 + Poisson(extra) (the cap of 8 is
    # immaterial at these rates); walkers per trip = stops + 1, each of 1.5 x weight 2 persons
    cuts = inputs["purpose_cut"]
    share = np.array([cuts[0].mean(), (cuts[1] - cuts[0]).mean(), (1 - cuts[1]).mean()])
    expected = 3.0 * trips.sum() * (share @ np.array([1.3, 2.5, 1.5]) + 1)
    assert abs(out["walks"].sum() / expected - 1) < 0.02


@pytest.mark.parametrize("lockdown", [False, True])
def test_visits_do_not_depend_on_the_number_of_threads(lockdown, monkeypatch):
    from sim.kernels import parallel

    monkeypatch.setattr(parallel, "MIN_ITEMS", 0)  # threads even for this small town
    inputs = _visit_inputs(3, lockdown, False, n=3000)
    runs = []
    try:
        for n in (1, 2, parallel.BLOCKS):
            parallel.set_threads(n)
            runs.append(_run_visits(visits.visit_week, inputs, 11))
    finally:
        parallel.set_threads(None)
    for other in runs[1:]:
        for key, value in runs[0].items():
            np.testing.assert_array_equal(other[key], value, err_msg=key)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_choice_rows_equal_choice_table(seed):
    """The visits' destination table, filled in place per purpose, is choice_table's to the bit
    (the same cumulative sums, normalisation and guide), zero-weight rows included."""
    rng = np.random.default_rng(seed)
    n_o, n_k, n_units, n_sectors, width = 6, 3, 40, 5, 32
    sector = rng.integers(0, n_sectors, n_units)
    taste_w = np.exp(rng.random((n_k, n_sectors)))
    parts = []
    cdf = np.empty(2 * n_o * n_k * (width + 1))
    guide = np.empty(cdf.size, dtype=visits.offsets_dtype(width))
    has_choice = np.empty(2 * n_o * n_k, dtype=bool)
    for b in range(2):
        loc = rng.random((n_o, n_units)) * (rng.random((n_o, 1)) < 0.8)  # some origins: none
        loc[:, 5] *= 1e-12
        cand = np.sort(rng.choice(n_units, 10 + 15 * b, replace=False))
        weights = (loc[:, None, cand] * taste_w[None, :, sector[cand]]).reshape(n_o * n_k, -1)
        padded = np.zeros((n_o * n_k, width))
        padded[:, : cand.size] = weights
        parts.append(choice_table(padded))
        visits.fill_choice_rows(loc, taste_w, cand, sector[cand], n_k, width,
                                b * n_o * n_k * (width + 1), b * n_o * n_k, cdf, guide,
                                has_choice)
    want = stack_choice_tables(parts)
    np.testing.assert_array_equal(cdf, want.cdf)
    np.testing.assert_array_equal(guide, visits.row_offsets(want))
    np.testing.assert_array_equal(has_choice, want.has_choice)
    assert not has_choice.all()


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40), seed=st.integers(0, 99))
def test_group_medians_are_numpys_medians(values, seed):
    from sim.kernels import group_medians

    values = np.array(values)
    groups = np.random.default_rng(seed).integers(0, 4, values.size)
    got = group_medians(values, groups, 5)
    for g in range(5):
        if (groups == g).any():
            assert got[g] == np.median(values[groups == g])
        else:
            assert np.isnan(got[g])

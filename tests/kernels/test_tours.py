"""Tests for sim.kernels.tours: the compiled next-stop table is the numpy fill's to the bit,
and its guided draw returns the binary search's column for every uniform."""

import numba
import numpy as np
import pytest

from sim.kernels import tours


def numpy_fill(near, key, local_w, taste_w):
    """The next-stop rows as the model filled them in numpy before they were compiled."""
    sector = np.where(near >= 0, key[near], -1)  # (P, M)
    w = np.where(sector >= 0, local_w, 0.0)
    by_taste = w[:, None, :] * taste_w[:, np.maximum(sector, 0)].transpose(1, 0, 2)
    cum = np.cumsum(by_taste, axis=2)  # (P, K, M)
    total = cum[:, :, -1:]
    return np.where(total > 0, cum / np.where(total > 0, total, 1.0), 1.0), total[:, :, 0] > 0


def town(seed, n_units=60, width=7, n_k=3, n_sectors=5):
    rng = np.random.default_rng(seed)
    near = np.array([rng.permutation(np.delete(np.arange(n_units), p))[:width]
                     for p in range(n_units)], dtype=np.int32)
    near[:3, -2:] = -1  # a town with fewer premises pads with -1
    local_w = np.exp(-rng.random((n_units, width)) * 3) * (near >= 0)
    taste_w = np.exp(rng.random((n_k, n_sectors)))
    key = rng.integers(-1, n_sectors, n_units).astype(np.int8)
    key[near[5][near[5] >= 0]] = -1  # a row without any serving neighbour
    return near, key, local_w, taste_w


def fill(near, key, previous, local_w, taste_w, out=None):
    n_units, width = near.shape
    size = n_units * taste_w.shape[0] * width
    cdf, guide, has = out or (np.full(size, np.nan), np.zeros(size, np.int16),
                              np.zeros(size // width, bool))
    tours.fill_next_stops(near, key, previous, local_w, taste_w, cdf, guide, has)
    return cdf, guide, has


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_fill_equals_the_numpy_fill_and_refills_in_part(seed):
    near, key, local_w, taste_w = town(seed)
    want_cdf, want_has = numpy_fill(near, key, local_w, taste_w)
    got = fill(near, key, None, local_w, taste_w)
    np.testing.assert_array_equal(got[0], want_cdf.ravel())
    np.testing.assert_array_equal(got[2], want_has.ravel())
    assert not want_has.all() and want_has.any()
    # a few units change: refilling only the rows that see them gives the full fill
    new_key = key.copy()
    new_key[[4, 17, 30]] = [2, -1, 0]
    partial = fill(near, new_key, key, local_w, taste_w, out=tuple(a.copy() for a in got))
    full = fill(near, new_key, None, local_w, taste_w)
    for a, b in zip(partial, full, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(partial[0], got[0])


@numba.njit
def _draws(cdf, guide, base, width, u):
    return np.array([tours.next_stop(cdf, guide, base, width, x) for x in u])


@pytest.mark.parametrize("width", [7, 64])
def test_guided_next_stop_equals_binary_search(width):
    near, key, local_w, taste_w = town(3, n_units=80, width=width)
    cdf, guide, has = fill(near, key, None, local_w, taste_w)
    rng = np.random.default_rng(width)
    u = np.concatenate([rng.random(2000), [0.0, 1 - 2**-53, 0.5], rng.random(50) ** 20])
    for row in np.flatnonzero(has)[::7]:
        values = cdf[row * width:(row + 1) * width]
        want = np.minimum(np.searchsorted(values, u, side="right"), width - 1)
        np.testing.assert_array_equal(_draws(cdf, guide, row * width, width, u), want)
    np.testing.assert_array_equal(tours.next_stop_guide(cdf, width), guide)

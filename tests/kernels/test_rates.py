"""The residents' visit rates in one compiled pass give the numbers of the numpy they replace,
to the bit, with and without the centre's pull, and for residents who make no visits."""

import numpy as np
import pytest

from sim.kernels.rates import visit_rates


def numpy_rates(base, pull, group):
    """The numpy of sim.model.residents before the compiled pass."""
    rates = base if pull is None else base * np.take(pull, group, axis=1)
    total = rates.sum(axis=0)
    cut = np.stack([rates[0], rates[0] + rates[1]]) / np.maximum(total, 1e-300)
    return total, cut, rates[2], np.cumsum(rates[2])


@pytest.mark.parametrize("scaled", [False, True])
def test_the_same_numbers_as_numpy_to_the_bit(scaled):
    rng = np.random.default_rng(3)
    n, groups = 50_001, 37
    base = rng.gamma(0.7, 1.3, size=(3, n)) * rng.choice([0.0, 1.0, 1e-305], size=(3, n),
                                                         p=[0.05, 0.9, 0.05])
    pull = rng.uniform(0.2, 1.8, size=(3, groups)) if scaled else None
    group = rng.integers(0, groups, size=n)
    got, want = visit_rates(base, pull, group), numpy_rates(base, pull, group)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape and g.tobytes() == w.tobytes()
    assert (got[0] == 0).any()  # residents with no visits: shares of a total of 1e-300

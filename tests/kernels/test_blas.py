"""The model steps with numpy's BLAS on one thread: a long dot product then gives the same
sum whatever the machine's cores, as in an experiment's single-threaded workers."""

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from sim.kernels import parallel


def blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_one_blas_thread_inside_and_the_callers_setting_after():
    rng = np.random.default_rng(4)
    trips = rng.integers(0, 4, 110_000).astype(np.int32)  # grootstad's residents
    persons = rng.random(110_000) * 3.6
    with threadpool_limits(1, user_api="blas"):
        alone = float(trips @ persons)
    with threadpool_limits(2, user_api="blas"):  # as many as the machine has, up to 2
        callers = blas_threads()
        with parallel.one_blas_thread():
            assert blas_threads() == {1}
            assert float(trips @ persons) == alone
        assert blas_threads() == callers

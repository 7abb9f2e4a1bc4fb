"""Threads for the compiled kernels, with results that do not depend on how many there are.

A parallel kernel splits its work into a fixed number of :data:`BLOCKS` (chosen from the
data, never from the number of threads), runs the blocks on up to :func:`threads` threads
(numba functions compiled with ``nogil=True`` release the GIL), and combines the blocks'
partial results in block order. So one run gives the same numbers, to the bit, on 1, 2 or 4
threads.

The number of threads is ``BINNENSTAD_THREADS`` if set, else the CPUs this process may use,
at most :data:`BLOCKS`. Experiments and comparisons run one model per worker process and set
it to 1 there (their workers already use every core).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["BLOCKS", "ENV", "map_blocks", "one_blas_thread", "pool_started", "set_threads",
           "threads"]

#: Blocks a parallel kernel splits its work into; results depend on this, not on threads.
BLOCKS = 4
#: Environment variable with the number of threads (1 .. BLOCKS).
ENV = "BINNENSTAD_THREADS"

_threads: int | None = None
_pool: ThreadPoolExecutor | None = None
_blas: Any = None  # threadpoolctl's controller of the BLAS libraries loaded, made once


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads() -> int:
    """Threads the parallel kernels use in this process (1 .. :data:`BLOCKS`)."""
    global _threads
    if _threads is None:
        wanted = os.environ.get(ENV, "").strip()
        if wanted and not (wanted.isdigit() and int(wanted) >= 1):
            from sim.errors import ScenarioError

            raise ScenarioError(f"{ENV}: must be a whole number >= 1 (got {wanted!r}); "
                                f"more than {BLOCKS} threads are not used")
        n = int(wanted) if wanted else _usable_cpus()
        _threads = min(max(n, 1), BLOCKS)
    return _threads


def set_threads(n: int | None) -> None:
    """Use ``n`` threads from now on (None: back to the environment's default)."""
    global _threads, _pool
    _threads = None if n is None else min(max(int(n), 1), BLOCKS)
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None


#: Below this many items (residents, trips, stops, table cells) a kernel's blocks run in the
#: calling thread: handing them to threads costs more than it saves. Measured on the
#: ``middelstad`` baseline (12,000 residents, 18,000 trips a week): its visits take 1.4 ms a
#: week on 2 threads with this threshold, 1.6 ms with all of them in one thread.
MIN_ITEMS = 10_000


def map_blocks(fn: Callable[..., Any], args: Sequence[tuple], items: int | None = None) -> list:
    """``[fn(*a) for a in args]``, on :func:`threads` threads when there is more than one
    and the work is large enough (``items``, if given, at least :data:`MIN_ITEMS`)."""
    global _pool
    n = threads()
    if n == 1 or len(args) == 1 or (items is not None and items < MIN_ITEMS):
        return [fn(*a) for a in args]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="binnenstad-kernel")
    # thread t runs blocks t, t + n, t + 2n, ... (the calling thread those of t = 0): one
    # hand-over per thread, not per block, and blocks of uneven cost, such as the residents'
    # blocks of grootstad's trips (the first takes four times as long as the third), spread
    futures = [_pool.submit(_run_blocks, fn, args[t::n]) for t in range(1, n)]
    mine = _run_blocks(fn, args[0::n])
    runs = [mine] + [future.result() for future in futures]
    return [runs[i % n][i // n] for i in range(len(args))]


def _run_blocks(fn: Callable[..., Any], args: Sequence[tuple]) -> list:
    return [fn(*a) for a in args]


def pool_started() -> bool:
    """True if this process has started its kernel threads (a forked child has not)."""
    return _pool is not None


def one_blas_thread() -> contextlib.AbstractContextManager:
    """A context in which numpy's linear algebra (OpenBLAS, MKL) uses one thread.

    Two reasons, both measured on ``grootstad`` (110,000 residents) on 2 cores: a dot product
    of more than 10,000 elements is split over OpenBLAS's threads, whose partial sums round
    differently, so the week's visitor count depended on the machine's cores and differed from
    a run in an experiment's worker (one BLAS thread, :mod:`sim.runs.executors`); and after
    each such call OpenBLAS's threads spin, waiting for more work, on the core the kernels'
    threads need: a simulated week took 69 ms of CPU instead of 32. The products of the
    matrices the model uses are split by rows and columns, each entry summed by one thread,
    so they do not depend on the threads (the regression outputs, below 10,000 residents,
    never did)."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


def _forget_pool_after_fork() -> None:
    """In a forked child, forget the parent's thread pool: its threads were not copied, so
    work handed to it would wait forever (EMA Workbench's MultiprocessingEvaluator forks after
    a first run in the same process). The child starts its own pool when it needs one."""
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_pool_after_fork)

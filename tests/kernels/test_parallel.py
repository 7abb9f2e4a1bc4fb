"""map_blocks: every block runs once, and the results come back in block order, however many
threads take the blocks in turn."""

import threading

import pytest

from sim.kernels import parallel


@pytest.fixture
def restore_threads():
    yield
    parallel.set_threads(None)


@pytest.mark.parametrize("threads", [1, 2, 3, 4])
@pytest.mark.parametrize("blocks", [1, 2, 3, 4, 5, 7])
def test_blocks_run_once_and_return_in_order(threads, blocks, restore_threads):
    parallel.set_threads(threads)
    seen = []
    lock = threading.Lock()

    def block(i, name):
        with lock:
            seen.append(i)
        return (i, name, threading.get_ident())

    out = parallel.map_blocks(block, [(i, f"b{i}") for i in range(blocks)])
    assert [(i, name) for i, name, _ in out] == [(i, f"b{i}") for i in range(blocks)]
    assert sorted(seen) == list(range(blocks))
    if threads > 1 and blocks > 1:  # the calling thread and at least one of the pool's
        assert len({ident for *_, ident in out}) >= 2


def test_small_work_stays_in_the_calling_thread(restore_threads):
    parallel.set_threads(2)
    out = parallel.map_blocks(lambda i: threading.get_ident(), [(0,), (1,)],
                              items=parallel.MIN_ITEMS - 1)
    assert out == [threading.get_ident()] * 2

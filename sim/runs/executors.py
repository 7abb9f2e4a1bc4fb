"""Where runs execute (an experiment's or a comparison's): this process, local processes, or Dask.

All three take the same list of tasks (:mod:`sim.runs.tasks`), run each by calling its
``run()``, and call ``on_done`` with each :class:`~sim.runs.tasks.RunOutcome` in the main process
as soon as it arrives (a task that runs several runs with a shared history,
:class:`~sim.runs.tasks.SharedRuns`, gives one outcome per run), so the store writes every run
the moment it finishes. A run is a pure function of its task, so the results do not depend on
the executor, the number of workers or the order of completion. In a round of
:class:`Workers`, ``on_done`` may return more tasks, which join the round at once (a
calibration's next batch, proposed while this one still runs), so the workers never wait for
the round to end.

- ``serial``: one run after another in this process (``--workers 1``).
- ``processes``: a pool of N worker processes (one run per process at a time, no threads).
  If a worker process dies, the pool is rebuilt and its runs are retried.
- ``dask``: one task per run on a Dask cluster (``--scheduler tcp://host:8786``), with
  ``retries`` for lost workers. Dask is imported only here, only when asked for.

:class:`Workers` keeps the same workers for several rounds of tasks, each chosen from the
results of the last (a calibration's search, then the check of its best set).

Worker processes (local or Dask) run the model's kernels on one thread
(:mod:`sim.kernels.parallel`): they parallelise over runs, so kernel threads would only compete
for the same cores. The serial path keeps the kernels' default. Called by
:mod:`sim.runs.experiments`, :mod:`sim.runs.compare` and :mod:`sim.runs.calibrate`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from sim.errors import ScenarioError
from sim.runs.tasks import RunOutcome, Task

__all__ = ["Progress", "Workers", "execute", "local_pool", "single_threaded_workers"]

#: Called with each outcome in this process; may return more tasks to run in the same round.
OnDone = Callable[[RunOutcome], "Sequence[Task] | None"]
CONNECT_TIMEOUT = "20s"  # to reach a Dask scheduler


class Progress:
    """A progress bar of runs: done, failed, remaining, rate and time left (tqdm)."""

    def __init__(self, total: int, skipped: int, desc: str, enabled: bool) -> None:
        self.done = self.failed = 0
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                initial=skipped,
                desc=desc,
                unit="run",
                dynamic_ncols=True,
                file=sys.stderr,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                "[{elapsed}<{remaining}, {rate_fmt}{postfix}]",
            )
            self.skipped = skipped
            self._postfix()

    def _postfix(self, pending: int = 0) -> None:
        left = self.bar.total - self.bar.n - pending
        stored = f"stored earlier {self.skipped}, " if self.skipped else ""
        self.bar.set_postfix_str(
            f"{stored}done {self.done}, failed {self.failed}, remaining {left}", refresh=False
        )

    def update(self, outcome: RunOutcome) -> None:
        if outcome.ok:
            self.done += 1
        else:
            self.failed += 1
        if self.bar is not None:
            self._postfix(pending=1)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def execute(
    tasks: Sequence[Task],
    on_done: OnDone,
    *,
    workers: int = 1,
    scheduler: Any = None,
    retries: int = 3,
) -> None:
    """Run every task and pass each outcome to ``on_done`` as it arrives.

    Args:
        tasks: The runs to do.
        on_done: Called in this process with each run's outcome (stores it).
        workers: Local worker processes; 1 runs in this process.
        scheduler: A Dask scheduler address (``tcp://host:8786``), a
            ``distributed.Client`` or a ``LocalCluster``; None for local execution.
        retries: How often a run is retried after its worker process was lost.
    """
    if not tasks:
        return
    if scheduler is not None:
        _dask(tasks, on_done, scheduler, retries)
    elif workers <= 1:
        _serial(tasks, on_done)
    else:
        _processes(tasks, on_done, workers, retries)


def _deliver(result: RunOutcome | list[RunOutcome], on_done: OnDone) -> list[Task]:
    """Pass a task's outcome, or each of its outcomes, to ``on_done``; return the tasks it
    asks to run next."""
    more: list[Task] = []
    for outcome in result if isinstance(result, list) else [result]:
        more.extend(on_done(outcome) or ())
    return more


def _serial(tasks: Sequence[Task], on_done: OnDone) -> None:
    """Run the tasks one after another in this process, and those ``on_done`` adds after."""
    todo = deque(tasks)
    while todo:
        todo.extend(_deliver(todo.popleft().run(), on_done))


def _failed(task: Task, error: str) -> list[RunOutcome]:
    """A failed outcome for every run of ``task``."""
    return [RunOutcome(run_id, False, error=error)
            for run_id in getattr(task, "run_ids", [task.run_id])]


# ---------------------------------------------------------------------- processes
def _run(task: Task) -> RunOutcome | list[RunOutcome]:
    """What a local worker process runs (a module-level function: picklable by name)."""
    return task.run()


def _worker_init(parent: int) -> None:
    """Worker processes die with their parent (Linux), and leave Ctrl-C to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: killed when the parent dies
        except OSError:
            pass
    if os.getppid() != parent:  # the parent died while this worker was starting
        os._exit(1)


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes that die with this one and leave Ctrl-C to it.

    Spawned: no fork of a threaded parent, and the workers are children of this process, so
    they die with it (a forkserver's children would outlive a kill -9 of this process). Start
    it inside :func:`single_threaded_workers`.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


#: Numerical libraries' and the model's own (:mod:`sim.kernels.parallel`) thread pools: one thread
#: per worker process (as Dask does), so N workers use N cores rather than N times the cores.
_SINGLE_THREADED = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BINNENSTAD_THREADS",
)


@contextmanager
def single_threaded_workers() -> Iterator[None]:
    """Set :data:`_SINGLE_THREADED` (unless set already) for worker processes spawned now."""
    saved = {k: os.environ.get(k) for k in _SINGLE_THREADED}
    for key in _SINGLE_THREADED:  # inherited by the workers when they are spawned
        os.environ.setdefault(key, "1")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _processes(tasks: Sequence[Task], on_done: OnDone, workers: int, retries: int) -> None:
    with single_threaded_workers():
        _pool_loop(tasks, on_done, workers, retries)


def _submit(pool: ProcessPoolExecutor, tasks: Sequence[Task], pending: dict,
            lost: list[Task]) -> None:
    """Submit ``tasks`` to ``pool`` (into ``pending``, future -> task); to ``lost`` if the pool
    broke."""
    for task in tasks:
        try:
            pending[pool.submit(_run, task)] = task
        except BrokenProcessPool:
            lost.append(task)


def _pool_loop(tasks: Sequence[Task], on_done: OnDone, workers: int, retries: int,
               kept: Workers | None = None) -> None:
    """Run ``tasks`` on a pool of local processes; with ``kept``, on its pool, which stays
    up for the next round (a pool that broke is replaced)."""
    todo = list(tasks)
    attempts: dict[str, int] = {}
    while todo:
        if kept is not None:
            pool = kept.pool = kept.pool or local_pool(workers)
        else:
            pool = local_pool(min(workers, len(todo)))
        lost: list[Task] = []
        try:
            pending: dict = {}
            _submit(pool, todo, pending, lost)
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        lost.append(task)
                        continue
                    _submit(pool, _deliver(outcome, on_done), pending, lost)
        except BaseException:  # Ctrl-C, or the store failed: stop the workers now
            workers_now = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers_now:
                proc.terminate()
            if kept is not None:
                kept.pool = None
            raise
        if kept is None or lost:
            pool.shutdown(wait=True)
            if kept is not None:
                kept.pool = None
        todo = []
        for task in lost:  # runs whose worker process died (killed, out of memory)
            attempts[task.run_id] = attempts.get(task.run_id, 0) + 1
            if attempts[task.run_id] > retries:
                _deliver(_failed(task, f"worker process died {attempts[task.run_id]} times"),
                         on_done)
            else:
                todo.append(task)


# --------------------------------------------------------------------------- dask
def _run_task_one_thread(task: Task) -> RunOutcome | list[RunOutcome]:
    """``task.run()`` with the model's kernels on one thread.

    What a Dask worker runs: its processes parallelise over runs (one thread each), so a run
    must not start kernel threads of its own. ``BINNENSTAD_THREADS`` set on the worker wins.
    The results are the same on any number of threads.
    """
    from sim.kernels import parallel

    if parallel.ENV not in os.environ and parallel.threads() != 1:
        parallel.set_threads(1)
    return task.run()


def _profiling(dask_worker: Any) -> bool:
    return "profile" in getattr(dask_worker, "periodic_callbacks", {})


def _hint_profiler(client: Any) -> None:
    """One line on stderr if the cluster's workers run Dask's statistical profiler, which
    costs CPU-bound runs about 10% (docs/experiments.md, measured by ``make bench``)."""
    try:
        profiling = sum(client.run(_profiling).values())
    except Exception:  # a cluster that does not answer now fails below, with its own error
        return
    if profiling:
        print(f"{profiling} Dask worker(s) run the statistical profiler, which slows CPU-bound "
              "runs by about 10%: start workers with "
              "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False (docs/experiments.md)",
              file=sys.stderr)


def _connect(scheduler: Any) -> tuple[Any, bool]:
    """A Dask client of ``scheduler`` and whether it is our own (to close when done)."""
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError(
            "--scheduler needs Dask: install the optional extra with "
            "pip install -e '.[cluster]'"
        ) from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT) if own else scheduler
    except OSError as exc:
        raise ScenarioError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    _hint_profiler(client)
    return client, own


def _dask(tasks: Sequence[Task], on_done: OnDone, scheduler: Any, retries: int) -> None:
    client, own = _connect(scheduler)
    try:
        _dask_round(tasks, on_done, client, retries)
    finally:
        if own:
            client.close()


def _dask_round(tasks: Sequence[Task], on_done: OnDone, client: Any, retries: int) -> None:
    from distributed import as_completed

    futures: list = []
    by_key: dict[str, Task] = {}

    def submit(tasks: Sequence[Task]) -> list:
        new = [client.submit(_run_task_one_thread, t, key=f"binnenstad-run-{t.run_id}",
                             pure=False, retries=retries) for t in tasks]
        by_key.update({f.key: t for f, t in zip(new, tasks, strict=True)})
        futures.extend(new)
        return new

    try:
        running = as_completed(submit(tasks))
        for future in running:
            try:
                outcome = future.result()
            except Exception as exc:  # KilledWorker: the run took down workers repeatedly
                detail = " ".join(f"{type(exc).__name__}: {exc}".split())
                outcome = _failed(by_key[future.key], detail)
            more = _deliver(outcome, on_done)
            future.release()
            for new in submit(more):
                running.add(new)
    except BaseException:
        client.cancel(futures)
        raise


# ------------------------------------------------------------------------ rounds
def _import_model() -> None:
    """What a new local worker does first: import the model and its compiled kernels."""
    import sim.runs.output  # noqa: F401


class Workers:
    """The same workers for several rounds of tasks, where each round waits for the last (a
    calibration's search, then the check of the best set it found). Within a round,
    ``on_done`` may return more tasks (the search's next batch), which start as soon as a
    worker is free.

    Local worker processes start once and serve every round (a pool that broke is replaced);
    a Dask client connects once. Each round is :func:`execute` with its guarantees: outcomes
    go to ``on_done`` in this process as they arrive, and do not depend on the executor. Use
    it as a context manager; leaving it stops the local workers or closes the client.

    Args:
        workers: Local worker processes; 1 runs in this process.
        scheduler: A Dask scheduler address, ``distributed.Client`` or ``LocalCluster``; None
            for local execution.
        retries: How often a run is retried after its worker process was lost.
    """

    def __init__(self, workers: int = 1, scheduler: Any = None, retries: int = 3) -> None:
        self.workers, self.scheduler, self.retries = workers, scheduler, retries
        self.pool: ProcessPoolExecutor | None = None
        self.client: Any = None
        self.own_client = False

    def __enter__(self) -> Workers:
        if self.scheduler is not None:
            self.client, self.own_client = _connect(self.scheduler)
        elif self.workers > 1:
            # Start the workers now: they spawn and import the model while this process
            # prepares the first round.
            with single_threaded_workers():
                self.pool = local_pool(self.workers)
                for _ in range(self.workers):
                    self.pool.submit(_import_model)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, tasks: Sequence[Task], on_done: OnDone) -> None:
        """Run one round of tasks; pass each outcome to ``on_done`` as it arrives, and run
        the tasks it returns in the same round."""
        if not tasks:
            return
        if self.client is not None:
            _dask_round(tasks, on_done, self.client, self.retries)
        elif self.workers <= 1:
            _serial(tasks, on_done)
        else:
            with single_threaded_workers():  # for workers (re)started in this round
                _pool_loop(tasks, on_done, self.workers, self.retries, kept=self)

    def close(self) -> None:
        """Stop the local workers; close the Dask client if this object opened it."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.client is not None and self.own_client:
            self.client.close()
        self.client = None

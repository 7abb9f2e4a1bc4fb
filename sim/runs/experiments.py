"""Experiments: many runs of one scenario over a design of parameter points and replications.

The two entry points: :func:`load_experiment` (from :mod:`sim.runs.design`: read and check an
experiment file, build its points and run tasks) and :func:`run_experiment` (here: run every
task not yet stored, on this process, local worker processes or Dask
(:mod:`sim.runs.executors`), the weeks that runs with one seed share once
(:mod:`sim.runs.history`), store each run the moment it finishes and assemble the dataset
(:mod:`sim.runs.store`)). Called by the command line (``binnenstad experiment``) and the Python
API, which then write the analyses' tables and figures (:mod:`sim.present.analysis`). See
docs/experiments.md.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ScenarioError
from sim.files import folder_lock
from sim.runs.design import Experiment, load_experiment
from sim.runs.executors import Progress, execute
from sim.runs.history import groups_sharing
from sim.runs.store import RunStore, Throttle, check_same_code, collect
from sim.runs.tasks import RunOutcome, RunTask, SharedRuns, Task
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Experiment", "load_experiment", "run_experiment"]


def run_experiment(
    exp: Experiment,
    out_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    scheduler: Any = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool = True,
    analyses: Callable[[Path, pd.DataFrame], object] | None = None,
    shared: bool = True,
) -> dict[str, int]:
    """Run every run of ``exp`` not yet stored in ``out_dir``; then collect the dataset.

    The folder is locked while this runs (:func:`sim.files.folder_lock`). The manifest says
    ``complete`` only after the dataset (and the analyses) are written: an experiment killed
    before that never looks complete, and the results of an earlier collect are removed when
    it starts, so they cannot pass for this one's.

    Args:
        exp: The loaded experiment.
        out_dir: The experiment folder (the run store).
        workers: Local worker processes (1: this process).
        scheduler: Dask scheduler address, ``Client`` or ``LocalCluster``; None for local.
        resume: Continue in a folder that already holds this (or an earlier) experiment:
            stored runs are kept, only the rest run (and any whose file is damaged).
        retry_failed: With ``resume``, run the failed runs again too.
        progress: Show a progress bar.
        analyses: Called with the folder and the dataset once it is written, before the
            manifest says ``complete`` (the command line writes ``analysis/`` there).
        shared: Runs with one seed (``seeds: common``) whose points differ only in
            instruments, shocks or funding rounds from a date simulate the weeks before it
            once (:mod:`sim.runs.history`; the same results). False: each from the start.

    Returns:
        The number of runs ``done``, ``failed``, ``pending`` and ``damaged`` (found damaged
        when resuming, and run again).

    Raises:
        ScenarioError: If ``out_dir`` holds an experiment and ``resume`` is not given, was
            made by other code, or another command writes it now.
    """
    store = RunStore(Path(out_dir))
    with folder_lock(store.root, "experiment"):
        if store.has_manifest() and not resume:
            raise ScenarioError(
                "already holds an experiment; add --resume to continue it, or choose another "
                "--out", file=str(out_dir),
            )
        damaged = 0
        if resume:
            if store.has_manifest():
                check_same_code(store.read_manifest(), store.root, "--resume")
            store.clean_partial()
        store.clear_results()
        started = dt.datetime.now(dt.UTC).isoformat()
        statuses = {}
        for t in exp.tasks:
            status = store.status(t.run_id)
            if status == "foreign":
                check_same_code(None, store.root, "--resume")
            if status == "damaged":  # its checksum failed: never read, run again
                store.discard(t.run_id)
                damaged += 1
                status = "pending"
            statuses[t.run_id] = status
        skip = {"done", "failed"} if not retry_failed else {"done"}
        todo, seen = [], set()
        for t in exp.tasks:
            if statuses[t.run_id] not in skip and t.run_id not in seen:
                todo.append(t)
                seen.add(t.run_id)
        seconds = store.run_seconds() if resume else {}  # each run's time in its worker
        store.write_manifest(exp, statuses, started=started, seconds=seconds)
        bar = Progress(len(exp.tasks), len(exp.tasks) - len(todo), exp.spec.name, progress)
        refresh = Throttle(5.0)

        def on_done(outcome: RunOutcome) -> None:
            store.record(outcome)
            statuses[outcome.run_id] = "done" if outcome.ok else "failed"
            seconds[outcome.run_id] = outcome.seconds
            bar.update(outcome)
            if refresh():
                store.write_manifest(exp, statuses, started=started, seconds=seconds)

        try:
            execute(_shared_tasks(todo, workers) if shared else todo, on_done,
                    workers=workers, scheduler=scheduler)
        finally:
            bar.close()
            store.write_manifest(exp, statuses, started=started, seconds=seconds)
        results, counts = collect(store.root)
        if analyses is not None:
            analyses(store.root, results)
        store.write_manifest(exp, statuses, started=started, finished=True, seconds=seconds)
    counts["damaged"] += damaged
    return counts


def _shared_tasks(todo: list[RunTask], workers: int) -> list[Task]:
    """The runs with one seed whose points share weeks with the first one's as one
    :class:`~sim.runs.tasks.SharedRuns` (:func:`sim.runs.history.groups_sharing`)."""
    scenarios: dict[int, Scenario] = {}

    def scenario(task: RunTask) -> Scenario:
        if task.point not in scenarios:
            scenarios[task.point] = Scenario.model_validate(task.scenario)
        return scenarios[task.point]

    groups = groups_sharing(todo, key=lambda t: t.seed, scenario=scenario, workers=workers)
    return [SharedRuns.of(g) if len(g) > 1 else g[0] for g in groups]

"""Experiments: many runs of one scenario over a design of parameter points and replications.

The two entry points: :func:`load_experiment` (from :mod:`sim.runs.design`: read and check an
experiment file, build its points and run tasks) and :func:`run_experiment` (here: run every
task not yet stored, on this process, local worker processes or Dask
(:mod:`sim.runs.executors`), store each run the moment it finishes and assemble the dataset
(:mod:`sim.runs.store`)). Called by the command line (``binnenstad experiment``) and the Python
API, which then write the analyses' tables and figures (:mod:`sim.present.analysis`). See
docs/experiments.md.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.runs.design import Experiment, load_experiment
from sim.runs.executors import Progress, execute
from sim.runs.store import RunStore, Throttle, collect
from sim.runs.tasks import RunOutcome

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
) -> dict[str, int]:
    """Run every run of ``exp`` not yet stored in ``out_dir``; then collect the dataset.

    Args:
        exp: The loaded experiment.
        out_dir: The experiment folder (the run store).
        workers: Local worker processes (1: this process).
        scheduler: Dask scheduler address, ``Client`` or ``LocalCluster``; None for local.
        resume: Continue in a folder that already holds this (or an earlier) experiment:
            stored runs are kept, only the rest run.
        retry_failed: With ``resume``, run the failed runs again too.
        progress: Show a progress bar.

    Returns:
        The number of runs ``done``, ``failed`` and ``pending`` at the end.

    Raises:
        ScenarioError: If ``out_dir`` holds an experiment and ``resume`` is not given.
    """
    store = RunStore(Path(out_dir))
    if store.has_manifest() and not resume:
        raise ScenarioError(
            "already holds an experiment; add --resume to continue it, or choose another --out",
            file=str(out_dir),
        )
    if resume:
        store.clean_partial()
    started = dt.datetime.now(dt.UTC).isoformat()
    statuses = {t.run_id: store.status(t.run_id) for t in exp.tasks}
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
        execute(todo, on_done, workers=workers, scheduler=scheduler)
    finally:
        bar.close()
        store.write_manifest(exp, statuses, started=started, finished=True, seconds=seconds)
    _, counts = collect(store.root)
    return counts

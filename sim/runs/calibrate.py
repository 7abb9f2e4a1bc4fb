"""The calibration's search: Optuna proposes parameter sets, the executors run them, the run
store keeps every run, the study keeps every evaluation.

The search goes in **batches** of ``batch`` evaluations. The sets of batch k are proposed by
Optuna's TPE sampler from the evaluations of the batches before k-1, with the sets of batch k-1
as running trials, and nothing else: each proposal is asked of an in-memory copy of the study
with a sampler seeded by (calibration seed, evaluation number), so the sequence of evaluated
sets depends only on the calibration file (seed, budget, batch), never on the number of
workers, the executor or the order in which runs finish. TPE's "constant liar" keeps each
proposal away from the running sets (batch k-1's and those asked before it in batch k).
Proposing one batch ahead keeps the workers busy: batch k+1 is proposed, and its runs queued,
the moment batch k-1 is complete, while batch k still runs, so no worker waits for the last run
of a batch or for the proposals (with a one-batch lag each proposal knows one batch less; the
first batches are random anyway, ``startup``).

Each evaluation runs ``replications`` model runs (:meth:`Calibration.tasks`) on this process,
local worker processes or Dask (:class:`sim.runs.executors.Workers`, which keeps its workers
for the whole search and takes each next batch's runs as they are proposed). Each run is
written to the run store (``runs/<id>.parquet``, atomically) the moment it finishes; when a
batch and every batch before it are complete its evaluations are added, in order, to the
Optuna study in ``study.db`` (embedded SQLite) with their loss (:func:`sim.runs.
calibration_targets.loss`) and every target's value, in a thread of its own while the runs go
on. An interrupted calibration resumes (``resume=True``) from the study and the run store: the
proposals of the unfinished batches are computed again (the same sets), runs already stored are
read, not run again, and the result is that of an uninterrupted calibration. At the end the
best set is run ``check_replications`` more times with seeds of their own (the check), for the
bands of the report and the held-back targets.

Called by the command line (``binnenstad calibrate``) and the Python API; the tables come from
:mod:`sim.runs.calibration_results`, the files from :mod:`sim.present.calibration_report`.
"""

from __future__ import annotations

import math
import sys
import threading
import urllib.parse
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.runs.calibration_design import CHECK, Calibration
from sim.runs.calibration_targets import accepted, loss, target_values
from sim.runs.executors import Workers
from sim.runs.store import RunStore
from sim.runs.tasks import RunOutcome, RunTask, canonical_json

__all__ = [
    "STUDY_FILE",
    "STUDY_NAME",
    "evaluate_set",
    "open_study",
    "propose",
    "read_run",
    "run_calibration",
]

STUDY_FILE = "study.db"
STUDY_NAME = "calibration"
MANIFEST = "manifest.json"


# ------------------------------------------------------------------------------- study
def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial on stderr


def open_study(root: Path, cal: Calibration | None = None, *, create: bool = False) -> Any:
    """The Optuna study in ``root/study.db``.

    Args:
        root: The calibration folder.
        cal: The calibration; a resumed study must have been made by the same settings.
        create: Create the study if there is none, and record ``cal`` in it (the search
            runs); without, the study is only read.

    Raises:
        ScenarioError: If the folder holds no study (and ``create`` is false), or a study of
            other settings than ``cal``'s.
    """
    import optuna

    _quiet_optuna()
    path = Path(root) / STUDY_FILE
    if not path.is_file() and not create:
        raise ScenarioError(f"not a calibration folder (no {STUDY_FILE})", file=str(root))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Quoted: a folder name with '?' or '%' must not be read as part of the URL.
    storage = optuna.storages.RDBStorage(f"sqlite:///{urllib.parse.quote(str(path.resolve()))}")
    if create:
        study = optuna.create_study(storage=storage, study_name=STUDY_NAME,
                                    direction="minimize", load_if_exists=True)
    else:
        try:
            study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
        except KeyError:
            raise ScenarioError(f"{STUDY_FILE} holds no calibration study",
                                file=str(root)) from None
    if cal is not None:
        key = cal.search_key()
        stored = study.user_attrs.get("search")
        if stored is not None and canonical_json(stored) != canonical_json(key):
            changed = sorted(k for k in {*stored, *key} if stored.get(k) != key.get(k))
            raise ScenarioError(
                f"holds a calibration with other settings ({', '.join(changed)} changed); only "
                "budget, check_replications, top and description may change on --resume: "
                "choose another --out", file=str(root))
        if create:  # what the study was made by (budget and the like may change on resume)
            if stored is None:
                study.set_user_attr("search", key)
            study.set_user_attr("calibration", _description(cal))
    return study


def _description(cal: Calibration) -> dict:
    """What the results need to know of the calibration without its file."""
    return {
        "name": cal.name,
        "file": str(cal.path),
        "scenario_file": str(cal.scenario_file),
        "spec": cal.spec.model_dump(mode="json"),
        "parameters": [p.describe() for p in cal.parameters],
        "targets": {n: t.model_dump(mode="json") for n, t in cal.targets.items()},
        "target_files": cal.target_files,
    }


# ---------------------------------------------------------------------------- proposals
def _proposal_seed(seed: int, number: int) -> int:
    """The sampler's seed for evaluation ``number``: from (calibration seed, number) only."""
    seq = np.random.SeedSequence(seed, spawn_key=(0x0CA1, number))
    return int(seq.generate_state(1)[0])


def propose(cal: Calibration, before: Sequence[Any], running: Sequence[dict],
            numbers: Sequence[int]) -> list[dict]:
    """The parameter sets of evaluations ``numbers`` (one batch), from the finished
    evaluations ``before`` it (Optuna FrozenTrials, in number order) and the sets of the batch
    still ``running`` (the one before it).

    A pure function of its arguments: asked of an in-memory study holding ``before`` and the
    ``running`` sets, each set with a TPE sampler seeded by (seed, number); the running sets
    and those asked before it in the batch are running trials, which TPE's constant liar keeps
    the next one away from.
    """
    import optuna
    from optuna.samplers import TPESampler

    _quiet_optuna()
    study = optuna.create_study(direction="minimize")
    study.add_trials(before)
    distributions = {p.name: p.distribution() for p in cal.parameters}
    for params in running:
        study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.RUNNING,
                                                  params=params, distributions=distributions))
    sets = []
    for number in numbers:
        with warnings.catch_warnings():
            # multivariate TPE (parameters that interact) is "experimental" in Optuna 4
            warnings.simplefilter("ignore", category=UserWarning)
            study.sampler = TPESampler(seed=_proposal_seed(cal.spec.seed, number),
                                       n_startup_trials=cal.spec.startup, multivariate=True,
                                       constant_liar=True)
            trial = study.ask(distributions)
        sets.append(dict(trial.params))
    return sets


# ------------------------------------------------------------------------------- runs
def read_run(store: RunStore, run_id: str):
    """A stored run's weekly rows (a DataFrame)."""
    import pyarrow.parquet as pq

    return pq.read_table(store.result_path(run_id)).to_pandas()


def _evaluate(cal: Calibration, store: RunStore, tasks: list[RunTask]) -> dict:
    """An evaluation's state, loss and targets from its stored runs."""
    failed = [t for t in tasks if store.status(t.run_id) == "failed"]
    attrs: dict[str, Any] = {"runs": [t.run_id for t in tasks]}
    if failed:
        attrs["error"] = f"replication {failed[0].replication}: {store.error(failed[0].run_id)}"
        return {"state": "fail", "loss": None, "attrs": attrs}
    values = [target_values(read_run(store, t.run_id), cal.targets) for t in tasks]
    means = {n: float(np.mean([v[n] for v in values])) for n in cal.targets}
    attrs["targets"] = {n: _json_float(v) for n, v in means.items()}
    attrs["replications"] = [{n: _json_float(v[n]) for n in cal.targets} for v in values]
    value = loss(values, cal.targets, cal.spec.loss)
    if not math.isfinite(value):
        bad = next(n for n in cal.fitted if any(not math.isfinite(v[n]) for v in values))
        attrs["error"] = (f"target {bad}: its {cal.targets[bad].statistic} of "
                          f"{cal.targets[bad].metric} is undefined in this run (a period "
                          "without weeks, or a level of zero)")
        return {"state": "fail", "loss": None, "attrs": attrs}
    attrs["accepted"] = accepted(means, cal.targets)
    return {"state": "complete", "loss": value, "attrs": attrs}


def _json_float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class _Bar:
    """A progress bar of runs with the evaluations done and the best loss so far (tqdm)."""

    def __init__(self, name: str, total: int, done: int, budget: int, evaluations: int,
                 best: float, enabled: bool) -> None:
        self.budget, self.evaluations, self.best = budget, evaluations, best
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, desc=name, unit="run",
                            dynamic_ncols=True, file=sys.stderr)
            self._postfix()

    def _postfix(self) -> None:
        best = f"{self.best:.4g}" if math.isfinite(self.best) else "none yet"
        self.bar.set_postfix_str(f"evaluations {self.evaluations}/{self.budget}, "
                                 f"best loss {best}", refresh=False)

    def run(self) -> None:
        self.skip(1)

    def skip(self, runs: int) -> None:
        """Count runs done (or found in the store)."""
        if self.bar is not None and runs:
            self.bar.update(runs)

    def evaluation(self, value: float | None) -> None:
        self.evaluations += 1
        if value is not None and value < self.best:
            self.best = value
        if self.bar is not None:
            self._postfix()
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ----------------------------------------------------------------------------- search
def run_calibration(
    cal: Calibration,
    out_dir: str | Path,
    *,
    workers: int = 1,
    scheduler: Any = None,
    resume: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Run the calibration's search and the check of its best set into ``out_dir``.

    Args:
        cal: The loaded calibration.
        out_dir: The calibration folder: ``study.db`` and the run store ``runs/``.
        workers: Local worker processes (1: this process).
        scheduler: Dask scheduler address, ``Client`` or ``LocalCluster``; None for local.
        resume: Continue the calibration in ``out_dir`` (also with a larger budget): stored
            evaluations and runs are kept, only the rest run.
        progress: Show a progress bar.

    Returns:
        The number of evaluations ``complete`` and ``failed``, and ``runs`` (model runs
        done in this call).

    Raises:
        ScenarioError: If ``out_dir`` holds a calibration and ``resume`` is not given, or one of
            other settings.
    """
    root = Path(out_dir)
    store = RunStore(root)
    if not resume and ((root / STUDY_FILE).exists() or (root / MANIFEST).exists()):
        raise ScenarioError("already holds a calibration; add --resume to continue it, or "
                            "choose another --out", file=str(root))
    if resume:
        store.clean_partial()
        if (root / STUDY_FILE).exists():
            open_study(root, cal)  # one of other settings fails before any worker starts
    (root / MANIFEST).unlink(missing_ok=True)  # the outputs are incomplete until written again
    with Workers(workers, scheduler) as pool:  # local workers import the model meanwhile
        study = open_study(root, cal, create=True)
        return _search(cal, root, store, study, pool, progress)


def _search(cal: Calibration, root: Path, store: RunStore, study: Any, pool: Workers,
            progress: bool) -> dict[str, int]:
    """The batches of the search and the check of the best set (see :func:`run_calibration`)."""
    spec = cal.spec
    trials = _finished(study)[:spec.budget]
    best = min((t.value for t in trials if t.value is not None), default=math.inf)
    bar = _Bar(cal.name, spec.budget * spec.replications + spec.check_replications,
               len(trials) * spec.replications, spec.budget, len(trials), best, progress)
    search = _Search(cal, root, store, study, trials, bar)
    try:
        pool.execute(search.start(), search.done)
        trials = search.trials
        best = _best(trials)
        if best is not None and spec.check_replications:
            check = [t for t in cal.tasks(CHECK, trials[best].params)
                     if store.status(t.run_id) == "pending"]
            bar.skip(spec.check_replications - len(check))
            pool.execute(check, search.stored)
    finally:
        bar.close()
        search.writer.wait()
    states = [t.state.name for t in trials]
    return {"complete": states.count("COMPLETE"), "failed": states.count("FAIL"),
            "runs": search.ran}


class _Search:
    """The search's state while its runs go on: which batches are proposed, which runs each
    evaluation still waits for, and the finished evaluations in number order.

    :meth:`start` proposes the first unfinished batch and the one after it and returns their
    runs; :meth:`done` stores each run as it arrives, finishes an evaluation when its last run
    is stored, and returns the runs of every batch that can be proposed now (batch k+1, once
    batch k-1 and all before it are finished), which the workers take at once.
    """

    def __init__(self, cal: Calibration, root: Path, store: RunStore, study: Any,
                 trials: list, bar: _Bar) -> None:
        import optuna

        self.cal, self.root, self.store, self.bar = cal, root, store, bar
        self.size, self.budget = cal.spec.batch, cal.spec.budget
        self.batches = math.ceil(self.budget / self.size)
        self.trials = list(trials)  # finished evaluations 0..n-1, no gaps
        self.sets = {n: dict(t.params) for n, t in enumerate(self.trials)}  # every proposed set
        self.finished: dict[int, Any] = {}  # evaluations finished ahead of an earlier one
        self.waiting: dict[int, set[str]] = {}  # evaluation -> runs not yet stored
        self.tasks: dict[int, list[RunTask]] = {}
        self.by_run: dict[str, int] = {}
        self.next_batch = len(self.trials) // self.size  # the first batch not finished
        self.written = len(self.trials)  # evaluations in study.db
        self.distributions = {p.name: p.distribution() for p in cal.parameters}
        self.optuna = optuna
        self.writer = _StudyWriter(study)
        self.ran = 0

    def numbers(self, batch: int) -> range:
        return range(batch * self.size, min((batch + 1) * self.size, self.budget))

    def start(self) -> list[RunTask]:
        return self._advance()

    def stored(self, outcome: RunOutcome) -> None:
        """Keep a run in the store (a search run or a check run)."""
        self.store.record(outcome)
        self.ran += 1
        self.bar.run()

    def done(self, outcome: RunOutcome) -> list[RunTask]:
        self.stored(outcome)
        number = self.by_run.pop(outcome.run_id)
        self.waiting[number].discard(outcome.run_id)
        if not self.waiting[number]:
            self._finish(number)
        return self._advance()

    def _propose(self, batch: int) -> list[RunTask]:
        """Propose ``batch`` (its sets must agree with any stored before an interruption) and
        return the runs of its evaluations that are not stored yet."""
        numbers = self.numbers(batch)
        running = [self.sets[n] for n in self.numbers(batch - 1)] if batch else []
        sets = propose(self.cal, self.trials[:max(batch - 1, 0) * self.size], running, numbers)
        runs = []
        for number, params in zip(numbers, sets, strict=True):
            if number < len(self.trials):  # stored before an interruption
                if self.trials[number].params != params:
                    raise ScenarioError(
                        f"evaluation {number} in {STUDY_FILE} is not the set this calibration "
                        "proposes; choose another --out", file=str(self.root))
                continue
            self.sets[number] = params
            tasks = self.tasks[number] = self.cal.tasks(number, params)
            todo = [t for t in tasks if self.store.status(t.run_id) == "pending"]
            self.bar.skip(len(tasks) - len(todo))
            self.waiting[number] = {t.run_id for t in todo}
            self.by_run.update({t.run_id: number for t in todo})
            if not todo:  # every run stored before an interruption
                self._finish(number)
            runs.extend(todo)
        return runs

    def _finish(self, number: int) -> None:
        evaluation = _evaluate(self.cal, self.store, self.tasks.pop(number))
        del self.waiting[number]
        self.bar.evaluation(evaluation["loss"])
        self.finished[number] = _frozen(self.optuna, self.distributions, self.sets[number],
                                        evaluation, number // self.size)

    def _advance(self) -> list[RunTask]:
        """Move finished evaluations into :attr:`trials` in order, write whole batches to the
        study, and propose every batch whose predecessors allow it; return their runs."""
        runs: list[RunTask] = []
        while True:
            while len(self.trials) in self.finished:
                self.trials.append(self.finished.pop(len(self.trials)))
            end = len(self.trials)
            if end > self.written and (end % self.size == 0 or end == self.budget):
                self.writer.add(self.trials[self.written:end])  # while the runs go on
                self.written = end
            if self.next_batch < self.batches and end >= (self.next_batch - 1) * self.size:
                runs.extend(self._propose(self.next_batch))
                self.next_batch += 1
                continue
            return runs


class _StudyWriter:
    """Adds a batch's evaluations to the study in a thread of its own, so the workers need
    not wait for SQLite: the next batch's sets are proposed from the evaluations in memory,
    which equal those the study gives back (a resumed calibration reads them from it). One
    write at a time, in order; an error in one is raised by the next ``add`` or ``wait``."""

    def __init__(self, study: Any) -> None:
        self.study = study
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _write(self, trials: list) -> None:
        try:
            self.study.add_trials(trials)
        except BaseException as exc:  # raised in the calibration's thread
            self.error = exc

    def add(self, trials: list) -> None:
        self.wait()
        self.thread = threading.Thread(target=self._write, args=(trials,), daemon=True)
        self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def _finished(study: Any) -> list[Any]:
    """The study's evaluations in number order (each is finished: complete or failed)."""
    return sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)


def _best(trials: Sequence[Any]) -> int | None:
    """The number of the evaluation of the lowest loss (the first of equals); None if none
    completed."""
    complete = [(t.value, n) for n, t in enumerate(trials) if t.value is not None]
    return min(complete)[1] if complete else None


def _frozen(optuna: Any, distributions: dict, params: dict, evaluation: dict, batch: int) -> Any:
    attrs = {"batch": batch, **evaluation["attrs"]}
    state = (optuna.trial.TrialState.COMPLETE if evaluation["state"] == "complete"
             else optuna.trial.TrialState.FAIL)
    return optuna.trial.create_trial(state=state, value=evaluation["loss"], params=params,
                                     distributions=distributions, user_attrs=attrs)


def evaluate_set(cal: Calibration, values: dict[str, Any], *, workers: int = 1,
                 scheduler: Any = None):
    """Run one parameter set as an evaluation of the search would (its replications and
    seeds) and return its target values, without a folder or a study.

    What the model says of a set you have in mind (today's defaults, a published value), in
    the calibration's terms; also how a recovery test makes targets whose true parameters it
    knows.

    Returns:
        A DataFrame with one row per replication: ``replication``, ``seed``, one column per
        target and ``loss`` (that replication's sum of squared standardised errors).
    """
    import io

    import pandas as pd
    import pyarrow.parquet as pq

    from sim.runs.calibration_targets import loss as loss_of

    tasks = cal.tasks(0, dict(values))
    outcomes: dict[str, RunOutcome] = {}

    def keep(outcome: RunOutcome) -> None:
        outcomes[outcome.run_id] = outcome

    with Workers(workers, scheduler) as pool:
        pool.execute(tasks, keep)
    rows = []
    for task in tasks:
        outcome = outcomes[task.run_id]
        if not outcome.ok:
            raise RuntimeError(f"replication {task.replication} failed: {outcome.error}")
        frame = pq.read_table(io.BytesIO(outcome.data)).to_pandas()
        found = target_values(frame, cal.targets)
        rows.append({"replication": task.replication, "seed": task.seed, **found,
                     "loss": loss_of([found], cal.targets)})
    return pd.DataFrame(rows)

"""One run: what it needs (a task), what it gives back (an outcome), and the function that
runs it.

Tasks are pure, picklable descriptions, so that a run gives the same outcome in this process,
in a local worker process or on a Dask worker. The executors (:mod:`sim.runs.executors`) take
a list of tasks and call each task's ``run()``; the experiments (:mod:`sim.runs.design` makes the
tasks, :mod:`sim.runs.experiments` runs them) and the store (:mod:`sim.runs.store`, which writes
the outcomes) import these types from here, so neither needs the other.

- :class:`RunTask` and :func:`run_task`: one (point, replication) of an experiment, reduced to
  its outcome rows (:func:`reduce_outcomes`) as Parquet bytes. A failed run is an outcome with
  its error, recorded by the store; the experiment goes on.
- :class:`ReplicationTask`: one replication of one scenario of a comparison
  (:mod:`sim.runs.compare`), giving its weekly timeseries, maps and events. A failed run's
  outcome carries the exception, which stops the comparison.
- :class:`SharedRuns`: several of either with one seed whose scenarios share their first
  weeks (:mod:`sim.runs.history`); its ``run()`` gives one outcome per member, each the
  member's own.

A task's ``run()`` returns its failure rather than raising it, so a Dask cluster never retries a
run that fails by itself (it retries runs whose worker was lost).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sim import __version__
from sim.scenario.loading import scenario_from_dump
from sim.scenario.schema import Scenario

__all__ = [
    "ReplicationTask",
    "RunOutcome",
    "RunTask",
    "SharedRuns",
    "Task",
    "canonical_json",
    "reduce_outcomes",
    "replication_id",
    "run_task",
    "settings_of",
    "task_frame",
]

PERIOD = {"horizon": "horizon", "yearly": "year", "weekly": "week"}
WEEKS_PER_YEAR = 52


class Task(Protocol):
    """What the executors run: anything picklable with a ``run_id`` and a ``run()``, which
    returns one outcome or (a :class:`SharedRuns`, which also has ``run_ids``) a list."""

    run_id: str

    def run(self) -> RunOutcome | list[RunOutcome]: ...


@dataclass
class RunOutcome:
    """What a run returns: what it produced, or the error that stopped it.

    Attributes:
        run_id: The task's ``run_id``.
        ok: The run finished.
        data: What the run produced: an experiment run's tidy rows as Parquet bytes; a
            comparison run's ``(timeseries, footfall_map, occupancy_map, events)``.
        error: Why the run failed, one line.
        seconds: How long the run took in its worker.
        exception: The exception that stopped a comparison run (raised again by the caller).
    """

    run_id: str
    ok: bool
    data: Any = b""
    error: str = ""
    seconds: float = 0.0
    exception: BaseException | None = None


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same data always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=str)


#: Keys of a scenario that are words about it, not settings: a run's id leaves them out, so a
#: scenario titled or described anew keeps its stored runs (its ``name`` still counts).
WORDS = ("title", "description")


def settings_of(scenario: dict) -> dict:
    """A resolved scenario (as data) without its :data:`WORDS`: what a run's id hashes."""
    return {key: value for key, value in scenario.items() if key not in WORDS}


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


# ------------------------------------------------------------------------- experiments
@dataclass
class RunTask:
    """Everything one run needs; a pure description (picklable, no state)."""

    run_id: str
    experiment: str
    point: int
    label: str | None
    values: dict[str, Any]  # parameter name -> value
    replication: int
    seed: int
    scenario: dict  # the resolved scenario, every value given
    outcomes: dict[str, dict]  # outcome name -> {metric, when, aggregate}

    def run(self) -> RunOutcome:
        """Run it (what the executors call): :func:`run_task`."""
        return run_task(self)


def reduce_outcomes(timeseries: Any, outcomes: dict[str, dict]) -> list[dict]:
    """A run's weekly timeseries reduced to its outcome rows.

    Returns:
        One dict per outcome time: ``period`` (horizon, year, week), ``year`` (reported
        year, 1-based), ``step`` and ``date`` of the last week of the period, and the value
        of every outcome read at that time (absent otherwise).
    """
    frame = timeseries.reset_index(drop=True)
    steps = frame["step"].to_numpy()
    years = (steps - 1) // WEEKS_PER_YEAR + 1
    rows: dict[tuple, dict] = {}

    def row(period: str, index: np.ndarray) -> dict:
        last = int(index[-1])
        key = ({"horizon": 0, "year": 1, "week": 2}[period], int(steps[last]))
        return rows.setdefault(key, {
            "period": period, "year": int(years[last]), "step": int(steps[last]),
            "date": str(frame["date"].iloc[last]),
        })

    for name, o in outcomes.items():
        values = frame[o["metric"]].to_numpy(dtype=float)
        if o["when"] == "weekly":
            for k in range(len(frame)):
                row("week", np.array([k]))[name] = float(values[k])
            continue
        if o["when"] == "horizon":
            groups = [np.arange(len(frame))]
        else:
            groups = [np.flatnonzero(years == y) for y in np.unique(years)]
        for index in groups:
            part = values[index]
            value = {"last": part[-1], "mean": part.mean(), "sum": part.sum(),
                     "min": part.min(), "max": part.max()}[o["aggregate"]]
            row(PERIOD[o["when"]], index)[name] = float(value)
    return [rows[k] for k in sorted(rows)]


def task_frame(task: RunTask, rows: list[dict]):
    """The tidy rows of one run as a DataFrame with its identifying columns."""
    import pandas as pd

    ident: dict[str, Any] = {"experiment": task.experiment, "point": task.point}
    if task.label is not None:
        ident["label"] = task.label
    ident |= {"replication": task.replication, "seed": task.seed, "run": task.run_id}
    ident |= task.values
    records = [{**ident, **{k: r.get(k) for k in ("period", "year", "step", "date")},
                **{name: r.get(name, math.nan) for name in task.outcomes}} for r in rows]
    return pd.DataFrame.from_records(records)


def run_task(task: RunTask) -> RunOutcome:
    """Run one (point, replication): the model, its outcome rows, as Parquet bytes.

    Any exception is caught and returned as the run's error, so one failing run never stops
    an experiment (and a Dask cluster never retries a run that fails by itself).
    """
    start = time.perf_counter()
    try:
        from sim.runs.output import run_replication

        scenario = Scenario.model_validate(task.scenario)
        result = run_replication(scenario, task.replication, task.seed)
        return RunOutcome(task.run_id, True, _outcome_rows(task, result.timeseries),
                          seconds=time.perf_counter() - start)
    except Exception as exc:  # a failed run is recorded; the experiment goes on
        detail = _one_line(exc)
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        return RunOutcome(task.run_id, False, error=detail + where,
                          seconds=time.perf_counter() - start)


def _outcome_rows(task: RunTask, timeseries: Any) -> bytes:
    """A run's outcome rows (:func:`task_frame`) as Parquet bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = task_frame(task, reduce_outcomes(timeseries, task.outcomes))
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
    return buf.getvalue()


# ------------------------------------------------------------------------- comparisons
def replication_id(scenario: dict, source: str | None, replication: int, seed: int) -> str:
    """sha256 of what determines a comparison run: the scenario, its file, the replication, the
    seed and the package version (a Dask key: the same id is the same result)."""
    text = canonical_json({"scenario": scenario, "source": source, "replication": replication,
                           "seed": seed, "version": __version__})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ReplicationTask:
    """One replication of one scenario of a comparison (picklable, no state).

    Attributes:
        run_id: :func:`replication_id` of the rest.
        scenario: The scenario's ``model_dump()``.
        source: The file the scenario was loaded from (its ``town.map_file`` is relative to
            it; a worker reads the map there); None if built in code.
        replication: Replication number (its rows say so).
        seed: The replication's seed, the same in every scenario (paired).
    """

    run_id: str
    scenario: dict
    source: str | None
    replication: int
    seed: int

    def run(self) -> RunOutcome:
        """Run the model; ``data`` is ``(timeseries, footfall_map, occupancy_map, events)``."""
        start = time.perf_counter()
        try:
            # Imported when a run starts: the model loads its compiled kernels only then.
            from sim.runs import output

            scenario = scenario_from_dump(self.scenario, self.source)
            result = output.run_replication(scenario, self.replication, self.seed)
        except Exception as exc:  # returned, not raised: the caller stops the comparison
            return RunOutcome(self.run_id, False, error=_one_line(exc), exception=exc,
                              seconds=time.perf_counter() - start)
        return RunOutcome(self.run_id, True, self.outputs(result),
                          seconds=time.perf_counter() - start)

    def outputs(self, result: Any) -> tuple:
        """What the caller keeps of a finished replication (:class:`sim.runs.output.
        Replication`): ``(timeseries, footfall_map, occupancy_map, events)``."""
        return (result.timeseries, result.footfall_map, result.occupancy_map, result.events)


# ------------------------------------------------------------------------- shared history
@dataclass
class SharedRuns:
    """Runs with one seed whose scenarios share their first weeks (:mod:`sim.runs.history`):
    the first member's model runs from the start, the others continue from copies of it.

    Each member's outcome is the one it gives when run alone (:class:`RunTask` or
    :class:`ReplicationTask`), byte for byte. If any run fails, every member runs alone, so
    each failure is reported as it would be without sharing.

    Attributes:
        run_id: sha256 of the members' run ids (a Dask key).
        members: The runs, all with the same seed, the trunk first.
    """

    run_id: str
    members: list[RunTask] | list[ReplicationTask]

    @classmethod
    def of(cls, members: list[RunTask] | list[ReplicationTask]) -> SharedRuns:
        """The group of ``members`` (the first is the trunk)."""
        ids = canonical_json([m.run_id for m in members])
        return cls(hashlib.sha256(ids.encode()).hexdigest(), list(members))

    @property
    def run_ids(self) -> list[str]:
        """The members' run ids: one outcome each."""
        return [m.run_id for m in self.members]

    def run(self) -> list[RunOutcome]:
        """Run every member, sharing history; one outcome per member, in order."""
        start = time.perf_counter()
        try:
            from sim.runs import history, output

            scenarios = [_scenario_of(m) for m in self.members]
            seed = self.members[0].seed
            if any(m.seed != seed for m in self.members):
                raise ValueError("the runs of a shared history need one seed")

            def finish(i: int, model: Any) -> Any:
                member = self.members[i]
                result = output.replication_result(model, member.replication)
                if isinstance(member, RunTask):
                    return _outcome_rows(member, result.timeseries)
                return member.outputs(result)

            data = history.run_shared(scenarios, seed, finish)
        except Exception:  # each run alone, each with its own outcome or failure
            return [m.run() for m in self.members]
        seconds = (time.perf_counter() - start) / len(self.members)  # the prefix shared out
        return [RunOutcome(m.run_id, True, d, seconds=seconds)
                for m, d in zip(self.members, data, strict=True)]


def _scenario_of(task: RunTask | ReplicationTask) -> Scenario:
    if isinstance(task, RunTask):
        return Scenario.model_validate(task.scenario)
    return scenario_from_dump(task.scenario, task.source)

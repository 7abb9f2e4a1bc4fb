"""One run: what it needs (a task), what it gives back (an outcome), and the function that
runs it.

Tasks are pure, picklable descriptions, so that a run gives the same outcome in this process,
in a local worker process or on a Dask worker. The executors (:mod:`sim.runs.executors`) take
a list of tasks and call each task's ``run()``; the experiments (:mod:`sim.runs.design` makes the
tasks, :mod:`sim.runs.experiments` runs them) and the store (:mod:`sim.runs.store`, which writes
the outcomes) import these types from here, so neither needs the other.

- :class:`RunTask` and :func:`run_task`: one (point, replication) of an experiment, reduced to
  its outcome rows (:func:`reduce_outcomes`) as Parquet bytes.
"""

from __future__ import annotations

import io
import math
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RunOutcome", "RunTask", "reduce_outcomes", "run_task", "task_frame"]

PERIOD = {"horizon": "horizon", "yearly": "year", "weekly": "week"}
WEEKS_PER_YEAR = 52


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


@dataclass
class RunOutcome:
    """What a run returns: what it produced, or the error that stopped it.

    Attributes:
        run_id: The task's ``run_id``.
        ok: The run finished.
        data: An experiment run's tidy rows as Parquet bytes.
        error: Why the run failed, one line.
        seconds: How long the run took in its worker.
    """

    run_id: str
    ok: bool
    data: bytes = b""
    error: str = ""
    seconds: float = 0.0



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
        import pyarrow as pa
        import pyarrow.parquet as pq

        from sim.runs.output import run_replication
        from sim.scenario.schema import Scenario

        scenario = Scenario.model_validate(task.scenario)
        result = run_replication(scenario, task.replication, task.seed)
        frame = task_frame(task, reduce_outcomes(result.timeseries, task.outcomes))
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
        return RunOutcome(task.run_id, True, buf.getvalue(),
                          seconds=time.perf_counter() - start)
    except Exception as exc:  # a failed run is recorded; the experiment goes on
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        return RunOutcome(task.run_id, False, error=detail + where,
                          seconds=time.perf_counter() - start)


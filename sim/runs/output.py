"""Running replications of one scenario, and their results as tables.

:func:`run_replication` builds and runs one model and returns its weekly timeseries, events,
premises and maps (:class:`RunResult`; :func:`replication_result` of a model already run);
:func:`run_replications` runs seeded replications; ``*_csv`` turn results into the text of
``binnenstad run``'s tables. Called by :mod:`sim.present.run` (which writes a run's folder),
the tasks of comparisons and experiments (:mod:`sim.runs.tasks`), the Python API and
docs/calibration.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.kernels.streams import replication_seeds
from sim.model.model import CityCentre
from sim.scenario.schema import Scenario

EVENT_COLUMNS = ("date", "step", "event", "premises", "sector", "cause")


@dataclass
class RunResult:
    """One replication: its weekly timeseries, its events and its premises table."""

    replication: int
    seed: int
    timeseries: pd.DataFrame
    events: list[tuple]
    premises: list[dict]
    footfall_map: np.ndarray  # (height, width) smoothed passers-by per week, NaN off-street
    occupancy_map: np.ndarray  # (height, width) 1 open, 0 vacant, NaN elsewhere


def run_replication(scenario: Scenario, replication: int, seed: int) -> RunResult:
    """Build and run one model; return its outputs."""
    model = CityCentre(scenario, seed=seed)
    model.run()
    return replication_result(model, replication)


def replication_result(model: CityCentre, replication: int) -> RunResult:
    """The outputs of a model run to its horizon (however it got there: from the start, or
    continued from a shared history, :mod:`sim.runs.history`)."""
    scenario, seed = model.params, model.seed
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "scenario", scenario.name)
    frame.insert(1, "replication", replication)
    frame.insert(2, "seed", seed)
    footfall_map, occupancy_map = model.maps()
    return RunResult(replication, seed, frame, model.event_log, model.premises_table(),
                     footfall_map, occupancy_map)


def run_replications(
    scenario: Scenario,
    replications: int,
    seed: int | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> list[RunResult]:
    """Run ``replications`` replications with seeds from ``SeedSequence(seed).spawn(n)``."""
    seeds = replication_seeds(scenario.seed if seed is None else seed, replications)
    items = list(enumerate(seeds))
    if progress is not None:
        items = progress(items)
    return [run_replication(scenario, i, s) for i, s in items]


def timeseries_csv(results: list[RunResult]) -> str:
    """All replications' weekly rows as CSV text (floats with repr precision)."""
    frame = pd.concat([r.timeseries for r in results], ignore_index=True)
    return frame.to_csv(index=False, lineterminator="\n")


def events_csv(results: list[RunResult], scenario_name: str) -> str:
    """Every opening and closure of every replication as CSV text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("scenario", "replication", *EVENT_COLUMNS))
    for r in results:
        for event in r.events:
            writer.writerow((scenario_name, r.replication, *event))
    return buf.getvalue()


def premises_csv(result: RunResult) -> str:
    """Premises attributes (location class, core flag) and their state at the horizon."""
    frame = pd.DataFrame(result.premises)
    return frame.to_csv(index=False, lineterminator="\n")

"""Running replications and writing their results atomically.

Every file is written under a temporary name in the same folder and renamed into place,
so a crash never leaves a half-written file under its final name. ``manifest.json`` is
written last: a folder without it is not a complete result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.files import atomic_write_text
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


def write_run(
    scenario: Scenario,
    out_dir: Path,
    *,
    replications: int = 1,
    seed: int | None = None,
    progress: bool = True,
) -> Path:
    """Run a scenario and write ``timeseries.csv``, ``events.csv``, ``premises.csv``,
    ``figures/`` and, last, ``manifest.json`` to ``out_dir``. Returns ``out_dir``."""
    from sim.present.plots import write_run_figures

    out_dir = Path(out_dir)
    master = scenario.seed if seed is None else seed
    started = dt.datetime.now(dt.UTC)
    wrap = None
    if progress:
        from tqdm import tqdm

        def wrap(items):
            return tqdm(items, desc=f"{scenario.name}", unit="run", leave=False)

    manifest_path = out_dir / "manifest.json"
    manifest_path.unlink(missing_ok=True)  # an old manifest must not vouch for new files
    results = run_replications(scenario, replications, master, progress=wrap)
    atomic_write_text(out_dir / "timeseries.csv", timeseries_csv(results))
    atomic_write_text(out_dir / "events.csv", events_csv(results, scenario.name))
    atomic_write_text(out_dir / "premises.csv", premises_csv(results[0]))
    figures = write_run_figures(results, scenario, out_dir / "figures")
    manifest = {
        "scenario": scenario.model_dump(mode="json"),
        "package": "binnenstad",
        "version": __version__,
        "master_seed": master,
        "replication_seeds": [r.seed for r in results],
        "replications": replications,
        "started": started.isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat(),
        "files": ["timeseries.csv", "events.csv", "premises.csv",
                  *(f"figures/{f.name}" for f in figures)],
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")
    return out_dir

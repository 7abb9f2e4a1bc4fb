"""The output folder of ``binnenstad run``: tables, figures and, last, ``manifest.json``.

:func:`write_run` runs a scenario's replications (:mod:`sim.runs.output`), writes their tables
(``timeseries.csv``, ``events.csv``, ``premises.csv``) and figures (:func:`write_run_figures`,
drawn by :mod:`sim.present.plots` from the tables and maps) and then the manifest. Called by the
command line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.files import atomic_write_text, folder_lock
from sim.fingerprint import code_fingerprint
from sim.present.plots import (
    TRAJECTORY_METRICS,
    map_figure,
    metric_label,
    save,
    trajectory_figure,
)
from sim.runs import output
from sim.runs.output import RunResult
from sim.scenario.loading import build_town
from sim.scenario.schema import Scenario
from sim.town.townfile import map_geometry

__all__ = ["result_line", "write_run", "write_run_figures"]


def write_run_figures(results: list[RunResult], scenario: Scenario, folder: Path) -> list[Path]:
    """Trajectories of vacancy and footfall, and the map of replication 0 at the horizon."""
    frame = pd.concat([r.timeseries for r in results], ignore_index=True)
    paths = [
        save(trajectory_figure(frame, metric, metric_label(metric),
                               f"{scenario.name}: {metric_label(metric)}"),
             folder / f"{metric}.png")
        for metric in TRAJECTORY_METRICS
    ]
    first = results[0]
    town = build_town(scenario)  # cached on the scenario by the runs
    paths.append(save(map_figure(first.footfall_map, first.occupancy_map,
                                 f"{scenario.name}: footfall and occupancy at the horizon "
                                 "(replication 0)", town.cell_size_m,
                                 geometry=map_geometry(town)),
                      folder / "map_end.png"))
    return paths


def result_line(out_dir: Path) -> str:
    """What a run found, in one line for the terminal, from its ``timeseries.csv``: vacancy at
    the horizon in % and in premises, the passers-by a week at a counting point (the mean of
    the counting points and of the last year's weeks, as the comparison's report counts it)
    and the closures over the reported years; over several replications the medians (the
    vacant units as the median rate of the median stock, so that they agree) and for the
    vacancy the range in which 90% of them lie.

    Example: ``baseline: at the horizon (2024-12-23) 12.4% vacant (about 36 of 294 premises;
    90% of 3 replications: 11.2% to 13.5%), 35,076 passers-by a week at a counting point in
    the last year, 66 closures in 6 years``.
    """
    frame = pd.read_csv(Path(out_dir) / "timeseries.csv")
    name = str(frame["scenario"].iloc[0])
    last = frame[frame["step"] == frame["step"].max()]
    rate, vacant = last["vacancy_rate"], last["vacant_units"]
    stock = last["open_units"] + vacant
    closures = frame.groupby("replication")["closures"].sum()
    last_year = frame[frame["step"] > frame["step"].max() - 52]
    footfall = last_year.groupby("replication")["footfall"].mean()
    years = round(frame["step"].max() / 52)
    n = len(last)
    spread = (f"; 90% of {n} replications: {100 * rate.quantile(0.05):.1f}% to "
              f"{100 * rate.quantile(0.95):.1f}%" if n > 1 else "")
    # the units the median rate gives of the median stock: the three agree, as the median
    # count beside the median stock need not ("36 of 296 premises, 12.4%")
    about = "about " if n > 1 else ""
    return (f"{name}: at the horizon ({last['date'].iloc[0]}) {100 * rate.median():.1f}% vacant "
            f"({about}{rate.median() * stock.median():,.0f} of {stock.median():,.0f} "
            f"premises{spread}), "
            f"{footfall.median():,.0f} passers-by a week at a counting point in the last year, "
            f"{closures.median():,.0f} closures in {years} year{'' if years == 1 else 's'}")


def write_run(
    scenario: Scenario,
    out_dir: Path,
    *,
    replications: int = 1,
    seed: int | None = None,
    progress: bool = True,
) -> Path:
    """Run a scenario and write ``timeseries.csv``, ``events.csv``, ``premises.csv``,
    ``figures/`` and, last, ``manifest.json`` to ``out_dir``. Returns ``out_dir``.

    Every file is written atomically; the old manifest is removed first, so that a run that
    fails half-way leaves no manifest vouching for a mix of old and new files. The folder is
    locked while it is written (:func:`sim.files.folder_lock`): a second command writing it
    at the same time is refused, naming the first.
    """
    out_dir = Path(out_dir)
    master = scenario.seed if seed is None else seed
    started = dt.datetime.now(dt.UTC)
    wrap = None
    if progress:
        from tqdm import tqdm

        def wrap(items):
            return tqdm(items, desc=f"{scenario.name}", unit="run", leave=False)

    with folder_lock(out_dir, "run"):
        return _write_run(scenario, out_dir, replications, master, started, wrap)


def _write_run(scenario: Scenario, out_dir: Path, replications: int, master: int,
               started: dt.datetime, wrap) -> Path:
    manifest_path = out_dir / "manifest.json"
    manifest_path.unlink(missing_ok=True)  # an old manifest must not vouch for new files
    results = output.run_replications(scenario, replications, master, progress=wrap)
    atomic_write_text(out_dir / "timeseries.csv", output.timeseries_csv(results))
    atomic_write_text(out_dir / "events.csv", output.events_csv(results, scenario.name))
    atomic_write_text(out_dir / "premises.csv", output.premises_csv(results[0]))
    figures = write_run_figures(results, scenario, out_dir / "figures")
    manifest = {
        "scenario": scenario.model_dump(mode="json"),
        "package": "binnenstad",
        "version": __version__,
        "code": code_fingerprint(),
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

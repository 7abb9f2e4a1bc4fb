"""The Python API for notebooks: load scenarios, vary them, run and compare, get DataFrames and
figures. It does what ``binnenstad run`` and ``binnenstad compare`` do::

    from sim import api

    base = api.load("scenarios/baseline.yaml", ["years=2"])
    cheaper = api.vary(base, "cheaper_rent", ["economy.rent.level=0.7"])
    result = api.compare(base, [cheaper], replications=10)
    result.summary()          # pandas DataFrame, as summary.csv
    result.figures()          # {name: matplotlib Figure}

Calibrations fit a scenario's uncertain parameters to observed targets, as ``binnenstad
calibrate`` does::

    fit = api.calibrate("calibrations/middelstad.yaml", workers=2)
    fit.best()                # {parameter: value}
    fit.targets()             # pandas DataFrame: observed against the best set's runs
    fit.identifiability()     # the spread of each parameter among the sets within tolerance
    fit.trials                # every evaluation
    fit.figures()             # {name: matplotlib Figure}

Comparisons and calibrations run on processes that are *spawned*: in a script (not a notebook)
put the calls under ``if __name__ == "__main__":``, or pass ``workers=1``. Like the command
line, this module sits on top of the layers: scenarios (:mod:`sim.scenario`), runs
(:mod:`sim.runs`) and their presentation (:mod:`sim.present`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.present.calibration_report import calibration_figures, write_calibration
from sim.present.comparison import comparison_figures, write_comparison
from sim.runs import calibration_results
from sim.runs import compare as runs_compare
from sim.runs.compare import HEADLINE_METRICS, run_comparison
from sim.scenario.loading import load_scenario, with_overrides
from sim.scenario.schema import Scenario

__all__ = [
    "HEADLINE_METRICS",
    "Calibration",
    "Comparison",
    "calibrate",
    "calibration",
    "compare",
    "evaluate",
    "load",
    "run",
    "vary",
    "write",
]


@dataclasses.dataclass
class Comparison(runs_compare.Comparison):
    """A :class:`sim.runs.compare.Comparison` that also draws its figures: ``.figures()``."""

    def figures(self) -> dict[str, Figure]:
        """Every figure of ``binnenstad compare``: file stem -> matplotlib Figure."""
        return comparison_figures(self)


def load(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Load a scenario file (with ``extends``), with ``key.path=value`` overrides.

    Raises:
        ScenarioError: One line naming the file, line and key for anything wrong.
    """
    return load_scenario(path, overrides)


def vary(scenario: Scenario, name: str, overrides: Sequence[str] = ()) -> Scenario:
    """A what-if: ``scenario`` renamed to ``name`` with ``key.path=value`` overrides."""
    return with_overrides(scenario, [f"name={name}", *overrides])


def run(scenario: Scenario, replications: int = 1, seed: int | None = None) -> pd.DataFrame:
    """Run seeded replications of one scenario; their weekly rows (the columns of
    ``timeseries.csv``)."""
    from sim.runs.output import run_replications

    results = run_replications(scenario, replications, seed)
    return pd.concat([r.timeseries for r in results], ignore_index=True)


def compare(
    baseline: Scenario,
    scenarios: Sequence[Scenario],
    *,
    replications: int = 30,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = False,
    paired: bool = True,
) -> Comparison:
    """Run the baseline and scenarios with paired seeds (:func:`sim.runs.compare.run_comparison`):
    on ``workers`` local processes (default: all cores), or on a Dask cluster (``scheduler``: an
    address such as ``tcp://host:8786``, a ``distributed.Client`` or a ``LocalCluster``).
    Every scenario needs the baseline's town, population and warm-up unless ``paired`` is
    False (``--unpaired``).

    Returns:
        A :class:`Comparison`: ``.timeseries``, ``.summary()``, ``.cost_effectiveness()``,
        ``.effects(metric, year)``, ``.figures()``.
    """
    result = run_comparison(baseline, scenarios, replications=replications, seed=seed,
                            workers=workers, scheduler=scheduler, progress=progress,
                            paired=paired)
    return Comparison(**{f.name: getattr(result, f.name) for f in dataclasses.fields(result)})


def write(comparison: runs_compare.Comparison, out_dir: str | os.PathLike[str],
          lang: str | None = None) -> Path:
    """Write the comparison's files and report to ``out_dir``, as ``binnenstad compare`` does;
    returns the report's path. ``lang``: ``nl`` or ``en`` (default: the baseline's
    ``town.language``, else Dutch)."""
    return write_comparison(comparison, Path(out_dir), lang=lang)


# ------------------------------------------------------------------------- calibration
@dataclasses.dataclass
class Calibration(calibration_results.CalibrationResult):
    """A :class:`sim.runs.calibration_results.CalibrationResult` that also draws its figures:
    ``.figures()``."""

    def figures(self) -> dict[str, Figure]:
        """Every figure of ``binnenstad calibrate``: file stem -> matplotlib Figure."""
        return calibration_figures(self)


def _folder(spec: Any, out_dir: str | os.PathLike[str] | None) -> Path:
    return Path(out_dir) if out_dir is not None else (
        Path("results") / "calibrations" / spec.name)


def calibrate(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    progress: bool = False,
) -> Calibration:
    """Run a calibration file as ``binnenstad calibrate`` does, outputs included.

    Args:
        path: The calibration file.
        out_dir: Its folder (default ``results/calibrations/<name>``).
        workers: Local worker processes (default: all cores); the result does not depend on it.
        scheduler: A Dask scheduler address, ``distributed.Client`` or ``LocalCluster``.
        resume: Continue the calibration in ``out_dir``.
        progress: Show a progress bar.

    Returns:
        A :class:`Calibration`: ``.best()``, ``.trials``, ``.targets()``, ``.top()``,
        ``.identifiability()``, ``.importance()``, ``.history()``, ``.check``,
        ``.best_scenario()``, ``.figures()``.
    """
    from sim.runs.calibrate import run_calibration
    from sim.runs.calibration_design import load_calibration

    cal = load_calibration(path)
    folder = _folder(cal.spec, out_dir)
    workers = workers or os.cpu_count() or 1
    run_calibration(cal, folder, workers=workers, scheduler=scheduler, resume=resume,
                    progress=progress)
    result = calibration(path, folder)
    write_calibration(result, folder, workers=workers)
    return result


def calibration(path: str | os.PathLike[str],
                out_dir: str | os.PathLike[str] | None = None) -> Calibration:
    """The results in a calibration folder (complete or not), read without running anything.

    Args:
        path: The calibration file that made the folder.
        out_dir: Its folder (default ``results/calibrations/<name>``).
    """
    from sim.runs.calibration_design import load_calibration

    cal = load_calibration(path)
    result = calibration_results.collect_calibration(cal, _folder(cal.spec, out_dir))
    return Calibration(**{f.name: getattr(result, f.name)
                          for f in dataclasses.fields(result)})


def evaluate(path: str | os.PathLike[str], values: dict[str, Any], *,
             workers: int = 1) -> pd.DataFrame:
    """What the calibration's targets are at one parameter set (its replications and seeds),
    e.g. at today's defaults: one row per replication with every target and the run's loss."""
    from sim.runs.calibrate import evaluate_set
    from sim.runs.calibration_design import load_calibration

    return evaluate_set(load_calibration(path), values, workers=workers)

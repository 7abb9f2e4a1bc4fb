"""Analyses of an experiment's tidy results, as tables: sensitivity indices, sweeps, heatmaps,
replications.

Every analysis reads one value per run and outcome: the outcome at its last time (the
horizon, the last year or the last week), or at every year for yearly outcomes in the
sensitivity analysis. Values are averaged over the replications of a point first.

- ``sensitivity``: Morris mu, mu* and sigma (with mu*'s confidence interval), or Sobol S1 and
  ST with 95% confidence intervals (SALib), per outcome and time.
- ``sweep``: each outcome against each parameter, median with a 90% band over runs.
- ``heatmap``: for grids, the mean outcome over every pair of parameters.
- ``replications``: how the 90% confidence interval of the mean narrows with the number of
  replications, and the 5-95% range of single runs.

:func:`analyse` computes the tables an experiment asks for (:class:`Analyses`);
:mod:`sim.present.analysis` writes them (``analysis/*.csv``) and draws their figures. Called
there and by the tests of the analyses.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "Analyses",
    "Heatmap",
    "analyse",
    "morris_indices",
    "outcome_values",
    "replication_table",
    "sobol_indices",
]

LAST_PERIOD = {"horizon": "horizon", "yearly": "year", "weekly": "week"}
MAX_HEATMAP_PAIRS = 6
MAX_REPLICATION_POINTS = 6


@dataclass
class Heatmap:
    """The mean of ``outcome`` at ``time`` over a grid's pair of parameters ``x`` and ``y``:
    ``table`` has ``y``'s values as rows and ``x``'s as columns."""

    outcome: str
    time: str
    x: str
    y: str
    table: pd.DataFrame


@dataclass
class Analyses:
    """The tables of an experiment's analyses; empty where not asked for or not possible.

    Attributes:
        design: The design type (``morris``, ``sobol``, ``grid``, ...).
        sensitivity: Morris or Sobol indices per outcome, time and parameter.
        sweeps: One table per (parameter, outcome, time): ``value``, ``median``, ``low``,
            ``high``, ``runs``.
        heatmaps: One per (outcome, time, pair of parameters) of a grid.
        replications: :func:`replication_table` per outcome, time and point.
    """

    design: str
    sensitivity: pd.DataFrame | None = None
    sweeps: list[pd.DataFrame] = field(default_factory=list)
    heatmaps: list[Heatmap] = field(default_factory=list)
    replications: pd.DataFrame | None = None


def outcome_values(results: pd.DataFrame, outcome: str, when: str,
                   times: str = "last") -> dict[str, pd.DataFrame]:
    """One value per run of ``outcome``: at its last time, or (``times="years"``) per year.

    Returns:
        Time label (``horizon``, ``year 3``, ``week 52``) -> rows of that time.
    """
    rows = results[results["period"] == LAST_PERIOD[when]].dropna(subset=[outcome])
    if rows.empty:
        return {}
    if times == "years" and when == "yearly":
        return {f"year {y}": part for y, part in rows.groupby("year", sort=True)}
    last = rows["step"].max()
    label = "horizon" if when == "horizon" else f"{LAST_PERIOD[when]} " + (
        str(int(rows["year"].max())) if when == "yearly" else str(int(last)))
    return {label: rows[rows["step"] == last]}


def point_means(rows: pd.DataFrame, outcome: str, n_points: int) -> np.ndarray:
    """The mean over replications at every design point (NaN where no run finished)."""
    means = rows.groupby("point")[outcome].mean()
    return means.reindex(range(n_points)).to_numpy(dtype=float)


# ------------------------------------------------------------------------ sensitivity
def morris_indices(problem: dict, x: np.ndarray, y: np.ndarray, *, levels: int,
                   seed: int) -> pd.DataFrame:
    """Morris mu, mu*, sigma and mu*'s 95% confidence interval per parameter (SALib)."""
    from SALib.analyze import morris

    res = morris.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                         num_levels=levels, seed=seed)
    return pd.DataFrame({
        "parameter": problem["names"], "mu": res["mu"], "mu_star": res["mu_star"],
        "sigma": res["sigma"], "mu_star_conf": res["mu_star_conf"],
    })


def sobol_indices(problem: dict, y: np.ndarray, *, second_order: bool,
                  seed: int) -> pd.DataFrame:
    """Sobol first-order (S1) and total (ST) indices with 95% confidence intervals (SALib)."""
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=float)
    if np.nanstd(y) == 0:  # a constant outcome: no parameter explains any variance
        zeros = np.zeros(problem["num_vars"])
        res = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            res = sobol.analyze(problem, y, calc_second_order=second_order, seed=seed)
    return pd.DataFrame({
        "parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
        "ST": res["ST"], "ST_conf": res["ST_conf"],
    })


def sensitivity_table(manifest: dict, results: pd.DataFrame) -> pd.DataFrame | None:
    """Morris or Sobol indices per outcome, time and parameter; None for other designs, or if
    some point has no finished run."""
    design = manifest["design"]
    kind = design["type"]
    if kind not in ("morris", "sobol"):
        return None
    params = design["parameters"]
    problem = {"num_vars": len(params), "names": [p["name"] for p in params],
               "bounds": [[p["min"], p["max"]] for p in params]}
    x = np.asarray(design["sample"], dtype=float)
    seed = manifest["spec"]["seed"] % 2**32
    tables = []
    for name, o in manifest["spec"]["outcomes"].items():
        for time, rows in outcome_values(results, name, o["when"], "years").items():
            y = point_means(rows, name, len(x))
            if np.isnan(y).any():
                continue  # some point has no finished run: indices would be wrong
            if kind == "morris":
                table = morris_indices(problem, x, y, levels=design["settings"].get("levels", 4),
                                       seed=seed)
            else:
                table = sobol_indices(problem, y, seed=seed,
                                      second_order=design["settings"].get("second_order", False))
            table.insert(0, "time", time)
            table.insert(0, "outcome", name)
            tables.append(table)
    if not tables:
        return None
    return pd.concat(tables, ignore_index=True)



# ----------------------------------------------------------------------------- sweeps
def sweep_tables(manifest: dict, results: pd.DataFrame) -> list[pd.DataFrame]:
    """Each outcome against each parameter: one table per (parameter, outcome, time)."""
    params = [p["name"] for p in manifest["design"]["parameters"]]
    tables = []
    for name, o in manifest["spec"]["outcomes"].items():
        for time, rows in outcome_values(results, name, o["when"]).items():
            for param in params:
                table = _sweep_table(rows, param, name)
                if table is None:
                    continue
                table.insert(0, "time", time)
                table.insert(0, "outcome", name)
                table.insert(0, "parameter", param)
                tables.append(table)
    return tables


def _sweep_table(rows: pd.DataFrame, param: str, outcome: str) -> pd.DataFrame | None:
    """Median and 5-95% range of an outcome per parameter value (binned if continuous)."""
    x = rows[param]
    if x.nunique() < 2:
        return None
    if x.nunique() > 12 and pd.api.types.is_numeric_dtype(x):
        bins = pd.qcut(x, 10, duplicates="drop")
        key = bins.map(lambda b: b.mid).astype(float)
    else:
        key = x
    grouped = rows[outcome].groupby(key, sort=True)
    table = pd.DataFrame({
        "median": grouped.median(), "low": grouped.quantile(0.05),
        "high": grouped.quantile(0.95), "runs": grouped.size(),
    })
    table.index.name = "value"
    return table.reset_index()


def heatmap_tables(manifest: dict, results: pd.DataFrame) -> list[Heatmap]:
    """For a grid of two or more parameters: the mean outcome over each pair of parameters (the
    first :data:`MAX_HEATMAP_PAIRS` pairs)."""
    params = [p["name"] for p in manifest["design"]["parameters"]]
    if manifest["design"]["type"] != "grid" or len(params) < 2:
        return []
    heatmaps = []
    pairs = list(itertools.combinations(params, 2))[:MAX_HEATMAP_PAIRS]
    for name, o in manifest["spec"]["outcomes"].items():
        for time, rows in outcome_values(results, name, o["when"]).items():
            for a, b in pairs:
                table = rows.pivot_table(index=b, columns=a, values=name, aggfunc="mean")
                heatmaps.append(Heatmap(name, time, a, b, table))
    return heatmaps


# ----------------------------------------------------------------------- replications
def replication_table(values: np.ndarray) -> pd.DataFrame:
    """How estimates settle as replications are added, for n = 2 .. len(values).

    Columns: ``n``; ``mean``; ``ci90_low``/``ci90_high``/``ci90_width``: the 90% confidence
    interval of the mean (Student t); ``p05``/``p95``: the 5-95% range of single runs.
    """
    from scipy import stats

    values = np.asarray(values, dtype=float)
    rows = []
    for n in range(2, len(values) + 1):
        part = values[:n]
        mean, sd = part.mean(), part.std(ddof=1)
        half = float(stats.t.ppf(0.95, n - 1) * sd / math.sqrt(n))
        rows.append({"n": n, "mean": mean, "ci90_low": mean - half, "ci90_high": mean + half,
                     "ci90_width": 2 * half, "p05": np.quantile(part, 0.05),
                     "p95": np.quantile(part, 0.95)})
    return pd.DataFrame(rows)


def replication_tables(manifest: dict, results: pd.DataFrame) -> pd.DataFrame | None:
    """:func:`replication_table` per outcome, time and point (the first
    :data:`MAX_REPLICATION_POINTS` points); None with fewer than 3 replications."""
    if manifest["spec"]["replications"] < 3:
        return None
    tables = []
    for name, o in manifest["spec"]["outcomes"].items():
        for time, rows in outcome_values(results, name, o["when"]).items():
            for point, part in itertools.islice(rows.groupby("point", sort=True),
                                                MAX_REPLICATION_POINTS):
                part = part.sort_values("replication")
                if len(part) < 3:
                    continue
                table = replication_table(part[name].to_numpy())
                label = part["label"].iloc[0] if "label" in part else None
                table.insert(0, "label", label if isinstance(label, str) else f"point {point}")
                table.insert(0, "point", point)
                table.insert(0, "time", time)
                table.insert(0, "outcome", name)
                tables.append(table)
    if not tables:
        return None
    return pd.concat(tables, ignore_index=True)


def analyse(manifest: dict, results: pd.DataFrame) -> Analyses:
    """The tables of the analyses the experiment asks for (``design.analyses``).

    Args:
        manifest: The experiment's manifest (spec, design, parameters, sample).
        results: The tidy results (``results.parquet``).
    """
    asked = manifest["design"]["analyses"]
    out = Analyses(manifest["design"]["type"])
    if "sensitivity" in asked:
        out.sensitivity = sensitivity_table(manifest, results)
    if "sweep" in asked:
        out.sweeps = sweep_tables(manifest, results)
    if "heatmap" in asked:
        out.heatmaps = heatmap_tables(manifest, results)
    if "replications" in asked:
        out.replications = replication_tables(manifest, results)
    return out

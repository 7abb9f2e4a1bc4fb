"""Analyses of an experiment's tidy results: sensitivity indices, sweeps, replications.

Every analysis reads one value per run and outcome: the outcome at its last time (the
horizon, the last year or the last week), or at every year for yearly outcomes in the
sensitivity analysis. Values are averaged over the replications of a point first.

- ``sensitivity``: Morris mu, mu* and sigma (with mu*'s confidence interval), or Sobol S1 and
  ST with 95% confidence intervals (SALib), per outcome and time:
  ``analysis/sensitivity_<design>.csv`` and a figure per outcome.
- ``sweep``: each outcome against each parameter, median with a 90% band over runs.
- ``heatmap``: for grids, the mean outcome over every pair of parameters.
- ``replications``: how the 90% confidence interval of the mean narrows with the number of
  replications, and the 5-95% range of single runs (``analysis/replications.csv``).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.files import atomic_write_text

__all__ = ["analyse", "morris_indices", "replication_table", "sobol_indices"]

LAST_PERIOD = {"horizon": "horizon", "yearly": "year", "weekly": "week"}
MAX_HEATMAP_PAIRS = 6
MAX_REPLICATION_POINTS = 6


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))
    return path


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


def _sensitivity(manifest: dict, results: pd.DataFrame, folder: Path) -> list[Path]:
    design = manifest["design"]
    kind = design["type"]
    if kind not in ("morris", "sobol"):
        return []
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
        return []
    table = pd.concat(tables, ignore_index=True)
    paths = [_csv(table, folder / f"sensitivity_{kind}.csv")]
    from sim.present.plots import save

    for (outcome, time), part in table.groupby(["outcome", "time"], sort=False):
        fig = (_morris_figure if kind == "morris" else _sobol_figure)(part, f"{outcome} ({time})")
        slug = time.replace(" ", "")
        paths.append(save(fig, folder / "figures" / f"{kind}_{outcome}_{slug}.png"))
    return paths


def _morris_figure(part: pd.DataFrame, title: str):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.errorbar(part["mu_star"], part["sigma"], xerr=part["mu_star_conf"], fmt="o", capsize=3)
    for _, r in part.iterrows():
        ax.annotate(_short(r["parameter"]), (r["mu_star"], r["sigma"]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    top = max(float(part["mu_star"].max()), float(part["sigma"].max()), 1e-12) * 1.1
    ax.plot([0, top], [0, top], ls=":", c="grey", lw=0.8)
    ax.set_xlim(0, top * 1.4)  # room for the labels
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (interactions, non-linearity)")
    ax.set_title(f"Morris screening: {title}")
    fig.tight_layout()
    return fig


def _short(name: str) -> str:
    """The last two segments of a key path, for labels: ``rent.level``."""
    return ".".join(name.split(".")[-2:])


def _sobol_figure(part: pd.DataFrame, title: str):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    pos = np.arange(len(part))
    ax.bar(pos - 0.2, part["S1"], 0.4, yerr=part["S1_conf"], capsize=3, label="S1 (first order)")
    ax.bar(pos + 0.2, part["ST"], 0.4, yerr=part["ST_conf"], capsize=3, label="ST (total)")
    ax.set_xticks(pos, [_short(p) for p in part["parameter"]], rotation=20, ha="right",
                  fontsize=7)
    ax.set_ylabel("share of variance")
    ax.set_title(f"Sobol indices: {title}")
    ax.legend()
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- sweeps
def _sweeps(manifest: dict, results: pd.DataFrame, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from sim.present.plots import save

    params = [p["name"] for p in manifest["design"]["parameters"]]
    paths = []
    rows_out = []
    for name, o in manifest["spec"]["outcomes"].items():
        for time, rows in outcome_values(results, name, o["when"]).items():
            for param in params:
                table = _sweep_table(rows, param, name)
                if table is None:
                    continue
                table.insert(0, "time", time)
                table.insert(0, "outcome", name)
                table.insert(0, "parameter", param)
                rows_out.append(table)
                fig, ax = plt.subplots(figsize=(6, 4))
                numeric = pd.api.types.is_numeric_dtype(table["value"])
                x = table["value"] if numeric else np.arange(len(table))
                ax.fill_between(x, table["low"], table["high"], alpha=0.3, label="90% of runs")
                ax.plot(x, table["median"], marker="o", label="median")
                if not numeric:
                    ax.set_xticks(x, table["value"].astype(str))
                ax.set_xlabel(param)
                ax.set_ylabel(f"{name} ({time})")
                ax.legend()
                fig.tight_layout()
                paths.append(save(fig, folder / "figures" / f"sweep_{name}_{_slug(param)}.png"))
    if rows_out:
        paths.insert(0, _csv(pd.concat(rows_out, ignore_index=True), folder / "sweeps.csv"))
    return paths


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


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


def _heatmaps(manifest: dict, results: pd.DataFrame, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from sim.present.plots import save

    params = [p["name"] for p in manifest["design"]["parameters"]]
    if manifest["design"]["type"] != "grid" or len(params) < 2:
        return []
    paths = []
    pairs = list(itertools.combinations(params, 2))[:MAX_HEATMAP_PAIRS]
    for name, o in manifest["spec"]["outcomes"].items():
        for time, rows in outcome_values(results, name, o["when"]).items():
            for a, b in pairs:
                table = rows.pivot_table(index=b, columns=a, values=name, aggfunc="mean")
                fig, ax = plt.subplots(figsize=(6, 4.5))
                im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto",
                               cmap="viridis")
                ax.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, float)
                                                          else str(v) for v in table.columns])
                ax.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, float)
                                                        else str(v) for v in table.index])
                for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
                    if math.isfinite(v):  # dark text on the light (high) end of viridis
                        light = im.norm(v) > 0.6
                        ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7,
                                color="black" if light else "white")
                ax.set_xlabel(a)
                ax.set_ylabel(b)
                ax.set_title(f"mean {name} ({time})")
                fig.colorbar(im, ax=ax)
                fig.tight_layout()
                paths.append(save(fig, folder / "figures" /
                                  f"heatmap_{name}_{_slug(a)}_{_slug(b)}.png"))
    return paths


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


def _replications(manifest: dict, results: pd.DataFrame, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from sim.present.plots import save

    if manifest["spec"]["replications"] < 3:
        return []
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
        return []
    table = pd.concat(tables, ignore_index=True)
    paths = [_csv(table, folder / "replications.csv")]
    for (outcome, time), part in table.groupby(["outcome", "time"], sort=False):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 6), sharex=True)
        for _, p in part.groupby("point"):
            line = top.plot(p["n"], p["mean"], label=p["label"].iloc[0])[0]
            top.fill_between(p["n"], p["ci90_low"], p["ci90_high"], alpha=0.25,
                             color=line.get_color())
            top.plot(p["n"], p["p05"], ls=":", color=line.get_color(), lw=0.8)
            top.plot(p["n"], p["p95"], ls=":", color=line.get_color(), lw=0.8)
            bottom.plot(p["n"], p["ci90_width"], color=line.get_color())
        top.set_ylabel(f"{outcome} ({time})")
        top.set_title("mean with 90% confidence interval; dotted: 5-95% of single runs",
                      fontsize=9)
        top.legend(fontsize=7)
        bottom.set_ylabel("width of the 90% interval")
        bottom.set_xlabel("replications")
        bottom.set_ylim(bottom=0)
        fig.tight_layout()
        paths.append(save(fig, folder / "figures" / f"replications_{outcome}.png"))
    return paths


ANALYSES = {
    "sensitivity": _sensitivity, "sweep": _sweeps, "heatmap": _heatmaps,
    "replications": _replications,
}


def analyse(manifest: dict, results: pd.DataFrame, folder: Path) -> list[Path]:
    """Write the analyses the experiment asks for (``design.analyses``) to ``folder``.

    Args:
        manifest: The experiment's manifest (spec, design, parameters, sample).
        results: The tidy results (``results.parquet``).
        folder: Where to write tables (CSV) and ``figures/``.

    Returns:
        The files written.
    """
    paths: list[Path] = []
    for name in manifest["design"]["analyses"]:
        paths += ANALYSES[name](manifest, results, Path(folder))
    return paths

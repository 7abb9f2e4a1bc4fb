"""An experiment's ``analysis/`` folder: the analyses' tables as CSV and their figures.

:func:`write_analyses` asks :mod:`sim.runs.sensitivity` for the tables the experiment wants
(Morris or Sobol indices, sweeps, heatmaps, replications) and writes ``sensitivity_<design>.csv``,
``sweeps.csv``, ``replications.csv`` and ``figures/*.png``;
:func:`write_experiment_analyses` does so for an experiment folder from its manifest and
``results.parquet``. Called by the command line (``experiment``, ``collect``) after the runs
layer has assembled the dataset, and by the Python API.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.files import atomic_write_text
from sim.present.plots import save
from sim.runs.sensitivity import Analyses, Heatmap, analyse
from sim.runs.store import RunStore

__all__ = ["write_analyses", "write_experiment_analyses"]


def write_experiment_analyses(root: Path, results: pd.DataFrame | None = None) -> list[Path]:
    """Write the analyses of the experiment in folder ``root`` to ``root/analysis``.

    Args:
        root: The experiment folder (its ``manifest.json`` says which analyses).
        results: Its tidy results; read from ``results.parquet`` if not given.

    Returns:
        The files written (none if no run has finished).
    """
    store = RunStore(Path(root))
    manifest = store.read_manifest()
    if results is None:
        results = store.read_results()
    if not len(results):
        return []
    return write_analyses(manifest, results, store.root / "analysis")


def write_analyses(manifest: dict, results: pd.DataFrame, folder: Path) -> list[Path]:
    """Write the analyses the experiment asks for (``design.analyses``) to ``folder``.

    Args:
        manifest: The experiment's manifest (spec, design, parameters, sample).
        results: The tidy results (``results.parquet``).
        folder: Where to write tables (CSV) and ``figures/``.

    Returns:
        The files written.
    """
    folder = Path(folder)
    tables = analyse(manifest, results)
    writers = {"sensitivity": _sensitivity, "sweep": _sweeps, "heatmap": _heatmaps,
               "replications": _replications}
    paths: list[Path] = []
    for name in manifest["design"]["analyses"]:
        paths += writers[name](tables, folder)
    return paths


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))
    return path


def _short(name: str) -> str:
    """The last two segments of a key path, for labels: ``rent.level``."""
    return ".".join(name.split(".")[-2:])


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


# ------------------------------------------------------------------------ sensitivity
def _sensitivity(tables: Analyses, folder: Path) -> list[Path]:
    table, kind = tables.sensitivity, tables.design
    if table is None:
        return []
    paths = [_csv(table, folder / f"sensitivity_{kind}.csv")]
    for (outcome, time), part in table.groupby(["outcome", "time"], sort=False):
        fig = (morris_figure if kind == "morris" else sobol_figure)(part, f"{outcome} ({time})")
        slug = time.replace(" ", "")
        paths.append(save(fig, folder / "figures" / f"{kind}_{outcome}_{slug}.png"))
    return paths


def morris_figure(part: pd.DataFrame, title: str):
    """mu* against sigma per parameter, with mu*'s confidence interval and the diagonal."""
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


def sobol_figure(part: pd.DataFrame, title: str):
    """S1 and ST per parameter with their confidence intervals."""
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
def _sweeps(tables: Analyses, folder: Path) -> list[Path]:
    paths = [save(sweep_figure(table), folder / "figures" /
                  f"sweep_{table['outcome'].iloc[0]}_{_slug(table['parameter'].iloc[0])}.png")
             for table in tables.sweeps]
    if tables.sweeps:
        paths.insert(0, _csv(pd.concat(tables.sweeps, ignore_index=True), folder / "sweeps.csv"))
    return paths


def sweep_figure(table: pd.DataFrame):
    """An outcome's median and 90% band of runs against one parameter's values."""
    param, name, time = (table[c].iloc[0] for c in ("parameter", "outcome", "time"))
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
    return fig


def _heatmaps(tables: Analyses, folder: Path) -> list[Path]:
    return [save(heatmap_figure(h), folder / "figures" /
                 f"heatmap_{h.outcome}_{_slug(h.x)}_{_slug(h.y)}.png")
            for h in tables.heatmaps]


def heatmap_figure(heatmap: Heatmap):
    """The mean outcome over a pair of parameters, each cell labelled with its value."""
    table = heatmap.table
    fig, ax = plt.subplots(figsize=(6, 4.5))
    im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, float) else str(v)
                                              for v in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, float) else str(v)
                                            for v in table.index])
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        if math.isfinite(v):  # dark text on the light (high) end of viridis
            light = im.norm(v) > 0.6
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7,
                    color="black" if light else "white")
    ax.set_xlabel(heatmap.x)
    ax.set_ylabel(heatmap.y)
    ax.set_title(f"mean {heatmap.outcome} ({heatmap.time})")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------- replications
def _replications(tables: Analyses, folder: Path) -> list[Path]:
    table = tables.replications
    if table is None:
        return []
    paths = [_csv(table, folder / "replications.csv")]
    for (outcome, time), part in table.groupby(["outcome", "time"], sort=False):
        paths.append(save(replications_figure(part, outcome, time),
                          folder / "figures" / f"replications_{outcome}.png"))
    return paths


def replications_figure(part: pd.DataFrame, outcome: str, time: str):
    """Per point: the mean and its 90% confidence interval as replications are added (top),
    and the interval's width (bottom)."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 6), sharex=True)
    for _, p in part.groupby("point"):
        line = top.plot(p["n"], p["mean"], label=p["label"].iloc[0])[0]
        top.fill_between(p["n"], p["ci90_low"], p["ci90_high"], alpha=0.25,
                         color=line.get_color())
        top.plot(p["n"], p["p05"], ls=":", color=line.get_color(), lw=0.8)
        top.plot(p["n"], p["p95"], ls=":", color=line.get_color(), lw=0.8)
        bottom.plot(p["n"], p["ci90_width"], color=line.get_color())
    top.set_ylabel(f"{outcome} ({time})")
    top.set_title("mean with 90% confidence interval; dotted: 5-95% of single runs", fontsize=9)
    top.legend(fontsize=7)
    bottom.set_ylabel("width of the 90% interval")
    bottom.set_xlabel("replications")
    bottom.set_ylim(bottom=0)
    fig.tight_layout()
    return fig

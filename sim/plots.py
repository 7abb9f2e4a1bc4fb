"""Figures of runs: trajectories with bands and maps of footfall and occupancy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

if TYPE_CHECKING:
    from sim.output import RunResult
    from sim.schema import Scenario

TRAJECTORY_METRICS = {
    "vacancy_rate": "vacancy (share of premises)",
    "footfall": "footfall (passers-by per week, all cells)",
}


def band(frame: pd.DataFrame, metric: str, q: float = 0.05) -> pd.DataFrame:
    """Median and central (1 - 2q) band of ``metric`` over replications, per date."""
    grouped = frame.groupby("date")[metric]
    out = pd.DataFrame({
        "median": grouped.median(), "low": grouped.quantile(q), "high": grouped.quantile(1 - q)
    })
    out.index = pd.to_datetime(out.index)
    return out


def trajectory_figure(frame: pd.DataFrame, metric: str, label: str, title: str):
    """Median line and 90% band of one metric over replications."""
    fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    b = band(frame, metric)
    ax.fill_between(b.index, b["low"], b["high"], alpha=0.3, label="90% of replications")
    ax.plot(b.index, b["median"], lw=1.8, label="median")
    ax.set_ylabel(label)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def map_figure(result: RunResult, title: str):
    """Footfall on the streets and open (green) / vacant (red) premises at the horizon."""
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    footfall = np.ma.masked_invalid(result.footfall_map)
    positive = footfall.compressed()[footfall.compressed() > 0]
    norm = LogNorm(vmin=max(positive.min(), 1.0), vmax=positive.max()) if positive.size else None
    im = ax.imshow(np.ma.masked_less_equal(footfall, 0), cmap="magma", norm=norm,
                   interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.7, label="passers-by per week")
    occ = result.occupancy_map
    y, x = np.nonzero(occ == 1)
    ax.scatter(x, y, s=6, marker="s", c="#2ca02c", label="open")
    y, x = np.nonzero(occ == 0)
    ax.scatter(x, y, s=6, marker="s", c="#d62728", label="vacant")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="lower right", fontsize=8, markerscale=2)
    return fig


def save(fig, path: Path) -> Path:
    """Save a figure as PNG atomically and close it."""
    from sim.output import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


def write_run_figures(results: list[RunResult], scenario: Scenario, folder: Path) -> list[Path]:
    """Trajectories of vacancy and footfall, and the map of replication 0 at the horizon."""
    frame = pd.concat([r.timeseries for r in results], ignore_index=True)
    paths = [
        save(trajectory_figure(frame, metric, label, f"{scenario.name}: {label}"),
             folder / f"{metric}.png")
        for metric, label in TRAJECTORY_METRICS.items()
    ]
    paths.append(save(map_figure(results[0], f"{scenario.name}: footfall and occupancy at "
                                             f"the horizon (replication 0)"),
                      folder / "map_end.png"))
    return paths

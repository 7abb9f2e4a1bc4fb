"""Figures of runs and comparisons: trajectories with bands, paired effects, and maps of footfall
and occupancy."""

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
    from sim.runs.compare import Comparison
    from sim.runs.output import RunResult
    from sim.scenario.schema import Scenario

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
    from sim.files import atomic_write_bytes

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


# --------------------------------------------------------------------------- comparisons
#: Axis labels of the headline metrics; any other column is labelled by its name.
METRIC_LABELS = {
    "vacancy_rate": "vacancy (share of premises)",
    "vacancy_rate_core": "vacancy in the core (share of premises)",
    "vacancy_rate_floor": "vacancy (share of floor area)",
    "vacancy_rate_edge": "vacancy at the edge (share of premises)",
    "footfall": "footfall (passers-by per week, all cells)",
    "turnover": "turnover (EUR per week)",
    "closures": "closures (cumulative)",
    "openings": "openings (cumulative)",
    "conversions": "conversions to homes (cumulative)",
    "municipal_spend": "municipal spending (EUR, cumulative)",
    "cofunding_spend": "co-funded spending (EUR, cumulative)",
    "events": "events (cumulative)",
}
_BASELINE_COLOUR = "#444444"


def metric_label(metric: str) -> str:
    """Axis label of a timeseries column."""
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def _colours(names: list[str]) -> dict[str, str]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {name: (_BASELINE_COLOUR if i == 0 else cycle[(i - 1) % len(cycle)])
            for i, name in enumerate(names)}


def _weekly_values(comparison: Comparison, metric: str) -> pd.DataFrame:
    """(step x replication) per scenario, cumulative for totals; columns (scenario, replication)."""
    from sim.runs.compare import metric_kind

    frame = comparison.timeseries
    wide = frame.pivot_table(index="date", columns=["scenario", "replication"], values=metric,
                             sort=False)
    wide = wide.sort_index()
    if metric_kind(metric) == "total":
        wide = wide.cumsum()
    wide.index = pd.to_datetime(wide.index)
    return wide


def _mark_interventions(ax, comparison: Comparison, colours: dict[str, str]) -> None:
    """Dashed lines at the start and dotted lines at the end of each instrument or shock."""
    dates = pd.to_datetime(comparison.timeseries["date"])
    first, last = dates.min(), dates.max()
    labelled = set()
    for scenario in comparison.scenarios:
        for _, start, end in comparison.markers(scenario):
            for when, style, what in ((start, "--", "start"), (end, ":", "end")):
                if when is None or not first <= pd.Timestamp(when) <= last:
                    continue
                label = f"{what} of an instrument or shock" if what not in labelled else None
                labelled.add(what)
                ax.axvline(pd.Timestamp(when), color=colours[scenario.name], ls=style, lw=1,
                           alpha=0.8, label=label)


def comparison_trajectories(comparison: Comparison, metric: str):
    """Every scenario's median line and 90% band of ``metric`` in one panel, instruments
    marked."""
    from sim.runs.compare import QUANTILES

    wide = _weekly_values(comparison, metric)
    colours = _colours(comparison.names)
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    for name in comparison.names:
        block = wide[name]
        ax.fill_between(block.index, block.quantile(QUANTILES[0], axis=1),
                        block.quantile(QUANTILES[1], axis=1), color=colours[name], alpha=0.18,
                        lw=0)
        ax.plot(block.index, block.median(axis=1), color=colours[name], lw=1.8, label=name)
    _mark_interventions(ax, comparison, colours)
    ax.set_ylabel(metric_label(metric))
    ax.set_title(f"{metric_label(metric)}: median and 90% band of {comparison.replications} "
                 "replications", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def effect_figure(comparison: Comparison, metric: str):
    """Paired difference scenario minus baseline (median and 90% band over replications)."""
    from sim.runs.compare import QUANTILES

    wide = _weekly_values(comparison, metric)
    base = wide[comparison.baseline.name]
    colours = _colours(comparison.names)
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    ax.axhline(0.0, color=_BASELINE_COLOUR, lw=1)
    for name in comparison.names[1:]:
        diff = wide[name] - base  # paired: same replication number, same seed
        ax.fill_between(diff.index, diff.quantile(QUANTILES[0], axis=1),
                        diff.quantile(QUANTILES[1], axis=1), color=colours[name], alpha=0.2,
                        lw=0)
        ax.plot(diff.index, diff.median(axis=1), color=colours[name], lw=1.8,
                label=f"{name} minus {comparison.baseline.name}")
    _mark_interventions(ax, comparison, colours)
    ax.set_ylabel(f"difference in {metric_label(metric)}", fontsize=9)
    ax.set_title(f"Effect on {metric_label(metric)}: paired difference, median and 90% band",
                 fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _footfall_panel(ax, footfall: np.ndarray, occupancy: np.ndarray, norm, title: str):
    im = ax.imshow(np.ma.masked_less_equal(np.ma.masked_invalid(footfall), 0), cmap="magma",
                   norm=norm, interpolation="nearest")
    y, x = np.nonzero(occupancy == 1)
    ax.scatter(x, y, s=5, marker="s", c="#2ca02c", label="open")
    y, x = np.nonzero(occupancy == 0)
    ax.scatter(x, y, s=5, marker="s", c="#d62728", label="vacant")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return im


def map_comparison(comparison: Comparison, name: str):
    """Baseline and scenario side by side: footfall with open and vacant units in a typical
    replication (top) and the share of replications in which each unit is vacant at the horizon
    (bottom)."""
    base = comparison.baseline.name
    rep = comparison.typical_replication()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    maps = [comparison.footfall_maps[n][rep] for n in (base, name)]
    values = np.concatenate([m[np.isfinite(m) & (m > 0)] for m in maps])
    norm = LogNorm(vmin=max(values.min(), 1.0), vmax=values.max()) if values.size else None
    im = None
    for col, n in enumerate((base, name)):
        im = _footfall_panel(axes[0, col], comparison.footfall_maps[n][rep],
                             comparison.occupancy_maps[n][rep], norm,
                             f"{n}: footfall, open and vacant units (replication {rep})")
    axes[0, 1].legend(loc="lower right", fontsize=7, markerscale=2)
    fig.colorbar(im, ax=axes[0, :], shrink=0.8, label="passers-by per week")
    shares = None
    # One colour scale for both panels, up to the highest share (rounded up to a tenth), so
    # that clusters show even when every unit is vacant in few replications.
    top = max(np.nanmax(comparison.vacant_share(n), initial=0.0) for n in (base, name))
    top = max(np.ceil(top * 10) / 10, 0.1)
    for col, n in enumerate((base, name)):
        ax = axes[1, col]
        streets = np.isfinite(comparison.footfall_maps[n][rep])
        ax.imshow(np.where(streets, 0.92, np.nan), cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
        shares = ax.imshow(comparison.vacant_share(n), cmap="Reds", vmin=0, vmax=top,
                           interpolation="nearest")
        ax.set_title(f"{n}: share of {comparison.replications} replications vacant at the "
                     "horizon", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(shares, ax=axes[1, :], shrink=0.8, label="share of replications vacant")
    return fig


def png_bytes(fig) -> bytes:
    """A figure as PNG bytes; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def save_bytes(png: bytes, path: Path) -> Path:
    """Write PNG bytes atomically."""
    from sim.files import atomic_write_bytes

    atomic_write_bytes(path, png)
    return path

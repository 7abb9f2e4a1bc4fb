"""Figures of runs and comparisons: trajectories with bands, paired effects, and maps of footfall
and occupancy.

Every figure is drawn from tables (pandas DataFrames) and arrays that the runs layer computed
(:mod:`sim.runs.output`, :class:`sim.runs.compare.Comparison`); nothing here runs a model or
knows a runs object. Called by :mod:`sim.present.run` (``binnenstad run``),
:mod:`sim.present.comparison` (``binnenstad compare``), :mod:`sim.present.report` (metric labels)
and docs/calibration.py.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from sim.files import atomic_write_bytes

#: ``(what, start, end)`` of each instrument and shock of a scenario, to mark on time axes.
Markers = Mapping[str, Sequence[tuple[str, dt.date | None, dt.date | None]]]

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


def map_figure(footfall_map: np.ndarray, occupancy_map: np.ndarray, title: str):
    """Footfall on the streets and open (green) / vacant (red) premises at the horizon.

    Args:
        footfall_map: (height, width) smoothed passers-by per week, NaN off-street.
        occupancy_map: (height, width) 1 open, 0 vacant, NaN elsewhere.
        title: The figure's title.
    """
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    footfall = np.ma.masked_invalid(footfall_map)
    positive = footfall.compressed()[footfall.compressed() > 0]
    norm = LogNorm(vmin=max(positive.min(), 1.0), vmax=positive.max()) if positive.size else None
    im = ax.imshow(np.ma.masked_less_equal(footfall, 0), cmap="magma", norm=norm,
                   interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.7, label="passers-by per week")
    occ = occupancy_map
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
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


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


def _colours(names: Sequence[str]) -> dict[str, str]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {name: (_BASELINE_COLOUR if i == 0 else cycle[(i - 1) % len(cycle)])
            for i, name in enumerate(names)}


def _mark_interventions(ax, markers: Markers, span: tuple[pd.Timestamp, pd.Timestamp],
                        colours: dict[str, str]) -> None:
    """Dashed lines at the start and dotted lines at the end of each instrument or shock."""
    first, last = span
    labelled = set()
    for name, marks in markers.items():
        for _, start, end in marks:
            for when, style, what in ((start, "--", "start"), (end, ":", "end")):
                if when is None or not first <= pd.Timestamp(when) <= last:
                    continue
                label = f"{what} of an instrument or shock" if what not in labelled else None
                labelled.add(what)
                ax.axvline(pd.Timestamp(when), color=colours[name], ls=style, lw=1,
                           alpha=0.8, label=label)


def comparison_trajectories(bands: Mapping[str, pd.DataFrame], metric: str, markers: Markers,
                            span: tuple[pd.Timestamp, pd.Timestamp], replications: int):
    """Every scenario's median line and 90% band of ``metric`` in one panel, instruments
    marked.

    Args:
        bands: Scenario name (the baseline first) -> ``median``, ``low`` and ``high`` per date
            (:meth:`sim.runs.compare.Comparison.bands`).
        metric: The timeseries column (for the labels).
        markers: Scenario name -> its instruments and shocks (start and end).
        span: First and last reported week (markers outside it are left out).
        replications: Replications per scenario (for the title).
    """
    colours = _colours(list(bands))
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    for name, band_ in bands.items():
        ax.fill_between(band_.index, band_["low"], band_["high"], color=colours[name],
                        alpha=0.18, lw=0)
        ax.plot(band_.index, band_["median"], color=colours[name], lw=1.8, label=name)
    _mark_interventions(ax, markers, span, colours)
    ax.set_ylabel(metric_label(metric))
    ax.set_title(f"{metric_label(metric)}: median and 90% band of {replications} "
                 "replications", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def effect_figure(effects: Mapping[str, pd.DataFrame], metric: str, names: Sequence[str],
                  markers: Markers, span: tuple[pd.Timestamp, pd.Timestamp]):
    """Paired difference scenario minus baseline (median and 90% band over replications).

    Args:
        effects: Scenario name -> ``median``, ``low`` and ``high`` per date of its paired
            difference (:meth:`sim.runs.compare.Comparison.bands` with ``paired=True``).
        metric: The timeseries column (for the labels).
        names: Every scenario, the baseline first (for the colours and the legend).
        markers: Scenario name -> its instruments and shocks (start and end).
        span: First and last reported week.
    """
    colours = _colours(names)
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    ax.axhline(0.0, color=_BASELINE_COLOUR, lw=1)
    for name, band_ in effects.items():
        ax.fill_between(band_.index, band_["low"], band_["high"], color=colours[name],
                        alpha=0.2, lw=0)
        ax.plot(band_.index, band_["median"], color=colours[name], lw=1.8,
                label=f"{name} minus {names[0]}")
    _mark_interventions(ax, markers, span, colours)
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


def map_comparison(footfall: Mapping[str, np.ndarray], occupancy: Mapping[str, np.ndarray],
                   vacant_share: Mapping[str, np.ndarray], replication: int, replications: int):
    """Baseline and scenario side by side: footfall with open and vacant units in a typical
    replication (top) and the share of replications in which each unit is vacant at the horizon
    (bottom).

    Args:
        footfall: Baseline name, then scenario name -> (height, width) footfall of
            ``replication`` at the horizon (NaN off-street).
        occupancy: The same names -> (height, width) 1 open, 0 vacant, NaN elsewhere.
        vacant_share: The same names -> (height, width) share of replications vacant.
        replication: The replication shown on top.
        replications: Replications per scenario (for the titles).
    """
    names = list(footfall)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    maps = [footfall[n] for n in names]
    values = np.concatenate([m[np.isfinite(m) & (m > 0)] for m in maps])
    norm = LogNorm(vmin=max(values.min(), 1.0), vmax=values.max()) if values.size else None
    im = None
    for col, n in enumerate(names):
        im = _footfall_panel(axes[0, col], footfall[n], occupancy[n], norm,
                             f"{n}: footfall, open and vacant units (replication {replication})")
    axes[0, 1].legend(loc="lower right", fontsize=7, markerscale=2)
    fig.colorbar(im, ax=axes[0, :], shrink=0.8, label="passers-by per week")
    shares = None
    # One colour scale for both panels, up to the highest share (rounded up to a tenth), so
    # that clusters show even when every unit is vacant in few replications.
    top = max(np.nanmax(vacant_share[n], initial=0.0) for n in names)
    top = max(np.ceil(top * 10) / 10, 0.1)
    for col, n in enumerate(names):
        ax = axes[1, col]
        streets = np.isfinite(footfall[n])
        ax.imshow(np.where(streets, 0.92, np.nan), cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
        shares = ax.imshow(vacant_share[n], cmap="Reds", vmin=0, vmax=top,
                           interpolation="nearest")
        ax.set_title(f"{n}: share of {replications} replications vacant at the "
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
    atomic_write_bytes(path, png)
    return path

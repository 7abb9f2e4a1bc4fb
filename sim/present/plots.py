"""Figures of runs and comparisons: trajectories with bands, paired effects, and maps of footfall
and occupancy.

Every figure is drawn from tables (pandas DataFrames) and arrays that the runs layer computed
(:mod:`sim.runs.output`, :class:`sim.runs.compare.Comparison`); nothing here runs a model or
knows a runs object. Called by :mod:`sim.present.run` (``binnenstad run``),
:mod:`sim.present.comparison` (``binnenstad compare``), :mod:`sim.present.report` (metric labels),
:mod:`sim.present.app.render` (the scale bar) and docs/calibration.py.
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
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.figure import Figure
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from sim.files import atomic_write_bytes
from sim.present.i18n import Lang, language
from sim.town.drawing import draw_geometry, label_main_streets, north_arrow
from sim.town.townfile import MapGeometry

#: ``(what, start, end)`` of each instrument and shock of a scenario, to mark on time axes.
Markers = Mapping[str, Sequence[tuple[str, dt.date | None, dt.date | None]]]

#: Metrics of a run's trajectory figures.
TRAJECTORY_METRICS = ("vacancy_rate", "footfall")

# Colour-blind-safe colours (Okabe & Ito 2008): premises open in blue, vacant in vermillion,
# on streets in greys (light grey where nobody walks, so every street stays visible), so the
# units never clash with the footfall scale.
OPEN_COLOUR = "#0072B2"
VACANT_COLOUR = "#D55E00"
#: Footfall on the streets: from light grey (quiet, still visible) to near black (busiest).
FOOTFALL_CMAP = LinearSegmentedColormap.from_list("footfall", ["#e4e4e4", "#1a1a1a"])
#: Share of replications vacant: from light grey to the vacant colour.
VACANT_SHARE_CMAP = LinearSegmentedColormap.from_list(
    "vacant_share", ["#f2f2f2", "#f4b183", VACANT_COLOUR, "#7a2e00"])
#: Scenario colours after the baseline's grey (Okabe & Ito, without the grey and yellow).
SCENARIO_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
#: A map panel's title wraps at this many characters (scenario titles can be long).
PANEL_TITLE_CHARS = 56
#: Street names written on a map panel of an imported town: a handful, so the map stays legible.
MAP_STREET_LABELS = 5


def _subplots(*args, **kwargs):
    """``plt.subplots`` without pyplot's registry of open figures: a report draws dozens, and
    each is garbage once written."""
    fig = Figure(figsize=kwargs.pop("figsize", None), layout=kwargs.pop("layout", None))
    return fig, fig.subplots(*args, **kwargs)


def band(frame: pd.DataFrame, metric: str, q: float = 0.05) -> pd.DataFrame:
    """Median and central (1 - 2q) band of ``metric`` over replications, per date."""
    grouped = frame.groupby("date")[metric]
    out = pd.DataFrame({
        "median": grouped.median(), "low": grouped.quantile(q), "high": grouped.quantile(1 - q)
    })
    out.index = pd.to_datetime(out.index)
    return out


def trajectory_figure(frame: pd.DataFrame, metric: str, label: str, title: str,
                      t: Lang | None = None):
    """Median line and 90% band of one metric over replications."""
    t = t or language("en")
    fig, ax = _subplots(figsize=(7, 3.5), layout="constrained")
    b = band(frame, metric)
    ax.fill_between(b.index, b["low"], b["high"], alpha=0.3, label=t.tr("90% of replications"))
    ax.plot(b.index, b["median"], lw=1.8, label=t.tr("median"))
    ax.set_ylabel(label)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def map_figure(footfall_map: np.ndarray, occupancy_map: np.ndarray, title: str,
               cell_size_m: float = 10.0, t: Lang | None = None,
               geometry: MapGeometry | None = None):
    """Footfall on the streets and open / vacant premises at the horizon.

    Args:
        footfall_map: (height, width) smoothed passers-by per week, NaN off-street.
        occupancy_map: (height, width) 1 open, 0 vacant, NaN elsewhere.
        title: The figure's title.
        cell_size_m: Edge of a map cell, for the scale bar.
        t: The language of the labels (English if not given).
        geometry: An imported town's real geometry (:func:`sim.town.townfile.map_geometry`),
            drawn under the cells with the names of the main streets; None for a preset.
    """
    t = t or language("en")
    fig, ax = _subplots(figsize=(8, 6), layout="constrained")
    im = _footfall_panel(ax, footfall_map, occupancy_map, _footfall_norm([footfall_map]),
                         title, cell_size_m, t, geometry)
    fig.colorbar(im, ax=ax, shrink=0.7, label=t.tr("passers-by per week"))
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
#: Axis labels of the reported metrics, in English (the catalogues translate them); any other
#: column is labelled by its name.
METRIC_LABELS = {
    "vacancy_rate": "vacancy (share of premises)",
    "vacant_units": "vacant units",
    "vacancy_rate_core": "vacancy in the core (share of premises)",
    "vacancy_rate_floor": "vacancy (share of floor area)",
    "vacancy_rate_edge": "vacancy at the edge (share of premises)",
    "footfall": "footfall (passers-by per week, mean of the counting points)",
    "footfall_core": "footfall in the core (passers-by per week at a door)",
    "footfall_edge": "footfall at the edge (passers-by per week at a door)",
    "visitors": "visitors (persons per week)",
    "turnover": "turnover (EUR per week)",
    "closures": "closures (cumulative)",
    "openings": "openings (cumulative)",
    "conversions": "conversions to homes (cumulative)",
    "municipal_spend": "municipal spending (EUR, cumulative)",
    "cofunding_spend": "co-funded spending (EUR, cumulative)",
    "events": "events (cumulative)",
}
_BASELINE_COLOUR = "#444444"


def _labels(t: Lang) -> dict[str, str]:
    # the English labels above, written out for the message extractor
    return {
        "vacancy_rate": t.tr("vacancy (share of premises)"),
        "vacant_units": t.tr("vacant units"),
        "vacancy_rate_core": t.tr("vacancy in the core (share of premises)"),
        "vacancy_rate_floor": t.tr("vacancy (share of floor area)"),
        "vacancy_rate_edge": t.tr("vacancy at the edge (share of premises)"),
        "footfall": t.tr("footfall (passers-by per week, mean of the counting points)"),
        "footfall_core": t.tr("footfall in the core (passers-by per week at a door)"),
        "footfall_edge": t.tr("footfall at the edge (passers-by per week at a door)"),
        "visitors": t.tr("visitors (persons per week)"),
        "turnover": t.tr("turnover (EUR per week)"),
        "closures": t.tr("closures (cumulative)"),
        "openings": t.tr("openings (cumulative)"),
        "conversions": t.tr("conversions to homes (cumulative)"),
        "municipal_spend": t.tr("municipal spending (EUR, cumulative)"),
        "cofunding_spend": t.tr("co-funded spending (EUR, cumulative)"),
        "events": t.tr("events (cumulative)"),
    }


def metric_label(metric: str, t: Lang | None = None) -> str:
    """Axis label of a timeseries column, in the language of ``t`` (English if not given)."""
    labels = _labels(t or language("en"))
    return labels.get(metric, metric.replace("_", " "))


def _colours(names: Sequence[str]) -> dict[str, str]:
    return {name: (_BASELINE_COLOUR if i == 0 else
                   SCENARIO_COLOURS[(i - 1) % len(SCENARIO_COLOURS)])
            for i, name in enumerate(names)}


def _mark_interventions(ax, markers: Markers, span: tuple[pd.Timestamp, pd.Timestamp],
                        colours: dict[str, str], t: Lang) -> None:
    """Dashed lines at the start and dotted lines at the end of each instrument or shock."""
    first, last = span
    labelled = set()
    words = {"start": t.tr("start of an instrument or shock"),
             "end": t.tr("end of an instrument or shock")}
    for name, marks in markers.items():
        for _, start, end in marks:
            for when, style, what in ((start, "--", "start"), (end, ":", "end")):
                if when is None or not first <= pd.Timestamp(when) <= last:
                    continue
                label = words[what] if what not in labelled else None
                labelled.add(what)
                ax.axvline(pd.Timestamp(when), color=colours[name], ls=style, lw=1,
                           alpha=0.8, label=label)


def comparison_trajectories(bands: Mapping[str, pd.DataFrame], metric: str, markers: Markers,
                            span: tuple[pd.Timestamp, pd.Timestamp], replications: int,
                            t: Lang | None = None):
    """Every scenario's median line and 90% band of ``metric`` in one panel, instruments
    marked.

    Args:
        bands: Scenario name (the baseline first) -> ``median``, ``low`` and ``high`` per date
            (:meth:`sim.runs.compare.Comparison.bands`).
        metric: The timeseries column (for the labels).
        markers: Scenario name -> its instruments and shocks (start and end).
        span: First and last reported week (markers outside it are left out).
        replications: Replications per scenario (for the title).
        t: The language of the labels (English if not given).
    """
    t = t or language("en")
    colours = _colours(list(bands))
    fig, ax = _subplots(figsize=(8, 3.8), layout="constrained")
    for name, band_ in bands.items():
        ax.fill_between(band_.index, band_["low"], band_["high"], color=colours[name],
                        alpha=0.18, lw=0)
        ax.plot(band_.index, band_["median"], color=colours[name], lw=1.8, label=name)
    _mark_interventions(ax, markers, span, colours, t)
    ax.set_ylabel(_wrap(metric_label(metric, t)), fontsize=9)
    ax.set_title(t.tr("{what}: median and 90% band of {n} replications",
                     what=metric_label(metric, t), n=replications), fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def effect_figure(effects: Mapping[str, pd.DataFrame], metric: str, names: Sequence[str],
                  markers: Markers, span: tuple[pd.Timestamp, pd.Timestamp],
                  t: Lang | None = None, *, paired: bool = True):
    """Paired difference scenario minus baseline (median and 90% band over replications).

    Args:
        effects: Scenario name -> ``median``, ``low`` and ``high`` per date of its paired
            difference (:meth:`sim.runs.compare.Comparison.bands` with ``paired=True``).
        metric: The timeseries column (for the labels).
        names: Every scenario, the baseline first (for the colours and the legend).
        markers: Scenario name -> its instruments and shocks (start and end).
        span: First and last reported week.
        t: The language of the labels (English if not given).
        paired: False if the scenarios simulate different places: the title then says
            that the differences are between places, not effects.
    """
    t = t or language("en")
    colours = _colours(names)
    fig, ax = _subplots(figsize=(8, 3.8), layout="constrained")
    ax.axhline(0.0, color=_BASELINE_COLOUR, lw=1)
    for name, band_ in effects.items():
        ax.fill_between(band_.index, band_["low"], band_["high"], color=colours[name],
                        alpha=0.2, lw=0)
        ax.plot(band_.index, band_["median"], color=colours[name], lw=1.8,
                label=t.tr("{scenario} minus {baseline}", scenario=name, baseline=names[0]))
    _mark_interventions(ax, markers, span, colours, t)
    ax.set_ylabel(_wrap(t.tr("difference in {what}", what=metric_label(metric, t))), fontsize=9)
    ax.set_title(t.tr("Effect on {what}: paired difference, median and 90% band",
                      what=metric_label(metric, t)) if paired else
                 t.tr("Difference in {what} between the places, median and 90% band",
                      what=metric_label(metric, t)), fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _wrap(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _footfall_norm(maps: Sequence[np.ndarray]) -> LogNorm | None:
    values = np.concatenate([m[np.isfinite(m) & (m > 0)] for m in maps])
    return LogNorm(vmin=max(values.min(), 1.0), vmax=values.max()) if values.size else None


def scale_bar(ax, cell_size_m: float, width_cells: int, t: Lang, fontsize: float = 7) -> None:
    """A scale bar of a round length (about a fifth of the map's width), lower left, on an
    axes drawn in cells (the report's maps and the app's)."""
    target = width_cells * cell_size_m / 5
    metres = max(m for m in (10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000)
                 if m <= max(target, 10))
    bar = AnchoredSizeBar(ax.transData, metres / cell_size_m, f"{t.number(metres)} m",
                          "lower left", pad=0.4, color="black", frameon=True, size_vertical=0.4,
                          fontproperties={"size": fontsize})
    bar.patch.set_alpha(0.8)
    ax.add_artist(bar)


def _under_and_around(ax, shape: tuple[int, int], cell_size_m: float, t: Lang,
                      geometry: MapGeometry | None, labels: int) -> None:
    """What every map panel has besides its cells: an imported town's building footprints,
    squares and street lines under the cells (drawn at zorder below the cells' image), the
    names of ``labels`` main streets over them, a scale bar and a north arrow."""
    height, width = shape
    if geometry is not None:
        draw_geometry(ax, geometry.layers, geometry.to_cells, zorder=-0.5)
        if labels:
            label_main_streets(ax, geometry.layers.get("streets", []), labels,
                               geometry.to_cells, fontsize=6)
    # the grid decides the frame, not footprints that reach beyond the study area
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    scale_bar(ax, cell_size_m, width, t)
    north_arrow(ax, fontsize=7)


def _footfall_panel(ax, footfall: np.ndarray, occupancy: np.ndarray, norm, title: str,
                    cell_size_m: float, t: Lang, geometry: MapGeometry | None = None):
    """Streets in greys by footfall (the quiet ones light grey, never white), premises open
    in blue and vacant in vermillion, over an imported town's real geometry, with the names
    of its main streets, a scale bar and a north arrow."""
    streets = np.isfinite(footfall)
    floor = norm.vmin if norm is not None else 1.0
    # streets where nobody walked get the lowest colour, so they stay visible
    shown = np.ma.masked_where(~streets, np.where(streets, np.maximum(footfall, floor), 0.0))
    im = ax.imshow(shown, cmap=FOOTFALL_CMAP, norm=norm, interpolation="nearest")
    y, x = np.nonzero(occupancy == 1)
    ax.scatter(x, y, s=5, marker="s", c=OPEN_COLOUR, label=t.tr("open"))
    y, x = np.nonzero(occupancy == 0)
    ax.scatter(x, y, s=5, marker="s", c=VACANT_COLOUR, label=t.tr("vacant"))
    ax.set_title(title, fontsize=9)
    _under_and_around(ax, footfall.shape, cell_size_m, t, geometry, MAP_STREET_LABELS)
    return im


def map_comparison(footfall: Mapping[str, np.ndarray], occupancy: Mapping[str, np.ndarray],
                   vacant_share: Mapping[str, np.ndarray], replication: int, replications: int,
                   cell_size_m: float = 10.0, town: str = "", t: Lang | None = None,
                   geometry: MapGeometry | None = None):
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
        cell_size_m: Edge of a map cell, for the scale bars.
        town: The town's name, in the figure's title.
        t: The language of the labels (English if not given).
        geometry: An imported town's real geometry (:func:`sim.town.townfile.map_geometry`):
            footprints and streets under every panel, the main streets named on the top ones;
            None for a preset.
    """
    t = t or language("en")
    names = list(footfall)
    fig, axes = _subplots(2, 2, figsize=(11, 8), layout="constrained")
    if town:
        fig.suptitle(town, fontsize=12, fontweight="bold")
    norm = _footfall_norm([footfall[n] for n in names])
    im = None
    for col, n in enumerate(names):
        im = _footfall_panel(
            axes[0, col], footfall[n], occupancy[n], norm,
            _wrap(t.tr("{scenario}: footfall, open and vacant units (replication {replication})",
                       scenario=n, replication=replication), PANEL_TITLE_CHARS),
            cell_size_m, t, geometry)
    axes[0, 1].legend(loc="lower right", fontsize=7, markerscale=2)
    fig.colorbar(im, ax=axes[0, :], shrink=0.8, label=t.tr("passers-by per week"))
    shares = None
    # One colour scale for both panels, up to the highest share (rounded up to a tenth), so
    # that clusters show even when every unit is vacant in few replications.
    top = max(np.nanmax(vacant_share[n], initial=0.0) for n in names)
    top = max(np.ceil(top * 10) / 10, 0.1)
    for col, n in enumerate(names):
        ax = axes[1, col]
        streets = np.isfinite(footfall[n])
        ax.imshow(np.where(streets, 0.8, np.nan), cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
        shares = ax.imshow(vacant_share[n], cmap=VACANT_SHARE_CMAP, vmin=0, vmax=top,
                           interpolation="nearest")
        ax.set_title(_wrap(t.tr("{scenario}: share of {n} replications vacant at the horizon",
                                scenario=n, n=replications), PANEL_TITLE_CHARS), fontsize=9)
        _under_and_around(ax, footfall[n].shape, cell_size_m, t, geometry, 0)
    fig.colorbar(shares, ax=axes[1, :], shrink=0.8, label=t.tr("share of replications vacant"))
    return fig


def spending_figure(spending: pd.DataFrame, scenario: str, titles: Mapping[str, str],
                    t: Lang | None = None):
    """Municipal spending per year of each instrument of ``scenario`` beside its budget.

    Args:
        spending: :func:`sim.runs.breakdown.spending_per_year`.
        scenario: Which scenario.
        titles: Instrument type (and ``municipal_spend``, ``cofunding_spend``) -> its name.
        t: The language of the labels (English if not given).

    Returns:
        A figure with one panel per instrument and one for the co-funders: bars of the median,
        a whisker to the highest replication, and the yearly budget (solid) or fixed cost
        (dashed) as a line.
    """
    t = t or language("en")
    rows = spending[spending["scenario"] == scenario]
    kinds = [k for k in dict.fromkeys(rows["instrument"]) if k != "municipal_spend"]
    cols = min(3, max(len(kinds), 1))
    nrows = int(np.ceil(len(kinds) / cols)) or 1
    fig, axes = _subplots(nrows, cols, figsize=(3.6 * cols, 2.6 * nrows + 0.5),
                             layout="constrained", squeeze=False)
    for ax, kind in zip(axes.ravel(), kinds, strict=False):
        part = rows[rows["instrument"] == kind].sort_values("year")
        years = part["year"].to_numpy()
        median = part["median"].to_numpy() / 1e3
        top = part["max"].to_numpy() / 1e3
        colour = "#999999" if kind == "cofunding_spend" else OPEN_COLOUR
        ax.bar(years, median, color=colour, width=0.7, label=t.tr("median"))
        ax.errorbar(years, median, yerr=[np.zeros_like(median), top - median], fmt="none",
                    ecolor="black", elinewidth=0.8, capsize=2, label=t.tr("highest replication"))
        limits = part["limit_eur"].to_numpy(dtype=float) / 1e3
        if np.isfinite(limits).any():
            style = "-" if (part["limit_kind"] == "budget").any() else "--"
            label = (t.tr("yearly budget") if style == "-" else t.tr("fixed cost per year"))
            ax.step(np.r_[years - 0.5, years[-1] + 0.5], np.r_[limits, limits[-1]],
                    where="post", color=VACANT_COLOUR, ls=style, lw=1.5, label=label)
        ax.set_title(titles.get(kind, kind), fontsize=9)
        ax.set_ylabel(t.tr("EUR thousand"), fontsize=8)
        ax.set_xticks(years)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes.ravel()[len(kinds):]:
        ax.set_visible(False)
    legend: dict[str, object] = {}
    for ax in axes.ravel()[:len(kinds)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncols=4,
               fontsize=7)
    fig.suptitle(t.tr("{scenario}: municipal spending per year", scenario=scenario),
                 fontsize=10)
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

"""Figures of the validation: each target's model band against the record, and the
instruments' effects against their evidence.

Drawn from the tables and bands :class:`sim.runs.validation.Validation` computes (nothing here
runs a model): :func:`target_figure` draws one target as its metric kind asks (a weekly or
yearly band of the baseline and the corona years with the target's period and range marked,
and for paired targets the paired difference or ratio below; a single value against its range
for the population, the busiest counting point and the survival of new businesses);
:func:`instruments_figure` draws every instrument's paired effect with its 90% interval beside
its evidence range. Called by :mod:`sim.present.validation`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.present.plots import metric_label
from sim.runs.validation_spec import PAIRED_KINDS, Target

__all__ = [
    "instruments_figure",
    "interval_text",
    "number",
    "percent_scale",
    "range_text",
    "target_figure",
    "target_text",
    "verdict",
]

_COLOURS = ("#444444", "#d62728", "#1f77b4", "#2ca02c", "#9467bd")
_RANGE = dict(color="#2ca02c", alpha=0.18, lw=0)
_PERIOD = dict(color="#999999", alpha=0.12, lw=0)


def percent_scale(target: Target) -> float:
    """100 for targets whose values are shares or ratios (shown in % or points), else 1."""
    return 100.0 if max(abs(target.range[0]), abs(target.range[1])) <= 2.0 else 1.0


def _suffix(target: Target) -> str:
    if percent_scale(target) == 1.0:
        return ""
    return " pt" if "point" in target.unit else "%"


def number(value: float, scale: float, *, sign: bool = False) -> str:
    """A value as the tables show it: shares times 100 with one decimal, counts with
    thousands separators; "n/a" for NaN."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if scale != 1.0:
        return f"{value * scale:{'+' if sign else ''}.1f}"
    return f"{value:{'+' if sign else ''},.0f}"


def target_text(target: Target, value: float) -> str:
    """One value of a target in its unit: ``12.1%``, ``+0.6 pt``, ``5,950``."""
    sign = target.metric.kind in ("difference", "yearly_change")
    if value is None or not np.isfinite(value):
        return "n/a"
    return number(value, percent_scale(target), sign=sign) + _suffix(target)


def interval_text(target: Target, row: Mapping) -> str:
    """``median (low to high)`` of a target's model value, or "not measured"."""
    if not np.isfinite(row["median"]):
        return "not measured"
    return (f"{target_text(target, row['median'])} ({target_text(target, row['low'])} to "
            f"{target_text(target, row['high'])})")


def range_text(target: Target) -> str:
    """The target's range in its unit: ``8.0% to 14.0%``."""
    return f"{target_text(target, target.range[0])} to {target_text(target, target.range[1])}"


def verdict(row: Mapping) -> str:
    """PASS, FAIL or NOT MEASURED."""
    if not row["measured"]:
        return "NOT MEASURED"
    return "PASS" if row["passed"] else "FAIL"


def _title(ax, target: Target, row: Mapping, replications: int) -> None:
    ax.set_title(f"{target.fact}\nmodel {interval_text(target, row)}, {replications} "
                 f"replications; target {range_text(target)}: {verdict(row)}", fontsize=9,
                 loc="left")


def _years(ax) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _band(ax, frame: pd.DataFrame, colour: str, label: str, scale: float,
          marker: str | None = None) -> None:
    x = frame.index
    ax.fill_between(x, frame["low"] * scale, frame["high"] * scale, color=colour, alpha=0.2,
                    lw=0, step=None)
    ax.plot(x, frame["median"] * scale, color=colour, lw=1.6, marker=marker, ms=4, label=label)


def _period(ax, target: Target, span: tuple[pd.Timestamp, pd.Timestamp]) -> tuple:
    period = getattr(target.metric, "period", None)
    if period is None:
        return span
    first, last = pd.Timestamp(period[0]), pd.Timestamp(period[1])
    ax.axvspan(first, last, **_PERIOD, label="the target's period")
    return first, last


def _range_box(ax, target: Target, start, end, scale: float) -> None:
    low, high = target.range
    ax.fill_between([start, end], [low * scale] * 2, [high * scale] * 2, **_RANGE,
                    label="target range (the record)")


def target_figure(target: Target, row: Mapping, bands: Mapping[str, pd.DataFrame],
                  paired: pd.DataFrame | None, values: np.ndarray, replications: int,
                  span: tuple[pd.Timestamp, pd.Timestamp]) -> Figure:
    """One target's figure.

    Args:
        target: The target.
        row: Its row of :meth:`~sim.runs.validation.Validation.target_table`.
        bands: Scenario -> ``median``/``low``/``high`` of the target's column per week or per
            year (the baseline first); empty for a single-valued target.
        paired: For a paired target, its weekly paired difference or ratio against the
            baseline (``median``/``low``/``high``); else None.
        values: The target's model value per replication.
        replications: Replications per scenario.
        span: The first and last reported week.
    """
    scale = percent_scale(target)
    kind = target.metric.kind
    if not bands:
        return _scalar_figure(target, row, values, replications)
    rows = 2 if kind in PAIRED_KINDS else 1
    heights = [3, 1.2] if kind == "ratio_of_sums" else [1] * rows
    fig, axes = plt.subplots(rows, 1, figsize=(8, 3.4 + (2.8 if kind in PAIRED_KINDS[:2] else
                                                        1.4 if rows == 2 else 0)),
                             layout="constrained", squeeze=False,
                             sharex=rows == 2 and kind != "ratio_of_sums",
                             gridspec_kw={"height_ratios": heights})
    ax = axes[0, 0]
    column = getattr(target.metric, "column", "")
    yearly = kind in ("yearly_change", "rate_per_year", "ratio_of_sums")
    for i, (name, frame) in enumerate(bands.items()):
        frame = frame.copy()
        if yearly:  # one point per calendar year, in the middle of the year
            frame.index = pd.to_datetime([f"{int(y)}-07-01" for y in frame.index])
        band_scale = 100.0 if kind == "rate_per_year" or _is_share(column) else 1.0
        _band(ax, frame, _COLOURS[i % len(_COLOURS)], name, band_scale,
              marker="o" if yearly else None)
    first, last = _period(ax, target, span)
    if kind in ("mean", "rate_per_year"):
        _range_box(ax, target, first, last, 100.0 if kind == "rate_per_year" or _is_share(
            column) else 1.0)
    if kind == "yearly_change":
        _trend_wedge(ax, target, bands)
    ax.set_ylabel(_axis_label(target, column, scale, top=True), fontsize=8)
    _years(ax)
    _title(ax, target, row, replications)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=7)
    if rows == 2:
        ax2 = axes[1, 0]
        if kind == "ratio_of_sums" or paired is None:
            _scalar_panel(ax2, target, row, values)
        else:
            _band(ax2, paired, _COLOURS[1], f"{target.scenario} against the baseline, paired",
                  scale)
            ax2.axhline((1.0 if kind == "ratio" else 0.0) * scale, color=_COLOURS[0], lw=1)
            p0, p1 = _period(ax2, target, span)
            _range_box(ax2, target, p0, p1, scale)
            ax2.set_ylabel(_axis_label(target, column, scale, top=False), fontsize=8)
            _years(ax2)
            ax2.grid(alpha=0.3)
            ax2.legend(loc="best", fontsize=7)
    return fig


def _is_share(column: str) -> bool:
    """A column of shares (vacancy and online shares), shown in %."""
    return column.endswith(("_rate", "_share")) or "_rate_" in column


def _axis_label(target: Target, column: str, scale: float, *, top: bool) -> str:
    kind = target.metric.kind
    label = metric_label(column).split(" (")[0]
    if kind == "yearly_change":
        return f"{label}: yearly mean / first year's"
    if kind == "rate_per_year":
        return f"{column} a year / mean {target.metric.per} (%)"
    if kind == "ratio_of_sums" and top:
        return f"{column} a year"
    if top:
        if column.startswith("footfall"):
            return f"{label} (passers-by a week)"
        return label + (" (%)" if _is_share(column) else "")
    if kind == "ratio":
        return f"{column}: scenario / baseline (%)"
    return f"{column}: scenario - baseline" + (" (points)" if scale != 1.0 else "")


def _trend_wedge(ax, target: Target, bands: Mapping[str, pd.DataFrame]) -> None:
    """The target's range of yearly change, as a wedge from the first year's index 1."""
    first = next(iter(bands.values()))
    years = np.asarray(first.index, dtype=float)
    if years.size < 2:
        return
    t = years - years[0]
    low, high = target.range
    x = pd.to_datetime([f"{int(y)}-07-01" for y in years])
    ax.fill_between(x, (1 + low) ** t, (1 + high) ** t, **_RANGE,
                    label="target range of the yearly change")


def _scalar_panel(ax, target: Target, row: Mapping, values: np.ndarray) -> None:
    scale = percent_scale(target)
    low, high = target.range
    ax.axvspan(low * scale, high * scale, **_RANGE, label="target range (the record)")
    finite = values[~np.isnan(values)] * scale
    ax.scatter(finite, np.zeros_like(finite) + 0.15, s=12, color=_COLOURS[2], alpha=0.6,
               label="replications")
    if not np.isnan(row["median"]):
        ax.errorbar([row["median"] * scale], [0.0],
                    xerr=[[(row["median"] - row["low"]) * scale],
                          [(row["high"] - row["median"]) * scale]],
                    fmt="o", color=_COLOURS[1], capsize=4, label="model: median, 90% interval")
    span = [v for v in (low * scale, high * scale, *finite) if np.isfinite(v)]
    pad = 0.15 * (max(span) - min(span) or 1.0)
    ax.set_xlim(min(span) - pad, max(span) + pad)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.set_xlabel(target.unit + (" (in %)" if scale != 1.0 else ""), fontsize=8)
    if scale == 1.0:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="upper right", fontsize=7)


def _scalar_figure(target: Target, row: Mapping, values: np.ndarray, replications: int
                   ) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 2.6), layout="constrained")
    _scalar_panel(ax, target, row, values)
    _title(ax, target, row, replications)
    return fig


# -------------------------------------------------------------------------- instruments
#: Panels of the instruments figure: (effects, how they are shown, axis label).
_PANELS = (
    (("vacancy_rate", "vacancy_rate_core"), 100.0, "vacancy: effect (points)"),
    (("footfall", "footfall_core", "visitors"), 100.0, "footfall and visitors: effect (%)"),
    (("converted_m2",), 1.0, "floor area converted to homes: effect (m2)"),
)
_EFFECT_LABELS = {"vacancy_rate": "all premises", "vacancy_rate_core": "core",
                  "footfall": "footfall", "footfall_core": "footfall in the core",
                  "visitors": "visitors", "converted_m2": "converted"}


def instruments_figure(effects: pd.DataFrame, checks: pd.DataFrame, replications: int
                       ) -> Figure:
    """Every instrument's paired effect at the horizon (median, 90% interval) with its
    evidence range where there is one, and the core's vacancy at the horizon with a floor
    where the evidence sets one.

    Args:
        effects: :meth:`~sim.runs.validation.Validation.instrument_effects`.
        checks: :meth:`~sim.runs.validation.Validation.instrument_table`.
        replications: Paired replications per scenario.
    """
    names: Sequence[str] = list(checks["scenario"])
    fig, axes = plt.subplots(1, len(_PANELS) + 1, figsize=(14, 0.45 * len(names) + 2.4),
                             layout="constrained", sharey=True)
    y = np.arange(len(names))[::-1].astype(float)
    where = dict(zip(names, y, strict=True))
    for ax, (metrics, scale, label) in zip(axes, _PANELS, strict=False):
        ax.axvline(0.0, color=_COLOURS[0], lw=1)
        for _, check in checks.iterrows():
            if check["bound"] == "effect" and check["metric"] in metrics:
                yy = where[check["scenario"]]
                ax.fill_between([check["range_low"] * scale, check["range_high"] * scale],
                                yy - 0.4, yy + 0.4, **_RANGE)
        offsets = np.linspace(-0.2, 0.2, len(metrics)) if len(metrics) > 1 else [0.0]
        for metric, dy, colour in zip(metrics, offsets, _COLOURS[1:], strict=False):
            part = effects[effects["effect"] == metric]
            _forest(ax, part, "", [where[s] + dy for s in part["scenario"]], scale, colour,
                    _EFFECT_LABELS[metric])
        _finish(ax, label)
    ax = axes[-1]
    part = effects[effects["effect"] == "vacancy_rate_core"]
    for _, check in checks.iterrows():
        if check["bound"] == "level" and check["metric"] == "vacancy_rate_core":
            yy = where[check["scenario"]]
            ax.fill_between([check["range_low"] * 100, max(part["level_high"].max() * 100,
                                                           check["range_low"] * 100 + 1)],
                            yy - 0.4, yy + 0.4, **_RANGE)
    if len(part):
        ax.axvline(part["baseline_level"].iloc[0] * 100, color=_COLOURS[0], lw=1,
                   label="the baseline")
    _forest(ax, part, "level_", [where[s] for s in part["scenario"]], 100.0, _COLOURS[2],
            "core")
    _finish(ax, "vacancy in the core at the horizon (%)")
    axes[0].set_yticks(y, names, fontsize=8)
    fig.suptitle(f"Instruments and shocks at the horizon: median and 90% interval of "
                 f"{replications} paired replications; green: the evidence", fontsize=9)
    return fig


def _forest(ax, part: pd.DataFrame, prefix: str, ys: Sequence[float], scale: float,
            colour: str, label: str) -> None:
    med = part[f"{prefix}median"].to_numpy() * scale
    err = [med - part[f"{prefix}low"].to_numpy() * scale,
           part[f"{prefix}high"].to_numpy() * scale - med]
    ax.errorbar(med, ys, xerr=err, fmt="o", ms=4, color=colour, capsize=2, label=label)


def _finish(ax, label: str) -> None:
    ax.set_xlabel(label, fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), fontsize=7, ncol=2,
              frameon=False)

"""A calibration's targets read from model runs, and the loss that compares them.

A run's weekly rows (``date``, ``step`` and one column per timeseries metric the targets need)
become one value per target (:func:`target_values`): the ``level`` of a metric over a period
(its mean, last, sum, min or max over the period's weeks), a ``ratio`` or ``difference`` of two
periods' levels, or a ``yearly_change`` (the slope of the log of the yearly levels, as a
fraction per year). :func:`loss` is the calibration's objective, documented in
docs/calibration.md::

    loss = sum over fitted targets t of ((mean over replications r of m_rt - y_t) / s_t)^2

with ``m_rt`` the model's value of target t in replication r, ``y_t`` the observed value and
``s_t`` the target's tolerance or standard error (``loss: per_run`` in the file: the mean over
replications of the sum of squares instead). Pure functions of arrays and DataFrames;
called by :mod:`sim.runs.calibrate` (each evaluation) and :mod:`sim.runs.calibration_results`
(the tables of the best set).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.runs.calibration_spec import Period, TargetSpec

__all__ = [
    "DERIVED_METRICS",
    "accepted",
    "columns_needed",
    "loss",
    "metric_series",
    "standardised_errors",
    "target_values",
]

#: Metrics computed from the timeseries' columns: name -> (description, columns it needs).
DERIVED_METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "closure_rate_per_year": ("the week's closures over the open shops (open units less "
                              "cultural venues), times 52: its mean over a period is the "
                              "share of shops that close in a year",
                              ("closures", "open_units", "cultural_venues")),
}


def columns_needed(metric: str) -> tuple[str, ...]:
    """The timeseries columns a metric is computed from (itself, unless derived)."""
    return DERIVED_METRICS[metric][1] if metric in DERIVED_METRICS else (metric,)


def metric_series(frame: pd.DataFrame, metric: str) -> np.ndarray:
    """A metric's weekly values in a run's rows (derived metrics computed here)."""
    if metric == "closure_rate_per_year":
        shops = frame["open_units"].to_numpy(float) - frame["cultural_venues"].to_numpy(float)
        closures = 52.0 * frame["closures"].to_numpy(float)
        return np.divide(closures, shops, out=np.full(len(frame), np.nan), where=shops > 0)
    return frame[metric].to_numpy(dtype=float)


def _weeks(dates: np.ndarray, period: Period) -> np.ndarray:
    """Row positions of the weeks whose first day lies in the period (dates as ISO text)."""
    first, last = period.first.isoformat(), period.last.isoformat()
    return np.flatnonzero((dates >= first) & (dates <= last))


def _aggregate(values: np.ndarray, how: str) -> float:
    if values.size == 0:
        return math.nan
    return float({"mean": np.mean, "last": lambda v: v[-1], "sum": np.sum, "min": np.min,
                  "max": np.max}[how](values))


def _value(dates: np.ndarray, series: np.ndarray, target: TargetSpec) -> float:
    level = _aggregate(series[_weeks(dates, target.period)], target.aggregate)
    if target.statistic == "level":
        return level
    if target.statistic in ("ratio", "difference"):
        base = _aggregate(series[_weeks(dates, target.relative_to)], target.aggregate)
        if target.statistic == "difference":
            return level - base
        return level / base if base != 0 else math.nan
    # yearly_change: the slope of log(yearly level) against the calendar year
    index = _weeks(dates, target.period)
    years = np.array([int(d[:4]) for d in dates[index]])
    unique = np.unique(years)
    levels = np.array([_aggregate(series[index][years == y], target.aggregate) for y in unique])
    if unique.size < 2 or not np.all(levels > 0):
        return math.nan  # undefined for a level of zero (or below)
    slope = np.polyfit(unique.astype(float), np.log(levels), 1)[0]
    return float(np.expm1(slope))


def target_values(frame: pd.DataFrame, targets: Mapping[str, TargetSpec]) -> dict[str, float]:
    """Every target's value in one run.

    Args:
        frame: The run's weekly rows: ``date`` (ISO text of the week's first day) and the
            columns the targets' metrics need (:func:`columns_needed`).
        targets: Target name -> its spec.

    Returns:
        Target name -> the model's value (NaN where it is undefined: a period without
        weeks, a ratio to zero, a yearly change of a level that reaches zero).
    """
    dates = frame["date"].astype(str).to_numpy()
    cache: dict[str, np.ndarray] = {}
    out = {}
    for name, target in targets.items():
        if target.metric not in cache:
            cache[target.metric] = metric_series(frame, target.metric)
        out[name] = _value(dates, cache[target.metric], target)
    return out


def standardised_errors(values: Mapping[str, float], targets: Mapping[str, TargetSpec]
                        ) -> dict[str, float]:
    """``(model - observed) / scale`` of every target (scale: tolerance or standard error)."""
    return {name: (values[name] - t.value) / t.scale for name, t in targets.items()}


def loss(replications: Sequence[Mapping[str, float]], targets: Mapping[str, TargetSpec],
         kind: str = "of_mean") -> float:
    """The calibration's objective, over the fitted targets (not ``validate_only``).

    ``of_mean`` (the default): the sum over the fitted targets of the squared standardised
    error of the mean over replications, ``sum_t ((mean_r m_rt - y_t) / s_t)^2``. The
    replications estimate the model's expected value at the set; their spread is noise to
    average out, not something to fit.

    ``per_run``: the mean over replications of the sum of squared standardised errors,
    ``1/R sum_r sum_t ((m_rt - y_t) / s_t)^2``, which equals ``of_mean`` plus the variance
    between replications in units of the tolerance: a set whose runs scatter less scores
    better at the same mean, so with tolerances smaller than that scatter it can beat the
    true set.

    NaN if a fitted target is undefined in some replication.
    """
    fitted = {name: t for name, t in targets.items() if not t.validate_only}
    if not replications:
        return math.nan
    if kind == "per_run":
        return float(np.mean([sum(z * z for z in standardised_errors(values, fitted).values())
                              for values in replications]))
    means = {name: float(np.mean([v[name] for v in replications])) for name in fitted}
    return float(sum(z * z for z in standardised_errors(means, fitted).values()))


def accepted(means: Mapping[str, float], targets: Mapping[str, TargetSpec]) -> bool:
    """True if the mean over replications of every fitted target lies within its tolerance
    (or within two standard errors)."""
    return all(abs(means[name] - t.value) <= t.accepted_error
               for name, t in targets.items() if not t.validate_only)

"""The metric kinds of the validation: a target's model value per replication, from weekly
timeseries.

:func:`measure` reads a target's metric (``mean``, ``yearly_change``, ``rate_per_year``,
``difference``, ``ratio``, ``ratio_of_sums``, ``population``, ``busiest_count``,
``survival``: see :mod:`sim.runs.validation_spec` and the header of
``docs/validation/targets.yaml``) from the timeseries of its scenario and, for paired kinds, of
the baseline, replication by replication (``survival`` from the lives of the new businesses
that :func:`entrant_lives` reads from a run's events);
:func:`summarise` reduces the replications to a median and a 90% interval. Pure functions of
DataFrames, so each kind is tested on a synthetic timeseries. Called by
:mod:`sim.runs.validation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.runs.compare import QUANTILES
from sim.runs.validation_spec import COUNTING_PREFIX, Target

__all__ = [
    "BASELINE",
    "WEEKS_PER_YEAR",
    "band",
    "by_replication",
    "entrant_lives",
    "full_years",
    "in_period",
    "measure",
    "paired",
    "summarise",
    "survival",
]

WEEKS_PER_YEAR = 52
#: The scenario (file stem) every other scenario is paired with.
BASELINE = "baseline"


def in_period(frame: pd.DataFrame, period: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    """Rows of reported weeks whose Monday lies in ``period`` (inclusive); all without one."""
    if period is None:
        return frame
    dates = pd.to_datetime(frame["date"])
    keep = (dates >= pd.Timestamp(period[0])) & (dates <= pd.Timestamp(period[1]))
    return frame[keep.to_numpy()]


def by_replication(series: pd.Series, replications: Sequence[int]) -> np.ndarray:
    """Values per replication in ``replications`` order; NaN where a replication has none."""
    return series.reindex(list(replications)).to_numpy(dtype=float)


def _yearly(frame: pd.DataFrame) -> pd.core.groupby.DataFrameGroupBy:
    """The rows grouped by replication and calendar year, with ``weeks`` reported."""
    year = pd.to_datetime(frame["date"]).dt.year.rename("year")
    return frame.groupby([frame["replication"], year])


def full_years(frame: pd.DataFrame, agg: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Per replication and calendar year: ``agg`` over the full reported years (52 or 53
    reported weeks) only."""
    date_col = "date"
    yearly = _yearly(frame).agg(weeks=(date_col, "size"), **agg)
    return yearly[yearly["weeks"] >= WEEKS_PER_YEAR]


def _log_slope(values: pd.Series) -> float:
    """Change per year from the slope of log yearly values (NaN with fewer than two years)."""
    years = values.index.get_level_values("year").to_numpy(float)
    if years.size < 2 or not np.all(values.to_numpy() > 0):
        return float("nan")
    slope = np.polyfit(years, np.log(values.to_numpy(float)), 1)[0]
    return float(np.expm1(slope))


def paired(scenario: np.ndarray, baseline: np.ndarray, how: str) -> np.ndarray:
    if how == "difference":
        return scenario - baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = scenario / baseline
    # No closures in either run is no excess of closures: the ratio is 1.
    return np.where((scenario == 0) & (baseline == 0), 1.0, ratio)


def entrant_lives(events: Sequence[tuple], last_step: int) -> np.ndarray:
    """(n, 2) float: weeks each new independent business of the reported weeks was seen
    open, and 1.0 if it closed then (0.0: still open at ``last_step``, or it moved).

    Args:
        events: A run's ``(date, step, event, premises, sector, cause)`` rows, in order.
        last_step: The run's last reported step.
    """
    opened: dict[int, int] = {}
    lives = []
    for event in events:
        kind, step, p, cause = event[2], int(event[1]), int(event[3]), event[5]
        if kind == "opening" and cause == "new_tenant":
            opened[p] = step
        elif kind == "closure" and p in opened:
            lives.append((step - opened.pop(p), 0.0 if cause == "relocation" else 1.0))
    lives += [(last_step - step, 0.0) for step in opened.values()]
    return np.array(lives, dtype=float).reshape(-1, 2)


def survival(lives: np.ndarray, years: int) -> float:
    """Share still open ``years`` after opening, ``exp(-sum of yearly hazards)``: each year
    of age its closures over the years lived at that age (censored lives count for the
    years seen). NaN when nobody was seen at some age below ``years``."""
    age = lives[:, 0] / WEEKS_PER_YEAR
    hazard = 0.0
    for year in range(years):
        exposure = np.clip(age - year, 0.0, 1.0).sum()
        closed = ((lives[:, 1] > 0) & (age >= year) & (age < year + 1)).sum()
        if exposure <= 0:
            return float("nan")
        hazard += closed / exposure
    return float(np.exp(-hazard))


def measure(
    target: Target,
    frames: Mapping[str, pd.DataFrame],
    replications: Sequence[int],
    people: Mapping[str, Mapping[str, float]] | None = None,
    baseline: str = BASELINE,
    lives: Mapping[str, Sequence[np.ndarray]] | None = None,
) -> np.ndarray:
    """A target's model value in every replication, per its metric kind.

    Args:
        target: The target (its ``scenario`` and ``metric``).
        frames: Scenario -> its weekly timeseries, every replication (``replication``,
            ``date`` and the metric's columns); the baseline's under ``baseline``.
        replications: The replications to report, in order.
        people: Scenario -> people of each visitor group (``Population.people`` of its town),
            for ``population`` targets.
        baseline: The key of the baseline in ``frames``, for paired kinds.
        lives: Scenario -> :func:`entrant_lives` of each replication, for ``survival``.

    Returns:
        One value per replication (NaN where the period holds no reported week).
    """
    m = target.metric
    kind = m.kind
    if kind == "population":
        value = float((people or {})[target.scenario][m.group])
        return np.full(len(replications), value)
    if kind == "survival":
        runs = (lives or {})[target.scenario]
        return np.array([survival(runs[r], m.years) for r in replications])
    frame = in_period(frames[target.scenario], getattr(m, "period", None))
    reps = frame["replication"]
    if kind == "mean":
        return by_replication(frame.groupby(reps)[m.column].mean(), replications)
    if kind == "busiest_count":
        columns = [c for c in frame.columns if c.startswith(COUNTING_PREFIX)]
        if not columns:
            return np.full(len(replications), np.nan)
        means = frame.groupby(reps)[columns].mean()
        return by_replication(means.max(axis=1), replications)
    if kind == "yearly_change":
        yearly = full_years(frame, {"value": (m.column, "mean")})["value"]
        slopes = yearly.groupby(level="replication").apply(_log_slope)
        return by_replication(slopes, replications)
    if kind == "rate_per_year":
        yearly = full_years(frame, {"sum": (m.column, "sum"), "per": (m.per, "mean")})
        rates = (yearly["sum"] / yearly["per"]).groupby(level="replication").mean()
        return by_replication(rates, replications)
    # paired kinds: the same weeks of the baseline, replication by replication
    base = in_period(frames[baseline], m.period)
    how = "sum" if kind == "ratio_of_sums" else "mean"
    mine = by_replication(frame.groupby(reps)[m.column].agg(how), replications)
    theirs = by_replication(base.groupby(base["replication"])[m.column].agg(how), replications)
    return paired(mine, theirs, "difference" if kind == "difference" else "ratio")


def summarise(values: np.ndarray) -> dict[str, float]:
    """Median and 90% interval over replications, ignoring NaN (all NaN: NaN)."""
    values = np.asarray(values, dtype=float)
    finite = values[~np.isnan(values)]
    if not finite.size:
        return {"median": np.nan, "low": np.nan, "high": np.nan}
    return {"median": float(np.median(finite)),
            "low": float(np.quantile(finite, QUANTILES[0])),
            "high": float(np.quantile(finite, QUANTILES[1]))}


def band(wide: pd.DataFrame) -> pd.DataFrame:
    """``median``, ``low`` and ``high`` (the 90% interval) over the columns of ``wide``."""
    return pd.DataFrame({"median": wide.median(axis=1),
                         "low": wide.quantile(QUANTILES[0], axis=1),
                         "high": wide.quantile(QUANTILES[1], axis=1)})

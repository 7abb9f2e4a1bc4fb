"""The planner's what-if: scenarios against a baseline with paired replications.

Replication ``i`` of every scenario runs with the same seed (from
:func:`sim.kernels.streams.replication_seeds` of one master seed), so each random process draws
the same
numbers in the baseline and in the intervention (common random numbers). The effect of an
intervention is then measured per replication, as the paired difference against the baseline,
and its 90% interval shows the uncertainty of the *effect*, not the noise of two independent runs.

:func:`run_comparison` runs every replication through the executors of
:mod:`sim.runs.executors` (this process, local worker processes or a Dask cluster; the result
does not depend on which, nor on the number of workers), the weeks that the baseline and a
scenario have in common once (:mod:`sim.runs.history`); :class:`Comparison` reduces the runs
to tables (:meth:`Comparison.summary`, :meth:`Comparison.cost_effectiveness`, the weekly bands
:meth:`Comparison.bands`) and maps. Called by the command line and the Python API; the output
folder (tables, figures, ``report.html``, ``manifest.json`` last) is written by
:mod:`sim.present.comparison`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.kernels.streams import replication_seeds
from sim.model.model import METRICS
from sim.runs.executors import Progress, execute
from sim.runs.history import groups_sharing
from sim.runs.output import EVENT_COLUMNS
from sim.runs.tasks import ReplicationTask, RunOutcome, SharedRuns, Task, replication_id
from sim.scenario.extends import load_resolved
from sim.scenario.loading import build_town, display_path, scenario_source
from sim.scenario.schema import Scenario

__all__ = [
    "HEADLINE_METRICS",
    "QUANTILES",
    "Comparison",
    "metric_kind",
    "run_comparison",
    "run_replications",
    "year_marks",
]

#: Headline metrics of the comparison, in this order, as far as the model reports them.
_HEADLINE_WANTED = (
    "vacancy_rate", "vacant_units", "vacancy_rate_core", "footfall", "footfall_core", "turnover",
    "closures", "conversions", "municipal_spend", "cofunding_spend",
)
HEADLINE_METRICS = tuple(m for m in _HEADLINE_WANTED if m in METRICS)
#: Spending columns summed for cost-effectiveness, as far as the model reports them.
SPEND_METRICS = tuple(m for m in ("municipal_spend", "cofunding_spend") if m in METRICS)
#: Weekly counts and amounts: a value "at year y" is their total from `start` to the end of year y.
_TOTALS = {"openings", "closures", "conversions", "events", "municipal_spend", "cofunding_spend"}
#: Weekly flows: a value "at year y" is their mean week in year y (footfall, turnover).
_WEEKLY = {"footfall", "turnover", "visitors"}
YEAR_MARKS = (1, 3, 5)
#: Columns of :attr:`Comparison.events`.
EVENT_FRAME = ("scenario", "replication", *EVENT_COLUMNS)
QUANTILES = (0.05, 0.95)  # the 90% interval


def metric_kind(metric: str) -> str:
    """How a weekly column is read at a year mark: ``total``, ``weekly`` mean, or ``level``.

    ``total``: cumulative from `start` (closures, spending); ``weekly``: mean week of that year
    (footfall, turnover, counting points); ``level``: the last week of that year (rates, counts
    of units, rents).
    """
    if metric in _TOTALS or metric.startswith("spend_") or metric.endswith(("_spend", "_paid")):
        return "total"
    if metric in _WEEKLY or metric.startswith("footfall_"):
        return "weekly"
    return "level"


def year_marks(years: int) -> list[int]:
    """Years at which the summary reports: 1, 3 and 5 (where within the horizon) and the horizon."""
    return sorted({y for y in YEAR_MARKS if y < years} | {years})


@dataclass
class Comparison:
    """Replications of a baseline and of scenarios with paired seeds, and what follows from them.

    Attributes:
        scenarios: The baseline first, then the scenarios, as run (all with the same seeds).
        master_seed: The seed the replication seeds derive from.
        seeds: Seed of replication ``i`` (the same for every scenario).
        timeseries: Weekly rows of every scenario and replication (the columns of ``run``).
        footfall_maps: Scenario name -> (replications, height, width) smoothed footfall at the
            horizon.
        occupancy_maps: Scenario name -> (replications, height, width): 1 open, 0 vacant, NaN
            elsewhere, at the horizon.
        files: Scenario name -> the file it was loaded from (None if built in code).
        overrides: ``--set`` overrides applied to every scenario.
        paired: Every scenario has the baseline's town and population (the effects are those
            of the interventions); False after ``--unpaired``.
        events: Every event of every scenario and replication: ``scenario``,
            ``replication`` and the columns of ``events.csv`` (see
            :mod:`sim.runs.breakdown` for what is read from them).
    """

    scenarios: list[Scenario]
    master_seed: int
    seeds: list[int]
    timeseries: pd.DataFrame
    footfall_maps: dict[str, np.ndarray]
    occupancy_maps: dict[str, np.ndarray]
    files: dict[str, str | None] = field(default_factory=dict)
    overrides: list[str] = field(default_factory=list)
    paired: bool = True
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVENT_FRAME))

    @property
    def baseline(self) -> Scenario:
        return self.scenarios[0]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    @property
    def replications(self) -> int:
        return len(self.seeds)

    @property
    def years(self) -> int:
        return self.baseline.years

    # ------------------------------------------------------------------------ values
    def values(self, metric: str, year: int) -> pd.DataFrame:
        """(replications x scenarios) value of ``metric`` at the end of ``year`` (see
        :func:`metric_kind`)."""
        frame = self.timeseries
        last = year * 52
        rows = frame[frame["step"] <= last]
        kind = metric_kind(metric)
        if kind == "total":
            grouped = rows.groupby(["replication", "scenario"], sort=False)[metric].sum()
        elif kind == "weekly":
            rows = rows[rows["step"] > last - 52]
            grouped = rows.groupby(["replication", "scenario"], sort=False)[metric].mean()
        else:
            rows = rows[rows["step"] == last]
            grouped = rows.set_index(["replication", "scenario"])[metric]
        table = grouped.unstack("scenario")
        return table.reindex(index=range(self.replications), columns=self.names).astype(float)

    def effects(self, metric: str, year: int) -> pd.DataFrame:
        """Paired differences scenario minus baseline (replications x scenarios)."""
        values = self.values(metric, year)
        return values.sub(values[self.baseline.name], axis=0)

    # ------------------------------------------------------------------------ tables
    def summary(self) -> pd.DataFrame:
        """Median and 90% interval of each headline metric per scenario at 1, 3, 5 years and the
        horizon, and the paired effect against the baseline (median and 90% interval of the
        per-replication differences)."""
        rows = []
        for metric in HEADLINE_METRICS:
            for year in year_marks(self.years):
                values = self.values(metric, year)
                effects = values.sub(values[self.baseline.name], axis=0)
                for name in self.names:
                    v, e = values[name].to_numpy(), effects[name].to_numpy()
                    rows.append({
                        "scenario": name, "metric": metric, "kind": metric_kind(metric),
                        "year": year, "horizon": year == self.years,
                        "median": _q(v, 0.5), "low": _q(v, QUANTILES[0]),
                        "high": _q(v, QUANTILES[1]),
                        "effect_median": _q(e, 0.5), "effect_low": _q(e, QUANTILES[0]),
                        "effect_high": _q(e, QUANTILES[1]),
                    })
        return pd.DataFrame(rows)

    def spend(self) -> pd.DataFrame:
        """Extra municipal plus co-funded spending over the horizon against the baseline, EUR
        (replications x scenarios); zero if the model reports no spending."""
        total = pd.DataFrame(0.0, index=range(self.replications), columns=self.names)
        for metric in SPEND_METRICS:
            total = total + self.values(metric, self.years).fillna(0.0)
        return total.sub(total[self.baseline.name], axis=0)

    def cost_effectiveness(self) -> pd.DataFrame:
        """Per scenario: spending per vacant unit avoided and per 1% of footfall gained.

        Spending is the municipal plus co-funded spending summed over the horizon (minus the
        baseline's). Vacant units avoided are the paired difference in vacant units at the
        horizon; footfall gained is the paired difference in the mean week of the last year, in
        % of the baseline. The interval of the ratio is spending's 90% interval over the effect's
        (low spend / high effect to high spend / low effect). When the effect's interval includes
        zero, or nothing is spent, there is no ratio, and ``verdict`` says so.
        """
        spend = self.spend()
        base = self.baseline.name
        vacant = self.values("vacant_units", self.years)
        avoided = -vacant.sub(vacant[base], axis=0)
        footfall = self.values("footfall", self.years)
        gained = footfall.div(footfall[base], axis=0).sub(1.0) * 100.0
        measures = (("vacant unit avoided", avoided), ("1% footfall gained", gained))
        rows = []
        for name in self.names[1:]:
            s = spend[name].to_numpy()
            for label, effect in measures:
                e = effect[name].to_numpy()
                row = {
                    "scenario": name, "per": label,
                    "spend_median": _q(s, 0.5), "spend_low": _q(s, QUANTILES[0]),
                    "spend_high": _q(s, QUANTILES[1]),
                    "effect_median": _q(e, 0.5), "effect_low": _q(e, QUANTILES[0]),
                    "effect_high": _q(e, QUANTILES[1]),
                    "eur_per_unit_median": np.nan, "eur_per_unit_low": np.nan,
                    "eur_per_unit_high": np.nan,
                }
                row["verdict"] = _verdict(row)
                if row["verdict"] == "ok":
                    row["eur_per_unit_median"] = row["spend_median"] / row["effect_median"]
                    row["eur_per_unit_low"] = row["spend_low"] / row["effect_high"]
                    row["eur_per_unit_high"] = row["spend_high"] / row["effect_low"]
                rows.append(row)
        return pd.DataFrame(rows, columns=[
            "scenario", "per", "spend_median", "spend_low", "spend_high", "effect_median",
            "effect_low", "effect_high", "eur_per_unit_median", "eur_per_unit_low",
            "eur_per_unit_high", "verdict"])

    def typical_replication(self) -> int:
        """The replication whose baseline vacancy at the horizon is closest to the median."""
        v = self.values("vacancy_rate", self.years)[self.baseline.name].to_numpy()
        return int(np.argmin(np.abs(v - np.median(v))))

    def vacant_share(self, name: str) -> np.ndarray:
        """(height, width) share of replications in which each premises is vacant at the
        horizon; NaN off premises."""
        occ = self.occupancy_maps[name]
        return np.where(np.isnan(occ[0]), np.nan, (occ == 0).mean(axis=0))

    def markers(self, scenario: Scenario) -> list[tuple[str, dt.date | None, dt.date | None]]:
        """``(what, start, end)`` of every enabled intervention and shock."""
        out = []
        for kind in ("interventions", "shocks"):
            for item in getattr(scenario, kind, None) or []:
                if not getattr(item, "enabled", True):
                    continue
                title = item.title() if hasattr(item, "title") else getattr(item, "name", kind)
                out.append((title, getattr(item, "start", None), getattr(item, "end", None)))
        return out

    # ------------------------------------------------------------------------ weeks
    def weekly(self, metric: str) -> pd.DataFrame:
        """Every week's value of ``metric``: dates x (scenario, replication), cumulative from
        ``start`` for totals (see :func:`metric_kind`)."""
        wide = self.timeseries.pivot_table(index="date", columns=["scenario", "replication"],
                                           values=metric, sort=False)
        wide = wide.sort_index()
        if metric_kind(metric) == "total":
            wide = wide.cumsum()
        wide.index = pd.to_datetime(wide.index)
        return wide

    def bands(self, metric: str, *, paired: bool = False) -> dict[str, pd.DataFrame]:
        """Scenario name -> ``median``, ``low`` and ``high`` (the 90% interval over
        replications) of ``metric`` per week; with ``paired``, of each scenario's paired
        difference against the baseline (the baseline itself left out)."""
        wide = self.weekly(metric)
        base = wide[self.baseline.name]
        out = {}
        for name in self.names[1:] if paired else self.names:
            block = wide[name] - base if paired else wide[name]  # paired: same replication
            out[name] = pd.DataFrame({"median": block.median(axis=1),
                                      "low": block.quantile(QUANTILES[0], axis=1),
                                      "high": block.quantile(QUANTILES[1], axis=1)})
        return out

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and the last reported week."""
        dates = pd.to_datetime(self.timeseries["date"])
        return dates.min(), dates.max()


def _q(values: np.ndarray, q: float) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.quantile(values, q)) if values.size else float("nan")


def _verdict(row: dict) -> str:
    if not row["spend_median"] > 0:
        return "no spending"
    low, high = row["effect_low"], row["effect_high"]
    if low <= 0 <= high:
        return "no measurable effect"
    if high < 0:
        return "worse than doing nothing"
    return "ok"


#: What a paired comparison holds equal: the sections (and top-level keys) of the baseline
#: that every scenario must share, so that a difference is an intervention's effect.
PAIRED_SECTIONS = ("town", "population", "warmup_years")


def check_comparable(baseline: Scenario, scenario: Scenario, *, paired: bool = True) -> None:
    """Refuse scenarios whose weeks do not line up with the baseline's (start and horizon), or,
    if ``paired``, that simulate another town, population or warm-up (raises ScenarioError).

    A comparison of two towns measures the difference between two places, not the effect of an
    intervention; ``paired=False`` (``--unpaired``) allows it."""
    for key in ("start", "years"):
        mine, theirs = getattr(scenario, key), getattr(baseline, key)
        if mine != theirs:
            source = scenario_source(scenario)
            file, line = _where(source, key)
            raise ScenarioError(
                f"must be the same as the baseline's ({theirs}) to compare week by week "
                f"(got {mine})", file=file, line=line, key_path=key)
    if not paired:
        return
    for key in PAIRED_SECTIONS:
        differs = _first_difference(getattr(baseline, key), getattr(scenario, key), (key,))
        if key == "town" and not _same_map(baseline, scenario):
            differs = ("town", next((k for k in _MAP_KEYS if getattr(scenario.town, k)),
                                    "preset"))
        if differs is not None:
            file, line = _where(scenario_source(scenario), differs[0])
            raise ScenarioError(
                f"differs from the baseline {baseline.name!r}: a paired comparison needs the "
                "same town, population and warm-up in every scenario, so that a difference is "
                "an intervention's effect; change only instruments, shocks and the economy, or "
                "add --unpaired to compare different places", file=file, line=line,
                key_path=differs)


_MAP_KEYS = ("map", "map_file", "preset")  # compared as the maps they give, not as text


def _first_difference(a: Any, b: Any, path: tuple) -> tuple | None:
    """The key path of the first value in which two sections differ (the town's map keys
    left out), or None."""
    if hasattr(a, "model_dump"):
        skip = set(_MAP_KEYS) if path == ("town",) else set()
        a, b = a.model_dump(mode="json", exclude=skip), b.model_dump(mode="json", exclude=skip)
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            found = _first_difference(a.get(key), b.get(key), (*path, key))
            if found is not None:
                return found
        return None
    return None if a == b else path


def _same_map(baseline: Scenario, scenario: Scenario) -> bool:
    """The two scenarios' maps are the same, however given (a preset, inline, or a map file
    relative to each scenario's own folder)."""
    mine, theirs = build_town(scenario).symbols, build_town(baseline).symbols
    return mine.shape == theirs.shape and bool((mine == theirs).all())


def check_names(scenarios: Sequence[Scenario]) -> None:
    """Refuse two scenarios with the same name (their rows could not be told apart)."""
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.name in seen:
            file, line = _where(scenario_source(scenario), "name")
            raise ScenarioError(
                f"{scenario.name!r} is the name of another scenario in this comparison; give "
                "each scenario its own name", file=file, line=line, key_path="name")
        seen.add(scenario.name)


def _where(source: Path | None, key: str) -> tuple[str | None, int | None]:
    if source is None:
        return None, None
    label = display_path(source)
    try:
        _, lines = load_resolved(label)
    except Exception:
        return label, None
    file, line = lines.where((key,))
    return file or label, line


def run_comparison(
    baseline: Scenario,
    scenarios: Sequence[Scenario],
    *,
    replications: int = 30,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
    overrides: Sequence[str] = (),
    paired: bool = True,
    shared: bool = True,
) -> Comparison:
    """Run the baseline and each scenario ``replications`` times with paired seeds.

    Replication ``r`` of a scenario that differs from the baseline only in instruments, shocks
    or funding rounds starting at a date continues from a copy of the baseline's model at that
    date (:mod:`sim.runs.history`): the same results, byte for byte, with the weeks before it
    simulated once.

    Args:
        baseline: The "do nothing" scenario.
        scenarios: The what-ifs; each needs its own name and the baseline's start and years.
        replications: Replications per scenario, >= 1.
        seed: Master seed; default the baseline's ``seed``. Replication ``i`` of every scenario
            runs with ``replication_seeds(seed, replications)[i]``.
        workers: Local processes to use (default: all cores; 1 runs in this process); the
            result is the same for any number.
        scheduler: A Dask scheduler address (``tcp://host:8786``), ``Client`` or
            ``LocalCluster`` to run on instead of local processes; the result is the same.
            The workers read a scenario's ``town.map_file`` at the path it was loaded from.
        progress: Show a progress bar on stderr.
        overrides: Recorded in the result (for the reproduction command); already applied.
        paired: Require the baseline's town, population and warm-up in every scenario (see
            :func:`check_comparable`); False compares different places.
        shared: Simulate the weeks the scenarios share once (False: every run from the start,
            as a check or to measure the saving).

    Returns:
        The :class:`Comparison`.

    Raises:
        ScenarioError: For scenarios that cannot be compared with the baseline.
        ValueError: For ``replications < 1`` or ``workers < 1``.
        Exception: Whatever stopped a run (every other run is stopped too).
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    all_scenarios = [baseline, *scenarios]
    check_names(all_scenarios)
    for s in scenarios:
        check_comparable(baseline, s, paired=paired)
    master = baseline.seed if seed is None else int(seed)
    seeds = replication_seeds(master, replications)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    runs, where = {}, {}
    for si, scenario in enumerate(all_scenarios):
        dump, source = scenario.model_dump(), _source_text(scenario_source(scenario))
        for r in range(replications):
            task = ReplicationTask(replication_id(dump, source, r, seeds[r]), dump, source, r,
                                   seeds[r])
            runs[si, r] = task
            where[task.run_id] = (si, r)
    tasks = _shared_tasks(all_scenarios, runs, workers) if shared else list(runs.values())
    results = run_replications(tasks, where, [s.name for s in all_scenarios], "compare",
                               workers=workers, scheduler=scheduler, progress=progress)

    frames, footfall, occupancy, events = [], {}, {}, []
    for si, scenario in enumerate(all_scenarios):
        runs = [results[si, r] for r in range(replications)]
        for ts, *_ in runs:
            ts["scenario"] = scenario.name
        frames.extend(ts for ts, *_ in runs)
        footfall[scenario.name] = np.stack([f for _, f, _, _ in runs])
        occupancy[scenario.name] = np.stack([o for _, _, o, _ in runs])
        events.extend((scenario.name, r, *e) for r, (*_, log) in enumerate(runs) for e in log)
    return Comparison(
        scenarios=all_scenarios, master_seed=master, seeds=seeds,
        timeseries=pd.concat(frames, ignore_index=True), footfall_maps=footfall,
        occupancy_maps=occupancy,
        files={s.name: _source_text(scenario_source(s)) for s in all_scenarios},
        overrides=list(overrides), paired=paired,
        events=pd.DataFrame(events, columns=list(EVENT_FRAME)),
    )


def run_replications(tasks: Sequence[Task], where: dict[str, tuple[int, int]],
                     names: Sequence[str], label: str, *, workers: int, scheduler: Any,
                     progress: bool) -> dict[tuple[int, int], Any]:
    """Run paired replications and return each one's data by (scenario index, replication).

    ``where`` maps each run id to its (scenario, replication); every replication is needed, so
    the first failure stops the work (its exception, or an error naming the scenario).
    """
    results: dict[tuple[int, int], Any] = {}
    bar = Progress(len(where), 0, label, progress)

    def on_done(outcome: RunOutcome) -> None:
        si, r = where[outcome.run_id]
        if not outcome.ok:
            if outcome.exception is not None:
                raise outcome.exception
            raise RuntimeError(f"replication {r} of {names[si]} failed: {outcome.error}")
        results[si, r] = outcome.data
        bar.update(outcome)

    try:
        execute(tasks, on_done, workers=workers, scheduler=scheduler)
    finally:
        bar.close()
    return results


def _shared_tasks(scenarios: list[Scenario], runs: dict[tuple[int, int], ReplicationTask],
                  workers: int) -> list[Task]:
    """Replication ``r`` of the baseline and of every scenario that shares weeks with it as one
    :class:`~sim.runs.tasks.SharedRuns` (:func:`sim.runs.history.groups_sharing`)."""
    order = sorted(runs, key=lambda k: (k[1], k[0]))  # by replication, the baseline first
    groups = groups_sharing(order, key=lambda k: k[1], scenario=lambda k: scenarios[k[0]],
                            workers=workers)
    return [SharedRuns.of([runs[k] for k in g]) if len(g) > 1 else runs[g[0]] for g in groups]


def _source_text(path: Path | None) -> str | None:
    return None if path is None else str(path)

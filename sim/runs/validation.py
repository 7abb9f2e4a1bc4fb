"""The model held against the Dutch record: every target and every instrument, as tables.

:func:`run_validation` runs the baseline, the scenarios of the targets (the corona years) and
every instrument scenario, N replications each with paired seeds (replication ``i`` of every
scenario has the seed ``binnenstad compare`` gives it, so the baseline and corona rows are
those of ``binnenstad compare scenarios/baseline.yaml scenarios/corona.yaml``), through the
executors of :mod:`sim.runs.executors` (this process, local worker processes or Dask). The
:class:`Validation` it returns reduces the runs to tables:

- :meth:`Validation.target_table`: each target's model value (median and 90% interval over the
  replications, measured by :func:`sim.runs.validation_metrics.measure` per the metric kinds
  of :mod:`sim.runs.validation_spec`) and whether the median lies in the target's range;
- :meth:`Validation.instrument_effects` and :meth:`Validation.instrument_table`: each
  instrument scenario's paired effect at the horizon (the last reported year's mean) on
  vacancy, footfall and visitors, the floor area it converted and its cost a year, against
  its evidence range;
- :meth:`Validation.decomposition`: how much of a scenario's vacancy effect comes from
  conversions that take units out of the stock, and how much from letting and closures;
- :meth:`Validation.weekly_bands` and :meth:`Validation.yearly_bands`: what the figures draw.

Nothing here draws or writes: :mod:`sim.present.validation` writes ``docs/validation.md`` and
its figures. Called by the command line (``binnenstad validation``) and ``python -m
sim.runs.validation``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import ScenarioError
from sim.kernels.streams import replication_seeds
from sim.runs.compare import Comparison, check_comparable, check_names, run_replications
from sim.runs.tasks import ReplicationTask, canonical_json
from sim.runs.validation_metrics import (
    BASELINE,
    WEEKS_PER_YEAR,
    band,
    by_replication,
    entrant_lives,
    full_years,
    in_period,
    measure,
    paired,
    summarise,
)
from sim.runs.validation_spec import (
    SHOCKS_FILE,
    InstrumentEvidence,
    Target,
    load_instruments,
    load_targets,
    scenario_file,
)
from sim.scenario.loading import build_town, load_scenario, scenario_source
from sim.scenario.schema import Scenario

__all__ = [
    "BASELINE",
    "DEFAULT_REPLICATIONS",
    "EFFECTS",
    "QUICK_OVERRIDES",
    "QUICK_REPLICATIONS",
    "Validation",
    "ValidationTask",
    "converted_floor_m2",
    "run_validation",
]

DEFAULT_REPLICATIONS = 20
#: ``--quick``: a small town, no warm-up, the horizon to the end of 2023 (the last target).
QUICK_OVERRIDES = ("town.preset=kleinstad", "population.agents=1000", "warmup_years=0",
                   "years=5")
QUICK_REPLICATIONS = 2
#: Effects of an instrument scenario against the baseline at the horizon, in table order:
#: name -> how it is measured (``points``: difference of shares; ``relative``: scenario over
#: baseline minus 1; ``m2``, ``eur_per_year``: differences of amounts).
EFFECTS = {
    "vacancy_rate": "points", "vacancy_rate_core": "points", "footfall": "relative",
    "footfall_core": "relative", "visitors": "relative", "converted_m2": "m2",
    "municipal_eur_per_year": "eur_per_year", "cofunding_eur_per_year": "eur_per_year",
}


def converted_floor_m2(events: Sequence[tuple], premises: Sequence[Mapping]) -> float:
    """Floor area (m2) of the premises converted to homes in a run's reported weeks.

    Args:
        events: The run's ``(date, step, event, premises, sector, cause)`` rows.
        premises: The run's premises table (``premises`` index and ``floor_m2``).
    """
    floor = {int(row["premises"]): float(row["floor_m2"]) for row in premises}
    return float(sum(floor[int(e[3])] for e in events if e[2] == "conversion"))


# ------------------------------------------------------------------------------- runs
class ValidationTask(ReplicationTask):
    """One replication of one scenario of the validation: a comparison's replication
    (:class:`sim.runs.tasks.ReplicationTask`) that keeps ``(timeseries, converted floor area
    in m2, the new businesses' lives)``; its ``run_id`` is :func:`_run_id` (a Dask key)."""

    def outputs(self, result: Any) -> tuple:
        last_step = int(result.timeseries["step"].max()) if len(result.timeseries) else 0
        return (result.timeseries, converted_floor_m2(result.events, result.premises),
                entrant_lives(result.events, last_step))


def _run_id(dump: dict, source: str | None, replication: int, seed: int) -> str:
    text = canonical_json({"task": "validation", "scenario": dump, "source": source,
                           "replication": replication, "seed": seed, "version": __version__})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Validation:
    """Paired replications of the baseline and every scenario of the validation.

    Attributes:
        targets: The targets, in file order.
        instruments: The instruments' evidence and then the shocks', in file order.
        comparison: The runs (baseline first); ``comparison.timeseries`` has every week.
        keys: Scenario file stem (as the targets and instruments name it) -> scenario name.
        converted_m2: Floor area converted to homes in the reported weeks (replications x
            scenario file stems).
        people: Scenario file stem -> people of each visitor group in its town.
        lives: Scenario file stem -> the new independents' lives in each replication
            (:func:`sim.runs.validation_metrics.entrant_lives`).
        overrides: ``--set`` overrides applied to every scenario.
        quick: A reduced run (``--quick``).
    """

    targets: list[Target]
    instruments: list[InstrumentEvidence]
    comparison: Comparison
    keys: dict[str, str]
    converted_m2: pd.DataFrame
    people: dict[str, dict[str, float]]
    lives: dict[str, list[np.ndarray]] = field(default_factory=dict)
    overrides: list[str] = field(default_factory=list)
    quick: bool = False

    @property
    def replications(self) -> int:
        return self.comparison.replications

    def frames(self) -> dict[str, pd.DataFrame]:
        """Scenario file stem -> its weekly timeseries (every replication)."""
        ts = self.comparison.timeseries
        return {key: ts[ts["scenario"] == name] for key, name in self.keys.items()}

    def scenario(self, key: str) -> Scenario:
        """The scenario of file stem ``key``."""
        return next(s for s in self.comparison.scenarios if s.name == self.keys[key])

    # ------------------------------------------------------------------------ targets
    def target_values(self, target: Target) -> np.ndarray:
        """The target's model value in every replication."""
        return measure(target, self.frames(), range(self.replications), self.people,
                       lives=self.lives)

    def target_table(self) -> pd.DataFrame:
        """One row per target: the fact, observed value, source, range, the model's median
        and 90% interval over replications, and ``passed`` (the median in the range; False
        when the model cannot measure it, e.g. its period lies outside the run)."""
        rows = []
        for t in self.targets:
            s = summarise(self.target_values(t))
            measured = not np.isnan(s["median"])
            rows.append({
                "target": t.name, "fact": t.fact, "observed": t.observed, "source": t.source,
                "scenario": t.scenario, "kind": t.metric.kind, "unit": t.unit,
                "range_low": t.range[0], "range_high": t.range[1], **s,
                "measured": measured,
                "passed": bool(measured and t.range[0] <= s["median"] <= t.range[1]),
            })
        return pd.DataFrame(rows)

    # ---------------------------------------------------------------------- instruments
    def _horizon(self) -> pd.DataFrame:
        """Mean of the last reported year per replication: rows (replication), columns
        (scenario, metric)."""
        ts = self.comparison.timeseries
        last = int(ts["step"].max())
        rows = ts[ts["step"] > last - WEEKS_PER_YEAR]
        metrics = [m for m in EFFECTS if m in ts.columns]
        table = rows.groupby(["replication", "scenario"])[metrics].mean().unstack("scenario")
        return table.swaplevel(axis=1).reindex(range(self.replications))

    def levels(self, key: str, since: str | None = None) -> dict[str, np.ndarray]:
        """The scenario's own value of each of :data:`EFFECTS` at the horizon, per
        replication: last year's mean; the floor area converted in the reported weeks; the
        spending a year since the first intervention of scenario ``since`` (default ``key``)
        started."""
        horizon, name = self._horizon(), self.keys[key]
        out = {m: horizon[(name, m)].to_numpy(float) for m in EFFECTS
               if (name, m) in horizon.columns}
        out["converted_m2"] = self.converted_m2[key].to_numpy(float)
        out.update(self._costs(key, since or key))
        return out

    def _costs(self, key: str, since: str) -> dict[str, np.ndarray]:
        """Municipal and co-funded spending of scenario ``key`` a year, from the start of the
        first intervention of scenario ``since`` (the whole horizon if it has none) to the
        end of the horizon, per replication."""
        interventions = self.scenario(since).interventions or []
        starts = [i.start for i in interventions if getattr(i, "enabled", True)]
        ts = self.comparison.timeseries
        dates = pd.to_datetime(ts["date"])
        first = pd.Timestamp(min(starts)) if starts else dates.min()
        end = dates.max() + pd.Timedelta(days=7)
        years = max((end - first).days / 365.25, 1 / 52)
        rows = ts[(dates >= first).to_numpy() & (ts["scenario"] == self.keys[key]).to_numpy()]
        spent = rows.groupby("replication")[["municipal_spend", "cofunding_spend"]].sum()
        spent = spent.reindex(range(self.replications)).fillna(0.0)
        return {"municipal_eur_per_year": spent["municipal_spend"].to_numpy(float) / years,
                "cofunding_eur_per_year": spent["cofunding_spend"].to_numpy(float) / years}

    def effects(self, key: str) -> dict[str, np.ndarray]:
        """Paired effect of each of :data:`EFFECTS` against the baseline, per replication:
        shares as differences, footfall and visitors relative (0.01 is 1% more)."""
        mine, base = self.levels(key), self.levels(BASELINE, since=key)
        out = {}
        for name, how in EFFECTS.items():
            if name in mine:
                out[name] = paired(mine[name], base[name],
                                    "ratio" if how == "relative" else "difference")
                if how == "relative":
                    out[name] = out[name] - 1.0
        return out

    def instrument_effects(self) -> pd.DataFrame:
        """Long table: one row per instrument scenario and effect, with ``how`` it is
        measured, the median and the 90% interval of the paired effect, the same of the
        scenario's own level (``level_*``) and the baseline's median level."""
        base = {k: summarise(x)["median"] for k, x in self.levels(BASELINE).items()}
        rows = []
        for ev in self.instruments:
            levels = self.levels(ev.scenario)
            for name, values in self.effects(ev.scenario).items():
                level = summarise(levels[name])
                rows.append({"scenario": ev.scenario, "effect": name, "how": EFFECTS[name],
                             **summarise(values),
                             **{f"level_{k}": x for k, x in level.items()},
                             "baseline_level": base[name]})
        return pd.DataFrame(rows, columns=[
            "scenario", "effect", "how", "median", "low", "high", "level_median", "level_low",
            "level_high", "baseline_level"])

    def instrument_table(self) -> pd.DataFrame:
        """One row per instrument scenario: the metric its evidence bounds, the model's
        median and 90% interval (the paired effect for a ``range``, the scenario's level for a
        ``floor``), the bounds, ``inside`` (None without quantified evidence), the evidence or
        the assumption and the source."""
        rows = []
        for ev in self.instruments:
            row: dict[str, Any] = {
                "scenario": ev.scenario, "metric": ev.metric, "unit": ev.unit,
                "quantified": ev.quantified, "bound": None, "range_low": np.nan,
                "range_high": np.nan, "median": np.nan, "low": np.nan, "high": np.nan,
                "inside": None, "evidence": ev.evidence if ev.quantified else "",
                "assumption": ev.assumption or "", "source": ev.source or "",
            }
            if ev.quantified:
                if ev.range is not None:
                    values = self.effects(ev.scenario)[ev.metric]
                    row.update(bound="effect", range_low=ev.range[0], range_high=ev.range[1])
                else:
                    values = self.levels(ev.scenario)[ev.metric]
                    row.update(bound="level", range_low=ev.floor, range_high=np.inf)
                s = summarise(values)
                row.update(s)
                row["inside"] = bool(row["range_low"] <= s["median"] <= row["range_high"])
            rows.append(row)
        return pd.DataFrame(rows)

    def decomposition(self, key: str) -> dict[str, dict[str, float]]:
        """Where a scenario's vacancy effect at the horizon comes from.

        The effect on the vacancy rate (last year's mean, paired) is split in two: the effect
        that remains when every unit converted to homes in the reported weeks is counted back
        into the stock as a vacant unit, in both runs (``letting``: new tenants, fewer
        closures, meanwhile users), and the rest (``conversions``: units taken out of the
        stock). Also the extra units and floor area converted.

        Returns:
            ``total``, ``conversions``, ``letting`` (shares), ``units`` and ``m2`` (extra over
            the baseline), each as median, low and high.
        """
        counted_back = {k: self._counted_back(k) for k in (key, BASELINE)}
        total = self.effects(key)["vacancy_rate"]
        letting = counted_back[key][0] - counted_back[BASELINE][0]
        units = counted_back[key][1] - counted_back[BASELINE][1]
        m2 = self.effects(key)["converted_m2"]
        parts = {"total": total, "conversions": total - letting, "letting": letting,
                 "units": units, "m2": m2}
        return {name: summarise(values) for name, values in parts.items()}

    def _counted_back(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Per replication: last year's mean vacancy with converted units counted back as
        vacant stock, and the units converted in the reported weeks."""
        frame = self.frames()[key].sort_values(["replication", "step"])
        converted = frame.groupby("replication")["conversions"].cumsum()
        vacant = frame["vacant_units"] + converted
        stock = frame["vacant_units"] + frame["open_units"] + converted
        last = int(frame["step"].max())
        rate = (vacant / stock.clip(lower=1))[frame["step"] > last - WEEKS_PER_YEAR]
        reps = frame.loc[rate.index, "replication"]
        mean = by_replication(rate.groupby(reps).mean(), range(self.replications))
        units = by_replication(frame.groupby("replication")["conversions"].sum(),
                                range(self.replications))
        return mean, units

    def context(self, target: Target) -> dict[str, Any]:
        """What else happens up to a paired target's weeks, to read a mismatch by: the extra
        closures and openings a year (paired, against the baseline) in each calendar year from
        the scenario's first shock or instrument to the end of the target's period, and the
        scenario's footfall and turnover over the baseline's in the period (medians over the
        replications)."""
        period = getattr(target.metric, "period", None)
        frames = self.frames()
        reps = range(self.replications)
        scenario = self.scenario(target.scenario)
        starts = [i.start for kind in ("shocks", "interventions")
                  for i in (getattr(scenario, kind, None) or []) if getattr(i, "start", None)]
        dates = pd.to_datetime(frames[BASELINE]["date"])
        first = min(starts) if starts else dates.min().date()
        last = period[1] if period is not None else dates.max().date()
        extra: dict[int, dict[str, float]] = {}
        for year in range(first.year, last.year + 1):
            window = (max(first, dt.date(year, 1, 1)), min(last, dt.date(year, 12, 31)))
            for column in ("closures", "openings"):
                mine, base = (by_replication(in_period(frames[k], window).groupby(
                    "replication")[column].sum(), reps) for k in (target.scenario, BASELINE))
                extra.setdefault(year, {})[column] = summarise(mine - base)["median"]
        out: dict[str, Any] = {"extra": extra}
        for column in ("footfall", "turnover"):
            mine, base = (by_replication(in_period(frames[k], period).groupby("replication")[
                column].mean(), reps) for k in (target.scenario, BASELINE))
            out[f"{column}_ratio"] = summarise(paired(mine, base, "ratio"))["median"]
        return out

    # -------------------------------------------------------------------------- bands
    def weekly_bands(self, column: str, keys: Sequence[str], how: str = "level"
                     ) -> dict[str, pd.DataFrame]:
        """Weekly ``median``/``low``/``high`` of ``column`` for each scenario file stem: its
        level, or its paired ``difference`` or ``ratio`` against the baseline."""
        wide = self.comparison.weekly(column)
        base = wide[self.keys[BASELINE]]
        out = {}
        for key in keys:
            mine = wide[self.keys[key]]
            if how == "difference":
                mine = mine - base
            elif how == "ratio":
                mine = mine / base
            out[key] = band(mine)
        return out

    def yearly_bands(self, column: str, keys: Sequence[str], how: str = "mean",
                     per: str | None = None) -> dict[str, pd.DataFrame]:
        """Per calendar year ``median``/``low``/``high`` of ``column`` for each scenario file
        stem: its yearly ``mean``, ``sum``, ``index`` (mean over the first year's) or ``rate``
        (sum over the mean of ``per``); full reported years only."""
        frames = self.frames()
        out = {}
        for key in keys:
            agg = {"value": (column, "sum" if how in ("sum", "rate") else "mean")}
            if how == "rate":
                agg["per"] = (per, "mean")
            yearly = full_years(frames[key], agg)
            value = yearly["value"] / yearly["per"] if how == "rate" else yearly["value"]
            wide = value.unstack("replication")
            if how == "index":
                wide = wide / wide.iloc[0]
            out[key] = band(wide)
        return out


# ------------------------------------------------------------------------------ driver
def run_validation(
    targets_file: str | os.PathLike[str],
    instruments_file: str | os.PathLike[str],
    scenarios_dir: str | os.PathLike[str],
    *,
    shocks_file: str | os.PathLike[str] = SHOCKS_FILE,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
    overrides: Sequence[str] = (),
    quick: bool = False,
) -> Validation:
    """Run every scenario of the validation with paired replications and return the tables.

    Args:
        targets_file: The targets (``docs/validation/targets.yaml``).
        instruments_file: The instruments' evidence (``sim/runs/instruments.yaml``).
        shocks_file: The shocks' evidence in the same form (``sim/runs/shocks.yaml``), held
            like the instruments'.
        scenarios_dir: The folder of the scenario files the two files name (``scenarios/``;
            ``<name>.yaml``, with ``baseline.yaml``).
        replications: Replications per scenario, >= 1.
        seed: Master seed; default the baseline's (as ``binnenstad compare``).
        workers: Local worker processes (default all cores; 1: this process).
        scheduler: A Dask scheduler address or client instead of local processes.
        progress: Show a progress bar on stderr.
        overrides: ``--set`` overrides applied to every scenario.
        quick: A reduced run: :data:`QUICK_OVERRIDES` before ``overrides``.

    Raises:
        ScenarioError: For a bad targets or instruments file, a missing or bad scenario.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    directory = Path(scenarios_dir)
    targets = load_targets(targets_file, directory)
    instruments = [*load_instruments(instruments_file, directory),
                   *load_instruments(shocks_file, directory)]
    twice = sorted({i.scenario for i in instruments if
                    sum(j.scenario == i.scenario for j in instruments) > 1})
    if twice:
        raise ScenarioError(f"{twice[0]!r} is in both the instruments' and the shocks' "
                            "evidence; give each scenario once", file=str(shocks_file))
    keys = [BASELINE]
    for key in [t.scenario for t in targets] + [i.scenario for i in instruments]:
        if key not in keys:
            keys.append(key)
    overrides = [*(QUICK_OVERRIDES if quick else ()), *overrides]
    if not scenario_file(directory, BASELINE).is_file():
        raise ScenarioError(f"the baseline, {scenario_file(directory, BASELINE)}, is not there; "
                            "give the folder of the scenarios with --scenarios")
    scenarios = {k: load_scenario(scenario_file(directory, k), overrides) for k in keys}
    check_names(list(scenarios.values()))
    for key in keys[1:]:
        check_comparable(scenarios[BASELINE], scenarios[key])
    comparison, converted, lives = _run(list(scenarios.values()), replications, seed,
                                        workers, scheduler, progress, overrides)
    people = {}
    for key, scenario in scenarios.items():
        town = build_town(scenario)
        people[key] = scenario.population.people(float(town.premises_floor_m2.sum()),
                                                  len(town.dwelling_access))
    names = {k: s.name for k, s in scenarios.items()}
    converted_m2 = converted.rename(columns={v: k for k, v in names.items()})
    return Validation(targets, instruments, comparison, names, converted_m2, people,
                      lives={k: lives[v] for k, v in names.items()},
                      overrides=list(overrides), quick=quick)


def _run(scenarios: list[Scenario], replications: int, seed: int | None,
         workers: int | None, scheduler: Any, progress: bool, overrides: Sequence[str]
         ) -> tuple[Comparison, pd.DataFrame, dict[str, list[np.ndarray]]]:
    """Every scenario's replications with paired seeds, as a Comparison (baseline first), the
    converted floor area (replications x scenario names) and the new businesses' lives
    (scenario name -> one array a replication)."""
    master = scenarios[0].seed if seed is None else int(seed)
    seeds = replication_seeds(master, replications)
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    tasks, where = [], {}
    for si, scenario in enumerate(scenarios):
        dump = scenario.model_dump()
        source = scenario_source(scenario)
        source = None if source is None else str(source)
        for r in range(replications):
            task = ValidationTask(_run_id(dump, source, r, seeds[r]), dump, source, r, seeds[r])
            tasks.append(task)
            where[task.run_id] = (si, r)
    results = run_replications(tasks, where, [s.name for s in scenarios], "validation",
                               workers=workers, scheduler=scheduler, progress=progress)
    frames, converted, lives = [], {}, {}
    for si, scenario in enumerate(scenarios):
        for r in range(replications):
            ts, m2, seen = results[si, r]
            ts["scenario"] = scenario.name
            frames.append(ts)
            converted.setdefault(scenario.name, []).append(m2)
            lives.setdefault(scenario.name, []).append(seen)
    comparison = Comparison(
        scenarios=scenarios, master_seed=master, seeds=seeds,
        timeseries=pd.concat(frames, ignore_index=True), footfall_maps={}, occupancy_maps={},
        files={s.name: (None if scenario_source(s) is None else str(scenario_source(s)))
               for s in scenarios},
        overrides=list(overrides))
    return comparison, pd.DataFrame(converted), lives

"""Reproduce docs/calibration.md's figures and tables: ``.venv/bin/python docs/calibration.py``.

Prints each sector's cost cover in the initial centre, then runs the default baseline
(owners, cultural venues and the municipality in the loop, no instrument) and the corona
scenario with 10 replications each (2 processes; the same
replication seeds, so the two share their random numbers up to the first lockdown), prints
the calibration indicators against their targets and the corona check as Markdown tables,
and writes ``docs/figures/calibration.png``, ``docs/figures/calibration_corona.png``,
``docs/figures/baseline_vacancy.png`` and ``docs/figures/baseline_map.png`` (the last two
are shown in the README).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.kernels.streams import replication_seeds
from sim.model.model import CityCentre
from sim.present.plots import band, map_figure, save, trajectory_figure
from sim.runs.calibration import TARGETS, indicators, sector_cover
from sim.runs.output import run_replication
from sim.scenario.loading import load_scenario

HERE = Path(__file__).resolve().parent
REPLICATIONS = 10
#: The corona check: the first lockdown's first four weeks against the eight weeks before.
LOCKDOWN_START = dt.date(2020, 3, 16)
LOCKDOWN_WEEKS = 4
BEFORE_WEEKS = 8
#: Locatus (via nieuws.nl 07-05-2020): footfall about 25% of normal in March 2020.
CORONA_TARGET = 0.25


def run(name: str, pool: ProcessPoolExecutor) -> tuple[list, pd.DataFrame]:
    """All replications of ``scenarios/<name>.yaml``: the results and their timeseries."""
    scenario = load_scenario(HERE.parent / "scenarios" / f"{name}.yaml")
    seeds = replication_seeds(scenario.seed, REPLICATIONS)
    jobs = pool.map(run_replication, [scenario] * REPLICATIONS, range(REPLICATIONS), seeds)
    results = list(tqdm(jobs, total=REPLICATIONS, desc=name))
    return results, pd.concat([r.timeseries for r in results], ignore_index=True)


def lockdown_ratio(frame: pd.DataFrame) -> pd.Series:
    """Per replication: mean weekly footfall in the first lockdown weeks over the weeks before."""
    date = pd.to_datetime(frame["date"]).dt.date
    start = LOCKDOWN_START
    during = (date >= start) & (date < start + dt.timedelta(weeks=LOCKDOWN_WEEKS))
    before = (date < start) & (date >= start - dt.timedelta(weeks=BEFORE_WEEKS))
    by_rep = frame.groupby("replication")["footfall"]
    return (frame[during].groupby("replication")["footfall"].mean()
            / frame[before].groupby("replication")["footfall"].mean()).reindex(by_rep.size().index)


def calibration_figure(frame: pd.DataFrame) -> plt.Figure:
    """Vacancy band, yearly closure rates and the footfall index against the targets."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
    b = band(frame, "vacancy_rate")
    axes[0].fill_between(b.index, b["low"], b["high"], alpha=0.3)
    axes[0].plot(b.index, b["median"])
    axes[0].axhspan(*TARGETS["vacancy_rate"], color="green", alpha=0.12, label="target")
    axes[0].set_title("vacancy (share of premises)")
    year = pd.to_datetime(frame["date"]).dt.year
    yearly = frame.groupby([frame["replication"], year]).agg(
        closures=("closures", "sum"), open_units=("open_units", "mean"),
        footfall=("footfall", "sum"))
    rate = (yearly["closures"] / yearly["open_units"]).unstack(0)
    axes[1].boxplot(rate.T.to_numpy(), tick_labels=rate.index.astype(str))
    axes[1].axhspan(*TARGETS["closure_rate_per_year"], color="green", alpha=0.12)
    axes[1].set_title("closures per year (share of open shops)")
    index = yearly["footfall"].unstack(0)
    index = index / index.iloc[0]
    axes[2].plot(index.index, index.to_numpy(), color="C0", alpha=0.4)
    first = index.index[0]
    for slope in TARGETS["footfall_trend_per_year"]:
        axes[2].plot(index.index, (1 + slope) ** (index.index - first), "g--", lw=1)
    axes[2].set_title("footfall index (dashed: -0.5% and -2% a year)")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    return fig


def corona_figure(base: pd.DataFrame, corona: pd.DataFrame, shocks) -> plt.Figure:
    """Weekly footfall of baseline and corona, median and 90% band over replications."""
    fig, ax = plt.subplots(figsize=(10, 3.8), layout="constrained")
    for frame, label, colour in ((base, "baseline", "C0"), (corona, "corona", "C3")):
        b = band(frame, "footfall")
        ax.fill_between(b.index, b["low"], b["high"], color=colour, alpha=0.25)
        ax.plot(b.index, b["median"], color=colour, label=f"{label} (median, 90% band)")
    last = pd.Timestamp(max(corona["date"]))
    for shock in shocks:  # a shock without an end (the visitor gap) lasts to the horizon
        end = last if shock.end is None else pd.Timestamp(shock.end)
        ax.axvspan(pd.Timestamp(shock.start), end, color="grey", alpha=0.12)
    before = base[pd.to_datetime(base["date"]).dt.date < LOCKDOWN_START]
    level = before.groupby("date")["footfall"].median().iloc[-BEFORE_WEEKS:].mean()
    ax.axhline(CORONA_TARGET * level, color="green", ls="--", lw=1,
               label="25% of the weeks before (Locatus, March 2020)")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("footfall (passers-by a week, all streets)")
    ax.set_title("Weekly footfall, baseline vs corona (grey: lockdowns), 10 replications")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def print_sector_cover(weeks: int = 26) -> None:
    """The sectors' cost cover in the initial centre (the baseline's seed, after ``weeks``)."""
    model = CityCentre(load_scenario(HERE.parent / "scenarios" / "baseline.yaml"))
    for _ in range(weeks):
        model.step()
    print(f"| sector (week {weeks} of the warm-up) | shops | median cover | below break-even |")
    print("|---|---|---|---|")
    for sector, row in sector_cover(model).iterrows():
        print(f"| {sector} | {int(row['shops'])} | {row['median_cover']:.2f} | "
              f"{row['below_break_even']:.0%} |")
    print()


def main() -> None:
    """Run, tabulate and draw."""
    print_sector_cover()
    with ProcessPoolExecutor(2) as pool:
        results, frame = run("baseline", pool)
        _, corona = run("corona", pool)
    values = indicators(frame)
    print(f"| indicator | model (mean of {REPLICATIONS} replications) | target |")
    print("|---|---|---|")
    for key, (low, high) in TARGETS.items():
        print(f"| {key} | {values[key]:.4f} | {low} to {high} |")
    print()
    ratio_c, ratio_b = lockdown_ratio(corona), lockdown_ratio(frame)
    print(f"| first {LOCKDOWN_WEEKS} lockdown weeks / {BEFORE_WEEKS} weeks before | mean | "
          "min | max | target |")
    print("|---|---|---|---|---|")
    for label, r in (("corona", ratio_c), ("baseline (same weeks)", ratio_b)):
        target = f"about {CORONA_TARGET}" if label == "corona" else "about 1"
        print(f"| {label} | {r.mean():.3f} | {r.min():.3f} | {r.max():.3f} | {target} |")
    same = corona.set_index(["replication", "date"])["footfall"] / frame.set_index(
        ["replication", "date"])["footfall"]
    date = pd.to_datetime(same.index.get_level_values("date")).date
    during = (date >= LOCKDOWN_START) & (
        date < LOCKDOWN_START + dt.timedelta(weeks=LOCKDOWN_WEEKS))
    print(f"\ncorona / baseline in the same lockdown weeks: {np.mean(same[during]):.3f}")

    save(calibration_figure(frame), HERE / "figures" / "calibration.png")
    shocks = load_scenario(HERE.parent / "scenarios" / "corona.yaml").shocks
    save(corona_figure(frame, corona, shocks), HERE / "figures" / "calibration_corona.png")
    save(trajectory_figure(frame, "vacancy_rate", "vacancy (share of premises)",
                           f"baseline: vacancy, median and 90% band of {REPLICATIONS} "
                           "replications"),
         HERE / "figures" / "baseline_vacancy.png")
    save(map_figure(results[0].footfall_map, results[0].occupancy_map,
                    "baseline: footfall and occupancy in 2024 (replication 0)"),
         HERE / "figures" / "baseline_map.png")


if __name__ == "__main__":
    main()

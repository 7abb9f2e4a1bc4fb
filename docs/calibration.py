"""Reproduce docs/calibration.md's figures and table: ``.venv/bin/python docs/calibration.py``.

Runs the default baseline with 10 replications (2 processes), prints the calibration
indicators against their targets as a Markdown table, and writes
``docs/figures/calibration.png``, ``docs/figures/baseline_vacancy.png`` and
``docs/figures/baseline_map.png`` (the last two are shown in the README).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim.calibration import TARGETS, indicators
from sim.loading import load_scenario
from sim.output import run_replication
from sim.plots import band, map_figure, save, trajectory_figure
from sim.streams import replication_seeds

HERE = Path(__file__).resolve().parent
REPLICATIONS = 10


def main() -> None:
    """Run, tabulate and draw."""
    scenario = load_scenario(HERE.parent / "scenarios" / "baseline.yaml")
    seeds = replication_seeds(scenario.seed, REPLICATIONS)
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(run_replication, [scenario] * REPLICATIONS,
                                range(REPLICATIONS), seeds))
    frame = pd.concat([r.timeseries for r in results], ignore_index=True)
    values = indicators(frame)
    print("| indicator | model (mean of 10 replications) | target |")
    print("|---|---|---|")
    for key, (low, high) in TARGETS.items():
        print(f"| {key} | {values[key]:.4f} | {low} to {high} |")

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
    save(fig, HERE / "figures" / "calibration.png")
    save(trajectory_figure(frame, "vacancy_rate", "vacancy (share of premises)",
                           "baseline: vacancy, median and 90% band of 10 replications"),
         HERE / "figures" / "baseline_vacancy.png")
    save(map_figure(results[0], "baseline: footfall and occupancy in 2024 (replication 0)"),
         HERE / "figures" / "baseline_map.png")


if __name__ == "__main__":
    main()

"""The default baseline lands in the calibration ranges of the domain brief."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.calibration import TARGETS, indicators
from sim.loading import load_scenario
from sim.output import run_replications

ROOT = Path(__file__).resolve().parent.parent


def test_baseline_lands_in_the_calibration_ranges():
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    results = run_replications(scenario, replications=2)
    values = indicators(pd.concat([r.timeseries for r in results]))
    for key, (low, high) in TARGETS.items():
        assert low <= values[key] <= high, f"{key} = {values[key]:.4f} outside [{low}, {high}]"

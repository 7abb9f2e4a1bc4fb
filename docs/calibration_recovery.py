"""Reproduce the example figures of docs/calibration.md (the recovery test's calibration).

Run: ``.venv/bin/python docs/calibration_recovery.py``. It runs the calibration of the
recovery test (tests/runs/test_calibrate.py): a small town whose targets the model made itself
at rent level 1.1 and footfall trend -3% a year, fitted in 48 evaluations on 2 workers (about a
minute). It writes the calibration folder to ``results/calibrations/recovery`` and copies its
figures of a target and of the parameters to ``docs/figures/calibration_recovery_*.png``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = """\
name: recovery_base
seed: 7
years: 3
warmup_years: 0
town: {preset: kleinstad}
population: {agents: 3000}
"""
SPEC = """\
name: recovery
description: Rent level and footfall trend recovered from targets the model made at 1.1 and -3%.
scenario: base.yaml
seed: 11
replications: 2
budget: 48
batch: 8
startup: 8
check_replications: 4
parameters:
  economy.rent.level: {min: 0.7, max: 1.4}
  economy.footfall_trend_per_year: {min: -0.06, max: 0.02}
targets_file: targets.yaml
"""
TARGETS = """\
targets:
  rent_2021: {{metric: mean_rent, period: 2021, value: {rent!r}, tolerance: 3%,
              source: the model at rent level 1.1}}
  footfall_change: {{metric: footfall, statistic: yearly_change, period: {{from: 2019, to: 2021}},
                    value: {change!r}, tolerance: 0.015, source: the model at trend -0.03}}
  vacancy: {{metric: vacancy_rate, period: 2021, value: {vacancy!r}, tolerance: 0.03,
            source: the model, validate_only: true}}
"""
TRUTH = {"economy.rent.level": 1.1, "economy.footfall_trend_per_year": -0.03}


def main() -> int:
    from sim import api
    from sim.runs.calibrate import evaluate_set
    from sim.runs.calibration_design import load_calibration

    folder = ROOT / "results" / "calibrations" / "recovery_files"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.yaml").write_text(BASE)
    (folder / "cal.yaml").write_text(SPEC)
    (folder / "targets.yaml").write_text(TARGETS.format(rent=400.0, change=0.0, vacancy=0.5))
    truth = evaluate_set(load_calibration(folder / "cal.yaml"), TRUTH).mean()
    (folder / "targets.yaml").write_text(TARGETS.format(
        rent=float(truth["rent_2021"]), change=float(truth["footfall_change"]),
        vacancy=float(truth["vacancy"])))
    out = ROOT / "results" / "calibrations" / "recovery"
    shutil.rmtree(out, ignore_errors=True)
    fit = api.calibrate(folder / "cal.yaml", out, workers=2, progress=True)
    print(fit.best(), fit.best_loss)
    print(fit.identifiability().to_string())
    for stem in ("target_footfall_change", "parameters"):
        shutil.copy(out / "figures" / f"{stem}.png",
                    ROOT / "docs" / "figures" / f"calibration_recovery_{stem}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

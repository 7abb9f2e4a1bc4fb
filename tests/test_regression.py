"""Regression baselines: the outputs of baseline, corona and agenda (a small configuration,
two replications) keep their SHA-256 hashes, so any change of the model's behaviour is seen.

A change of behaviour on purpose (a new or recalibrated rule) updates the hashes in the same
commit: ``BINNENSTAD_UPDATE_REGRESSION=1 .venv/bin/python -m pytest tests/test_regression.py``.
A refactoring must leave them alone.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from sim.kernels.streams import replication_seeds
from sim.runs.experiments import load_experiment, run_experiment
from sim.runs.output import events_csv, premises_csv, run_replication, timeseries_csv
from sim.scenario.loading import load_scenario
from tests.conftest import REPO

HASHES = REPO / "tests" / "data" / "regression.json"
SMALL = ["years=2", "warmup_years=1", "population.agents=3000"]
UPDATE = os.environ.get("BINNENSTAD_UPDATE_REGRESSION") == "1"


def outputs(name: str) -> dict[str, str]:
    """SHA-256 of each output table of scenario ``name`` in the small configuration."""
    scenario = load_scenario(REPO / "scenarios" / f"{name}.yaml", SMALL)
    results = [run_replication(scenario, i, seed)
               for i, seed in enumerate(replication_seeds(scenario.seed, 2))]
    tables = {"timeseries.csv": timeseries_csv(results),
              "events.csv": events_csv(results, scenario.name),
              "premises.csv": premises_csv(results[0])}
    return {f: hashlib.sha256(text.encode()).hexdigest() for f, text in tables.items()}


@pytest.mark.parametrize("name", ["baseline", "corona", "agenda"])
def test_outputs_keep_their_hashes(name):
    got = outputs(name)
    stored = json.loads(HASHES.read_text()) if HASHES.exists() else {}
    if UPDATE:
        stored[name] = got
        HASHES.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
    assert got == stored.get(name), (
        f"{name}: the outputs changed. If the model's behaviour changed on purpose, update the "
        "hashes (see this module's docstring) and rerun the validation; if not, find the change.")


def test_an_experiments_results_keep_their_hash(tmp_path):
    """A small grid experiment on the agenda: its results table (the run store collected)."""
    (tmp_path / "small.yaml").write_text(
        f"extends: {REPO / 'scenarios' / 'agenda.yaml'}\nyears: 2\nwarmup_years: 1\n"
        "population: {agents: 3000}\n")
    (tmp_path / "exp.yaml").write_text(
        "name: regression\nscenario: small.yaml\nseed: 5\nreplications: 2\n"
        "levers:\n  interventions[3].budget_eur_per_year: {values: [0, 300000]}\n"
        "outcomes:\n  vacancy_rate: {}\n  footfall: {aggregate: mean}\ndesign: {type: grid}\n")
    counts = run_experiment(load_experiment(tmp_path / "exp.yaml"), tmp_path / "out",
                            progress=False)
    assert counts["done"] == 4
    got = {"results.csv": hashlib.sha256((tmp_path / "out" / "results.csv").read_bytes())
           .hexdigest()}
    stored = json.loads(HASHES.read_text())
    if UPDATE:
        stored["experiment"] = got
        HASHES.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
    assert got == stored.get("experiment"), "the experiment's results changed (see above)"

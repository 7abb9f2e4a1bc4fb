"""Sensitivity analysis: the wiring recovers known indices of toy functions; on the model
every outcome gets finite indices; sweeps and the replication table."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from sim.cli.main import main
from sim.present.analysis import write_analyses, write_experiment_analyses
from sim.runs.experiments import load_experiment, run_experiment
from sim.runs.sensitivity import replication_table
from sim.runs.store import RunStore
from tests.conftest import EXPERIMENT_BASE

BASE = EXPERIMENT_BASE

# Three numeric scenario parameters; the toy functions see them rescaled.
PARAMS = """\
uncertainties:
  economy.footfall_trend_per_year: {min: -0.1, max: 0.1}
  economy.rent.level: {min: 0.5, max: 1.5}
  economy.shops.entry_rate_per_year: {min: 0.5, max: 2.0}
outcomes: [vacancy_rate]
"""


def toy_results(exp, function) -> tuple[dict, pd.DataFrame]:
    """The experiment's manifest and tidy results with ``function`` in place of the model.

    Each parameter is rescaled to [0, 1] from its range in the experiment file; the rows go
    through the same manifest and analysis code as a model experiment.
    """
    store = RunStore(exp.path.parent / "out")
    store.write_manifest(exp, {}, started="")
    manifest = store.read_manifest()
    rows = []
    for t in exp.tasks:
        u = [(t.values[p.name] - p.spec.min) / (p.spec.max - p.spec.min)
             for p in exp.parameters]
        rows.append({"point": t.point, "replication": t.replication, "period": "horizon",
                     "year": 1, "step": 52, "vacancy_rate": function(*u) + 0.0 * t.seed})
    return manifest, pd.DataFrame(rows)


def ishigami(u1, u2, u3, a=7.0, b=0.1):
    x1, x2, x3 = (-math.pi + 2 * math.pi * u for u in (u1, u2, u3))
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def test_sobol_recovers_the_ishigami_indices(write, workdir):
    write("base.yaml", BASE)
    exp = load_experiment(write("s.yaml", "name: ishigami\nscenario: base.yaml\n" + PARAMS +
                                "design: {type: sobol, samples: 1024}\n"))
    manifest, results = toy_results(exp, ishigami)
    write_analyses(manifest, results, workdir / "analysis")
    table = pd.read_csv(workdir / "analysis" / "sensitivity_sobol.csv")
    assert list(table["parameter"]) == [p.name for p in exp.parameters]
    np.testing.assert_allclose(table["S1"], [0.314, 0.442, 0.0], atol=0.06)
    np.testing.assert_allclose(table["ST"], [0.558, 0.442, 0.244], atol=0.06)
    assert (table["S1_conf"] > 0).all() and (table["ST_conf"] < 0.2).all()
    assert (workdir / "analysis" / "figures" / "sobol_vacancy_rate_horizon.png").is_file()


def test_morris_recovers_a_linear_function(write, workdir):
    write("base.yaml", BASE)
    exp = load_experiment(write("m.yaml", "name: linear\nscenario: base.yaml\n" + PARAMS +
                                "design: {type: morris, trajectories: 20}\n"))
    manifest, results = toy_results(exp, lambda u1, u2, u3: 3.0 * u1 - 1.0 * u2 + 0.0 * u3)
    write_analyses(manifest, results, workdir / "analysis")
    table = pd.read_csv(workdir / "analysis" / "sensitivity_morris.csv")
    np.testing.assert_allclose(table["mu_star"], [3.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["mu"], [3.0, -1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["sigma"], [0.0, 0.0, 0.0], atol=1e-9)


def test_morris_on_the_model_gives_finite_indices_for_every_outcome(write, workdir):
    write("base.yaml", BASE)
    exp = load_experiment(write("m.yaml", """\
name: model_morris
scenario: base.yaml
replications: 2
uncertainties:
  economy.footfall_trend_per_year: {min: -0.05, max: 0.02}
  economy.rent.level: {min: 0.7, max: 1.3}
outcomes:
  vacancy_rate: {}
  footfall: {aggregate: mean}
  closures: {when: yearly, aggregate: sum}
design: {type: morris, trajectories: 2}
"""))
    counts = run_experiment(exp, workdir / "out", progress=False)
    write_experiment_analyses(workdir / "out")
    assert counts["done"] == 2 * 3 * 2
    table = pd.read_csv(workdir / "out" / "analysis" / "sensitivity_morris.csv")
    assert set(table["outcome"]) == {"vacancy_rate", "footfall", "closures"}
    assert len(table) == 3 * 2
    assert np.isfinite(table[["mu", "mu_star", "sigma", "mu_star_conf"]].to_numpy()).all()
    assert table.loc[table["outcome"] == "footfall", "mu_star"].gt(0).all()
    figures = {p.name for p in (workdir / "out" / "analysis" / "figures").iterdir()}
    assert {"morris_vacancy_rate_horizon.png", "morris_closures_year1.png"} <= figures


def test_sobol_on_the_model_gives_finite_indices(write, workdir):
    write("base.yaml", BASE)
    exp = load_experiment(write("s.yaml", """\
name: model_sobol
scenario: base.yaml
uncertainties:
  economy.footfall_trend_per_year: {min: -0.05, max: 0.02}
  economy.rent.level: {min: 0.7, max: 1.3}
outcomes: [vacancy_rate, turnover]
design: {type: sobol, samples: 4}
"""))
    run_experiment(exp, workdir / "out", progress=False)
    write_experiment_analyses(workdir / "out")
    table = pd.read_csv(workdir / "out" / "analysis" / "sensitivity_sobol.csv")
    assert set(table["outcome"]) == {"vacancy_rate", "turnover"}
    assert np.isfinite(table[["S1", "ST", "S1_conf", "ST_conf"]].to_numpy()).all()


def test_replication_table_narrows_like_one_over_root_n():
    rng = np.random.default_rng(1)
    table = replication_table(rng.normal(10, 2, size=400))
    assert list(table["n"]) == list(range(2, 401))
    width = table.set_index("n")["ci90_width"]
    assert width[400] < width[100] < width[25]
    assert width[400] == pytest.approx(2 * 1.6449 * 2 / 20, rel=0.15)
    assert table["p05"].iloc[-1] == pytest.approx(10 - 1.6449 * 2, abs=0.4)


def test_grid_writes_sweeps_heatmaps_and_replications(write, workdir, capsys):
    write("base.yaml", BASE)
    spec = write("g.yaml", """\
name: grid
scenario: base.yaml
replications: 3
uncertainties:
  economy.footfall_trend_per_year: {values: [-0.04, 0.0]}
levers:
  economy.rent.level: {values: [0.8, 1.2]}
outcomes: [vacancy_rate]
design: {type: grid}
""")
    assert main(["experiment", str(spec), "--out", "out", "--workers", "1", "-q"]) == 0
    analysis = workdir / "out" / "analysis"
    sweeps = pd.read_csv(analysis / "sweeps.csv")
    assert set(sweeps["parameter"]) == {"economy.footfall_trend_per_year", "economy.rent.level"}
    assert (sweeps["runs"] == 6).all() and (sweeps["low"] <= sweeps["high"]).all()
    reps = pd.read_csv(analysis / "replications.csv")
    assert set(reps["point"]) == {0, 1, 2, 3} and set(reps["n"]) == {2, 3}
    figures = {p.name for p in (analysis / "figures").iterdir()}
    assert "heatmap_vacancy_rate_economy_footfall_trend_per_year_economy_rent_level.png" \
        in figures
    manifest = json.loads((workdir / "out" / "manifest.json").read_text())
    assert manifest["design"]["analyses"] == ["sweep", "heatmap", "replications"]

    # `collect` writes the same analyses from the stored runs, to the byte
    shutil.copytree(workdir / "out", workdir / "again")
    shutil.rmtree(workdir / "again" / "analysis")
    assert main(["collect", "again"]) == 0
    capsys.readouterr()
    written = sorted(p.relative_to(analysis) for p in analysis.rglob("*") if p.is_file())
    assert len(written) == 2 + 2 + 1 + 1  # 2 tables; 2 sweeps, a heatmap, replications
    assert written == sorted(p.relative_to(workdir / "again" / "analysis")
                             for p in (workdir / "again" / "analysis").rglob("*") if p.is_file())
    for path in written:
        assert (analysis / path).read_bytes() == \
            (workdir / "again" / "analysis" / path).read_bytes(), path

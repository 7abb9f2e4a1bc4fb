"""The EMA Workbench adapter: a small EMA experiment gives what `binnenstad experiment` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.runs.experiments import load_experiment, run_experiment

pytest.importorskip("sim.runs.ema")  # imports ema_workbench without its ipyparallel warning

BASE = """\
name: base
seed: 7
years: 2
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 1500
"""

SPEC = """\
name: ema
scenario: base.yaml
seed: 9
replications: 2
uncertainties:
  economy.footfall_trend_per_year: {min: -0.04, max: 0.0}
  economy.shops.patience_weeks: {min: 40, max: 100}
levers:
  economy.rent.level: {values: [0.8, 1.2]}
outcomes:
  vacancy_rate: {}
  closures: {when: yearly, aggregate: sum}
design: {type: lhs, samples: 2}
analyses: []
"""


def test_small_ema_experiment_matches_the_run_store(write, workdir):
    from ema_workbench import Sample, SequentialEvaluator, perform_experiments

    from sim.runs.ema import ema_model, ema_names

    write("base.yaml", BASE)
    exp = load_experiment(write("exp.yaml", SPEC))
    model = ema_model(exp)
    names = ema_names(exp)
    assert {u.name for u in model.uncertainties} == {
        "economy_footfall_trend_per_year", "economy_shops_patience_weeks"}
    assert [lever.name for lever in model.levers] == ["economy_rent_level"]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(
            model, scenarios=2, policies=[Sample("high_rent", economy_rent_level=1.2)],
            evaluator=evaluator)
        plain = ema_model(exp, replications=0)
        same = [Sample(f"s{i}", **{u.name: row[u.name] for u in plain.uncertainties})
                for i, row in experiments.iterrows()]
        _, single = perform_experiments(plain, scenarios=same,
                                        policies=[Sample("high_rent", economy_rent_level=1.2)],
                                        evaluator=SequentialEvaluator(plain))
    assert outcomes["vacancy_rate"].shape == (2,)  # mean over replications
    assert outcomes["closures"].shape == (2, 2, 2)  # experiments x replications x years

    # The same points as a list experiment of our own give the same numbers.
    points = "".join(
        "    - {" + ", ".join(f"{names[k]}: {row[k]!r}" for k in names) + "}\n"
        for _, row in experiments.iterrows())
    points = points.replace("np.float64(", "").replace("np.int64(", "").replace(")", "")
    listed = SPEC.replace("design: {type: lhs, samples: 2}",
                          "design:\n  type: list\n  points:\n" + points)
    ours = load_experiment(write("list.yaml", listed))
    run_experiment(ours, workdir / "out", progress=False)
    results = pd.read_parquet(workdir / "out" / "results.parquet")
    horizon = results[results["period"] == "horizon"].sort_values(["point", "replication"])
    per_run = horizon["vacancy_rate"].to_numpy().reshape(2, 2)
    np.testing.assert_allclose(per_run.mean(axis=1), outcomes["vacancy_rate"], rtol=1e-12)
    years = results[results["period"] == "year"].sort_values(["point", "replication", "year"])
    np.testing.assert_array_equal(years["closures"].to_numpy().reshape(2, 2, 2),
                                  outcomes["closures"])
    # a plain Model runs replication 0
    np.testing.assert_array_equal(single["vacancy_rate"], per_run[:, 0])

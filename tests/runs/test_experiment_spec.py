"""Experiment files: validation with one-line errors, design points, seeds and run ids."""

from __future__ import annotations

import pytest

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.kernels.streams import replication_seeds
from sim.runs.design import run_seed
from sim.runs.experiments import load_experiment
from sim.runs.tasks import reduce_outcomes
from tests.conftest import EXPERIMENT_BASE

BASE = EXPERIMENT_BASE

GOOD = """\
name: sweep
scenario: base.yaml
seed: 3
replications: 2
uncertainties:
  economy.footfall_trend_per_year: {min: -0.04, max: 0.0, steps: 3}
levers:
  economy.rent.level: {values: [0.8, 1.2]}
outcomes:
  vacancy_rate: {}
  vacancy_yearly: {metric: vacancy_rate, when: yearly, aggregate: mean}
design:
  type: grid
"""


@pytest.fixture
def base(write):
    return write("base.yaml", BASE)


def test_grid_is_the_full_factorial_with_replications(base, write):
    exp = load_experiment(write("x.yaml", GOOD))
    assert [tuple(p.values()) for p in exp.points] == [
        (-0.04, 0.8), (-0.04, 1.2), (-0.02, 0.8), (-0.02, 1.2), (0.0, 0.8), (0.0, 1.2)]
    assert len(exp.tasks) == 12
    assert len({t.run_id for t in exp.tasks}) == 12
    assert [p.kind for p in exp.parameters] == ["uncertainty", "lever"]
    task = exp.tasks[3]
    assert task.scenario["economy"]["rent"]["level"] == 1.2
    assert task.scenario["economy"]["footfall_trend_per_year"] == -0.04
    assert task.scenario["town"]["preset"] == "kleinstad"


def test_seeds_depend_on_experiment_seed_point_and_replication_only():
    a = run_seed(3, {"x": 1.0}, 0)
    assert a == run_seed(3, {"x": 1.0}, 0)
    assert len({a, run_seed(4, {"x": 1.0}, 0), run_seed(3, {"x": 2.0}, 0),
                run_seed(3, {"x": 1.0}, 1)}) == 4
    # common random numbers: replication r of every point uses `binnenstad run`'s seed r
    assert [run_seed(3, {"x": v}, r, "common") for v in (1, 2) for r in (0, 1)] == \
        replication_seeds(3, 2) * 2


def test_loading_twice_gives_the_same_runs(base, write):
    path = write("x.yaml", GOOD)
    assert [t.run_id for t in load_experiment(path).tasks] == \
        [t.run_id for t in load_experiment(path).tasks]


def test_a_new_title_or_description_keeps_the_runs_a_new_setting_does_not(base, write):
    path = write("x.yaml", GOOD)
    before = [t.run_id for t in load_experiment(path).tasks]
    write("base.yaml", "title: Another title\ndescription: Other words.\n" + BASE)
    assert [t.run_id for t in load_experiment(path).tasks] == before
    write("base.yaml", BASE.replace("years: 1", "years: 2"))
    assert not set(before) & {t.run_id for t in load_experiment(path).tasks}


def test_designs_lhs_morris_sobol_and_list(base, write):
    head = GOOD.split("uncertainties:")[0]
    params = """\
uncertainties:
  economy.footfall_trend_per_year: {min: -0.04, max: 0.0}
  economy.shops.patience_weeks: {min: 26, max: 104}
outcomes: [vacancy_rate]
"""
    lhs = load_experiment(write("l.yaml", head + params + "design: {type: lhs, samples: 10}\n"))
    trend = sorted(p["economy.footfall_trend_per_year"] for p in lhs.points)
    # one sample in each tenth of the range
    assert [int((t + 0.04) / 0.004) for t in trend] == list(range(10))
    assert all(isinstance(p["economy.shops.patience_weeks"], int) for p in lhs.points)
    morris = load_experiment(write("m.yaml", head + params +
                                   "design: {type: morris, trajectories: 3}\n"))
    assert len(morris.points) == 3 * (2 + 1) and len(morris.sample) == 9
    sobol = load_experiment(write("s.yaml", head + params +
                                  "design: {type: sobol, samples: 8}\n"))
    assert len(sobol.points) == 8 * (2 + 2)
    listed = load_experiment(write("p.yaml", head + params + """\
design:
  type: list
  points:
    - {label: low, economy.footfall_trend_per_year: -0.04}
    - {label: high, economy.footfall_trend_per_year: 0.0, economy.shops.patience_weeks: 30}
"""))
    assert listed.labels == ["low", "high"]
    assert listed.points[0]["economy.shops.patience_weeks"] == 78  # the scenario's value
    assert listed.points[1] == {"economy.footfall_trend_per_year": 0.0,
                                "economy.shops.patience_weeks": 30}


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


INVALID = [
    ("", "x.yaml: the file is empty; an experiment needs name, scenario, outcomes and design"),
    (_replace("replications: 2", "replications: 0"), "x.yaml:4: replications: must be >= 1"),
    (_replace("replications: 2", "replicates: 2"),
     "x.yaml:4: replicates: unknown key; did you mean 'replications'?"),
    (_replace("scenario: base.yaml", "scenario: nope.yaml"),
     "x.yaml:2: scenario: scenario file not found: nope.yaml"),
    (_replace("economy.footfall_trend_per_year:", "economy.footfall_trend_per_yr:"),
     "x.yaml:6: uncertainties.economy.footfall_trend_per_yr: unknown key "
     "'footfall_trend_per_yr' in economy; did you mean 'footfall_trend_per_year'?"),
    (_replace("min: -0.04, max: 0.0", "min: -0.9, max: 0.0"),
     "x.yaml:6: uncertainties.economy.footfall_trend_per_year.min: must be >= -0.5 (got -0.9)"),
    (_replace("min: -0.04, max: 0.0", "min: 0.1, max: 0.0"),
     "x.yaml:6: uncertainties.economy.footfall_trend_per_year: min must be below max"),
    (_replace("values: [0.8, 1.2]", "values: [0.8, -1]"),
     "x.yaml:8: levers.economy.rent.level.values: must be > 0 (got -1)"),
    (_replace("values: [0.8, 1.2]", "min: 0.8, max: 1.2"),
     "x.yaml:8: levers.economy.rent.level: a grid needs values: [...] or min, max and steps"),
    (_replace("economy.rent.level:", "economy.rent:"),
     "x.yaml:8: levers.economy.rent: is a mapping; name a single value inside it"),
    (_replace("metric: vacancy_rate,", "metric: vacancy,"),
     "x.yaml:11: outcomes.vacancy_yearly.metric: unknown metric 'vacancy'; did you mean"),
    (_replace("when: yearly", "when: monthly"),
     "x.yaml:11: outcomes.vacancy_yearly.when: must be one of horizon, yearly, weekly "
     "(got 'monthly')"),
    (_replace("type: grid", "type: factorial"),
     "x.yaml:13: design.type: must be one of grid, list, lhs, morris, sobol (got 'factorial')"),
    (_replace("type: grid", "type: sobol\n  samples: 10"),
     "x.yaml:14: design.samples: must be a power of 2 such as 32, 64, 128 (got 10)"),
    (_replace("type: grid", "type: morris\n  trajectorys: 10"),
     "x.yaml:14: design.trajectorys: unknown key; did you mean 'trajectories'?"),
    (_replace("replications: 2", "replications: 2\nset:\n  population.agents: -5"),
     "x.yaml:6: set.population.agents: population.agents: must be > 0 (got -5)"),
    (GOOD + "name: again\n", "x.yaml:14: name: duplicate key (first given on line 1)"),
]


@pytest.mark.parametrize(("text", "expected"), INVALID)
def test_invalid_files_give_one_line_errors(base, write, capsys, text, expected):
    path = write("x.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    assert str(info.value).startswith(expected)
    assert "\n" not in str(info.value)
    assert main(["experiment", str(path), "--out", "out", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1 and "Traceback" not in err


def test_point_that_is_not_a_valid_scenario_names_the_point(base, write):
    text = GOOD.replace("economy.rent.level: {values: [0.8, 1.2]}",
                        "population.entry_shares.city.station: {values: [0.05, 0.5]}")
    with pytest.raises(ScenarioError, match=r"x.yaml:8: levers.population.entry_shares.city."
                                            r"station.values: .*sum to 1"):
        load_experiment(write("x.yaml", text))


def test_reduce_outcomes_reads_horizon_years_and_weeks():
    import pandas as pd

    frame = pd.DataFrame({"step": range(1, 105), "date": [f"d{i}" for i in range(1, 105)],
                          "m": [float(i) for i in range(1, 105)]})
    rows = reduce_outcomes(frame, {
        "last": {"metric": "m", "when": "horizon", "aggregate": "last"},
        "total": {"metric": "m", "when": "horizon", "aggregate": "sum"},
        "yearly": {"metric": "m", "when": "yearly", "aggregate": "mean"},
        "weekly": {"metric": "m", "when": "weekly", "aggregate": "last"},
    })
    assert rows[0] == {"period": "horizon", "year": 2, "step": 104, "date": "d104",
                       "last": 104.0, "total": float(sum(range(1, 105)))}
    assert rows[1] == {"period": "year", "year": 1, "step": 52, "date": "d52", "yearly": 26.5}
    assert rows[2]["yearly"] == 78.5
    weeks = [r for r in rows if r["period"] == "week"]
    assert len(weeks) == 104 and weeks[-1]["weekly"] == 104.0


@pytest.mark.parametrize("name", ["morris_baseline", "instruments_grid", "replications"])
def test_shipped_experiments_load(name):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "experiments" / f"{name}.yaml"
    exp = load_experiment(path)
    assert exp.spec.name == name and exp.tasks
    if name == "instruments_grid":  # two instruments' budgets, addressed by list index
        kinds = {exp.tasks[0].scenario["interventions"][i]["type"] for i in (2, 3)}
        assert kinds == {"culture_subsidy", "events_programme"}
        assert len(exp.points) == 16


def test_missing_extra_is_a_one_line_error(base, write, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with pytest.raises(ScenarioError, match=r"^experiments need pyarrow: install the optional "
                                            r"extra with pip install -e '\.\[experiments\]'$"):
        load_experiment(write("x.yaml", GOOD))

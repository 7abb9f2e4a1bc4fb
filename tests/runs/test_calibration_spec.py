"""Calibration files: validation with one-line errors (exit 2), targets, periods and the loss."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.runs.calibration_design import best_scenario_data, load_calibration
from sim.runs.calibration_spec import TargetSpec
from sim.runs.calibration_targets import accepted, loss, target_values
from tests.conftest import EXPERIMENT_BASE, REPO

pytest.importorskip("optuna")

GOOD = """\
name: fit
scenario: base.yaml
seed: 3
replications: 2
budget: 8
parameters:
  economy.rent.level: {min: 0.7, max: 1.4}
  economy.shops.entry_rate_per_year: {min: 0.3, max: 3, log: true}
targets:
  rent: {metric: mean_rent, period: 2019, value: 450, tolerance: 5%, source: own count}
  trend:
    metric: footfall
    statistic: ratio
    period: 2019-12-30
    relative_to: {from: 2019-01-01, to: 2019-03-31}
    value: 0.95
    standard_error: 0.02
    source: counting points
  vacancy: {metric: vacancy_rate, period: 2019, value: 0.1, tolerance: 0.03, source: Locatus,
            validate_only: true}
"""


@pytest.fixture
def base(write):
    return write("base.yaml", EXPERIMENT_BASE)


def test_a_good_file_loads_with_its_parameters_and_targets(base, write):
    cal = load_calibration(write("x.yaml", GOOD))
    assert [p.name for p in cal.parameters] == ["economy.rent.level",
                                                "economy.shops.entry_rate_per_year"]
    assert cal.parameters[1].distribution().log
    assert list(cal.fitted) == ["rent", "trend"]
    assert cal.targets["rent"].tolerance == pytest.approx(22.5)  # 5% of 450
    assert cal.targets["trend"].accepted_error == pytest.approx(0.04)  # two standard errors
    assert cal.columns == ["mean_rent", "footfall", "vacancy_rate"]
    tasks = cal.tasks(4, {"economy.rent.level": 1.2, "economy.shops.entry_rate_per_year": 1.0})
    assert [t.replication for t in tasks] == [0, 1]
    assert tasks[0].scenario["economy"]["rent"]["level"] == 1.2
    # common seeds: replication r of every evaluation has the same seed; the check has its own
    other = cal.tasks(5, {"economy.rent.level": 0.8, "economy.shops.entry_rate_per_year": 2.0})
    assert [t.seed for t in tasks] == [t.seed for t in other]
    assert not {t.seed for t in tasks} & set(cal.seeds(check=True))
    assert len({t.run_id for t in tasks + other}) == 4


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


INVALID = [
    ("", "x.yaml: the file is empty; a calibration needs name, scenario, budget, parameters "
         "and targets"),
    (_replace("budget: 8", "budget: 0"), "x.yaml:5: budget: must be >= 1 (got 0)"),
    (_replace("budget: 8", "budgit: 8"), "x.yaml:5: budgit: unknown key; did you mean 'budget'?"),
    (_replace("scenario: base.yaml", "scenario: nope.yaml"),
     "x.yaml:2: scenario: scenario file not found: nope.yaml"),
    (_replace("economy.rent.level:", "economy.rent.lvl:"),
     "x.yaml:7: parameters.economy.rent.lvl: unknown key 'lvl' in economy.rent; did you mean "
     "'level'?"),
    (_replace("min: 0.7, max: 1.4", "min: 0.7, max: 14"),
     "x.yaml:7: parameters.economy.rent.level.max: must be <= 10 (got 14.0)"),
    (_replace("min: 0.7, max: 1.4", "min: 1.4, max: 0.7"),
     "x.yaml:7: parameters.economy.rent.level: min must be below max (got min 1.4, max 0.7)"),
    (_replace("min: 0.3, max: 3, log: true", "min: 0, max: 3, log: true"),
     "x.yaml:8: parameters.economy.shops.entry_rate_per_year: a log scale needs min > 0 "
     "(got min 0.0)"),
    (_replace("economy.rent.level:", "economy.rent:"),
     "x.yaml:7: parameters.economy.rent: is a mapping; name a single value inside it"),
    (_replace("metric: mean_rent", "metric: rent"),
     "x.yaml:10: targets.rent.metric: unknown metric 'rent'; did you mean 'mean_rent'? "
     "allowed: vacancy_rate, vacancy_rate_floor,"),
    (_replace("metric: mean_rent", "metric: happiness"),
     "x.yaml:10: targets.rent.metric: unknown metric 'happiness'; allowed: vacancy_rate, "
     "vacancy_rate_floor,"),
    (_replace("period: 2019, value: 450", "period: 2031, value: 450"),
     "x.yaml:10: targets.rent.period: 2031 holds no reported week; the reported weeks start "
     "from 2019-01-07 to 2019-12-30"),
    (_replace("period: 2019, value: 450", "period: 19, value: 450"),
     "x.yaml:10: targets.rent.period: a year must lie between 1900 and 2200 (got 19)"),
    (_replace("period: 2019, value: 450", "period: last year, value: 450"),
     "x.yaml:10: targets.rent.period: must be a year (2020), a date (2020-03-16: the reported "
     "week holding it) or a mapping {from: ..., to: ...} of years or dates (got 'last year')"),
    (_replace("tolerance: 5%", "tolerance: -5"), "x.yaml:10: targets.rent.tolerance: must be > 0"),
    (_replace("tolerance: 5%", "tolerance: lots"),
     "x.yaml:10: targets.rent.tolerance: must be a number or a percentage of the value such as "
     "10% (got 'lots')"),
    (_replace("tolerance: 5%, ", ""),
     "x.yaml:10: targets.rent: give either tolerance or standard_error (one of them)"),
    (_replace("    relative_to: {from: 2019-01-01, to: 2019-03-31}\n", ""),
     "x.yaml:11: targets.trend: a ratio needs relative_to: the period it is relative to"),
    (_replace("statistic: ratio", "statistic: growth"),
     "x.yaml:13: targets.trend.statistic: must be one of level, ratio, difference, "
     "yearly_change (got 'growth')"),
    (_replace("source: own count", "sauce: own count"),
     "x.yaml:10: targets.rent.sauce: unknown key; did you mean 'source'?"),
    (_replace("relative_to: {from: 2019-01-01, to: 2019-03-31}", "relative_to: {from: 2019}"),
     "x.yaml:15: targets.trend.relative_to: must be a year (2020), a date"),
    (_replace("validate_only: true", "validate_only: true}\n  x: {metric: footfall, "
              "statistic: yearly_change, period: 2019, value: 0, tolerance: 1, source: s"),
     "x.yaml:21: targets.x: a yearly_change needs a period of two or more calendar years"),
    (_replace("budget: 8", "budget: 8\nset:\n  population.agents: -5"),
     "x.yaml:7: set.population.agents: population.agents: must be > 0 (got -5)"),
    (_replace("min: 0.7, max: 1.4", "values: [0.8, 2019-01-01]"),
     "x.yaml:7: parameters.economy.rent.level.values[1]: values must be numbers, text or "
     "true/false (got 2019-01-01)"),
    (_replace("targets:\n", "targets_file: nope.yaml\ntargets:\n"),
     "x.yaml:9: targets_file: targets file not found: nope.yaml"),
]


@pytest.mark.parametrize(("text", "expected"), INVALID)
def test_invalid_files_give_one_line_errors_and_exit_2(base, write, capsys, text, expected):
    path = write("x.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_calibration(path)
    assert str(info.value).startswith(expected)
    assert "\n" not in str(info.value)
    assert main(["calibrate", str(path), "--out", "out", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1 and "Traceback" not in err
    assert not Path("out").exists()


def test_errors_in_a_targets_file_name_that_file_and_line(base, write):
    write("t.yaml", """\
        targets:
          footfall_2019: {metric: footfall, period: 2019, value: 1, tolerance: 1, source: s}
          counts: {metric: footfall_count_9, period: 2019, value: 1, tolerance: 1, source: s}
        """)
    text = _replace("targets:\n", "targets_file: t.yaml\ntargets:\n")
    with pytest.raises(ScenarioError, match=r"^t.yaml:3: targets.counts.metric: unknown metric "
                                            r"'footfall_count_9'; did you mean "
                                            r"'footfall_count_\d'\? allowed: .*"
                                            r"footfall_count_1, footfall_count_2, "
                                            r"closure_rate_per_year$"):
        load_calibration(write("x.yaml", text))
    write("t.yaml", "targets:\n  rent: {metric: footfall, period: 2019, value: 1, tolerance: 1,"
                    " source: s}\n")
    with pytest.raises(ScenarioError, match=r"^t.yaml:2: targets.rent: also given in x.yaml; "
                                            r"give each target once$"):
        load_calibration(write("x.yaml", text))
    write("t.yaml", "targets:\n  more: {metric: footfall, period: 2019, value: 1, tolerence: 1,"
                    " source: s}\n")
    with pytest.raises(ScenarioError, match=r"^t.yaml:2: targets.more.tolerence: unknown key; "
                                            r"did you mean 'tolerance'\?$"):
        load_calibration(write("x.yaml", text))


def test_missing_optuna_is_a_one_line_error(base, write, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "optuna" else real(name, *a))
    with pytest.raises(ScenarioError, match=r"^calibrations need optuna: install the optional "
                                            r"extra with pip install "
                                            r"'binnenstad\[calibration\]'$"):
        load_calibration(write("x.yaml", GOOD))


# ------------------------------------------------------------------------ targets, loss
def _weeks() -> pd.DataFrame:
    dates = pd.date_range("2019-01-07", periods=156, freq="7D")
    return pd.DataFrame({
        "date": [d.date().isoformat() for d in dates], "step": range(1, 157),
        # footfall falls 10% a year, week by week; a shop stock of 100 with 1 closure a week
        "footfall": [1000 * 0.9 ** ((d - dates[0]).days / 365.25) for d in dates],
        "closures": 1.0, "open_units": 110.0, "cultural_venues": 10.0,
    })


def _target(**keys) -> TargetSpec:
    scale = {} if "standard_error" in keys else {"tolerance": 1}
    return TargetSpec.model_validate({"value": 0, "source": "s", **scale, **keys})


def test_target_statistics_read_the_right_weeks():
    frame = _weeks()
    targets = {
        "level": _target(metric="footfall", period=2019, aggregate="last"),
        "week": _target(metric="footfall", period="2019-01-09"),  # the week of 7 January
        "ratio": _target(metric="footfall", statistic="ratio", period=2020, relative_to=2019),
        "change": _target(metric="footfall", statistic="yearly_change",
                          period={"from": 2019, "to": 2021}),
        "diff": _target(metric="footfall", statistic="difference", period=2021, aggregate="sum",
                        relative_to={"from": 2019, "to": 2020}),
        "closures": _target(metric="closure_rate_per_year", period=2020),
        "none": _target(metric="footfall", period=2030),
    }
    values = target_values(frame, targets)
    last_2019 = frame[frame["date"] <= "2019-12-31"]["footfall"].iloc[-1]
    assert values["level"] == last_2019
    assert values["week"] == 1000
    assert values["ratio"] == pytest.approx(0.9, abs=0.003)
    assert values["change"] == pytest.approx(-0.1, abs=0.003)
    assert values["diff"] < 0
    assert values["closures"] == pytest.approx(52 / 100)  # 1 closure a week in 100 shops
    assert math.isnan(values["none"])


def test_loss_of_the_mean_and_per_run():
    targets = {"a": _target(metric="m", period=2019, value=10, tolerance=2),
               "b": _target(metric="m", period=2019, value=0, standard_error=0.5),
               "held": _target(metric="m", period=2019, value=0, tolerance=1,
                               validate_only=True)}
    runs = [{"a": 12.0, "b": 0.5, "held": 50.0}, {"a": 8.0, "b": 0.5, "held": 50.0}]
    # of_mean: the mean a is 10 (no error), b is one standard error off; held back not counted
    assert loss(runs, targets) == pytest.approx(1.0)
    # per_run: the runs' own errors count too (1 + 1 for a, 1 for b)
    assert loss(runs, targets, "per_run") == pytest.approx(2.0)
    assert accepted({"a": 11.9, "b": 0.99, "held": 50}, targets)
    assert not accepted({"a": 12.1, "b": 0.0, "held": 0}, targets)
    assert math.isnan(loss([{"a": math.nan, "b": 0.0, "held": 0}], targets))


def test_best_scenario_data_copies_whole_lists_and_keeps_set(write):
    write("base.yaml", """\
        name: base
        years: 1
        warmup_years: 1
        town: {preset: kleinstad}
        population: {agents: 1500}
        interventions:
          - {type: events_programme, start: 2019-07-01, budget_eur_per_year: 100000}
          - {type: culture_subsidy, start: 2019-07-01, budget_eur_per_year: 50000}
        """)
    path = write("x.yaml", """\
        name: fit
        scenario: base.yaml
        budget: 2
        set: {population.agents: 1200}
        parameters:
          interventions[1].budget_eur_per_year: {min: 0, max: 200000}
          economy.rent.level: {min: 0.8, max: 1.2}
        targets:
          v: {metric: vacancy_rate, period: 2019, value: 0.1, tolerance: 0.02, source: s}
        """)
    cal = load_calibration(path)
    data = best_scenario_data(cal, {"interventions[1].budget_eur_per_year": 75000,
                                    "economy.rent.level": 0.9})
    assert data["population"] == {"agents": 1200}
    assert data["economy"] == {"rent": {"level": 0.9}}
    assert [i["type"] for i in data["interventions"]] == ["events_programme", "culture_subsidy"]
    assert data["interventions"][0]["budget_eur_per_year"] == 100000
    assert data["interventions"][1]["budget_eur_per_year"] == 75000


def test_the_shipped_calibration_fits_the_dutch_record():
    """calibrations/middelstad.yaml reads docs/validation/targets.yaml: the baseline's targets
    measured on its own weeks are fitted, each at the middle of its range with half its width
    as tolerance; paired corona targets, model inputs and the busiest counting point are not."""
    from sim.runs.validation_spec import load_targets

    cal = load_calibration(REPO / "calibrations" / "middelstad.yaml")
    names = [p.name for p in cal.parameters]
    for key in ("economy.footfall_trend_per_year", "economy.shops.entry_rate_per_year",
                "economy.rent.level"):
        assert key in names
    assert cal.fitted and cal.spec.budget >= 100
    record = {t.name: t for t in load_targets(REPO / "docs" / "validation" / "targets.yaml")}
    assert {"vacancy", "closures", "footfall_trend"} <= set(cal.targets)
    for name, target in cal.targets.items():
        low, high = record[name].range
        assert target.value == pytest.approx((low + high) / 2)
        assert target.tolerance == pytest.approx((high - low) / 2)
        assert record[name].scenario == "baseline"
    assert cal.targets["closures"].metric == "closure_rate_per_year"
    assert cal.targets["footfall_trend"].statistic == "yearly_change"
    assert "first_lockdown_trough" in record and "first_lockdown_trough" not in cal.targets
    assert "centre_residents" not in cal.targets

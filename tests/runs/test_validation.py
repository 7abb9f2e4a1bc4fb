"""The validation: every metric kind on a synthetic timeseries, the agenda's decomposition,
one-line errors for bad targets and instruments files, and a reduced run end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.kernels.streams import replication_seeds
from sim.present.validation import SECTIONS
from sim.runs.compare import Comparison
from sim.runs.validation import Validation
from sim.runs.validation_metrics import entrant_lives, measure, summarise, survival
from sim.runs.validation_spec import Target, load_instruments, load_targets
from sim.scenario.schema import Scenario

REPS = (0, 1)
START = pd.Timestamp("2019-01-07")


def weeks(years: int = 3) -> pd.DatetimeIndex:
    return pd.date_range(START, periods=52 * years, freq="7D")


def frame(reps=REPS, years: int = 3, **columns) -> pd.DataFrame:
    """Weekly rows of ``reps`` replications; each column a function (replication, dates) ->
    values."""
    parts = []
    dates = weeks(years)
    for r in reps:
        part = pd.DataFrame({"replication": r, "step": np.arange(1, len(dates) + 1),
                             "date": [d.date().isoformat() for d in dates]})
        for name, make in columns.items():
            part[name] = make(r, dates)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def target(kind: str, scenario: str = "corona", **metric) -> Target:
    return Target.model_validate({
        "name": "t", "fact": "f", "observed": "o", "scenario": scenario, "source": "s",
        "range": [0, 1], "metric": {"kind": kind, **metric}})


def in_2020(dates: pd.DatetimeIndex) -> np.ndarray:
    return (dates.year == 2020).astype(float)


# ------------------------------------------------------------------------ metric kinds
def test_mean_over_the_period_per_replication():
    base = frame(vacancy_rate=lambda r, d: 0.10 + 0.01 * r + 0.05 * in_2020(d))
    t = target("mean", "baseline", column="vacancy_rate", period=["2019-01-07", "2019-12-30"])
    assert measure(t, {"baseline": base}, REPS) == pytest.approx([0.10, 0.11])
    whole = target("mean", "baseline", column="vacancy_rate")
    assert measure(whole, {"baseline": base}, REPS) == pytest.approx([0.10 + 0.05 / 3,
                                                                      0.11 + 0.05 / 3], abs=1e-3)


def test_yearly_change_is_the_slope_of_log_yearly_means_over_full_years():
    base = frame(years=4, footfall=lambda r, d: 1000.0 * (0.98 + 0.01 * r) ** (d.year - 2019))
    t = target("yearly_change", "baseline", column="footfall")
    assert measure(t, {"baseline": base}, REPS) == pytest.approx([-0.02, -0.01])
    # a year with a few reported weeks only does not count
    short = base[pd.to_datetime(base["date"]) < pd.Timestamp("2022-02-01")]
    short.loc[pd.to_datetime(short["date"]).dt.year == 2022, "footfall"] = 5.0
    assert measure(t, {"baseline": short}, REPS) == pytest.approx([-0.02, -0.01])


def test_rate_per_year_is_the_yearly_sum_over_the_yearly_mean():
    base = frame(closures=lambda r, d: (np.arange(len(d)) % 13 == 0).astype(float) * (1 + r),
                 open_units=lambda r, d: np.full(len(d), 200.0))
    t = target("rate_per_year", "baseline", column="closures", per="open_units")
    assert measure(t, {"baseline": base}, REPS) == pytest.approx([4 / 200, 8 / 200])


def test_difference_and_ratio_are_paired_replication_by_replication():
    base = frame(vacancy_rate=lambda r, d: np.full(len(d), 0.10 + 0.02 * r),
                 footfall=lambda r, d: np.full(len(d), 1000.0 * (r + 1)))
    corona = frame(vacancy_rate=lambda r, d: 0.10 + 0.02 * r + 0.03 * in_2020(d),
                   footfall=lambda r, d: 1000.0 * (r + 1) * (1 - 0.75 * in_2020(d)))
    frames = {"baseline": base, "corona": corona}
    period = ["2020-01-06", "2020-12-28"]
    diff = target("difference", column="vacancy_rate", period=period)
    assert measure(diff, frames, REPS) == pytest.approx([0.03, 0.03])
    ratio = target("ratio", column="footfall", period=period)
    assert measure(ratio, frames, REPS) == pytest.approx([0.25, 0.25])
    before = target("ratio", column="footfall", period=["2019-01-07", "2019-12-30"])
    assert measure(before, frames, REPS) == pytest.approx([1.0, 1.0])


def test_ratio_of_sums_with_no_closures_in_either_run_is_one():
    base = frame(closures=lambda r, d: np.full(len(d), float(r)))
    corona = frame(closures=lambda r, d: np.full(len(d), 2.0 * r))
    t = target("ratio_of_sums", column="closures", period=["2020-01-06", "2021-12-27"])
    assert measure(t, {"baseline": base, "corona": corona}, REPS) == pytest.approx([1.0, 2.0])


def test_population_is_the_towns_people_of_the_group():
    t = target("population", "baseline", group="centre")
    people = {"baseline": {"centre": 5950.0, "city": 94000.0}}
    assert measure(t, {}, REPS, people) == pytest.approx([5950.0, 5950.0])


def test_busiest_count_is_the_largest_mean_over_the_counting_points():
    base = frame(footfall_count_1=lambda r, d: np.full(len(d), 100.0 + r),
                 footfall_count_2=lambda r, d: np.where(d.year == 2019, 300.0, 500.0))
    t = target("busiest_count", "baseline", period=["2019-01-07", "2019-12-30"])
    assert measure(t, {"baseline": base}, REPS) == pytest.approx([300.0, 300.0])
    none = frame(footfall=lambda r, d: np.ones(len(d)))
    assert np.isnan(measure(t, {"baseline": none}, REPS)).all()


def test_entrant_lives_follow_new_independents_to_their_closure_or_the_end():
    events = [("d", 1, "opening", 3, "daily", "new_tenant"),
              ("d", 2, "opening", 4, "daily", "new_chain_store"),  # no new business
              ("d", 5, "closure", 7, "daily", "other"),  # opened before the reported weeks
              ("d", 53, "closure", 3, "daily", "insolvent"),
              ("d", 60, "opening", 3, "leisure", "new_tenant"),
              ("d", 70, "opening", 5, "daily", "new_tenant"),
              ("d", 80, "closure", 5, "daily", "relocation"),  # moved: still in business
              ("d", 90, "closure", 4, "daily", "other")]
    assert entrant_lives(events, 100).tolist() == [[52, 1], [10, 0], [40, 0]]


def test_survival_sums_the_hazards_of_each_year_of_age():
    # two lives seen for 2 years, one closing at 1.5 years, two seen for half a year
    lives = np.array([[104, 0], [104, 0], [78, 1], [26, 0], [26, 0]], dtype=float)
    # year 0: no closure over 4 years lived; year 1: one closure over 2.5 years lived
    assert survival(lives, 1) == pytest.approx(1.0)
    assert survival(lives, 2) == pytest.approx(np.exp(-1 / 2.5))
    assert np.isnan(survival(lives, 3))  # nobody was seen at the age of two
    t = target("survival", "baseline", years=2)
    assert measure(t, {}, [0, 1], lives={"baseline": [lives, lives[:2]]}) == pytest.approx(
        [np.exp(-1 / 2.5), 1.0])


def test_a_period_outside_the_run_is_not_measured():
    base = frame(vacancy_rate=lambda r, d: np.full(len(d), 0.1))
    t = target("mean", "baseline", column="vacancy_rate", period=["2030-01-07", "2030-12-30"])
    values = measure(t, {"baseline": base}, REPS)
    assert np.isnan(values).all()
    assert np.isnan(summarise(values)["median"])
    assert summarise(np.array([1.0, np.nan, 3.0]))["median"] == 2.0


# ------------------------------------------------------------------------ decomposition
def _validation(agenda: pd.DataFrame, base: pd.DataFrame, m2: tuple[float, float]
                ) -> Validation:
    scenarios = [Scenario.model_validate({"name": "baseline"}),
                 Scenario.model_validate({"name": "agenda", "interventions": [
                     {"type": "events_programme", "start": "2020-01-06"}]})]
    ts = pd.concat([base.assign(scenario="baseline"), agenda.assign(scenario="agenda")],
                   ignore_index=True)
    comparison = Comparison(scenarios, 1, [1, 2], ts, {}, {})
    converted = pd.DataFrame({"baseline": [0.0, 0.0], "agenda": list(m2)})
    return Validation([], [], comparison, {"baseline": "baseline", "agenda": "agenda"},
                      converted, {})


def test_decomposition_counts_converted_units_back_as_vacant_stock():
    def run(converts: int, lets: int):
        def conversions(r, d):
            out = np.zeros(len(d))
            out[60:60 + converts] = 1.0  # one unit a week in 2020
            return out

        def vacant(r, d):
            return 10.0 - np.minimum(np.cumsum(conversions(r, d)), converts) - \
                np.where(np.arange(len(d)) >= 80, lets, 0)

        def open_units(r, d):
            return 90.0 + np.where(np.arange(len(d)) >= 80, lets, 0)

        return frame(conversions=conversions, vacant_units=vacant, open_units=open_units,
                     vacancy_rate=lambda r, d: vacant(r, d) / (vacant(r, d) + open_units(r, d)),
                     closures=lambda r, d: conversions(r, d) * (1 + r),
                     openings=lambda r, d: np.zeros(len(d)),
                     turnover=lambda r, d: np.full(len(d), 100.0 + converts),
                     municipal_spend=lambda r, d: np.full(len(d), 1000.0),
                     cofunding_spend=lambda r, d: np.zeros(len(d)),
                     footfall=lambda r, d: np.ones(len(d)))

    v = _validation(run(converts=5, lets=2), run(converts=0, lets=0), (600.0, 400.0))
    d = v.decomposition("agenda")
    total = 3 / 95 - 10 / 100  # 5 converted (stock 95) and 2 let (3 vacant left)
    assert d["total"]["median"] == pytest.approx(total)
    assert d["letting"]["median"] == pytest.approx(8 / 100 - 10 / 100)  # counted back
    assert d["conversions"]["median"] == pytest.approx(total - (8 / 100 - 10 / 100))
    assert d["units"]["median"] == 5
    assert d["m2"]["median"] == pytest.approx(500.0)
    # spending a year from the start of the first intervention (2020-01-06) to the horizon
    effects = v.effects("agenda")
    assert effects["municipal_eur_per_year"] == pytest.approx([0.0, 0.0])
    # what else happened, year by year from the first instrument to the end of the period
    c = v.context(target("difference", "agenda", column="vacancy_rate",
                         period=["2021-01-04", "2021-06-28"]))
    assert c["extra"] == {2020: {"closures": 7.5, "openings": 0.0},
                          2021: {"closures": 0.0, "openings": 0.0}}
    assert c["turnover_ratio"] == pytest.approx(1.05)
    levels = v.levels("agenda")
    assert levels["municipal_eur_per_year"][0] == pytest.approx(
        104 * 1000.0 / ((pd.Timestamp("2021-12-27") + pd.Timedelta(days=7)
                         - pd.Timestamp("2020-01-06")).days / 365.25))


# ----------------------------------------------------------------------------- errors
GOOD_TARGET = """\
targets:
  - name: vacancy
    fact: Vacancy
    observed: 12%
    scenario: baseline
    metric: {kind: mean, column: vacancy_rate}
    range: [0.08, 0.14]
    source: Locatus
"""

BAD_TARGETS = [
    (GOOD_TARGET.replace("vacancy_rate}", "vacancy_rat}"),
     "t.yaml:6: targets[0].metric.column: unknown column 'vacancy_rat'; did you mean "
     "'vacancy_rate'?"),
    (GOOD_TARGET.replace("kind: mean", "kind: median"),
     "t.yaml:6: targets[0].metric: `kind` must be one of mean, yearly_change, rate_per_year, "
     "difference, ratio, ratio_of_sums, population, busiest_count, survival (got 'median')"),
    (GOOD_TARGET.replace("column: vacancy_rate}", "column: vacancy_rate, perod: [1, 2]}"),
     "t.yaml:6: targets[0].metric.perod: unknown key; did you mean 'period'?"),
    (GOOD_TARGET.replace("[0.08, 0.14]", "[0.14, 0.08]"),
     "t.yaml:7: targets[0].range: the low end must not be above the high end "
     "(got 0.14 and 0.08)"),
    (GOOD_TARGET.replace("[0.08, 0.14]", "[0.08]"),
     "t.yaml:7: targets[0].range: must be a list of two values [low, high] (got 1 values)"),
    (GOOD_TARGET.replace("    source: Locatus\n", "    sorce: Locatus\n"),
     "t.yaml:8: targets[0].sorce: unknown key; did you mean 'source'?"),
    (GOOD_TARGET.replace("kind: mean, column: vacancy_rate",
                         "kind: difference, column: vacancy_rate"),
     "t.yaml:6: targets[0].metric.period: required key is missing"),
    (GOOD_TARGET + GOOD_TARGET.split("targets:\n")[1],
     "t.yaml:9: targets[1].name: 'vacancy' is given twice; each name once"),
    ("", "t.yaml: the file is empty; it needs `targets:` and a list"),
]


@pytest.mark.parametrize(("text", "message"), BAD_TARGETS)
def test_bad_targets_file_is_one_line(write, text, message):
    path = write("t.yaml", text)
    with pytest.raises(ScenarioError) as err:
        load_targets(path)
    assert str(err.value) == message


BAD_INSTRUMENTS = [
    ("instruments:\n  - scenario: biz\n    evidence: none\n",
     "i.yaml:2: instruments[0]: with `evidence: none`, say the model's "
     "assumption in `assumption`"),
    ("instruments:\n  - scenario: biz\n    evidence: a study\n    metric: vacancy_rate\n"
     "    source: x\n",
     "i.yaml:2: instruments[0]: give either `range` (bounds on the paired "
     "effect) or `floor` (a lower bound on the level), not both or neither"),
    ("instruments:\n  - scenario: biz\n    evidence: a study\n    metric: vacancy\n"
     "    range: [-0.01, 0]\n    source: x\n",
     "i.yaml:4: instruments[0].metric: must be one of vacancy_rate, vacancy_rate_core, "
     "footfall, footfall_core, visitors, converted_m2 (got 'vacancy')"),
]


@pytest.mark.parametrize(("text", "message"), BAD_INSTRUMENTS)
def test_bad_instruments_file_is_one_line(write, text, message):
    path = write("i.yaml", text)
    with pytest.raises(ScenarioError) as err:
        load_instruments(path)
    assert str(err.value) == message


def test_the_shipped_files_are_valid():
    targets = load_targets(REPO / "docs/validation/targets.yaml")
    instruments = load_instruments(REPO / "sim/runs/instruments.yaml")
    assert {t.scenario for t in targets} == {"baseline", "corona"}
    for name in [t.scenario for t in targets] + [i.scenario for i in instruments]:
        assert (REPO / "scenarios" / f"{name}.yaml").is_file()


def test_bad_targets_file_exits_2_with_one_line(write, capsys):
    path = write("t.yaml", GOOD_TARGET.replace("kind: mean", "kind: median"))
    code = main(["validation", "--targets", str(path), "--quick", "--out", "out"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.splitlines() == [BAD_TARGETS[1][1]]
    assert "Traceback" not in err


def test_a_target_naming_a_missing_scenario_exits_2(write, capsys):
    path = write("t.yaml", GOOD_TARGET.replace("scenario: baseline", "scenario: nowhere"))
    code = main(["validation", "--targets", str(path), "--scenarios", str(REPO / "scenarios"),
                 "--instruments", str(REPO / "sim/runs/instruments.yaml"), "--quick",
                 "--out", "out"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("t.yaml:5: targets[0].scenario: no scenario file ")
    assert len(err.splitlines()) == 1


def test_a_scenario_in_both_evidence_files_exits_2(write, capsys):
    path = write("s.yaml", "instruments:\n  - scenario: biz\n    evidence: none\n"
                 "    assumption: twice\n")
    code = main(["validation", "--shocks", str(path), "--scenarios", str(REPO / "scenarios"),
                 "--targets", str(REPO / "docs/validation/targets.yaml"), "--quick",
                 "--out", "out"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == ["s.yaml: 'biz' is in both the instruments' and the shocks' "
                                "evidence; give each scenario once"]


# ------------------------------------------------------------------------- end to end
def test_quick_validation_writes_every_table_figure_and_section(workdir, capsys):
    targets = load_targets(REPO / "docs/validation/targets.yaml")
    instruments = [*load_instruments(REPO / "sim/runs/instruments.yaml"),
                   *load_instruments(REPO / "sim/runs/shocks.yaml")]  # the shocks by default
    code = main(["validation", "--quick", "--workers", "2", "--quiet", "--out", "out",
                 "--targets", str(REPO / "docs/validation/targets.yaml"),
                 "--instruments", str(REPO / "sim/runs/instruments.yaml"),
                 "--scenarios", str(REPO / "scenarios")])
    out, _ = capsys.readouterr()
    assert code == 0, out
    table = pd.read_csv(workdir / "out/validation/results_targets.csv")
    assert list(table["target"]) == [t.name for t in targets]
    assert table["median"].notna().all()  # the quick horizon reaches every target's period
    checks = pd.read_csv(workdir / "out/validation/results_instruments.csv")
    assert list(checks["scenario"]) == [i.scenario for i in instruments]
    effects = pd.read_csv(workdir / "out/validation/results_effects.csv")
    assert len(effects) == 8 * len(instruments)
    page = (workdir / "out/validation.md").read_text()
    for section in SECTIONS:
        assert f"## {section}" in page
    for t in targets:
        assert f"| `{t.name}` |" in page
        assert (workdir / f"out/figures/validation_{t.name}.png").stat().st_size > 1000
    for i in instruments:
        assert f"| `{i.scenario}` |" in page
    assert "reduced run" in page
    assert f"targets passed: {int(table['passed'].sum())} of {len(table)}" in out
    manifest = json.loads((workdir / "out/validation/manifest.json").read_text())
    assert manifest["quick"] and manifest["replications"] == 2
    # paired seeds: those `binnenstad compare` gives the baseline's seed
    assert manifest["seeds"] == replication_seeds(20190107, 2)

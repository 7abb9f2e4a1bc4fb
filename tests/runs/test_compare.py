"""`binnenstad compare`: paired replications, summary, cost-effectiveness, workers, interrupts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.runs.compare
import sim.runs.output
from sim.cli.main import main
from sim.errors import ScenarioError
from sim.kernels.streams import replication_seeds
from sim.model.model import METRICS
from sim.present.i18n import language
from sim.runs.compare import HEADLINE_METRICS, Comparison, metric_kind, run_comparison, year_marks
from sim.scenario.loading import load_scenario


@pytest.fixture
def comparison(compare_run) -> Comparison:
    return compare_run


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- design
def test_replication_i_has_the_same_seed_in_every_scenario(comparison):
    frame = comparison.timeseries
    assert comparison.seeds == replication_seeds(5, 5)  # the baseline's seed
    seeds = frame.groupby(["scenario", "replication"])["seed"].first().unstack("scenario")
    for name in ("base", "same", "cheaper_rent"):
        assert seeds[name].tolist() == comparison.seeds


def test_baseline_against_itself_has_an_effect_of_exactly_zero(comparison):
    summary = comparison.summary()
    for name in ("base", "same"):
        rows = summary[summary["scenario"] == name]
        assert len(rows) == len(HEADLINE_METRICS) * len(year_marks(2))
        assert (rows[["effect_median", "effect_low", "effect_high"]] == 0.0).all().all()
    # and the intervention does change things, so the zeros above are not trivial
    rent = summary[(summary["scenario"] == "cheaper_rent") & summary["horizon"]]
    assert (rent["effect_high"] - rent["effect_low"] > 0).any()


@pytest.mark.parametrize("metric", ["vacancy_rate", "vacancy_rate_core", "footfall"])
def test_paired_effect_is_narrower_than_the_unpaired_difference(comparison, metric):
    summary = comparison.summary().set_index(["scenario", "metric", "year"])
    base = summary.loc[("base", metric, 2)]
    rent = summary.loc[("cheaper_rent", metric, 2)]
    paired = rent["effect_high"] - rent["effect_low"]
    unpaired = (rent["high"] - base["low"]) - (rent["low"] - base["high"])
    # In this small, healthy centre every vacancy is frictional (the fit-out time): cheaper
    # rents may change no vacancy in two years, and then the paired effect is exactly zero in
    # every replication while the scenarios' own bands stay wide; footfall always differs.
    assert 0 <= paired < unpaired
    if metric == "footfall":
        assert paired > 0


def test_summary_layout(comparison):
    summary = comparison.summary()
    assert list(summary.columns) == [
        "scenario", "metric", "kind", "year", "horizon", "median", "low", "high",
        "effect_median", "effect_low", "effect_high"]
    assert list(summary["scenario"].unique()) == ["base", "same", "cheaper_rent"]
    assert tuple(summary["metric"].unique()) == HEADLINE_METRICS
    assert sorted(summary["year"].unique()) == [1, 2]
    assert summary.loc[summary["horizon"], "year"].eq(2).all()
    assert year_marks(6) == [1, 3, 5, 6] and year_marks(5) == [1, 3, 5] and year_marks(1) == [1]


def test_headline_metrics_are_the_models_columns():
    wanted = ("vacancy_rate", "vacant_units", "vacancy_rate_core", "footfall", "footfall_core",
              "turnover", "closures", "conversions", "municipal_spend", "cofunding_spend")
    assert HEADLINE_METRICS == tuple(m for m in wanted if m in METRICS)
    assert {"vacancy_rate", "footfall", "closures"} <= set(HEADLINE_METRICS)


def test_summary_values_follow_from_the_timeseries(comparison):
    frame = comparison.timeseries
    rent = frame[frame["scenario"] == "cheaper_rent"]
    base = frame[frame["scenario"] == "base"]
    summary = comparison.summary().set_index(["scenario", "metric", "year"])
    # level: the last week of year 1
    v = rent[rent["step"] == 52].sort_values("replication")["vacancy_rate"].to_numpy()
    row = summary.loc[("cheaper_rent", "vacancy_rate", 1)]
    assert row["median"] == pytest.approx(np.median(v))
    assert row["low"] == pytest.approx(np.quantile(v, 0.05))
    # total: everything from start to the horizon, paired by replication
    c_rent = rent.groupby("replication")["closures"].sum().to_numpy()
    c_base = base.groupby("replication")["closures"].sum().to_numpy()
    row = summary.loc[("cheaper_rent", "closures", 2)]
    assert row["median"] == pytest.approx(np.median(c_rent))
    assert row["effect_high"] == pytest.approx(np.quantile(c_rent - c_base, 0.95))
    # weekly: the mean week of year 2
    f = rent[rent["step"] > 52].groupby("replication")["footfall"].mean().to_numpy()
    assert summary.loc[("cheaper_rent", "footfall", 2)]["median"] == pytest.approx(np.median(f))
    assert metric_kind("footfall_count_1") == "weekly" and metric_kind("mean_rent") == "level"


def test_markers_come_from_enabled_interventions(comparison, compare_files):
    rent = comparison.scenarios[2]
    assert [(w, str(s), str(e)) for w, s, e in comparison.markers(rent)] == [
        ("Events programme", "2019-07-01", "2020-06-28")]
    off = rent.model_copy(update={"interventions": [
        rent.interventions[0].model_copy(update={"enabled": False})]})
    assert comparison.markers(off) == []
    assert comparison.markers(comparison.baseline) == []


def test_maps(comparison):
    rep = comparison.typical_replication()
    assert 0 <= rep < 5
    share = comparison.vacant_share("cheaper_rent")
    occupancy = comparison.occupancy_maps["cheaper_rent"]
    assert share.shape == occupancy.shape[1:]
    on = np.isfinite(occupancy[0])
    assert np.isnan(share[~on]).all()
    assert ((share[on] >= 0) & (share[on] <= 1)).all()
    assert share[on].sum() == pytest.approx((occupancy[:, on] == 0).sum() / 5)


# ---------------------------------------------------------------------- cost-effectiveness
def fake_comparison(monkeypatch, spend: list[float], vacant: list[float]) -> Comparison:
    """Two scenarios, three replications, one year; 'b' spends ``spend`` and has ``vacant``."""
    from sim.scenario.schema import Scenario

    monkeypatch.setattr(sim.runs.compare, "SPEND_METRICS", ("municipal_spend",))
    rows = []
    for name in ("a", "b"):
        for r in range(3):
            for step in range(1, 53):
                rows.append({
                    "scenario": name, "replication": r, "step": step,
                    "date": f"w{step:02d}", "municipal_spend": 0.0 if name == "a" else (
                        spend[r] if step == 10 else 0.0),
                    "vacant_units": 10.0 if name == "a" else vacant[r],
                    "footfall": 100.0 if name == "a" else 100.0 + (10 - vacant[r]),
                })
    scenarios = [Scenario(name="a", years=1), Scenario(name="b", years=1)]
    return Comparison(scenarios=scenarios, master_seed=1, seeds=[1, 2, 3],
                      timeseries=pd.DataFrame(rows), footfall_maps={}, occupancy_maps={})


def test_cost_per_vacant_unit_avoided(monkeypatch):
    costs = fake_comparison(monkeypatch, [1000.0, 1000.0, 1000.0], [8.0, 6.0, 9.0])
    row = costs.cost_effectiveness().iloc[0]
    assert (row["scenario"], row["per"], row["verdict"]) == ("b", "vacant unit avoided", "ok")
    assert row["effect_median"] == 2.0  # avoided: 2, 4, 1
    assert row["eur_per_unit_median"] == 500.0
    assert row["eur_per_unit_low"] == pytest.approx(1000.0 / np.quantile([2, 4, 1], 0.95))
    assert row["eur_per_unit_high"] == pytest.approx(1000.0 / np.quantile([2, 4, 1], 0.05))
    footfall = costs.cost_effectiveness().iloc[1]
    assert footfall["per"] == "1% footfall gained"
    assert footfall["effect_median"] == pytest.approx(2.0)  # +2 on 100 passers-by


def test_no_ratio_without_a_measurable_effect_or_without_spending(monkeypatch):
    unclear = fake_comparison(monkeypatch, [1000.0] * 3, [8.0, 12.0, 10.0]).cost_effectiveness()
    assert unclear.loc[0, "verdict"] == "no measurable effect"
    assert np.isnan(unclear.loc[0, "eur_per_unit_median"])
    free = fake_comparison(monkeypatch, [0.0] * 3, [8.0, 6.0, 9.0]).cost_effectiveness()
    assert free.loc[0, "verdict"] == "no spending"
    worse = fake_comparison(monkeypatch, [1000.0] * 3, [11.0, 12.0, 13.0]).cost_effectiveness()
    assert worse.loc[0, "verdict"] == "worse than doing nothing"


# --------------------------------------------------------------------------- the command
def test_outputs_and_manifest(compare_out, compare_files):
    names = {p.relative_to(compare_out).as_posix() for p in compare_out.rglob("*") if p.is_file()}
    manifest = json.loads((compare_out / "manifest.json").read_text())
    assert names == {"manifest.json", *manifest["outputs"]}
    assert {f"figures/trajectory_{m}.png" for m in HEADLINE_METRICS} <= names
    assert {f"figures/effect_{m}.png" for m in HEADLINE_METRICS} <= names
    assert {"figures/map_same.png", "figures/map_cheaper_rent.png"} <= names
    assert manifest["replication_seeds"] == replication_seeds(5, 5)
    assert list(manifest["scenarios"]) == ["base", "same", "cheaper_rent"]
    assert manifest["files"]["cheaper_rent"] == str(compare_files["rent"].resolve())
    frame = pd.read_csv(compare_out / "timeseries.csv")
    for column in ("scenario", "replication", "seed", "step", "date", *METRICS):
        assert column in frame.columns
    assert len(frame) == 3 * 5 * 104
    costs = pd.read_csv(compare_out / "cost_effectiveness.csv")
    assert list(costs["scenario"]) == ["same", "same", "cheaper_rent", "cheaper_rent"]


def output_files(folder: Path) -> dict[str, bytes]:
    """Every file of a comparison but its manifest (which has the times), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


def test_same_seed_any_workers_same_outputs(compare_files, tmp_path, capsys):
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        code, stdout, _ = run(capsys, "compare", compare_files["base"], compare_files["rent"],
                              "-r", "3", "--seed", "4", "--set", "years=1", "--workers", workers,
                              "--quiet", "--out", out)
        # the answer in a line per scenario, in the report's language, then the report
        summary = pd.read_csv(out / "summary.csv").query("horizon and metric == 'vacancy_rate'")
        rent = summary.set_index("scenario").loc["cheaper_rent"]
        nl = language("nl")
        assert code == 0 and stdout.splitlines() == [
            f"cheaper_rent: leegstand {nl.percent(rent['median'])} aan het eind, tegen "
            f"{nl.percent(summary.set_index('scenario').loc['base', 'median'])} (base); effect "
            f"{nl.points(rent['effect_median'])} (90%: {nl.points(rent['effect_low'])} tot "
            f"{nl.points(rent['effect_high'])}), " + (
                "niet te onderscheiden van nul" if rent["effect_low"] <= 0 <= rent["effect_high"]
                else "lager dan niets doen" if rent["effect_high"] < 0
                else "hoger dan niets doen") + ".",
            f"report: {out / 'report.html'}"]
        outputs[workers] = out
    one, two = (output_files(outputs[w]) for w in ("1", "2"))
    assert {"summary.csv", "timeseries.csv", "report.html",
            "figures/map_cheaper_rent.png"} <= set(one)
    assert one.keys() == two.keys()
    for name in one:
        assert one[name] == two[name], name
    summary = pd.read_csv(outputs["2"] / "summary.csv")
    assert summary["effect_median"].abs().sum() > 0  # the two scenarios do differ


def test_seed_option_changes_the_replications(compare_files, tmp_path, capsys):
    code, _, _ = run(capsys, "compare", compare_files["base"], compare_files["same"], "-r", "2",
                     "--seed", "9", "--set", "years=1", "-w", "1", "-q", "--out", tmp_path)
    assert code == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["replication_seeds"] == replication_seeds(9, 2)
    assert manifest["overrides"] == ["years=1"]
    assert manifest["scenarios"]["same"]["years"] == 1


# ------------------------------------------------------------------------------ bad input
def test_bad_input_is_one_line_and_exit_2(compare_files, write, capsys):
    base, same = compare_files["base"], compare_files["same"]
    cases = [
        (["compare", base, "nope.yaml"], "nope.yaml: file not found"),
        (["compare", base, same, "--set", "population.agnts=5"],
         "--set population.agnts: unknown key; did you mean 'agents'?"),
        (["compare", base, same, "-r", "0"],
         "binnenstad: error: argument --replications/-r: must be >= 1 (got 0) "
         "(see 'binnenstad compare --help')"),
        (["compare", base, same, "--workers", "x"],
         "binnenstad: error: argument --workers/-w: must be an integer (got 'x') "
         "(see 'binnenstad compare --help')"),
        (["compare", base], "binnenstad: error: the following arguments are required: SCENARIO "
         "(see 'binnenstad compare --help')"),
    ]
    for argv, expected in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out, err) == (2, "", expected + "\n"), argv


def test_scenarios_must_line_up_with_the_baseline(compare_files, write, capsys):
    write("other.yaml", f"extends: {compare_files['base']}\nname: other\n\nyears: 3\n")
    code, _, err = run(capsys, "compare", compare_files["base"], "other.yaml", "-r", "1")
    assert code == 2
    assert err == ("other.yaml:4: years: must be the same as the baseline's (2) to compare week "
                   "by week (got 3)\n")
    write("twin.yaml", f"extends: {compare_files['base']}\n")
    code, _, err = run(capsys, "compare", compare_files["base"], "twin.yaml", "-r", "1")
    assert code == 2
    assert err == (f"{compare_files['base']}:1: name: 'base' is the name of another scenario in "
                   "this comparison; give each scenario its own name\n")


def test_an_interrupted_compare_leaves_no_complete_looking_files(
        compare_files, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("manifest.json", "report.html", "summary.csv"):  # an earlier comparison
        (out / name).write_text("old", encoding="utf-8")
    calls = []
    real = sim.runs.output.replication_result  # of every run, shared history or not

    def interrupted(*args):
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(sim.runs.output, "replication_result", interrupted)
    code, _, err = run(capsys, "compare", compare_files["base"], compare_files["same"], "-r", "2",
                       "--set", "years=1", "-w", "1", "-q", "--out", out)
    assert (code, err) == (130, "binnenstad: interrupted\n")
    assert len(calls) == 3
    assert sorted(p.name for p in out.iterdir()) == []


def test_a_pool_stops_on_a_failing_run(compare_files, tmp_path):
    base = load_scenario(compare_files["base"], ["years=1"])
    broken = base.model_copy(update={"name": "broken"})
    broken._source = Path("/nonexistent/x.yaml")
    broken = broken.model_copy(update={"town": broken.town.model_copy(
        update={"preset": None, "map_file": "missing.txt"})})
    with pytest.raises(ScenarioError, match=r"missing\.txt"):
        run_comparison(base, [broken], replications=2, workers=2, progress=False)

"""Calibration: it recovers parameters it knows the answer to, its best set runs as a scenario,
its outputs are complete and escaped, and its result depends only on the calibration file:
not on the number of workers, the executor (Dask) or interruptions."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import api
from sim.cli.main import main
from sim.runs.calibrate import evaluate_set, run_calibration
from sim.runs.calibration_design import CHECK, load_calibration
from sim.runs.calibration_results import collect_calibration
from sim.runs.design import resolve_scenario
from sim.runs.store import RunStore
from sim.scenario.loading import load_scenario
from tests.conftest import EXPERIMENT_BASE

pytest.importorskip("optuna")

# ---------------------------------------------------------------------------- recovery
#: A small town over three years (no warm-up): each run takes well under a second.
RECOVERY_BASE = """\
name: recovery_base
seed: 7
years: 3
warmup_years: 0
town: {preset: kleinstad}
population: {agents: 3000}
"""
TRUTH = {"economy.rent.level": 1.1, "economy.footfall_trend_per_year": -0.03}
RECOVERY = """\
name: recovery
description: "Recover known parameters <b>&</b> report them"
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
              source: "the model at rent level 1.1 <script>alert(1)</script>"}}
  footfall_change: {{metric: footfall, statistic: yearly_change, period: {{from: 2019, to: 2021}},
                    value: {change!r}, tolerance: 0.015, source: the model at trend -0.03}}
  vacancy: {{metric: vacancy_rate, period: 2021, value: {vacancy!r}, tolerance: 0.03,
            source: the model, validate_only: true}}
"""


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    """A calibration whose targets the model made itself at the parameters :data:`TRUTH`, run
    by the command line on two workers: ``(folder, out, calibration)``.

    The targets are the mean of the calibration's own replications at the true set (the same
    common seeds every evaluation uses), so the true set has a loss of zero and the search
    must find its way there through the model's noise between sets."""
    folder = tmp_path_factory.mktemp("recovery")
    (folder / "base.yaml").write_text(RECOVERY_BASE)
    (folder / "cal.yaml").write_text(RECOVERY)
    (folder / "targets.yaml").write_text(TARGETS.format(rent=400.0, change=0.0, vacancy=0.5))
    truth = evaluate_set(load_calibration(folder / "cal.yaml"), TRUTH).mean()
    (folder / "targets.yaml").write_text(TARGETS.format(
        rent=float(truth["rent_2021"]), change=float(truth["footfall_change"]),
        vacancy=float(truth["vacancy"])))
    out = folder / "out"
    assert main(["calibrate", str(folder / "cal.yaml"), "--out", str(out), "-w", "2", "-q"]) == 0
    return folder, out, load_calibration(folder / "cal.yaml")


def test_recovery_finds_the_parameters_that_made_the_targets(recovery):
    _, out, cal = recovery
    result = collect_calibration(cal, out)
    assert len(result.trials) == 48 and (result.trials["state"] == "complete").all()
    best = result.best()
    # within 15% of the searched range of the truth (the model's noise between neighbouring
    # sets is about that large: the best loss need not be the nearest set)
    assert abs(best["economy.rent.level"] - 1.1) <= 0.15 * 0.7
    assert abs(best["economy.footfall_trend_per_year"] + 0.03) <= 0.15 * 0.08
    # the best set reproduces every fitted target within its tolerance
    targets = result.targets().set_index("target")
    for name in ("rent_2021", "footfall_change"):
        target = cal.targets[name]
        assert abs(targets.loc[name, "search_mean"] - target.value) <= target.tolerance
    assert list(result.targets()["role"]) == ["fitted", "fitted", "held back"]
    # the truth lies among the sets the targets allow
    spread = result.identifiability().set_index("parameter")
    for name, value in TRUTH.items():
        assert spread.loc[name, "min"] <= value <= spread.loc[name, "max"], spread.loc[name]
    assert spread["sets"].iloc[0] >= 5 and result.trials["accepted"].sum() >= 3
    # the search concentrates: the best sets lie in a small part of the rent range
    assert spread.loc["economy.rent.level", "spread"] < 0.5


def test_outputs_are_complete_escaped_and_manifest_last(recovery):
    _, out, cal = recovery
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["kind"] == "calibration"
    assert manifest["evaluations"] == {"complete": 48, "failed": 0}
    newest = max((out / f).stat().st_mtime_ns for f in manifest["outputs"])
    assert (out / "manifest.json").stat().st_mtime_ns >= newest
    for name in ("trials.csv", "top.csv", "targets.csv", "identifiability.csv",
                 "importance.csv", "check.csv", "best.yaml", "calibration.html",
                 "figures/loss_history.png", "figures/parameters.png",
                 "figures/target_rent_2021.png", "figures/target_vacancy.png"):
        assert name in manifest["outputs"] and (out / name).is_file()
    page = (out / "calibration.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in page
    assert "Held-back targets" in page
    assert "src='http" not in page and 'src="http' not in page  # nothing from the network
    importance = pd.read_csv(out / "importance.csv")
    assert set(importance["parameter"]) == set(TRUTH)
    assert importance["importance"].sum() == pytest.approx(1.0)
    check = pd.read_csv(out / "check.csv")
    assert len(check) == 4 and not set(check["seed"]) & set(cal.seeds())


def test_best_yaml_extends_the_base_and_runs_as_is(recovery, tmp_path):
    _, out, cal = recovery
    data = yaml.safe_load((out / "best.yaml").read_text())
    assert data["extends"] == "../base.yaml"
    scenario = load_scenario(out / "best.yaml")
    best = collect_calibration(cal, out).best()
    expected = cal.scenario_for(best)
    got = resolve_scenario(scenario.model_dump(mode="json"))
    for key in ("name", "description"):
        expected.pop(key), got.pop(key)
    assert got == expected  # the very scenario the search evaluated
    assert main(["run", str(out / "best.yaml"), "--out", str(tmp_path / "run"), "-q",
                 "--set", "years=1"]) == 0
    assert (tmp_path / "run" / "timeseries.csv").is_file()


def test_the_python_api_reads_the_folder_into_dataframes(recovery):
    folder, out, _ = recovery
    fit = api.calibration(folder / "cal.yaml", out)
    for table in (fit.trials, fit.targets(), fit.top(3), fit.identifiability(),
                  fit.importance(), fit.history(), fit.check):
        assert isinstance(table, pd.DataFrame) and len(table)
    assert len(fit.top(3)) == 3 and fit.top(3)["loss"].is_monotonic_increasing
    assert fit.history()["best_so_far"].iloc[-1] == pytest.approx(fit.best_loss)
    figures = fit.figures()
    assert {"loss_history", "parameters", "target_rent_2021"} <= set(figures)
    import matplotlib.pyplot as plt

    plt.close("all")


# ------------------------------------------------------------- determinism and resume
SMALL = """\
name: small
scenario: base.yaml
seed: 5
replications: 1
budget: 6
batch: 3
startup: 3
check_replications: 1
parameters:
  economy.rent.level: {min: 0.8, max: 1.2}
  economy.shops.entry_rate_per_year: {min: 0.5, max: 2, log: true}
targets:
  vacancy: {metric: vacancy_rate, period: 2019, value: 0.5, tolerance: 0.05, source: test}
  rent: {metric: mean_rent, period: 2019, value: 400, tolerance: 20, source: test}
"""
SMALL_RUNS = 9 + 1  # three batches: the third is queued while the second runs


def small_spec(folder: Path, budget: int = 9) -> Path:
    (folder / "base.yaml").write_text(EXPERIMENT_BASE)
    (folder / "small.yaml").write_text(SMALL.replace("budget: 6", f"budget: {budget}"))
    return folder / "small.yaml"


def same(a, b) -> None:
    """Two calibrations evaluated the same sets to the same losses and chose the same best."""
    pd.testing.assert_frame_equal(a.trials, b.trials, check_exact=True)
    pd.testing.assert_frame_equal(a.check, b.check, check_exact=True)
    assert a.best() == b.best()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small calibration, uninterrupted, in this process."""
    folder = tmp_path_factory.mktemp("small")
    cal = load_calibration(small_spec(folder))
    counts = run_calibration(cal, folder / "out", progress=False)
    assert counts == {"complete": 9, "failed": 0, "runs": SMALL_RUNS}
    return collect_calibration(cal, folder / "out")


def test_interrupted_on_two_workers_resumes_to_the_same_result(reference, tmp_path,
                                                               monkeypatch):
    cal = load_calibration(small_spec(tmp_path))
    out = tmp_path / "out"
    real, stored = RunStore.record, []

    def record_then_stop(self, outcome):
        real(self, outcome)
        stored.append(outcome.run_id)
        if len(stored) == 4:  # in the second batch: one evaluation of it stored
            raise KeyboardInterrupt

    import sim.runs.executors

    pools = []
    local_pool = sim.runs.executors.local_pool
    monkeypatch.setattr(sim.runs.executors, "local_pool",
                        lambda n: pools.append(n) or local_pool(n))
    monkeypatch.setattr(RunStore, "record", record_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run_calibration(cal, out, workers=2, progress=False)
    monkeypatch.setattr(RunStore, "record", real)
    assert pools == [2]  # one pool of two workers served both batches
    assert not (out / "manifest.json").exists()
    counts = run_calibration(cal, out, resume=True, progress=False)
    # nothing lost, nothing repeated: the resumed calibration ran only what was not stored
    assert counts["runs"] == SMALL_RUNS - 4
    same(collect_calibration(cal, out), reference)


def test_the_next_batch_is_queued_while_the_batch_before_it_still_runs(tmp_path,
                                                                       monkeypatch):
    """Batch k+1 is proposed as soon as batch k-1 is finished, so the workers always hold a
    batch in hand: the search starts with two batches' runs, and batch 2 joins the round the
    moment batch 0's last run is stored, before any run of batch 1 is."""
    from sim.runs.executors import Workers

    cal = load_calibration(small_spec(tmp_path))  # three batches of three
    rounds, events = [], []
    real = Workers.execute

    def watched(self, tasks, on_done):
        rounds.append([t.point for t in tasks])

        def done(outcome):
            more = on_done(outcome)
            events.append(("stored", outcome.run_id))
            if more:
                events.append(("queued", sorted({t.point for t in more})))
            return more

        return real(self, tasks, done)

    monkeypatch.setattr(Workers, "execute", watched)
    counts = run_calibration(cal, tmp_path / "out", progress=False)
    assert counts["complete"] == 9
    assert rounds[0] == [0, 1, 2, 3, 4, 5]  # batches 0 and 1 at once (1 replication each)
    assert len(rounds) == 2 and set(rounds[1]) == {CHECK}  # then the check of the best set
    queued = [i for i, e in enumerate(events) if e[0] == "queued"]
    assert [events[i][1] for i in queued] == [[6, 7, 8]]
    assert queued[0] == 3  # right after the third stored run, batch 0's last


def test_kill_9_then_resume_equals_uninterrupted(reference, tmp_path):
    spec = small_spec(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "calibrate", str(spec), "--out", str(out), "-w", "1",
           "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    runs = out / "runs"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 2:
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # mid-run, maybe mid-write
        proc.wait()
    stored = len(list(runs.glob("*.parquet")))
    assert 2 <= stored < SMALL_RUNS, "the kill came too late to test anything"
    assert not (out / "manifest.json").exists()
    assert main(["calibrate", str(spec), "--out", str(out), "--resume", "-w", "1", "-q"]) == 0
    same(api.calibration(spec, out), reference)
    assert json.loads((out / "manifest.json").read_text())["complete"] is True


def test_the_python_api_runs_a_calibration_and_writes_its_folder(reference, tmp_path):
    out = tmp_path / "a folder?#100%"  # characters that mean something in a URL
    fit = api.calibrate(small_spec(tmp_path), out, workers=1)
    same(fit, reference)
    assert isinstance(fit, api.Calibration) and (out / "best.yaml").is_file()
    assert (out / "study.db").is_file()
    assert load_scenario(out / "best.yaml").name == "small_best"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["best"]["parameters"] == fit.best() and manifest["workers"] == 1
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_larger_budget_on_resume_continues_the_same_sequence(reference, tmp_path):
    spec = small_spec(tmp_path, budget=4)  # batches of 3: the second one cut short
    out = tmp_path / "out"
    first = load_calibration(spec)
    run_calibration(first, out, progress=False)
    first_best = collect_calibration(first, out).best()
    cal = load_calibration(small_spec(tmp_path))
    counts = run_calibration(cal, out, resume=True, progress=False)
    # five more evaluations, and the check of the best set if it is a new one
    assert counts["runs"] == 5 + (first_best != reference.best())
    same(collect_calibration(cal, out), reference)


def test_an_existing_folder_needs_resume_and_the_same_settings(reference, tmp_path, capsys):
    spec = small_spec(tmp_path)
    out = reference.root
    assert main(["calibrate", str(spec), "--out", str(out), "-q"]) == 2
    assert capsys.readouterr().err.endswith(
        "already holds a calibration; add --resume to continue it, or choose another --out\n")
    (tmp_path / "small.yaml").write_text(SMALL.replace("seed: 5", "seed: 6"))
    assert main(["calibrate", str(spec), "--out", str(out), "--resume", "-q"]) == 2
    err = capsys.readouterr().err
    assert "holds a calibration with other settings (seed changed)" in err
    assert err.count("\n") == 1


def test_a_dask_local_cluster_gives_the_same_result(reference, tmp_path):
    pytest.importorskip("distributed")
    import dask
    from distributed import Client, LocalCluster

    cal = load_calibration(small_spec(tmp_path))
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        counts = run_calibration(cal, tmp_path / "out", scheduler=client, progress=False)
    assert counts == {"complete": 9, "failed": 0, "runs": SMALL_RUNS}
    same(collect_calibration(cal, tmp_path / "out"), reference)


def test_a_failing_run_fails_its_evaluation_and_the_search_goes_on(tmp_path, monkeypatch):
    import sim.runs.output

    cal = load_calibration(small_spec(tmp_path))
    real = sim.runs.output.run_replication

    def flaky(scenario, replication, seed):
        if scenario.economy.rent.level > 1.0:
            raise RuntimeError("the model fell over")
        return real(scenario, replication, seed)

    monkeypatch.setattr(sim.runs.output, "run_replication", flaky)
    counts = run_calibration(cal, tmp_path / "out", progress=False)
    result = collect_calibration(cal, tmp_path / "out")
    failed = result.trials[result.trials["state"] == "fail"]
    assert counts["failed"] == len(failed) >= 1 and counts["complete"] + len(failed) == 9
    assert (failed["economy.rent.level"] > 1.0).all()
    assert failed["error"].str.contains("RuntimeError: the model fell over").all()
    assert math.isnan(failed["loss"].iloc[0]) and result.best()["economy.rent.level"] <= 1.0


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    from sim.runs import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    spec = small_spec(tmp_path)
    status = main(["calibrate", str(spec), "--out", str(tmp_path / "out"), "--scheduler",
                   "tcp://127.0.0.1:9", "-q"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("cannot reach the Dask scheduler tcp://127.0.0.1:9")
    assert not (tmp_path / "out" / "study.db").exists()

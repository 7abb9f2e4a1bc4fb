"""The run store: atomic per-run files, crash and kill -9 recovery, failed runs, collect."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from sim.runs.experiments import load_experiment, run_experiment
from sim.runs.store import RunStore
from tests.conftest import EXPERIMENT_BASE

BASE = EXPERIMENT_BASE

SPEC = """\
name: store
scenario: base.yaml
seed: 11
replications: 3
uncertainties:
  economy.footfall_trend_per_year: {values: [-0.04, -0.02, 0.0]}
levers:
  economy.rent.level: {values: [0.8, 1.2]}
outcomes:
  vacancy_rate: {}
  footfall: {when: yearly, aggregate: mean}
design:
  type: grid
analyses: []
"""
RUNS = 3 * 2 * 3


def write_spec(folder: Path, spec: str = SPEC) -> Path:
    (folder / "base.yaml").write_text(BASE)
    (folder / "exp.yaml").write_text(spec)
    return folder / "exp.yaml"


def dataset(folder: Path) -> tuple[bytes, bytes]:
    return (folder / "results.parquet").read_bytes(), (folder / "results.csv").read_bytes()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The experiment run once, uninterrupted, in this process."""
    folder = tmp_path_factory.mktemp("reference")
    exp = load_experiment(write_spec(folder))
    counts = run_experiment(exp, folder / "out", progress=False)
    assert counts == {"done": RUNS, "failed": 0, "pending": 0, "damaged": 0}
    return folder / "out"


def test_results_are_tidy_with_parameters_and_seeds(reference):
    results = pd.read_parquet(reference / "results.parquet")
    # one row per run at the horizon and one per run and year
    assert len(results) == RUNS * 2
    for column in ("experiment", "point", "replication", "seed", "run", "period", "year", "step",
                   "date", "economy.footfall_trend_per_year", "economy.rent.level",
                   "vacancy_rate", "footfall"):
        assert column in results.columns
    horizon = results[results["period"] == "horizon"]
    assert horizon["vacancy_rate"].notna().all() and horizon["footfall"].isna().all()
    assert list(horizon["point"]) == sorted(horizon["point"])
    csv = pd.read_csv(reference / "results.csv")
    assert csv.shape == results.shape
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["counts"] == {"done": RUNS, "failed": 0, "pending": 0}
    assert manifest["complete"] is True
    assert len(manifest["points"]) == 6 and len(manifest["runs"]) == RUNS
    assert {r["seed"] for r in manifest["runs"]} == set(results["seed"])
    files = sorted(p.name for p in (reference / "runs").iterdir())
    assert files == sorted(f"{r['id']}{suffix}" for r in manifest["runs"]
                           for suffix in (".parquet", ".check.json"))


def test_kill_9_part_way_then_resume_equals_uninterrupted(reference, tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "experiment", str(spec), "--out", str(out),
           "--workers", "2", "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    runs = out / "runs"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 3:
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the experiment and its worker processes
        proc.wait()
    stored = list(runs.glob("*.parquet"))
    assert 3 <= len(stored) < RUNS, "the kill came too late to test anything"
    assert not (out / "results.parquet").exists()

    # What a kill during a write could leave: a temporary file, and (worse than atomic
    # writes allow) a truncated result under a final name. Neither may be read as a result.
    (runs / ".deadbeef.parquet.abc.tmp").write_bytes(b"PAR1 half a file")
    manifest = json.loads((out / "manifest.json").read_text())
    pending = [r["id"] for r in manifest["runs"] if not (runs / f"{r['id']}.parquet").exists()]
    (runs / f"{pending[0]}.parquet").write_bytes(stored[0].read_bytes()[:100])

    assert main(["experiment", str(spec), "--out", str(out), "--resume", "-w", "1", "-q"]) == 0
    assert dataset(out) == dataset(reference)
    assert not list(runs.glob(".*.tmp"))


def test_ctrl_c_exits_130_and_resume_completes(reference, tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "experiment", str(spec), "--out", str(out),
           "--workers", "2", "-q"]
    # A child of a non-interactive shell may inherit an ignored SIGINT: restore the default.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    runs = out / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 2:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip().endswith("binnenstad: interrupted")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["counts"]["pending"] > 0
    assert main(["experiment", str(spec), "--out", str(out), "--resume", "-w", "1", "-q"]) == 0
    assert dataset(out) == dataset(reference)


def test_a_crashed_local_worker_is_replaced(reference, tmp_path):
    import multiprocessing
    import threading

    exp = load_experiment(write_spec(tmp_path))
    out = tmp_path / "out"
    killed = []

    def kill_a_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if (out / "runs").is_dir() and len(list((out / "runs").glob("*.parquet"))) >= 2:
                workers = multiprocessing.active_children()
                if workers:
                    os.kill(workers[0].pid, signal.SIGKILL)
                    killed.append(len(list((out / "runs").glob("*.parquet"))))
                    return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    counts = run_experiment(exp, out, workers=2, progress=False)
    killer.join()
    assert killed and killed[0] < RUNS, "the worker was killed too late to test anything"
    assert counts == {"done": RUNS, "failed": 0, "pending": 0, "damaged": 0}
    assert dataset(out) == dataset(reference)


def test_failed_runs_are_recorded_and_can_be_retried(reference, tmp_path, monkeypatch):
    import sim.runs.output

    exp = load_experiment(write_spec(tmp_path))
    bad_seed = exp.tasks[4].seed
    real = sim.runs.output.run_replication

    def flaky(scenario, replication, seed):
        if seed == bad_seed:
            raise RuntimeError("the model fell over")
        return real(scenario, replication, seed)

    monkeypatch.setattr(sim.runs.output, "run_replication", flaky)
    out = tmp_path / "out"
    counts = run_experiment(exp, out, progress=False)
    assert counts == {"done": RUNS - 1, "failed": 1, "pending": 0, "damaged": 0}
    manifest = json.loads((out / "manifest.json").read_text())
    failed = [r for r in manifest["runs"] if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["seed"] == bad_seed
    assert "RuntimeError: the model fell over" in failed[0]["error"]
    assert len(pd.read_parquet(out / "results.parquet")) == (RUNS - 1) * 2

    # --resume keeps the failure; --retry-failed runs it again
    assert run_experiment(exp, out, resume=True, progress=False)["failed"] == 1
    monkeypatch.setattr(sim.runs.output, "run_replication", real)
    counts = run_experiment(exp, out, resume=True, retry_failed=True, progress=False)
    assert counts == {"done": RUNS, "failed": 0, "pending": 0, "damaged": 0}
    assert dataset(out) == dataset(reference)


def test_an_existing_experiment_needs_resume(reference, tmp_path, capsys):
    spec = write_spec(tmp_path)
    assert main(["experiment", str(spec), "--out", str(reference), "-q"]) == 2
    assert "already holds an experiment; add --resume" in capsys.readouterr().err
    assert main(["experiment", str(spec), "--out", str(tmp_path / "o"), "--retry-failed"]) == 2


def test_resume_of_a_complete_experiment_runs_nothing(reference, tmp_path, monkeypatch):
    import shutil

    import sim.runs.output

    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    monkeypatch.setattr(sim.runs.output, "run_replication", None)  # any run would fail
    exp = load_experiment(write_spec(tmp_path))
    assert run_experiment(exp, copy, resume=True, progress=False)["done"] == RUNS
    assert dataset(copy) == dataset(reference)


def test_the_manifest_records_each_runs_seconds_and_a_resume_keeps_them(reference, tmp_path,
                                                                        monkeypatch):
    import json
    import shutil

    import sim.runs.output

    runs = json.loads((reference / "manifest.json").read_text())["runs"]
    assert all(r["status"] == "done" and r["seconds"] > 0 for r in runs)
    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    monkeypatch.setattr(sim.runs.output, "run_replication", None)  # nothing runs again
    run_experiment(load_experiment(write_spec(tmp_path)), copy, resume=True, progress=False)
    again = json.loads((copy / "manifest.json").read_text())["runs"]
    assert [r["seconds"] for r in again] == [r["seconds"] for r in runs]


def test_collect_assembles_from_run_files(reference, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    (copy / "results.parquet").unlink()
    (copy / "results.csv").unlink()
    assert main(["collect", str(copy)]) == 0
    assert f"{RUNS * 2} rows from {RUNS} runs (0 failed, 0 not run)" in capsys.readouterr().out
    assert dataset(copy) == dataset(reference)
    assert main(["collect", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_store_status_never_trusts_an_unchecked_file(tmp_path):
    store = RunStore(tmp_path)
    store.runs.mkdir()
    run = "ab" * 32
    store.result_path(run).write_bytes(b"not parquet")  # no checksum: cut off before it
    assert store.status(run) == "pending"

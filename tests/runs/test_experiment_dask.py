"""Experiments on a Dask LocalCluster: the same dataset as serial, even when a worker dies."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from sim.runs.experiments import load_experiment, run_experiment
from tests.conftest import EXPERIMENT_BASE

distributed = pytest.importorskip("distributed")

BASE = EXPERIMENT_BASE

SPEC = """\
name: dask
scenario: base.yaml
seed: 5
replications: 4
uncertainties:
  economy.footfall_trend_per_year: {min: -0.04, max: 0.0}
  economy.shops.entry_rate_per_year: {min: 0.5, max: 1.5}
outcomes: [vacancy_rate, closures]
design: {type: lhs, samples: 4}
analyses: []
"""
RUNS = 16


def dataset(folder: Path) -> tuple[bytes, bytes]:
    return (folder / "results.parquet").read_bytes(), (folder / "results.csv").read_bytes()


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    (folder / "base.yaml").write_text(BASE)
    (folder / "exp.yaml").write_text(SPEC)
    exp = load_experiment(folder / "exp.yaml")
    run_experiment(exp, folder / "serial", progress=False)
    return exp, folder


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield cluster, client


def test_local_cluster_equals_serial(experiment, cluster, capsys):
    exp, folder = experiment
    _, client = cluster
    counts = run_experiment(exp, folder / "dask", scheduler=client, progress=False)
    assert counts == {"done": RUNS, "failed": 0, "pending": 0, "damaged": 0}
    assert dataset(folder / "dask") == dataset(folder / "serial")
    # Dask's default workers profile every run: one line says how to turn that off
    hint = [line for line in capsys.readouterr().err.splitlines() if "profiler" in line]
    assert hint == ["2 Dask worker(s) run the statistical profiler, which slows CPU-bound runs "
                    "by about 10%: start workers with "
                    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False (docs/experiments.md)"]

    def runs_and_kernel_threads(dask_worker):
        from sim.kernels import parallel

        return dask_worker.state.executed_count, parallel.threads()

    # The workers parallelise over runs: each run used one kernel thread (sim.kernels.parallel).
    threads = [t for runs, t in client.run(runs_and_kernel_threads).values() if runs]
    assert threads and set(threads) == {1}


def test_a_worker_killed_mid_run_still_completes(experiment, cluster):
    exp, folder = experiment
    _, client = cluster
    out = folder / "killed"
    pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = out / "runs"
            if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 2:
                os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker
                killed.append(len(list(runs.glob("*.parquet"))))
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    counts = run_experiment(exp, out, scheduler=client, progress=False)
    killer.join()
    assert killed and killed[0] < RUNS, "the worker was killed too late to test anything"
    assert counts == {"done": RUNS, "failed": 0, "pending": 0, "damaged": 0}
    assert dataset(out) == dataset(folder / "serial")


def test_missing_scheduler_is_a_one_line_error(experiment, capsys, monkeypatch):
    from sim.cli.main import main
    from sim.runs import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    _, folder = experiment
    status = main(
        [
            "experiment",
            str(folder / "exp.yaml"),
            "--out",
            str(folder / "none"),
            "--scheduler",
            "tcp://127.0.0.1:9",
            "-q",
        ]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("cannot reach the Dask scheduler tcp://127.0.0.1:9") and err.count("\n") == 1
    )

"""Benchmark of experiments: local workers and the Dask path. Prints one JSON line.

- A 200-run experiment (kleinstad, 3,000 agents, 2 years after a 1-year warm-up) on 1 and
  on 2 local workers; goal: at least 1.8 times faster on 2.
- The same experiment on a Dask ``LocalCluster`` of 2 single-threaded worker processes
  against 2 local worker processes: the extra wall time per run, as a share of the local
  per-run time; goal: at most 5%. The cluster's start-up is not counted (a cluster is
  started once for many experiments); the local pool's start-up is.
- The machine's own ceiling: the speed-up of 2 processes on pure Python arithmetic.

Every configuration must give the same dataset byte for byte; the script checks it.
Run: ``python benchmarks/bench_experiments.py`` (needs the ``cluster`` extra).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

BASE = """\
name: bench
seed: 1
years: 2
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 3000
"""

SPEC = """\
name: bench_experiments
scenario: base.yaml
seed: 42
replications: 5
uncertainties:
  economy.footfall_trend_per_year: {min: -0.04, max: 0.01}
  economy.rent.level: {min: 0.8, max: 1.2}
outcomes:
  vacancy_rate: {}
  footfall: {when: yearly, aggregate: mean}
design: {type: lhs, samples: 40}
analyses: []
"""


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def parallel_ceiling(n: int = 10_000_000) -> float:
    """Speed-up of 2 processes on pure Python arithmetic: what this machine can give at best.

    On a machine whose two CPUs are shared or throttled this is near 1, and no executor can
    reach the 1.8 goal; the figure puts the experiment's speed-up in context.
    """
    import multiprocessing

    start = time.perf_counter()
    _burn(n)
    _burn(n)
    serial = time.perf_counter() - start
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_burn, [1000])  # start the workers outside the timing
        start = time.perf_counter()
        pool.map(_burn, [n, n])
        parallel = time.perf_counter() - start
    return serial / parallel


def timed(exp, out: Path, **kwargs) -> float:
    from sim.experiments import run_experiment

    start = time.perf_counter()
    counts = run_experiment(exp, out, progress=False, analyse=False, **kwargs)
    seconds = time.perf_counter() - start
    assert counts["done"] == len(exp.tasks), counts
    return seconds


def main() -> int:
    from distributed import Client, LocalCluster

    from sim.experiments import load_experiment

    ceiling = parallel_ceiling()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "base.yaml").write_text(BASE)
        (root / "exp.yaml").write_text(SPEC)
        exp = load_experiment(root / "exp.yaml")
        runs = len(exp.tasks)
        serial = timed(exp, root / "serial", workers=1)
        local2 = timed(exp, root / "local2", workers=2)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.run(lambda: __import__("sim.output"))  # workers import the model once
            dask2 = timed(exp, root / "dask2", scheduler=client)
        same = len({(root / d / "results.parquet").read_bytes()
                    for d in ("serial", "local2", "dask2")}) == 1
        differing = {
            d: sum((root / "serial" / "runs" / f"{t.run_id}.parquet").read_bytes()
                   != (root / d / "runs" / f"{t.run_id}.parquet").read_bytes()
                   for t in exp.tasks)
            for d in ("local2", "dask2")
        }
    result = {
        "benchmark": "experiments",
        "runs": runs,
        "cpus": os.cpu_count(),
        "serial_s": round(serial, 2),
        "serial_per_run_s": round(serial / runs, 3),
        "local_2_workers_s": round(local2, 2),
        "speedup_2_workers": round(serial / local2, 2),
        "speedup_goal": 1.8,
        "machine_2_process_ceiling": round(ceiling, 2),
        "dask_localcluster_2_workers_s": round(dask2, 2),
        "dask_overhead_per_run_pct": round(100 * (dask2 - local2) / local2, 1),
        "dask_overhead_goal_pct": 5.0,
        "identical_datasets": same,
        "runs_differing_from_serial": differing,
    }
    print(json.dumps(result))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

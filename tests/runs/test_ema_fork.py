"""The EMA Workbench adapter after a run in the same process (issue 18, item 9).

EMA's MultiprocessingEvaluator forks its workers. Forked after a first run had started the
kernels' thread pool, the children inherited a pool without threads and waited forever (0 of 8
after ten minutes). This runs exactly that sequence in a fresh process: one run in the
process (the pool started, checked), then a MultiprocessingEvaluator with two processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("sim.runs.ema")

BASE = """\
name: base
seed: 7
years: 1
warmup_years: 0
town:
  preset: kleinstad
population:
  agents: 12000
"""
SPEC = """\
name: ema_fork
scenario: base.yaml
seed: 9
uncertainties:
  economy.footfall_trend_per_year: {min: -0.04, max: 0.0}
outcomes:
  vacancy_rate: {}
design: {type: lhs, samples: 2}
analyses: []
"""
SCRIPT = textwrap.dedent("""\
    import warnings
    # Python 3.12 warns that forking a threaded process may deadlock: that is this test.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from ema_workbench import MultiprocessingEvaluator, perform_experiments
    from sim.kernels import parallel
    from sim.runs.ema import ema_model
    from sim.runs.experiments import load_experiment

    model = ema_model(load_experiment("exp.yaml"), replications=0)
    first = model.function(economy_footfall_trend_per_year=-0.01)
    assert parallel.pool_started(), "the first run did not start the kernel threads"
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=2, evaluator=evaluator)
    assert len(experiments) == 2 and len(outcomes["vacancy_rate"]) == 2
    print("ok", first["vacancy_rate"])
""")


def test_multiprocessing_evaluator_after_a_run_in_the_same_process(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "exp.yaml").write_text(SPEC)
    env = dict(os.environ, BINNENSTAD_THREADS="2")  # kernel threads even on a one-core machine
    try:
        proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the MultiprocessingEvaluator hung after a run in the same process")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok ")

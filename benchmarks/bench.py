"""Speed benchmark: prints one JSON line (``make bench``).

Measures, on this machine (each model in three fresh processes, in turn; medians printed):
- the default ``middelstad`` baseline: wall time of one replication (warm-up included) and
  agent-steps per second, every resident and shop agent counted individually;
- Mesa 3.5.1's bundled Schelling example with about 10,000 agents, agent-steps per second;
- every model's agent-steps per second as a ratio to Schelling's measured in the same run, so
  that machines of different speed compare (issue 17 retired the goal of 30 for middelstad;
  grootstad's ratio, 22-24 when the goal was set, must not fall);
- ``grootstad`` with at least 100,000 resident agents: wall time of one replication and
  peak memory of that process (goals: at most 10 s and 1 GB), its setup time and its
  milliseconds per simulated week;
- shared history (issue 17): the CPU time of ``make demo``'s comparison (its four scenarios,
  fewer replications) and of the instruments grid (``experiments/instruments_grid.yaml``, one
  replication of each of its 16 points) with every run from the start and with the weeks the
  runs share simulated once, and the saving (goal: at least 30% on the demo; the demo three
  times, the two ways in turn, the median printed). On one process and one kernel thread (as
  a worker runs), so the CPU time is the work. Beside it the saving of the demo's simulation
  alone (six replications in one process, the two ways in turn): what the whole process adds
  to both ways (imports, the kernels' cache, collecting results) is where the rest goes.

``python benchmarks/bench.py shared`` measures only the shared history.

Each model runs in a fresh subprocess so timings and peak memory are not mixed up.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child(code: str, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (with ``env`` added to the environment); it prints a
    JSON dict; add its peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT, env=os.environ | (env or {}))
    result = json.loads(out.stdout.strip().splitlines()[-1])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["peak_rss_mb"] = round(max(peak_kb, before) / 1024, 1)
    return result


MODEL_RUN = """
import json, time
from sim.scenario.loading import load_scenario
from sim.model.model import CityCentre
scenario = load_scenario({path!r})
t0 = time.perf_counter()
model = CityCentre(scenario)
t1 = time.perf_counter()
model.run()
t2 = time.perf_counter()
weeks = scenario.warmup_weeks + scenario.weeks
agents = len(model.residents.agents) + int(model.premises.open.sum())
print(json.dumps({{"wall_s": t2 - t0, "setup_s": t1 - t0, "weeks": weeks,
                  "residents": len(model.residents.agents), "agents": agents,
                  "agent_steps_per_s": agents * weeks / (t2 - t0)}}))
"""

SCHELLING_RUN = """
import json, time
from mesa.examples.basic.schelling.model import Schelling, SchellingScenario
scenario = SchellingScenario(width=112, height=112, density=0.8, rng=42)
model = Schelling(scenario)
agents = len(model.agents)
steps = 20
t0 = time.perf_counter()
for _ in range(steps):
    model.step()
t = time.perf_counter() - t0
print(json.dumps({"wall_s": t, "steps": steps, "agents": agents,
                  "agent_steps_per_s": agents * steps / t}))
"""


DEMO_RUN = """
import json, resource
from sim.runs.compare import run_comparison
from sim.scenario.loading import load_scenario
names = ("baseline", "agenda", "events_programme", "transformation_subsidy")
base, *others = [load_scenario(f"scenarios/{{n}}.yaml") for n in names]
run_comparison(base, others, replications={replications}, workers=1, progress=False,
               shared={shared})
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"cpu_s": use.ru_utime + use.ru_stime}}))
"""

GRID_RUN = """
import dataclasses, json, resource, tempfile
from sim.runs.experiments import load_experiment, run_experiment
exp = load_experiment("experiments/instruments_grid.yaml")
exp = dataclasses.replace(exp, tasks=[t for t in exp.tasks if t.replication == 0])
with tempfile.TemporaryDirectory() as folder:
    run_experiment(exp, folder + "/out", workers=1, progress=False, shared={shared})
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"cpu_s": use.ru_utime + use.ru_stime}}))
"""
#: The demo's simulation alone, in one process: each replication's four runs from the start
#: against the same four with shared history, in turn, CPU seconds of each (imports, the
#: compiled kernels' cache and collecting the results left out: both ways pay them alike).
SIMULATION_RUN = """
import json, time
from sim.model.model import CityCentre
from sim.runs.history import run_shared
from sim.scenario.loading import load_scenario
names = ("baseline", "agenda", "events_programme", "transformation_subsidy")
scenarios = [load_scenario(f"scenarios/{{n}}.yaml") for n in names]
CityCentre(scenarios[0], seed=1).step()  # the kernels loaded before timing
pairs = []
for seed in range(1000, 1000 + {replications}):
    t = time.process_time()
    for scenario in scenarios:
        CityCentre(scenario, seed=seed).run()
    alone = time.process_time() - t
    t = time.process_time()
    run_shared(scenarios, seed, lambda i, model: None)
    pairs.append((alone, time.process_time() - t))
print(json.dumps({{"pairs": pairs}}))
"""
DEMO_REPLICATIONS = 2
#: Replications of the simulation-only measurement.
SIMULATION_REPLICATIONS = 6
#: Runs of each model (middelstad, Schelling, grootstad); their medians are printed.
REPEATS = 3


def _median(values, digits: int = 2) -> float:
    return round(statistics.median(list(values)), digits)


def shared_history() -> dict:
    """CPU seconds of the demo's comparison and of the instruments grid, from the start and
    with shared history, and the saving in %: the demo (the goal) :data:`REPEATS` times, the
    two ways in turn, medians printed with the range of the savings; the grid once."""
    out = {}
    one = {"BINNENSTAD_THREADS": "1"}  # as in a worker: kernel threads' waits are no work
    for name, code, extra, repeats in (
            ("demo", DEMO_RUN, {"replications": DEMO_REPLICATIONS}, REPEATS),
            ("grid", GRID_RUN, {}, 1)):
        pairs = [(_child(code.format(shared=False, **extra), one)["cpu_s"],
                  _child(code.format(shared=True, **extra), one)["cpu_s"])
                 for _ in range(repeats)]
        savings = [100 * (1 - shared / alone) for alone, shared in pairs]
        out |= {f"{name}_cpu_s_from_start": _median((a for a, _ in pairs), 1),
                f"{name}_cpu_s_shared": _median((s for _, s in pairs), 1),
                f"{name}_cpu_saving_pct": _median(savings, 1)}
        if repeats > 1:
            out[f"{name}_cpu_saving_range_pct"] = [round(min(savings), 1),
                                                   round(max(savings), 1)]
    pairs = _child(SIMULATION_RUN.format(replications=SIMULATION_REPLICATIONS), one)["pairs"]
    savings = [100 * (1 - shared / alone) for alone, shared in pairs]
    out |= {"demo_simulation_cpu_saving_pct": _median(savings, 1),
            "demo_simulation_cpu_saving_range_pct": [round(min(savings), 1),
                                                     round(max(savings), 1)]}
    out["demo_cpu_saving_goal_pct"] = 30
    return out


def main() -> None:
    """Measure and print one JSON line."""
    if sys.argv[1:] == ["shared"]:
        print(json.dumps(shared_history()))
        return
    # Each model REPEATS times, Schelling beside each grootstad run, in turn: this machine's
    # speed drifts by 10-20% from minute to minute, so one sample of each said more about the
    # minute than about the code. Medians are printed, and the range of the three.
    middel, schelling, groot = [], [], []
    for _ in range(REPEATS):
        middel.append(_child(MODEL_RUN.format(path=str(ROOT / "scenarios" / "baseline.yaml"))))
        schelling.append(_child(SCHELLING_RUN))
        groot.append(_child(MODEL_RUN.format(path=str(HERE / "grootstad.yaml"))))
    ratios = [g["agent_steps_per_s"] / s["agent_steps_per_s"]
              for g, s in zip(groot, schelling, strict=True)]
    middel_ratios = [m["agent_steps_per_s"] / s["agent_steps_per_s"]
                     for m, s in zip(middel, schelling, strict=True)]
    walls = [g["wall_s"] for g in groot]
    line = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "repeats": REPEATS,
        "middelstad_wall_s": _median(m["wall_s"] for m in middel),
        "middelstad_agents": middel[0]["agents"],
        "middelstad_agent_steps_per_s": round(_median(m["agent_steps_per_s"] for m in middel)),
        "schelling_agents": schelling[0]["agents"],
        "schelling_agent_steps_per_s": round(_median(s["agent_steps_per_s"] for s in schelling)),
        "ratio_to_schelling": _median(middel_ratios, 1),
        "grootstad_ratio_to_schelling": _median(ratios, 1),
        "grootstad_ratio_range": [round(min(ratios), 1), round(max(ratios), 1)],
        "grootstad_ratio_goal": ">= 22 (must not fall)",
        "grootstad_residents": groot[0]["residents"],
        "grootstad_wall_s": _median(walls),
        "grootstad_wall_range_s": [round(min(walls), 2), round(max(walls), 2)],
        "grootstad_wall_goal_s": 10,
        "grootstad_setup_s": _median(g["setup_s"] for g in groot),
        "grootstad_ms_per_week": _median(
            (1000 * (g["wall_s"] - g["setup_s"]) / g["weeks"] for g in groot), 1),
        "middelstad_setup_s": _median(m["setup_s"] for m in middel),
        "grootstad_peak_rss_mb": max(g["peak_rss_mb"] for g in groot),
    } | shared_history()
    print(json.dumps(line))


if __name__ == "__main__":
    main()

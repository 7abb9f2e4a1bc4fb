"""Speed benchmark: prints one JSON line (``make bench``).

Measures, in one run on this machine:
- the default ``middelstad`` baseline: wall time of one replication (warm-up included) and
  agent-steps per second, every resident and shop agent counted individually;
- Mesa 3.5.1's bundled Schelling example with about 10,000 agents, agent-steps per second;
- their ratio (goal: at least 30);
- ``grootstad`` with at least 100,000 resident agents: wall time of one replication and
  peak memory of that process (goals: at most 10 s and 1 GB), its setup time and its
  milliseconds per simulated week.

Each model runs in a fresh subprocess so timings and peak memory are not mixed up.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict; add its peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT)
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


def main() -> None:
    """Measure and print one JSON line."""
    middel = _child(MODEL_RUN.format(path=str(ROOT / "scenarios" / "baseline.yaml")))
    schelling = _child(SCHELLING_RUN)
    groot = _child(MODEL_RUN.format(path=str(HERE / "grootstad.yaml")))
    line = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "middelstad_wall_s": round(middel["wall_s"], 2),
        "middelstad_agents": middel["agents"],
        "middelstad_agent_steps_per_s": round(middel["agent_steps_per_s"]),
        "schelling_agents": schelling["agents"],
        "schelling_agent_steps_per_s": round(schelling["agent_steps_per_s"]),
        "ratio_to_schelling": round(
            middel["agent_steps_per_s"] / schelling["agent_steps_per_s"], 1
        ),
        "grootstad_residents": groot["residents"],
        "grootstad_wall_s": round(groot["wall_s"], 2),
        "grootstad_setup_s": round(groot["setup_s"], 2),
        "grootstad_ms_per_week": round(1000 * (groot["wall_s"] - groot["setup_s"])
                                       / groot["weeks"], 1),
        "middelstad_setup_s": round(middel["setup_s"], 2),
        "grootstad_peak_rss_mb": groot["peak_rss_mb"],
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()

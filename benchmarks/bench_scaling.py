"""How the cost of a run grows with the town and its population (issue 17).

Runs the baseline rules (``scenarios/baseline.yaml``: no instrument, no shock) on towns of about
80, 300, 1,650 and 5,000 premises (the presets kleinstad, middelstad, grootstad and a generated
*metropool*) and with 10,000 to 1,000,000 resident agents (``population.agents``; the weight
of an agent follows, so every town keeps its people and its balance). Each run is a fresh
interpreter and reports:

* ``setup_s``: building the model (town, routes, agents), after the imports;
* ``ms_per_week``: the weekly steps, data collection included, per simulated week (wall
  time, what a user waits for; ``cpu_ms_per_week``: the CPU time of all the process's threads,
  which varies less with the machine's load);
* ``peak_mb``: the process's peak resident memory (``VmHWM``, reset at ``exec``).

Two series share the fitted growth exponents (log-log least squares of the time per week):
the agents on grootstad (1,650 premises) and the premises at 30,000 agents. The table goes
to standard output, the log-log figure to ``docs/figures/scaling.png``.

``--metropool`` runs the metropolitan centre as a user would: about 5,000 premises, 1,000,000
agents, 8 simulated years warm-up included, and grootstad's benchmark scenario the same way,
and prints wall time and peak memory against the goals (under 4 GB; a cost per agent-week no
higher than grootstad's). It takes many minutes on a busy machine.

The metropool town is generated once (``tests/data/make_towns.py --premises 5000`` and
``binnenstad town import``; needs the ``geo`` extra) into ``results/bench_towns/``.

Usage: ``python benchmarks/bench_scaling.py [--quick] [--metropool] [--json]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOWNS = ROOT / "results" / "bench_towns"
FIGURE = ROOT / "docs" / "figures" / "scaling.png"
METROPOOL_PREMISES = 5000
#: Larger home districts on the large maps, as benchmarks/grootstad.yaml: about a hundred
#: origins instead of several hundred (routing cost; see town.home_zone_cells).
ZONE_CELLS = {"kleinstad": 15, "middelstad": 15, "grootstad": 25, "metropool": 25}
GOAL_PEAK_MB = 4096

CHILD = """
import json, sys, time
from sim.scenario.loading import load_scenario
from sim.model.model import CityCentre
scenario = load_scenario(sys.argv[1])
t0 = time.perf_counter()
model = CityCentre(scenario)
t1, c1 = time.perf_counter(), time.process_time()
model.run()
t2, c2 = time.perf_counter(), time.process_time()
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"setup_s": t1 - t0, "run_s": t2 - t1, "run_cpu_s": c2 - c1,
                  "weeks": scenario.warmup_weeks + scenario.weeks,
                  "premises": int(model.town.n_premises),
                  "residents": len(model.residents.agents), "peak_mb": int(status) / 1024}))
"""


# ------------------------------------------------------------------------------- towns
def metropool_town() -> Path:
    """The generated town folder of about 5,000 premises (made on first use)."""
    folder = TOWNS / "metropool"
    if (folder / "town.yaml").exists():
        return folder
    TOWNS.mkdir(parents=True, exist_ok=True)
    print(f"generating the metropool town ({METROPOOL_PREMISES} premises) in {folder} ...",
          file=sys.stderr, flush=True)
    subprocess.run([sys.executable, str(ROOT / "tests" / "data" / "make_towns.py"),
                    "--premises", str(METROPOOL_PREMISES), "--name", "metropool",
                    "--out", str(TOWNS)], check=True, cwd=ROOT)
    subprocess.run([sys.executable, "-m", "sim", "town", "import",
                    str(TOWNS / "metropool.gpkg"), "--out", str(folder)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return folder


def scenario_text(town: str, agents: int, warmup_years: int, years: int) -> str:
    """A scenario on the baseline's rules: ``town`` a preset or ``metropool``."""
    where = (f"dir: {metropool_town()}" if town == "metropool" else f"preset: {town}")
    return (f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\n"
            f"name: scaling-{town}-{agents}\nseed: 1\n"
            f"warmup_years: {warmup_years}\nyears: {years}\n"
            f"town: {{{where}, home_zone_cells: {ZONE_CELLS[town]}}}\n"
            f"population: {{agents: {agents}}}\n")


def measure(town: str, agents: int, warmup_years: int = 0, years: int = 1,
            path: Path | None = None, repeat: int = 1) -> dict:
    """The fastest of ``repeat`` runs, each in a fresh interpreter: set-up, time per week and
    peak memory (the fastest: on a shared machine the others waited for other work)."""
    rows = [_measure(town, agents, warmup_years, years, path) for _ in range(repeat)]
    return min(rows, key=lambda r: r["ms_per_week"])


def _measure(town: str, agents: int, warmup_years: int, years: int,
             path: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if path is None:
            path = Path(tmp) / "scenario.yaml"
            path.write_text(scenario_text(town, agents, warmup_years, years), encoding="utf-8")
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True,
                              capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t0
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    row = {
        "town": town, "premises": result["premises"], "agents": result["residents"],
        "weeks": result["weeks"], "setup_s": round(result["setup_s"], 2),
        "ms_per_week": round(1000 * result["run_s"] / result["weeks"], 2),
        "cpu_ms_per_week": round(1000 * result["run_cpu_s"] / result["weeks"], 2),
        "ns_per_agent_week": round(1e9 * result["run_s"] / result["weeks"]
                                   / result["residents"], 1),
        "wall_s": round(wall, 1), "peak_mb": round(result["peak_mb"]),
    }
    print(json.dumps(row), file=sys.stderr, flush=True)
    return row


# ----------------------------------------------------------------------------- fitting
def exponent(xs: list[float], ys: list[float]) -> float:
    """Slope of the least-squares line through (log x, log y): cost grows as x ** slope."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sxx


def figure(by_agents: list[dict], by_premises: list[dict], out: Path, stamp: str) -> None:
    """The two series on log-log axes, wall and CPU time per week, each with its fitted line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.8), layout="constrained")
    for ax, rows, key, label, town in (
        (fig.add_subplot(1, 2, 1), by_agents, "agents", "resident agents",
         by_agents[0]["town"]),
        (fig.add_subplot(1, 2, 2), by_premises, "premises", "premises", None),
    ):
        xs = [r[key] for r in rows]
        for measure_, name, marker, colour in (("ms_per_week", "wall", "o", "C0"),
                                               ("cpu_ms_per_week", "CPU", "s", "C2")):
            ys = [r[measure_] for r in rows]
            ax.loglog(xs, ys, marker, color=colour, mfc="none" if name == "CPU" else colour)
            slope = exponent(xs, ys)
            scale = math.exp(sum(math.log(y) - slope * math.log(x)
                                 for x, y in zip(xs, ys, strict=True)) / len(xs))
            line = [min(xs), max(xs)]
            ax.loglog(line, [scale * x ** slope for x in line], "-" if name == "wall" else "--",
                      color=colour, label=f"{name}: ~ {key}^{slope:.2f}")
        for r in rows:
            ax.annotate(r["town"] if key == "premises" else f"{r['agents']:,}",
                        (r[key], r["ms_per_week"]), textcoords="offset points",
                        xytext=(4, 4), fontsize=7)
        ax.set_xlabel(label)
        ax.set_ylabel("ms per simulated week")
        ax.set_title(f"{town}, agents varied" if town else
                     f"{rows[0]['agents']:,} agents, towns varied", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"binnenstad: time per simulated week ({stamp})", fontsize=9)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


# -------------------------------------------------------------------------------- modes
def linear(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares ``y = fixed + per_x * x``: the part that does not grow and the part that
    grows in proportion."""
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    per_x = (sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
             / sum((x - mx) ** 2 for x in xs))
    return my - per_x * mx, per_x


def scaling(quick: bool, repeat: int) -> dict:
    if quick:
        agent_town, agent_counts, premises_agents = "middelstad", (10_000, 30_000), 10_000
        towns = ("kleinstad", "middelstad")
    else:
        agent_town = "grootstad"
        agent_counts = (10_000, 30_000, 100_000, 300_000, 1_000_000)
        premises_agents, towns = 30_000, ("kleinstad", "middelstad", "grootstad", "metropool")
    # Once unmeasured: numba's kernels are compiled into the cache after a change (about 7 s)
    measure("kleinstad", 2_000)
    by_agents = [measure(agent_town, n, repeat=repeat) for n in agent_counts]
    by_premises = [measure(t, premises_agents, repeat=repeat) for t in towns]
    fits = {}
    for series, key in ((by_agents, "agents"), (by_premises, "premises")):
        xs = [r[key] for r in series]
        for measure_ in ("ms_per_week", "cpu_ms_per_week"):
            fits[f"{key}_{measure_}"] = exponent(xs, [r[measure_] for r in series])
    agents = [r["agents"] for r in by_agents]
    fixed, per_agent = linear(agents, [r["ms_per_week"] for r in by_agents])
    fixed_cpu, per_agent_cpu = linear(agents, [r["cpu_ms_per_week"] for r in by_agents])
    return {"by_agents": by_agents, "by_premises": by_premises,
            "exponents": {k: round(v, 2) for k, v in fits.items()},
            "linear_agents": {"town": agent_town, "fixed_ms_per_week": round(fixed, 1),
                              "ns_per_agent_week": round(1e6 * per_agent, 1),
                              "fixed_cpu_ms_per_week": round(fixed_cpu, 1),
                              "cpu_ns_per_agent_week": round(1e6 * per_agent_cpu, 1)}}


def metropool(repeat: int) -> dict:
    measure("kleinstad", 2_000)  # once unmeasured, as in scaling()
    groot = measure("grootstad", 110_000, path=HERE / "grootstad.yaml", repeat=repeat)
    metro = measure("metropool", 1_000_000, warmup_years=2, years=6, repeat=repeat)
    cost = {}  # set-up and weeks per agent-week, wall and CPU
    for r in (groot, metro):
        agent_weeks = r["agents"] * r["weeks"]
        cost[r["town"]] = {
            "wall": 1e9 * (r["setup_s"] + r["ms_per_week"] * r["weeks"] / 1000) / agent_weeks,
            "cpu_weeks": 1e6 * r["cpu_ms_per_week"] * r["weeks"] / agent_weeks}
    return {"grootstad": groot, "metropool": metro,
            "ns_per_agent_week": {t: {k: round(v, 1) for k, v in c.items()}
                                  for t, c in cost.items()},
            "goal_peak_mb": GOAL_PEAK_MB, "peak_met": metro["peak_mb"] < GOAL_PEAK_MB,
            "cost_met": cost["metropool"]["wall"] <= cost["grootstad"]["wall"]}


def table(rows: list[dict]) -> str:
    head = (f"{'town':<11} {'premises':>8} {'agents':>9} {'weeks':>5} {'setup':>7} "
            f"{'ms/week':>8} {'cpu ms/wk':>9} {'ns/agent-wk':>11} {'peak MB':>8} {'wall':>7}")
    lines = [head] + [
        f"{r['town']:<11} {r['premises']:>8,} {r['agents']:>9,} {r['weeks']:>5} "
        f"{r['setup_s']:>6.2f}s {r['ms_per_week']:>8.1f} {r['cpu_ms_per_week']:>9.1f} "
        f"{r['ns_per_agent_week']:>11.1f} {r['peak_mb']:>8,} {r['wall_s']:>6.1f}s"
        for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="kleinstad and middelstad with 10,000 and 30,000 agents only")
    parser.add_argument("--metropool", action="store_true",
                        help="the metropolitan centre: 1,000,000 agents, 8 years, against "
                        "the goals (many minutes); instead of the scaling series")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per point; the fastest is shown (default: 1)")
    parser.add_argument("--no-figure", action="store_true", help="do not write the figure")
    parser.add_argument("--json", action="store_true", help="one JSON line instead of tables")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    result = metropool(args.repeat) if args.metropool else scaling(args.quick, args.repeat)
    stamp = (f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
             f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    if not args.metropool and not args.no_figure:
        figure(result["by_agents"], result["by_premises"], FIGURE, stamp)
    if args.json:
        print(json.dumps({"machine": stamp, **result}))
        return
    print(f"binnenstad scaling ({stamp})")
    if args.metropool:
        print(table([result["grootstad"], result["metropool"]]))
        m, cost = result["metropool"], result["ns_per_agent_week"]
        print(f"metropool: set-up and {m['weeks']} weeks in "
              f"{m['setup_s'] + m['ms_per_week'] * m['weeks'] / 1000:.0f} s "
              f"({m['wall_s']:.0f} s the whole process, imports included), peak "
              f"{m['peak_mb']:,} MB (goal < {GOAL_PEAK_MB:,} MB: "
              f"{'met' if result['peak_met'] else 'NOT met'})")
        print(f"cost per agent-week, set-up included: metropool {cost['metropool']['wall']:.0f} "
              f"ns, grootstad {cost['grootstad']['wall']:.0f} ns (goal: no higher: "
              f"{'met' if result['cost_met'] else 'NOT met'}); CPU of the weeks: "
              f"{cost['metropool']['cpu_weeks']:.0f} and {cost['grootstad']['cpu_weeks']:.0f} ns")
        return
    ex, lin = result["exponents"], result["linear_agents"]
    print(table(result["by_agents"]))
    print(f"time per week ~ agents ^ {ex['agents_ms_per_week']:.2f} (CPU: "
          f"^ {ex['agents_cpu_ms_per_week']:.2f}) on {lin['town']}; as a line: "
          f"{lin['fixed_ms_per_week']:.1f} ms a week + {lin['ns_per_agent_week']:.0f} ns per "
          f"agent (CPU: {lin['fixed_cpu_ms_per_week']:.1f} ms + "
          f"{lin['cpu_ns_per_agent_week']:.0f} ns)")
    print(table(result["by_premises"]))
    print(f"time per week ~ premises ^ {ex['premises_ms_per_week']:.2f} (CPU: "
          f"^ {ex['premises_cpu_ms_per_week']:.2f}) at "
          f"{result['by_premises'][0]['agents']:,} agents")
    if not args.no_figure:
        print(f"figure: {FIGURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

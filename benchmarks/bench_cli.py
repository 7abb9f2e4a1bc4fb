"""How long the command line makes a user wait: prints one table, the goals beside it.

Each command runs in several fresh interpreters (``python -m sim ...``), as a user starts
it, and the median wall time is printed with the fastest and slowest run:

* ``--help``, ``validate`` of a scenario (goals: 0.5 s), ``show`` and ``schema`` (1 s):
  the whole command, interpreter start included;
* ``run``: until its first line of output appears (goal: 1.5 s); the run is then
  stopped (SIGTERM, which the command handles like Ctrl-C).

The machine's load is printed with the figures: on a shared machine every figure grows
with it. Goals are from issue 17, for a 2-core machine.

Usage: ``python benchmarks/bench_cli.py [--repeat 7] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: (label, arguments after ``python -m sim``, goal in seconds)
COMMANDS = (
    ("--help", ["--help"], 0.5),
    ("validate", ["validate", "scenarios/baseline.yaml"], 0.5),
    ("show", ["show", "scenarios/agenda.yaml"], 1.0),
    ("schema", ["schema"], 1.0),
)
RUN_GOAL_S = 1.5


def whole_command(argv: list[str]) -> float:
    """Seconds from starting ``python -m sim ARGV`` to its exit (which must be 0)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim", *argv], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def first_line_of_run(out_dir: Path) -> float:
    """Seconds from starting ``binnenstad run`` to its first line of output (either stream)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", "scenarios/baseline.yaml", "--out", str(out_dir)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        seconds = time.perf_counter() - t0
        if not line:
            raise RuntimeError(f"run printed nothing (exit {proc.wait()})")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.stderr.close()
        proc.wait(timeout=60)
    return seconds


def summary(label: str, times: list[float], goal: float) -> dict:
    median = statistics.median(times)
    return {"command": label, "median_s": round(median, 3), "min_s": round(min(times), 3),
            "max_s": round(max(times), 3), "goal_s": goal, "met": median <= goal}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh processes per command")
    parser.add_argument("--json", action="store_true", help="one JSON line instead of a table")
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    for label, argv, goal in COMMANDS:
        whole_command(argv)  # once unmeasured: the byte-code caches are written
        rows.append(summary(label, [whole_command(argv) for _ in range(args.repeat)], goal))
    with tempfile.TemporaryDirectory() as tmp:
        times = [first_line_of_run(Path(tmp) / f"run{i}") for i in range(args.repeat + 1)][1:]
    rows.append(summary("run (first line)", times, RUN_GOAL_S))
    load_after = os.getloadavg()
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, load average {load_before[0]:.2f} before, "
               f"{load_after[0]:.2f} after")
    if args.json:
        print(json.dumps({"date": time.strftime("%Y-%m-%d"), "machine": machine,
                          "repeat": args.repeat, "commands": rows}))
        return
    print(f"binnenstad command line, median of {args.repeat} fresh processes "
          f"({time.strftime('%Y-%m-%d %H:%M')}; {machine})")
    print(f"{'command':<18} {'median':>8} {'min':>7} {'max':>7} {'goal':>6}  met")
    for r in rows:
        print(f"{r['command']:<18} {r['median_s']:>7.2f}s {r['min_s']:>6.2f}s "
              f"{r['max_s']:>6.2f}s {r['goal_s']:>5.1f}s  {'yes' if r['met'] else 'NO'}")


if __name__ == "__main__":
    main()

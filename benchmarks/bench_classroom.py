"""A class on one server: 30 headless Chromium sessions playing ``binnenstad app --classroom``.

Starts the app in classroom mode on a free local port (the shipped baseline, middelstad with
12,000 residents, unless ``--scenario`` says otherwise), opens ``--sessions`` browser contexts
(each its own Solara session and model), presses play in all of them at the chosen speed and
samples every session's date and picture for ``--seconds`` seconds. Prints one JSON line:

- simulated weeks per second of every session (min, median) over the measured window;
- the time between two pictures of a session (median and 95th percentile): the update time a
  pupil sees, measured on the date shown (the counters and the map change with it; the charts,
  in classroom mode, at most every 2 s);
- the server's memory (web server plus worker processes, resident set, at the end);
- where the CPU went over the measured window: cores used by the web server, by its workers
  and by the browsers, and the server's (web server plus workers) CPU per picture shown, which
  says how many pupils a server holds when their browsers run on their own machines.

Goals on the project's 2-core machine: every session at least 1 week a second, p95 update under
1 s, memory under 4 GB. The browsers run on the same machine and take their share of the two
cores. Not a test: ``python benchmarks/bench_classroom.py [--sessions 30] [--seconds 60]``.
Needs the extras ``app`` and ``dev`` (playwright) and Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, MB (from /proc)."""
    total = 0.0
    for p in descendants(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        except (FileNotFoundError, AttributeError, ProcessLookupError):
            continue
    return total


def cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds used so far by ``pid`` and its descendants (living ones), by kind: the web
    server, its worker processes, the browsers (chromium), anything else."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "workers": 0.0, "browsers": 0.0, "other": 0.0}
    for p in descendants(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            command = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        kind = ("workers" if "multiprocessing" in command else "server" if "solara" in command
                else "browsers" if "chrom" in command else "other")
        out[kind] += used
    return out


def start_server(scenario: Path, workers: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(Path(sys.executable).with_name("binnenstad")), "app", "--classroom",
               "--port", str(port), "--scenarios", str(scenario.parent),
               "--scenario", str(scenario), "--lang", "en"]
    if workers:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("the app did not start") from None
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--speed", default="2", help="weeks a second chosen in every session")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    proc, url = start_server(args.scenario.resolve(), args.workers)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            pages = []
            t0 = time.monotonic()
            for _ in range(args.sessions):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(url)
                pages.append(page)
            for page in pages:
                page.wait_for_selector(".bs-date", timeout=300_000)
            opened_s = time.monotonic() - t0
            for page in pages:
                page.locator(".bs-speed").first.click()
                page.locator(".v-menu__content .v-list-item",
                             has_text=re.compile(rf"^\s*{args.speed}\s*$")).first.click()
                page.locator(".bs-play").first.click()
            # every session records when its picture changes, in the browser itself
            for page in pages:
                page.evaluate("""() => {
                    window.bsUpdates = [];
                    const seen = () => document.querySelector('.bs-date')?.innerText;
                    let last = seen();
                    new MutationObserver(() => {
                        const now = seen();
                        if (now !== last) { last = now;
                            window.bsUpdates.push([performance.now(), now]); }
                    }).observe(document.body, {subtree: true, childList: true,
                                               characterData: true});
                }""")
            used_before, started = cpu_s(os.getpid()), time.monotonic()
            time.sleep(args.seconds)
            used = {k: v - used_before[k] for k, v in cpu_s(os.getpid()).items()}
            window_s = time.monotonic() - started
            per_session, gaps = [], []
            for page in pages:
                updates = page.evaluate("window.bsUpdates")
                if len(updates) < 2:
                    per_session.append(0.0)
                    continue
                (t_first, d_first), (t_last, d_last) = updates[0], updates[-1]
                days = (_date(d_last) - _date(d_first)) / 7.0
                per_session.append(days / max((t_last - t_first) / 1000.0, 1e-9))
                times = [u[0] for u in updates]
                gaps.extend((b - a) / 1000.0 for a, b in itertools.pairwise(times))
            memory = rss_mb(proc.pid)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    gaps.sort()
    print(json.dumps({
        "sessions": args.sessions, "seconds": args.seconds, "speed_weeks_per_s": args.speed,
        "scenario": str(args.scenario.relative_to(ROOT) if args.scenario.is_relative_to(ROOT)
                        else args.scenario),
        "open_all_s": round(opened_s, 1),
        "weeks_per_s_min": round(min(per_session), 2),
        "weeks_per_s_median": round(statistics.median(per_session), 2),
        "update_s_median": round(statistics.median(gaps), 2) if gaps else None,
        "update_s_p95": round(gaps[int(0.95 * (len(gaps) - 1))], 2) if gaps else None,
        "server_memory_mb": round(memory),
        "cores_used": {k: round(v / window_s, 2) for k, v in used.items()},
        "server_cpu_ms_per_picture": round(1000 * (used["server"] + used["workers"])
                                           / max(len(gaps), 1), 1),
        "goals": {"weeks_per_s_min": ">= 1", "update_s_p95": "< 1", "server_memory_mb": "< 4096"},
    }))


def _date(text: str) -> float:
    """Days since 1970 of the first ISO date in ``text``."""
    import datetime as dt

    day = dt.date.fromisoformat(re.search(r"\d{4}-\d\d-\d\d", text).group(0))
    return float((day - dt.date(1970, 1, 1)).days)


if __name__ == "__main__":
    main()

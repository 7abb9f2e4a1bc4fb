"""Worker processes never outlive the command (issue 18, item 8).

``kill -9`` of a comparison while its two workers run: the workers and multiprocessing's
resource tracker must be gone within seconds (they stayed 13 minutes, 300 MB each). SIGTERM:
the command unwinds like Ctrl-C, exits 143 with one line, and leaves no "leaked semaphore
objects" warning.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE = """\
name: base
seed: 3
years: 2
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 3000
"""
OTHER = "extends: base.yaml\nname: cheaper\neconomy: {rent: {level: 0.8}}\n"


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def start_comparison(tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    """A comparison on two workers, once both workers and the resource tracker run."""
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "other.yaml").write_text(OTHER)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "compare", "base.yaml", "other.yaml", "-r", "8",
         "--workers", "2", "-q", "--out", "out"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    deadline = time.monotonic() + 60
    kids: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        kids = children(proc.pid)
        if len(kids) >= 3:  # two workers and the resource tracker
            break
        time.sleep(0.1)
    if len(kids) < 3:
        proc.kill()
        pytest.fail(f"the comparison did not start its workers: {proc.communicate()[1]}")
    time.sleep(2.0)  # let the workers import and start their first runs
    return proc, kids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_parent_leaves_no_worker(tmp_path):
    proc, kids = start_comparison(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(k) for k in kids):
        time.sleep(0.1)
    left = [k for k in kids if alive(k)]
    for k in left:  # do not leave them to the next test
        os.kill(k, signal.SIGKILL)
    assert left == [], "worker processes outlived a kill -9 of the command by 10 s"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_exits_143_and_leaks_no_semaphore(tmp_path):
    proc, kids = start_comparison(tmp_path)
    os.killpg(proc.pid, signal.SIGTERM)  # as a batch system stops a job: the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err.splitlines() == ["binnenstad: terminated"], err
    time.sleep(1.0)
    assert not [k for k in kids if alive(k)]
    assert not (tmp_path / "out" / "manifest.json").exists()

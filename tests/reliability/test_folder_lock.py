"""Two commands, one folder (issue 18, item 7).

A command that writes a folder (run, compare, experiment, collect) holds a lock on it; a second
one is refused with one line naming the first (command, process, host, since when). The kernel
releases the lock when its holder ends however it ends, so a kill -9 leaves nothing locked.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from sim.cli.main import main
from sim.files import FolderBusy, folder_lock

TINY = ("name: tiny\nyears: 1\nwarmup_years: 0\ntown: {preset: kleinstad}\n"
        "population: {agents: 300}\n")
HOLD = textwrap.dedent("""\
    import sys, time
    from sim.files import folder_lock
    with folder_lock(sys.argv[1], "run"):
        print("held", flush=True)
        time.sleep(120)
""")


@pytest.fixture
def holder(tmp_path):
    """Another process holding ``tmp_path / 'out'``; yields (process, folder)."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    yield proc, out
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def test_a_second_command_is_refused_naming_the_first(holder, tmp_path, capsys):
    proc, out = holder
    (tmp_path / "tiny.yaml").write_text(TINY)
    for argv in (["run", str(tmp_path / "tiny.yaml"), "-q", "--out", str(out)],
                 ["compare", str(tmp_path / "tiny.yaml"), str(tmp_path / "tiny.yaml"), "-r",
                  "1", "-q", "--out", str(out)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1
        assert err[0].startswith(f"{out}: in use by 'run' (process {proc.pid} on ")
        assert err[0].endswith("wait until it has finished, or choose another output folder")
    assert not (out / "manifest.json").exists()


def test_the_lock_goes_with_its_holder_even_after_kill_9(holder, tmp_path):
    proc, out = holder
    with pytest.raises(FolderBusy):
        with folder_lock(out, "test"):
            pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with folder_lock(out, "test"):  # free at once
        assert (out / ".binnenstad.lock").exists()
    assert not (out / ".binnenstad.lock").exists()  # and nothing left behind


def test_the_same_process_may_nest_its_own_lock(tmp_path):
    with folder_lock(tmp_path / "o", "compare"), folder_lock(tmp_path / "o", "compare"):
        pass
    with folder_lock(tmp_path / "o", "again"):
        pass


def test_two_runs_into_one_folder_at_the_same_time(tmp_path):
    """The reported case: both start; one writes the folder, the other is refused, and the
    manifest vouches for the run that wrote the timeseries."""
    (tmp_path / "tiny.yaml").write_text(TINY.replace("years: 1", "years: 2"))
    cmd = [sys.executable, "-m", "sim", "run", "tiny.yaml", "-q", "--out", "out"]
    procs = [subprocess.Popen([*cmd, "--seed", str(seed)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    if codes == [0, 0]:  # they did not overlap (a slow start): nothing to test
        pytest.skip("the two runs did not overlap")
    assert codes == [0, 2]
    loser = next(err for code, _, err in results if code == 2)
    assert "in use by 'run'" in loser and len(loser.splitlines()) == 1
    from sim.kernels.streams import replication_seeds

    winner = json.loads((tmp_path / "out" / "manifest.json").read_text())["master_seed"]
    rows = pd.read_csv(tmp_path / "out" / "timeseries.csv")
    assert set(rows["seed"]) == {replication_seeds(winner, 1)[0]}


def test_a_refused_command_leaves_no_folder_it_made(tmp_path, capsys):
    """A comparison refused on its input (after the folder was taken) leaves nothing behind,
    and a folder that was there before stays."""
    (tmp_path / "b.yaml").write_text(TINY)
    (tmp_path / "o.yaml").write_text(TINY.replace("name: tiny", "name: other").replace(
        "years: 1", "years: 2"))
    args = ["compare", str(tmp_path / "b.yaml"), str(tmp_path / "o.yaml"), "-r", "1", "-q"]
    assert main([*args, "-o", str(tmp_path / "new" / "out")]) == 2
    assert "must be the same as the baseline's (1)" in capsys.readouterr().err
    assert not (tmp_path / "new" / "out").exists()
    (tmp_path / "kept").mkdir()
    assert main([*args, "-o", str(tmp_path / "kept")]) == 2
    assert (tmp_path / "kept").is_dir() and not any((tmp_path / "kept").iterdir())

"""The app against a hostile browser and a careless operator (issue 18, item 11).

A scenario-picker value forged in the browser is refused with a message and never becomes a
path; a failing change shows one line without a traceback or a server path; ``--host`` off
this computer warns that the app has no password; a classroom server that dies leaves no
worker process behind. (That ``/resourcez`` answers 404 is tested on the running server in
test_app_browser.py.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.present.app.live import Settings, choose_file, picker_labels, session_error
from sim.present.i18n import language
from tests.conftest import REPO

SMALL = "name: {name}\nyears: 1\nwarmup_years: 0\ntown: {{preset: kleinstad}}\n"


@pytest.fixture
def files(write):
    return [write("scen/a.yaml", SMALL.format(name="a")), write("scen/b.yaml",
                                                                 SMALL.format(name="b"))]


@pytest.mark.parametrize("forged", ["../../etc/passwd", "/etc/passwd", "c.yaml", "", None, 3,
                                    {"name": "a.yaml"}, ["a.yaml"]])
def test_a_forged_picker_value_is_refused_and_changes_nothing(files, forged):
    settings = Settings(files[1])
    settings.switches["interventions[0]"] = False
    assert choose_file(settings, files, forged) == ("unknown scenario file: choose one from "
                                                    "the list")
    assert settings.scenario_file == files[1] and settings.switches


def test_a_picker_value_that_is_offered_is_taken(files):
    settings = Settings(files[1])
    assert choose_file(settings, files, "a.yaml") == ""
    assert settings.scenario_file == files[0]


def test_the_picker_names_scenarios_by_title_and_survives_a_broken_file(files, write):
    titled = write("scen/c.yaml", SMALL.format(name="c") + "title: Baseline\n")
    broken = write("scen/d.yaml", "name: [unclosed\n")
    every = [*files, titled, broken]
    assert picker_labels(every, language("en")) == {
        "a.yaml": "a.yaml", "b.yaml": "b.yaml", "Baseline (c.yaml)": "c.yaml",
        "d.yaml": "d.yaml"}
    assert "Nulscenario (c.yaml)" in picker_labels(every, language("nl"))  # translated
    # a label is looked up, never used as a path; the broken file's error shows when chosen
    settings = Settings(files[0])
    assert choose_file(settings, every, picker_labels(every, language("en")).get(
        "Baseline (c.yaml)")) == "" and settings.scenario_file == titled


def test_session_errors_show_no_traceback_and_no_server_path(workdir):
    folder = workdir / "scen"
    bad = ScenarioError("must be > 0 (got -5)", file=str(folder / "x.yaml"), line=3,
                        key_path="population.agents")
    assert session_error(bad, folder) == "x.yaml:3: population.agents: must be > 0 (got -5)"
    leak = FileNotFoundError(2, "No such file", str(folder / "secret" / "thing"))
    text = session_error(leak, folder)
    assert str(workdir) not in text and "secret" not in text
    assert text.startswith("that change could not be made (FileNotFoundError)")


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("localhost", False),
                                               ("::1", False), ("0.0.0.0", True),
                                               ("192.168.1.5", True), ("::", True)])
def test_a_host_off_this_computer_warns_that_there_is_no_password(monkeypatch, capsys, write,
                                                                   host, warned):
    import sim.present.app.server as server

    write("scen/b.yaml", SMALL.format(name="b"))
    monkeypatch.setattr(server, "serve", lambda *args, **kwargs: None)  # do not start a server
    assert main(["app", "--host", host, "--scenarios", "scen"]) == 0
    err = capsys.readouterr().err
    assert ("without a password" in err) is warned
    assert len(err.splitlines()) == int(warned)


def _running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting for its new parent has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_classroom_worker_ends_when_its_server_is_gone():
    """A classroom server killed, or ended without stopping its pool, leaves no worker
    holding memory: each worker checks its server whenever it has waited ``poll_s`` for a
    request (before, the test suite's app servers left two workers running after every run)."""
    server = ("import os\n"
              "from sim.present.app.runner import WorkerPool\n"
              "pool = WorkerPool(1, poll_s=0.2)\n"
              "print(pool.processes[0].pid, flush=True)\n"
              "os._exit(0)\n")  # as a killed server: no exit handlers, the pool not stopped
    proc = subprocess.Popen([sys.executable, "-c", server], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    worker = int(proc.stdout.readline())
    assert proc.wait(timeout=60) == 0
    proc.stdout.close()  # the worker holds the pipe too; we only wait for it to end
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _running(worker):
        time.sleep(0.1)
    assert not _running(worker)

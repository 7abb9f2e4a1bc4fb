"""The ``binnenstad`` command line: one line per problem, exit 2 for bad input, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TINY_MAP, indent

import sim.present.run
from sim import __version__
from sim.cli.main import main

MAP_ALLOWED = "allowed: # . : s m L A h T P B F 1-9 and space"
VALID = f"name: tiny\ntown:\n  map: |\n{indent(TINY_MAP)}"
#: The first line of ``run`` (without --quiet), said before the model stack is imported.
RUN_LINE = (f"tiny: running 1 replication of 2 warm-up and 6 reported years from 2019-01-07, "
            f"outputs to {Path('results', 'tiny')}")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def only_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


# ----------------------------------------------------------------------------- validate
def test_validate_valid_file(write, capsys):
    path = write("ok.yaml", VALID)
    code, out, err = run(capsys, "validate", str(path))
    assert (code, out, err) == (0, "ok.yaml: ok (scenario tiny, 3 premises, 1 dwelling)\n", "")


BAD_INPUTS = [
    ("name: x\npopulation:\n  agents: 5\n   foo: 3\n",
     "x.yaml:4: invalid YAML: mapping values are not allowed here (column 7)"),
    ("name: x\npopulation:\n  agents: abc\n",
     "x.yaml:3: population.agents: must be an integer (got 'abc')"),
    ("# x\n" * 11 + "name: x\npopulation:\n  agents: -5\n",
     "x.yaml:14: population.agents: must be > 0 (got -5)"),
    ("name: x\npopulation:\n  agnts: 5\n",
     "x.yaml:3: population.agnts: unknown key; did you mean 'agents'?"),
    ("name: x\neconomy:\n  shops:\n    chain_shar: 0.2\n",
     "x.yaml:4: economy.shops.chain_shar: unknown key; did you mean 'chain_share'?"),
    ("name: x\nstart: 2019-13-01\n",
     "x.yaml:2: start: must be a date like 2019-01-07 (got '2019-13-01')"),
    ("name: x\ntown:\n  preset: utrecht\n",
     "x.yaml:3: town.preset: must be one of kleinstad, middelstad, grootstad (got 'utrecht')"),
    ("name: x\ntown:\n  preset: kleinstad\n  map: |\n" + indent(TINY_MAP),
     "x.yaml:2: town: give only one of preset, map, map_file, dir (got preset, map)"),
    (VALID.replace("#.hmm.#", "#.hmx.#"),
     "x.yaml:6: town.map: column 5: unknown map symbol 'x'; " + MAP_ALLOWED),
    (VALID.replace("T", "."), "x.yaml:3: town.map: map has no entry point (T, P, B or F)"),
    ("name: x\ntown:\n  map_file: maps/nope.txt\n",
     "x.yaml:3: town.map_file: map file maps/nope.txt: file not found"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    BAD_INPUTS,
    ids=["yaml-syntax", "wrong-type", "out-of-range", "unknown-key", "unknown-nested-key",
         "bad-date", "bad-preset", "two-town-sources", "map-symbol", "map-no-entry",
         "missing-map-file"],
)
def test_validate_bad_input(write, capsys, text, expected):
    path = write("x.yaml", text)
    code, out, err = run(capsys, "validate", str(path))
    assert (code, out, only_line(err)) == (2, "", expected)


def test_validate_missing_file(workdir, capsys):
    code, out, err = run(capsys, "validate", "nope.yaml")
    assert (code, out, only_line(err)) == (2, "", "nope.yaml: file not found")


def test_validate_several_files_reports_each(write, capsys):
    write("ok.yaml", VALID)
    write("bad.yaml", "name: x\nyears: 0\n")
    code, out, err = run(capsys, "validate", "ok.yaml", "bad.yaml", "gone.yaml")
    assert code == 2
    assert out == "ok.yaml: ok (scenario tiny, 3 premises, 1 dwelling)\n"
    assert err.splitlines() == [
        "bad.yaml:2: years: must be >= 1 (got 0)",
        "gone.yaml: file not found",
    ]


def test_validate_subprocess_has_no_traceback(write):
    path = write("bad.yaml", "name: x\npopulation:\n  agents: -5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True, text=True, timeout=120, cwd=path.resolve().parent,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["bad.yaml:3: population.agents: must be > 0 (got -5)"]
    assert "Traceback" not in proc.stderr + proc.stdout


def test_every_shipped_scenario_validates(capsys, monkeypatch):
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    if not files:
        pytest.skip("no scenarios/*.yaml yet")
    monkeypatch.chdir(REPO)
    code, out, err = run(capsys, "validate", *(str(f.relative_to(REPO)) for f in files))
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == len(files)


# ---------------------------------------------------------------------------------- run
@pytest.fixture
def fake_write_run(monkeypatch):
    """Replace sim.present.run.write_run; record its calls."""
    calls = []

    def write_run(scenario, out_dir, *, replications, seed, progress):
        calls.append((scenario, Path(out_dir), replications, seed, progress))
        return Path(out_dir)

    monkeypatch.setattr(sim.present.run, "write_run", write_run)
    monkeypatch.setattr(sim.present.run, "result_line", lambda out_dir: "tiny: what it found")
    return calls


def test_run_calls_write_run(write, capsys, fake_write_run):
    write("ok.yaml", VALID)
    code, out, err = run(capsys, "run", "ok.yaml")
    assert (code, err) == (0, RUN_LINE + "\n")
    assert out == f"tiny: what it found\ntiny: outputs in {Path('results', 'tiny')}\n"
    [(scenario, out_dir, replications, seed, progress)] = fake_write_run
    assert (scenario.name, out_dir, replications, seed, progress) == (
        "tiny", Path("results/tiny"), 1, None, True)


def test_run_options_and_overrides(write, capsys, fake_write_run):
    write("ok.yaml", VALID)
    code, _, err = run(capsys, "run", "ok.yaml", "--replications", "3", "--seed", "7",
                       "--out", "o", "--quiet", "--set", "population.agents=50",
                       "--set", "years=2")
    assert (code, err) == (0, "")
    [(scenario, out_dir, replications, seed, progress)] = fake_write_run
    assert (out_dir, replications, seed, progress) == (Path("o"), 3, 7, False)
    assert (scenario.population.agents, scenario.years) == (50, 2)


def test_run_set_unknown_key(write, capsys, fake_write_run):
    write("ok.yaml", VALID)
    code, out, err = run(capsys, "run", "ok.yaml", "--set", "population.agnts=5")
    assert (code, out, only_line(err)) == (
        2, "", "--set population.agnts: unknown key; did you mean 'agents'?")
    assert fake_write_run == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "ok.yaml", "--replications", "0"],
         "binnenstad: error: argument --replications/-r: must be >= 1 (got 0) "
         "(see 'binnenstad run --help')"),
        (["run", "ok.yaml", "--seed", "x"],
         "binnenstad: error: argument --seed: must be an integer (got 'x') "
         "(see 'binnenstad run --help')"),
        (["run"], "binnenstad: error: the following arguments are required: SCENARIO "
         "(see 'binnenstad run --help')"),
        ([], f"binnenstad: error: choose a command: {', '.join(sim.cli.main.COMMANDS)} "
         "(see 'binnenstad --help')"),
        (["frobnicate"], "binnenstad: error: argument COMMAND: invalid choice: 'frobnicate' "
         f"(choose from {', '.join(repr(c) for c in sim.cli.main.COMMANDS)}) "
         "(see 'binnenstad --help')"),
        (["validate", "--frob", "ok.yaml"],
         "binnenstad: error: unrecognized arguments: --frob (see 'binnenstad --help')"),
    ],
    ids=["replications-0", "bad-seed", "no-scenario", "no-command", "bad-command", "bad-option"],
)
def test_usage_errors(write, capsys, fake_write_run, argv, expected):
    write("ok.yaml", VALID)
    code, out, err = run(capsys, *argv)
    assert (code, out, only_line(err)) == (2, "", expected)
    assert fake_write_run == []


# ------------------------------------------------------------------------ error handling
def test_internal_error_is_one_line(write, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(sim.present.run, "write_run", broken)
    write("ok.yaml", VALID)
    code, _, err = run(capsys, "run", "ok.yaml")
    assert (code, err.splitlines()[0], only_line(err.split("\n", 1)[1])) == (
        1, RUN_LINE, "binnenstad: internal error: RuntimeError: boom second line "
        "(rerun with --debug for the traceback)")


def test_debug_shows_the_traceback(write, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sim.present.run, "write_run", broken)
    write("ok.yaml", VALID)
    for argv in (["--debug", "run", "ok.yaml"], ["run", "ok.yaml", "--debug"]):
        code, _, err = run(capsys, *argv)
        assert code == 1
        assert "Traceback" in err and "RuntimeError: boom" in err


def test_debug_traceback_for_scenario_error(write, capsys):
    write("x.yaml", "name: x\nyears: 0\n")
    code, _, err = run(capsys, "--debug", "validate", "x.yaml")
    assert code == 2
    assert "Traceback" in err
    assert err.splitlines()[-1] == "x.yaml:2: years: must be >= 1 (got 0)"


def test_keyboard_interrupt(write, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.present.run, "write_run", interrupted)
    write("ok.yaml", VALID)
    code, _, err = run(capsys, "run", "ok.yaml")
    assert (code, err.splitlines()) == (130, [RUN_LINE, "binnenstad: interrupted"])


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "validate" in out and "run" in out and "examples:" in out
    code, out, _ = run(capsys, "run", "--help")
    assert code == 0 and "--replications" in out and "--set" in out and "examples:" in out
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"binnenstad {__version__}\n")


@pytest.mark.parametrize("value", ["abc", "0", "-2"])
def test_bad_thread_count_is_a_one_line_error(value, monkeypatch, capsys):
    from sim.kernels import parallel

    monkeypatch.setenv("BINNENSTAD_THREADS", value)
    parallel.set_threads(None)  # read the environment again
    try:
        code, out, err = run(capsys, "validate", str(REPO / "scenarios" / "baseline.yaml"))
    finally:
        monkeypatch.delenv("BINNENSTAD_THREADS")
        parallel.set_threads(None)
    assert (code, out) == (2, "")
    assert err.strip() == (f"BINNENSTAD_THREADS: must be a whole number >= 1 (got '{value}'); "
                           "more than 4 threads are not used")


def test_validate_warns_of_an_instrument_that_never_acts(tmp_path, capsys):
    """A typo of 2030 for 2020 is valid but never acts: a warning line names it (exit 0); a
    switched-off instrument and one inside the horizon get none."""
    path = tmp_path / "late.yaml"
    path.write_text(
        "name: late\nyears: 2\ninterventions:\n"
        "  - {type: events_programme, start: 2020-03-02}\n"
        "  - {type: events_programme, start: 2030-01-07}\n"
        "  - {type: events_programme, start: 2031-01-06, enabled: false}\n"
        "  - {type: events_programme, start: 2015-01-05, end: 2015-02-02}\n")
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: ok")
    assert err.splitlines() == [
        f"{path}: warning: interventions[1] (events_programme): starts 2030-01-07, after the "
        "last simulated week (2020-12-28); it never acts",
        f"{path}: warning: interventions[3] (events_programme): ends 2015-02-02, before the first "
        "simulated week (2017-01-09, the start of the warm-up); it never acts"]

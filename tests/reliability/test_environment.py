"""The user's input and machine, reported as such (issue 18, items 6 and 11).

A full or read-only disk, a folder without permission, a path that cannot be made, ``--out``
naming a file and ``schema --out`` naming a folder exit 2 with one line saying what to do, not
"internal error". Control characters from files and command lines reach the terminal escaped;
``show``'s header stays one comment line whatever ``--set`` holds; a file named by ``extends``
that is not a scenario is never quoted.
"""

from __future__ import annotations

import errno

import pytest
import yaml

import sim.files
from sim.cli.main import main

TINY = ("name: tiny\nyears: 1\nwarmup_years: 0\ntown: {preset: kleinstad}\n"
        "population: {agents: 300}\n")


def one_line(capsys) -> str:
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    assert "internal error" not in err[0] and "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize(("code", "hint"), [
    (errno.ENOSPC, "No space left on device; free some space or choose another folder"),
    (errno.EDQUOT, "free some space or choose another folder"),
    (errno.EROFS, "Read-only file system; choose a folder on a writable disk"),
    (errno.EACCES, "Permission denied; check the permissions or choose another folder")])
def test_a_full_or_read_only_disk_is_one_line_exit_2(write, capsys, monkeypatch, code, hint):
    write("tiny.yaml", TINY)

    def refuse(path, data):
        raise OSError(code, __import__("os").strerror(code), str(path))

    monkeypatch.setattr(sim.files, "atomic_write_bytes", refuse)
    assert main(["run", "tiny.yaml", "-q", "--out", "out"]) == 2
    line = one_line(capsys)
    assert line.startswith("binnenstad: error: out/") and line.endswith(hint)


def test_a_folder_that_cannot_be_made(write, capsys):
    write("tiny.yaml", TINY)
    assert main(["run", "tiny.yaml", "-q", "--out", "/proc/binnenstad/out"]) == 2
    assert "check the path" in one_line(capsys)
    assert main(["run", "tiny.yaml", "-q", "--out", "/sys/binnenstad_out"]) == 2
    assert "check the permissions or choose another folder" in one_line(capsys)


def test_out_must_be_a_folder_and_schema_out_a_file(write, capsys):
    write("tiny.yaml", TINY)
    assert main(["run", "tiny.yaml", "-q", "--out", "tiny.yaml"]) == 2
    assert one_line(capsys) == ("tiny.yaml: is a file, not a folder; choose a folder for the "
                                "outputs")
    assert main(["schema", "--out", "."]) == 2
    assert "is a folder; give the name of the file to write" in one_line(capsys)
    assert main(["validate", "tiny\x00.yaml"]) == 2
    assert "contains a NUL byte" in one_line(capsys)


def test_control_characters_reach_the_terminal_escaped(write, capsys):
    write("esc.yaml", 'name: x\n"\\e]0;owned\\a\\e[2J": 1\n')
    assert main(["validate", "esc.yaml"]) == 2
    line = one_line(capsys)
    assert "\x1b" not in line and "\x07" not in line
    assert "\\x1b]0;owned\\x07\\x1b[2J: unknown key" in line
    write("ok\u202e.yaml", TINY)
    assert main(["validate", "ok\u202e.yaml"]) == 0
    assert capsys.readouterr().out.startswith("ok\\u202e.yaml: ok")


@pytest.mark.parametrize("value", ['description="a\n\nname: x"', "description=a\rb",
                                   'description="\\u2028name: y"'])
def test_show_keeps_its_header_one_comment_line(write, capsys, value):
    write("tiny.yaml", TINY)
    assert main(["show", "tiny.yaml", "--set", value]) == 0
    text = capsys.readouterr().out
    header = text.splitlines()[0]
    assert header.startswith("# tiny.yaml, fully resolved with --set description=")
    assert yaml.safe_load(text)["name"] == "tiny"


def test_a_file_that_is_not_a_scenario_is_never_quoted(write, capsys, tmp_path):
    secret = "API_TOKEN: hunter2-very-secret\nDB_PASSWORD: swordfish\n"
    write(".env", secret)
    write("single.txt", "hunter2-very-secret and more secret text on one line\n")
    for target in (".env", "single.txt"):
        write("x.yaml", f"extends: {target}\n")
        assert main(["validate", "x.yaml"]) == 2
        line = one_line(capsys)
        assert "hunter2" not in line and "swordfish" not in line and "API_TOKEN" not in line
    (tmp_path / "exp.yaml").write_text(secret)
    assert main(["experiment", "exp.yaml"]) == 2
    assert "not an experiment file" in (line := one_line(capsys)) and "hunter2" not in line


def test_the_report_escapes_what_users_typed(tmp_path):
    """A description, an instrument's label and a funding round's name with HTML in them
    appear in report.html as text, never as markup."""
    from sim.present.comparison import write_comparison
    from sim.runs.compare import run_comparison
    from sim.scenario.loading import load_scenario

    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    (tmp_path / "base.yaml").write_text(TINY + f"description: \"{evil}\"\n")
    (tmp_path / "other.yaml").write_text(
        f"extends: base.yaml\nname: other\ninterventions:\n  - type: events_programme\n"
        f"    start: 2019-03-04\n    label: \"{evil}\"\nfunding:\n  - name: \"{evil}\"\n"
        "    start: 2019-01-07\n    end: 2019-12-30\n")
    base, other = (load_scenario(tmp_path / f"{n}.yaml") for n in ("base", "other"))
    comparison = run_comparison(base, [other], replications=1, workers=1, progress=False)
    page = write_comparison(comparison, tmp_path / "out").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page

"""The quick commands import only what they need (issue 17).

``binnenstad --help``, ``validate``, ``show`` and ``schema`` must not wait for the model
stack: each runs here in a fresh interpreter, which then lists the top-level packages it
imported. None of numba, Mesa, matplotlib, pandas, pyarrow, Solara or the app may be among
them, nor scipy (``validate`` parses maps with numpy alone; scipy.sparse and scipy.spatial
would take most of its half-second budget). How long the commands take is printed by
``benchmarks/bench_cli.py``, not tested here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

HEAVY = ("numba", "mesa", "matplotlib", "pandas", "pyarrow", "solara", "scipy")
HEAVY_SIM = ("sim.present.app", "sim.model.model", "sim.runs")

CHILD = textwrap.dedent("""
    import contextlib, io, json, sys
    from sim.cli.main import main
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(sys.argv[1:])
    print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
""")


def imported(argv: list[str], cwd: Path = REPO) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-c", CHILD, *argv], cwd=cwd, check=True,
                          capture_output=True, text=True, timeout=120)
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    return answer["code"], set(answer["modules"])


def heavy(modules: set[str]) -> list[str]:
    top = {m.split(".")[0] for m in modules}
    return sorted({h for h in HEAVY if h in top} | {
        m for m in modules for h in HEAVY_SIM if m == h or m.startswith(h + ".")})


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["--version"],
    ["validate", "scenarios/baseline.yaml", "scenarios/corona.yaml"],
    ["show", "scenarios/agenda.yaml"],
    ["schema"],
    ["schema", "--markdown"],
], ids=["help", "version", "validate", "show", "schema", "schema-markdown"])
def test_quick_commands_import_no_model_stack(argv):
    code, modules = imported(argv)
    assert code == 0
    assert heavy(modules) == []


def test_help_imports_not_even_the_schema():
    _, modules = imported(["--help"])
    assert not {m for m in modules if m.split(".")[0] in ("numpy", "pydantic", "yaml")}


def test_validate_of_a_bad_file_imports_no_model_stack(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: x\nyears: 0\n", encoding="utf-8")
    code, modules = imported(["validate", "bad.yaml"], cwd=tmp_path)
    assert code == 2
    assert heavy(modules) == []


def test_validate_of_an_imported_town_imports_no_model_stack(tmp_path):
    # an own town's folder and the balance warning, which reads the town's size
    subprocess.run([sys.executable, "-m", "sim", "town", "import",
                    str(REPO / "tests" / "data" / "oudestad.gpkg"), "--out",
                    str(tmp_path / "oudestad"), "--no-preview"],
                   check=True, capture_output=True, timeout=300)
    (tmp_path / "own.yaml").write_text(
        f"extends: {REPO / 'scenarios' / 'baseline.yaml'}\nname: own\n"
        "town: {dir: oudestad}\npopulation: {city_people: 5000000}\n", encoding="utf-8")
    code, modules = imported(["validate", "own.yaml"], cwd=tmp_path)
    assert code == 0
    assert "sim.scenario.balance" in modules  # the warning was computed
    assert heavy(modules) == []

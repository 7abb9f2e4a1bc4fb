"""docs/reliability.md stays true, and a newcomer's paper cuts stay fixed (issue 18, item 13).

Every test the page names exists; every limit in sim/limits.py appears in its table with its
value; the README says how to run the installed command and how to install extras from the
folder; no document cites a file outside the repository; LICENSE and CITATION.cff are there.
"""

from __future__ import annotations

import ast
import re
import tomllib

import yaml

import sim.limits
from tests.conftest import REPO

PAGE = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")


def test_every_test_the_page_names_exists():
    named = set(re.findall(r"(tests/[\w/]+\.py)::(\w+)", PAGE))
    assert len(named) >= 40
    missing = []
    for path, name in sorted(named):
        file = REPO / path
        tree = ast.parse(file.read_text(encoding="utf-8")) if file.exists() else None
        found = tree is not None and any(
            isinstance(n, ast.FunctionDef) and n.name == name for n in ast.walk(tree))
        if not found:
            missing.append(f"{path}::{name}")
    assert missing == []


def test_every_limit_is_in_the_table_with_its_value():
    table = PAGE.split("### Limits", 1)[1].split("###", 1)[0]
    for name in dir(sim.limits):
        if not name.startswith("MAX_"):
            continue
        value = getattr(sim.limits, name)
        shown = (f"{value / sim.limits.MB:g} MB" if name.endswith("_BYTES")
                 else f"{value:,}" if value >= 1000 else str(value))
        assert f"| {shown} |" in table, f"{name} = {shown} is not in docs/reliability.md"


def test_the_readme_says_how_to_run_and_install():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/binnenstad" in readme and "source .venv/bin/activate" in readme
    assert "pip install -e '.[app]'" in readme
    assert "pip install 'binnenstad[" not in readme


def test_no_document_cites_a_file_outside_the_repository():
    for path in [REPO / "README.md", *(REPO / "docs").glob("*.md"), *(REPO / "sim").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "shared/domain.md" not in text, path


def test_license_and_citation():
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert "Copyright (c) the binnenstad authors" in license_text
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "MIT"}
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    assert citation["version"] == project["version"]
    assert citation["title"].startswith("binnenstad") and citation["authors"]

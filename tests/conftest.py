"""Shared test fixtures: scenario and map files written into a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# A tiny valid map: a station (T), three premises (s, m, m) and one dwelling cell (h).
TINY_MAP = """\
#######
#T...s#
#.hmm.#
#######
"""


def indent(text: str, spaces: int = 4) -> str:
    """Indent every line, for a map inside a YAML block scalar."""
    return textwrap.indent(text, " " * spaces)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory, so error messages show short relative file names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(workdir: Path) -> Callable[[str, str], Path]:
    """Write a file below the working directory: ``write("x.yaml", text)`` -> relative Path.

    The text is dedented, so tests can write YAML indented inside the test function. Use
    :func:`indent` for maps inside block scalars.
    """

    def _write(name: str, text: str) -> Path:
        path = Path(name)
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
        (workdir / path).write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


# ------------------------------------------------------------------------- experiments
#: The small base scenario of the experiment tests (kleinstad, 1,500 agents, 1 + 1 years).
EXPERIMENT_BASE = """\
name: base
seed: 7
years: 1
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 1500
"""


# ------------------------------------------------------------------- comparisons (issue 4)
COMPARE_BASE = """\
name: base
description: Kleinstad without intervention (a small test town).
seed: 5
years: 2
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 2000
"""
COMPARE_SAME = "extends: base.yaml\nname: same\n"
COMPARE_RENT = """\
extends: base.yaml
name: cheaper_rent
description: Landlords ask 30% less, and the town runs an events programme.
economy:
  rent:
    level: 0.7
interventions:
  - type: events_programme
    start: 2019-07-01
    end: 2020-06-28
    budget_eur_per_year: 100000
"""


@pytest.fixture(scope="session")
def compare_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Scenario files of a small comparison: ``base``, ``same`` (base unchanged) and ``rent``
    (lower rents plus an events programme), in one temporary folder."""
    folder = tmp_path_factory.mktemp("compare_scenarios")
    files = {"base": COMPARE_BASE, "same": COMPARE_SAME, "rent": COMPARE_RENT}
    paths = {}
    for name, text in files.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(scope="session")
def compare_run(compare_files: dict[str, Path]):
    """:class:`sim.runs.compare.Comparison` of base, same and rent: 5 paired replications."""
    from sim.runs.compare import run_comparison
    from sim.scenario.loading import load_scenario

    base, same, rent = (load_scenario(compare_files[k]) for k in ("base", "same", "rent"))
    return run_comparison(base, [same, rent], replications=5, workers=1, progress=False)


@pytest.fixture(scope="session")
def compare_out(compare_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of :func:`sim.present.comparison.write_comparison` for
    ``compare_run``."""
    from sim.present.comparison import write_comparison

    out = tmp_path_factory.mktemp("compare_out") / "out"
    write_comparison(compare_run, out)
    return out


@pytest.fixture(scope="session")
def compare_out_en(compare_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same folder as ``compare_out`` with the report in English (``--lang en``)."""
    from sim.present.comparison import write_comparison

    out = tmp_path_factory.mktemp("compare_out_en") / "out"
    write_comparison(compare_run, out, lang="en")
    return out


@pytest.fixture(scope="session")
def oudestad_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped test town (tests/data/oudestad.gpkg) imported into a town folder, without
    its preview; skipped without the ``geo`` extra that reading a GeoPackage needs."""
    pytest.importorskip("geopandas")
    pytest.importorskip("osmnx")
    from sim.cli.main import main

    out = tmp_path_factory.mktemp("oudestad") / "oudestad"
    assert main(["town", "import", str(REPO / "tests" / "data" / "oudestad.gpkg"),
                 "--out", str(out), "--no-preview"]) == 0
    return out

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

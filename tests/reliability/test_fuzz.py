"""Fuzzing what users give binnenstad (issue 18, "Done when").

Every case either exits 2 with one line and no traceback, within 10 s and 500 MB, or runs to
exit 0 (with finite outputs); none exits 1 or is killed.

- The hostile corpus (``hostile.py``: devices, FIFOs, huge files, YAML bombs, nonsense values,
  reversed dates, forged manifests, impossible designs), in a fresh process that reports each
  case's exit status, messages and seconds and its own peak memory.
- NaN, infinities, 1e308, -1e308 and true/false in every numeric field of the schema.
- Hypothesis over the schema: a few numbers at a time set to anything (NaN, huge, negative,
  text, null, lists) or to the ends of their range; what validates must run.
- Every number at the lowest end of its range at once, and at the highest, through ``run``.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.cli.main import main
from sim.runs.output import run_replication
from sim.scenario.loading import LineIndex
from sim.scenario.messages import validation_error
from sim.scenario.schema import Scenario
from tests.reliability.schema_walk import LEAVES, Leaf, full_scenario, set_path

HOSTILE = Path(__file__).with_name("hostile.py")
#: Cases of the corpus that are valid (large but within the limits): they must exit 0.
VALID = {"a 1 MB description", "1 MB of comments"}
MAX_SECONDS, MAX_MB = 10.0, 500.0


def cli(*argv: str) -> tuple[int, list[str]]:
    """``main(argv)`` in this process: its exit status and its stderr lines."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    return code, err.getvalue().splitlines()


def assert_one_line(code: int, lines: list[str], what: str) -> None:
    assert code == 2, f"{what}: exit {code}: {lines}"
    assert len(lines) == 1, f"{what}: {lines}"
    assert "Traceback" not in lines[0] and "internal error" not in lines[0], lines[0]


def finite_outputs(data: dict) -> None:
    """Run the scenario briefly in this process; every number it reports is finite."""
    frame = run_replication(Scenario.model_validate(data), 0, 1).timeseries
    numbers = frame.select_dtypes("number").to_numpy(dtype=float)
    assert np.isfinite(numbers).all(), frame.columns[~np.isfinite(numbers).all(axis=0)].tolist()


# ------------------------------------------------------------------------- the corpus
def test_the_hostile_corpus(tmp_path):
    proc = subprocess.run([sys.executable, str(HOSTILE), str(tmp_path)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    *cases, peak = (json.loads(line) for line in proc.stdout.splitlines())
    assert len(cases) >= 60
    problems = []
    for case in cases:
        expected = 0 if case["case"] in VALID else 2
        lines = case["stderr"]
        if case["code"] != expected:
            problems.append(f"{case['case']}: exit {case['code']} (expected {expected}): {lines}")
        elif expected == 2 and len(lines) != 1:
            problems.append(f"{case['case']}: {len(lines)} lines: {lines}")
        elif any("Traceback" in line for line in lines):
            problems.append(f"{case['case']}: a traceback")
        if case["seconds"] >= MAX_SECONDS:
            problems.append(f"{case['case']}: {case['seconds']} s")
    assert problems == [], "\n".join(problems)
    growth = [f"{c['case']}: {c['peak_mb']} MB" for before, c in zip([{"peak_mb": 0}, *cases],
                                                                     cases, strict=False)
              if c["peak_mb"] - before["peak_mb"] > 50]
    assert peak["peak_mb"] < MAX_MB, f"peak memory grew at: {growth}"
    # The forged manifests named these: collect never touched them.
    assert (tmp_path / "victim.parquet").read_bytes() == b"precious"
    assert (tmp_path / "victim" / "important.parquet").read_bytes() == b"precious"


# ------------------------------------------------------------- every numeric field
NONSENSE = [math.nan, math.inf, -math.inf, 1e308, -1e308, True]


@pytest.mark.parametrize("leaf", LEAVES, ids=lambda leaf: leaf.key)
def test_nonsense_in_every_numeric_field_is_one_line(leaf: Leaf):
    for value in NONSENSE:
        data = full_scenario()
        # the full scenario's own values, then this one (the path is in the dump)
        data = Scenario.model_validate(data).model_dump(mode="json")
        set_path(data, leaf.path, value)
        with pytest.raises(ValidationError) as info:
            Scenario.model_validate(data)
        error = validation_error(info.value, "x.yaml", LineIndex("x.yaml"), [])
        text = str(error)
        assert "\n" not in text and text.startswith("x.yaml: "), text
        assert leaf.key.split(".")[0] in text


# ------------------------------------------------------------------------ hypothesis
def _anything() -> st.SearchStrategy:
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70),
        st.booleans(), st.none(), st.text(max_size=6), st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _in_range(leaf: Leaf) -> st.SearchStrategy:
    if leaf.integer:
        return st.integers(int(leaf.low) + leaf.low_open, int(leaf.high) - leaf.high_open)
    return st.floats(leaf.low, leaf.high, exclude_min=leaf.low_open,
                     exclude_max=leaf.high_open)


_BASE = Scenario.model_validate(full_scenario()).model_dump(mode="json")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hypothesis_over_the_schema(data):
    scenario = json.loads(json.dumps(_BASE))
    for leaf in data.draw(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=4,
                                   unique_by=lambda leaf: leaf.path)):
        value = data.draw(st.one_of(_anything(), st.sampled_from(leaf.ends()), _in_range(leaf)))
        set_path(scenario, leaf.path, value)
    try:
        Scenario.model_validate(scenario)
    except ValidationError as exc:
        text = str(validation_error(exc, "x.yaml", LineIndex("x.yaml"), []))
        assert "\n" not in text and text.startswith("x.yaml")
        return
    finite_outputs(scenario)


# -------------------------------------------------------------------------- extremes
@pytest.mark.parametrize("end", ["lowest", "highest"])
def test_every_number_at_one_end_of_its_range_runs(end, tmp_path, monkeypatch):
    """As many numbers as can be at once at the lowest (or highest) value they may take:
    each is moved to its end unless that breaks a rule between fields (entry shares sum to
    1, online paths in year order), then the scenario must validate and ``run`` to exit 0
    with finite outputs, figures and report included."""
    monkeypatch.chdir(tmp_path)
    scenario = json.loads(json.dumps(_BASE))
    moved = 0
    for leaf in LEAVES:
        ends = leaf.ends()
        candidate = json.loads(json.dumps(scenario))
        set_path(candidate, leaf.path, ends[0] if end == "lowest" else ends[-1])
        try:
            Scenario.model_validate(candidate)
        except ValidationError:
            continue
        scenario, moved = candidate, moved + 1
    assert moved > 0.8 * len(LEAVES)
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(scenario))
    assert cli("validate", "x.yaml")[0] == 0
    code, lines = cli("run", "x.yaml", "-q", "--out", "out")
    assert code == 0, lines
    frame = pd.read_csv(tmp_path / "out" / "timeseries.csv")
    numbers = frame.select_dtypes("number").to_numpy(dtype=float)
    assert np.isfinite(numbers).all()

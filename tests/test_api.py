"""The Python API: the README example runs as written; load, vary, run, compare."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO

from sim import api
from sim.errors import ScenarioError


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_readme_example_runs(tmp_path):
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios")
    code = readme_example()
    # Spawned workers re-import the main module, so run the example as `python -c` (as a
    # notebook cell would), then check what it made.
    check = (
        "\nassert list(at_horizon['metric']) == list(api.HEADLINE_METRICS)\n"
        "assert effects.shape == (4, 2) and (effects['baseline'] == 0).all()\n"
        "assert set(figures) >= {'trajectory_vacancy_rate', 'effect_vacancy_rate',"
        " 'map_cheaper_rent'}\n"
        "assert len(weeks) == 2 * 104 and len(costs) == 2\n"
        "print('REPORT', report)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code + check], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "vacancy_rate" in done.stdout
    assert f"REPORT {os.path.join('results', 'notebook', 'report.html')}" in done.stdout
    assert (tmp_path / "results" / "notebook" / "manifest.json").is_file()


def test_vary_validates_like_set(compare_files):
    base = api.load(compare_files["base"])
    cheaper = api.vary(base, "cheaper", ["economy.rent.level=0.7"])
    assert (cheaper.name, cheaper.economy.rent.level) == ("cheaper", 0.7)
    assert base.economy.rent.level != 0.7  # the default stays the base's
    assert cheaper.population == base.population
    with pytest.raises(ScenarioError) as info:
        api.vary(base, "x", ["economy.rent.levl=0.7"])
    assert str(info.value) == "--set economy.rent.levl: unknown key; did you mean 'level'?"
    with pytest.raises(ScenarioError) as info:
        api.vary(base, "no good", [])
    assert str(info.value).startswith("--set name: must start with a letter or digit")


def test_run_returns_the_weekly_table(compare_files):
    base = api.load(compare_files["base"], ["years=1", "warmup_years=0"])
    frame = api.run(base, replications=2, seed=3)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["replication"].unique()) == [0, 1]
    assert len(frame) == 2 * 52

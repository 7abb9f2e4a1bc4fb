"""Valid-looking input that used to crash after validation, and comparisons that are not
paired (issue 18, items 5 and 10).

Each case of item 5 is run the way a user would (``validate``, then ``run`` of one short year
with figures): it is refused by ``validate`` with one line, or it runs to exit 0 with finite
outputs. None may get past ``validate`` and then fail.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli.main import main

SHORT = {"name": "edge", "years": 1, "warmup_years": 0, "population": {"agents": 400}}
KLEIN = {"town": {"preset": "kleinstad"}}
ZERO = {"centre": 0, "city": 0, "region": 0}
CASES = {
    "all visit rates 0": {**KLEIN, "population": {"visits_per_week": {
        "daily": ZERO, "comparison": ZERO, "leisure": ZERO}}},
    "a map without dwellings": {"town": {"map": "#######\n#T...s#\n#..mm.#\n#######\n"}},
    "a map of entry points only": {"town": {"map": "#####\n#TPB#\n#####\n"}},
    "a map of entry points and homes": {"town": {"map": "#####\n#T.F#\n#hhh#\n#####\n"}},
    "households_per_agent 1e-300": {**KLEIN, "population": {"households_per_agent": 1e-300}},
    "start in year 1": {**KLEIN, "start": "0001-01-01"},
    "start in year 9999": {**KLEIN, "start": "9999-01-04"},
    "sector mix of zeros": {**KLEIN, "economy": {"shops": {"sector_mix": {
        s: 0 for s in ("comparison", "daily", "food_beverage", "services", "leisure")}}}},
    "1e6 initial venues": {**KLEIN, "culture": {"initial_venues": {"theatre": 1_000_000}}},
    "more venues than units": {**KLEIN, "culture": {"initial_venues": {"theatre": 200}}},
    "no shop survives": {**KLEIN, "economy": {"shops": {
        "initial_vacancy": 0.9, "patience_weeks": 1, "reserve_months": 0}}},
    "income shares of zeros": {**KLEIN, "population": {"income_shares": {
        "low": 0, "middle": 0, "high": 0}}},
}


def merged(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


@pytest.mark.parametrize("case", CASES)
def test_refused_by_validate_or_runs(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(merged(SHORT, CASES[case])))
    code = main(["validate", "x.yaml"])
    err = capsys.readouterr().err.splitlines()
    if code == 2:
        assert len(err) == 1 and "internal error" not in err[0], err
        return
    assert code == 0, err
    assert main(["run", "x.yaml", "-q", "--out", "out"]) == 0, capsys.readouterr().err
    frame = pd.read_csv(tmp_path / "out" / "timeseries.csv")
    assert np.isfinite(frame.select_dtypes("number").to_numpy(dtype=float)).all()
    assert (tmp_path / "out" / "manifest.json").exists()


# ------------------------------------------------------------------------ item 10
BASE = ("name: base\nseed: 2\nyears: 1\nwarmup_years: 0\npopulation: {agents: 400}\n"
        "town: {preset: kleinstad}\n")


@pytest.mark.parametrize(("other", "key"), [
    ("town: {preset: middelstad}\n", "town.preset"),
    ("town:\n  preset: null\n  map: |\n    #######\n    #T...s#\n    #.hmm.#\n    #######\n",
     "town.map"),
    ("town: {cell_size_m: 12}\n", "town.cell_size_m"),
    ("population: {agents: 500}\n", "population.agents"),
    ("warmup_years: 1\n", "warmup_years"),
])
def test_compare_refuses_another_town_or_population(write, capsys, other, key):
    write("base.yaml", BASE)
    write("other.yaml", "extends: base.yaml\nname: other\n" + other)
    assert main(["compare", "base.yaml", "other.yaml", "-r", "1", "-w", "1", "-q",
                 "--out", "out"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"other.yaml:3: {key}: differs from the baseline 'base'" in err[0]
    assert err[0].endswith("or add --unpaired to compare different places")


def test_compare_unpaired_and_the_same_map_given_another_way(write, workdir):
    from sim.runs.compare import check_comparable
    from sim.scenario.loading import load_scenario
    from sim.town.maps import load_preset

    write("base.yaml", BASE)
    write("other.yaml", "extends: base.yaml\nname: other\ntown:\n  preset: null\n  map: |\n"
          "    #######\n    #T...s#\n    #.hmm.#\n    #######\n")
    assert main(["compare", "base.yaml", "other.yaml", "-r", "1", "-w", "1", "-q", "--out",
                 "out", "--unpaired"]) == 0
    assert json.loads((workdir / "out" / "manifest.json").read_text())["paired"] is False
    # the kleinstad preset written out as a map file is the same town: paired
    town = load_preset("kleinstad")
    write("klein.txt", "\n".join("".join(row) for row in town.symbols) + "\n")
    write("same.yaml", "extends: base.yaml\nname: same\ntown:\n  map_file: klein.txt\n")
    check_comparable(load_scenario("base.yaml"), load_scenario("same.yaml"))  # no error

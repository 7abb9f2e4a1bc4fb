"""A scenario on an imported town (``town: {dir: ...}``): it loads relative to the scenario
file, runs and compares like any other, its people follow from its dwellings, and a missing
folder is one line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("geopandas")
pytest.importorskip("osmnx")

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.model.model import CityCentre
from sim.model.premises import CULTURE, SHOP
from sim.scenario.culture import Culture
from sim.scenario.fields import SECTORS
from sim.scenario.loading import build_town, load_scenario

REPO = Path(__file__).resolve().parents[2]
GPKG = REPO / "tests" / "data" / "oudestad.gpkg"
BASELINE_VENUES = Culture().initial_venues


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> dict[str, Path]:
    """The shipped town imported into towns/oudestad, a baseline on it and a cheaper rent."""
    base = tmp_path_factory.mktemp("own")
    assert main(["town", "import", str(GPKG), "--out", str(base / "towns" / "oudestad"),
                 "--no-preview"]) == 0
    (base / "oudestad.yaml").write_text(
        f"extends: {REPO / 'scenarios' / 'baseline.yaml'}\nname: oudestad\n"
        "town: {dir: towns/oudestad}\nyears: 1\nwarmup_years: 1\n")
    (base / "cheaper.yaml").write_text(
        "extends: oudestad.yaml\nname: cheaper_rent\neconomy: {rent: {level: 0.8}}\n")
    return {"base": base / "oudestad.yaml", "cheaper": base / "cheaper.yaml"}


def test_the_town_folder_is_the_town(scenarios):
    scenario = load_scenario(scenarios["base"])
    town = build_town(scenario)
    assert town.n_premises == 150 and town.folder.endswith("oudestad")
    model = CityCentre(scenario, seed=3)
    # the centre's people are its dwellings' households, not middelstad's density
    households = float(town.dwelling_households.sum())
    assert model.residents.people["centre"] == pytest.approx(1.6 * households)
    assert model.residents.balance.balanced
    # uses from the data: the premises marked vacant start vacant, the rest in their sector
    vacant = town.premises_use == "vacant"
    assert vacant.any() and model.premises.vacant[vacant].all()
    venues = np.flatnonzero(model.premises.use == CULTURE)
    shops = np.flatnonzero(model.premises.use == SHOP)
    assert (model.premises.sector[shops] == [SECTORS.index(u)
                                              for u in town.premises_use[shops]]).all()
    # the initial cultural venues take recorded leisure units (its theatres, museums), never
    # a recorded shop of another sector nor a recorded vacant unit
    assert venues.size == sum(BASELINE_VENUES.values())
    assert (town.premises_use[venues] == "leisure").all()
    open_shops = model.premises.open & (model.premises.use != CULTURE)
    assert ((town.premises_use != "leisure") & ~vacant <= open_shops).all()


def test_a_scenario_on_an_imported_town_runs_and_compares(scenarios, tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(scenarios["base"]), str(scenarios["cheaper"]), "-r", "2",
                 "-w", "1", "-q", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["scenario"]) == {"oudestad", "cheaper_rent"}
    assert np.isfinite(summary.loc[summary["scenario"] == "cheaper_rent", "effect_median"]).all()
    assert (out / "report.html").is_file() and (out / "manifest.json").is_file()
    # the report's question names the town by its folder's name (the scenario sets no
    # town.name), not "the centre"; its map is drawn over the town's real geometry
    report = (out / "report.html").read_text(encoding="utf-8")
    question = re.search(r'<p class="question">(.*?)</p>', report).group(1)
    assert "in Oudestad als" in question and "binnenstad" not in question
    assert (out / "figures" / "map_cheaper_rent.png").is_file()


def test_a_missing_town_folder_is_one_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("name: x\ntown:\n  dir: towns/nowhere\n")
    with pytest.raises(ScenarioError) as err:
        build_town(load_scenario(path))
    message = str(err.value)
    assert message.startswith(f"{path}:3: town.dir: town folder ") and "\n" not in message

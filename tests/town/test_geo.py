"""Tests for ``binnenstad town import`` (sim.town.geo, rasterise, importer, townfile, uses).

The shipped test town (tests/data/oudestad.{osm,gpkg}, made by tests/data/make_towns.py) is
imported through the command line; small hand-made layers test single rules and bad input.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("geopandas")
pytest.importorskip("osmnx")

import geopandas as gpd
from scipy import ndimage
from shapely.geometry import LineString, Point, box

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.town.rasterise import Grid, line_cells, rasterise_streets
from sim.town.routing import shortest_path_trees
from sim.town.townfile import load_town_dir
from sim.town.uses import USES, use_from_osm

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
OSM, GPKG = DATA / "oudestad.osm", DATA / "oudestad.gpkg"
TABLES = ("map.txt", "dwellings.csv", "entries.csv", "counts.csv", "core.txt")
RD = "EPSG:28992"


@functools.cache
def load_generator():
    """tests/data/make_towns.py as a module (registered first: its dataclasses need it)."""
    spec = importlib.util.spec_from_file_location("make_towns", DATA / "make_towns.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_towns"] = module
    spec.loader.exec_module(module)
    return module


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, Path]:
    """The shipped town imported from the GeoPackage, and from the OSM file (counting points,
    core and study area from the GeoPackage), as town folders."""
    base = tmp_path_factory.mktemp("imported")
    folders = {"gpkg": base / "gpkg", "osm": base / "osm"}
    assert main(["town", "import", str(GPKG), "--out", str(folders["gpkg"])]) == 0
    assert main(["town", "import", str(OSM), "--counts", f"{GPKG}:counts",
                 "--core", f"{GPKG}:core", "--area", f"{GPKG}:area",
                 "--out", str(folders["osm"])]) == 0
    return folders


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ the shipped town
def test_osm_and_geopackage_give_the_same_town(imported):
    for name in TABLES:
        assert (imported["osm"] / name).read_text() == (imported["gpkg"] / name).read_text(), name
    a, b = (read_csv(imported[k] / "premises.csv") for k in ("osm", "gpkg"))
    assert len(a) == len(b) == 150
    for ra, rb in zip(a, b, strict=True):
        # floor areas and distances go through WGS84 and back in the OSM file: 0.1 m2 rounding
        assert abs(float(ra.pop("floor_m2")) - float(rb.pop("floor_m2"))) <= 0.11
        assert abs(float(ra.pop("moved_m")) - float(rb.pop("moved_m"))) <= 0.11
        assert ra == rb


def test_import_is_deterministic(imported, tmp_path):
    again = tmp_path / "again"
    assert main(["town", "import", str(GPKG), "--out", str(again)]) == 0
    files = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert Path("preview.png") in files and Path("town.yaml") in files
    assert files == sorted(p.relative_to(imported["gpkg"]) for p in imported["gpkg"].rglob("*")
                           if p.is_file())
    for rel in files:
        assert (again / rel).read_bytes() == (imported["gpkg"] / rel).read_bytes(), rel


def test_floor_areas_sum_to_the_input(imported):
    town = load_generator().make_town(150)
    rows = read_csv(imported["gpkg"] / "premises.csv")
    total = sum(float(r["floor_m2"]) for r in rows)
    assert total == pytest.approx(town.premises_floor_m2, rel=0.01)
    sources = {r["floor_source"] for r in rows}
    assert sources == {"building", "building share"}  # footprints shared in shared buildings


def test_premises_uses_follow_the_tag_table(imported):
    rows = read_csv(imported["osm"] / "premises.csv")
    for row in rows:
        key, value = row["source_tag"].split("=", 1)
        assert use_from_osm({key: value}) == (row["use"], row["source_tag"])
    uses = {r["use"] for r in rows}
    assert {"comparison", "daily", "food_beverage", "services", "leisure", "vacant"} <= uses


def test_every_premises_is_reachable_and_alone_in_its_cell(imported):
    town = load_town_dir(imported["gpkg"])
    assert town.n_premises == 150 and town.name == "oudestad"
    cells = {tuple(xy) for xy in town.premises_xy.tolist()}
    assert len(cells) == town.n_premises
    gap = np.abs(town.walkable_xy[town.premises_access] - town.premises_xy).sum(axis=1)
    assert (gap == 1).all()
    trees = shortest_path_trees(town.adjacency, town.entry_access)
    reached = (trees.dist_steps[:, town.premises_access] >= 0).any(axis=0)
    assert reached.all()
    homes = (trees.dist_steps[:, town.dwelling_access] >= 0).any(axis=0)
    assert homes.all()


def test_town_folder_loads_with_the_tables(imported):
    folder = imported["gpkg"]
    town = load_town_dir(folder)
    rows = read_csv(folder / "premises.csv")
    assert town.premises_xy.tolist() == [[int(r["x"]), int(r["y"])] for r in rows]
    assert town.premises_floor_m2.tolist() == [float(r["floor_m2"]) for r in rows]
    assert town.premises_use.tolist() == [r["use"] for r in rows]
    assert town.premises_source_id.tolist() == [r["source_id"] for r in rows]
    assert set(town.premises_use.tolist()) <= set(USES)
    # floor areas come from the table, not from the symbol's default area
    assert len(set(town.premises_floor_m2.tolist())) > 100
    counts = read_csv(folder / "counts.csv")
    assert list(town.counting_points) == [r["name"] for r in counts]
    assert town.counting_point_labels["polstraat"] == "Polstraat"
    kinds = town.entry_kind.tolist()
    assert kinds.count("station") == 1 and kinds.count("car_park") == 3
    assert np.nanmin(town.entry_capacity[town.entry_kind == "car_park"]) >= 180
    assert town.dwelling_households.sum() > 100 and np.isnan(town.dwelling_persons).all()
    assert town.core_mask.shape == (town.height, town.width)
    assert 0 < town.premises_in_core.sum() < town.n_premises
    assert town.origin_rd_m[0] % 10 == 0 and town.folder == str(folder)


def test_summary_and_provenance(imported, tmp_path, capsys):
    code, out, err = run(["town", "import", GPKG, "--out", tmp_path / "t"], capsys)
    assert code == 0 and err == ""
    assert "premises: 150, floor area" in out
    assert re.search(r"entry points: 1 station, 3 car_park, 2 bus_stop, 1 bike_park", out)
    assert "1  entries: bike rack for fewer than 50 bikes" in out
    assert "1  streets: highway=trunk is not walkable" in out
    assert len(out.splitlines()) <= 25  # one screen
    import yaml

    cfg = yaml.safe_load((tmp_path / "t" / "town.yaml").read_text())
    assert cfg["crs"] == "EPSG:28992" and cfg["cell_size_m"] == 10.0
    assert {i["role"] for i in cfg["inputs"]} >= {"streets", "premises", "entries", "counts"}
    assert all(len(i["sha256"]) == 64 for i in cfg["inputs"])
    dropped = read_csv(tmp_path / "t" / "dropped.csv")
    assert {d["reason"] for d in dropped} == {"highway=trunk is not walkable",
                                              "bike rack for fewer than 50 bikes (not a "
                                              "fietsenstalling)"}


def test_small_generated_town(tmp_path):
    gen = load_generator()
    town = gen.make_town(30, name="dorp")
    _, gpkg = gen.write(town, tmp_path)
    assert main(["town", "import", str(gpkg), "--out", str(tmp_path / "dorp")]) == 0
    loaded = load_town_dir(tmp_path / "dorp")
    assert loaded.n_premises == 30
    assert loaded.premises_floor_m2.sum() == pytest.approx(town.premises_floor_m2, rel=0.01)


def test_generator_is_deterministic(tmp_path):
    gen = load_generator()
    assert gen.osm_xml(gen.make_town(150)) == OSM.read_text(encoding="utf-8")


# -------------------------------------------------------------------- rasterising
def test_a_line_becomes_a_four_connected_row_of_cells():
    rng = np.random.default_rng(3)
    grid = Grid(0.0, 500.0, 10.0, 50, 50)
    for _ in range(50):
        pts = rng.uniform(5, 495, size=(int(rng.integers(2, 8)), 2))
        cells = line_cells(LineString(pts), grid)
        mask = np.zeros((50, 50), bool)
        mask[cells[:, 1], cells[:, 0]] = True
        assert ndimage.label(mask)[1] == 1
        # every point of the line lies in one of its cells
        line = LineString(pts)
        on_line = grid.cell_of(np.array([line.interpolate(t, normalized=True).coords[0]
                                         for t in np.linspace(0, 1, 200)]))
        assert {tuple(c) for c in on_line.tolist()} <= {tuple(c) for c in cells.tolist()}


def test_rasterising_keeps_street_connectivity():
    streets = gpd.read_file(GPKG, layer="streets")
    squares = gpd.read_file(GPKG, layer="squares")
    walk = streets[streets["highway"] != "trunk"]
    lines = list(walk.geometry)
    # the streets as drawn: which lines meet (union-find over touching lines and squares)
    geoms = lines + list(squares.geometry)
    parent = list(range(len(geoms)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if geoms[i].distance(geoms[j]) < 1e-6:
                parent[find(i)] = find(j)
    vector_parts = {find(i) for i in range(len(geoms))}
    area = gpd.read_file(GPKG, layer="area").geometry[0]
    grid = Grid.over(area.bounds, 10.0)
    kind, per_line = rasterise_streets(lines, list(squares.geometry), grid)
    labels, n = ndimage.label(kind > 0)
    assert n <= len(vector_parts)
    for root in vector_parts:  # each part as drawn is one piece of cells
        members = [i for i in range(len(lines)) if find(i) == root]
        found = {int(labels[c[1], c[0]]) for i in members for c in per_line[i]}
        assert len(found) <= 1
    assert n == 1  # the test town's walkable streets all meet


def test_two_premises_in_one_cell_are_both_placed(tmp_path, capsys):
    premises = [Point(52, 13), Point(55, 14), Point(500, 500)]  # two in one cell, one far
    files = small_town(tmp_path, gpd.GeoDataFrame(
        {"id": ["a", "b", "far"], "use": ["daily", "leisure", "services"],
         "floor_m2": [80.0, 120.0, 60.0]}, geometry=premises, crs=RD))
    code, out, _ = run(["town", "import", *files, "--bbox", "0,-50,600,600",
                        "--out", tmp_path / "t"], capsys)
    assert code == 0
    assert "1  premises: no frontage cell within 30 m\n" in out
    rows = read_csv(tmp_path / "t" / "premises.csv")
    assert sorted(r["source_id"] for r in rows) == ["a", "b"]
    assert len({(r["x"], r["y"]) for r in rows}) == 2
    assert max(float(r["moved_m"]) for r in rows) >= 5.0
    dropped = read_csv(tmp_path / "t" / "dropped.csv")
    assert [d["feature_id"] for d in dropped if d["layer"] == "premises"] == ["far"]
    assert "no frontage cell" in next(d["reason"] for d in dropped if d["feature_id"] == "far")


# ------------------------------------------------------------------- other inputs
def small_town(tmp_path: Path, premises: gpd.GeoDataFrame, **layers) -> list[str]:
    """A GeoPackage with a street along y=0 and one across, a station, and ``premises``."""
    path = tmp_path / "small.gpkg"
    streets = gpd.GeoDataFrame({"name": ["Markt", "Kerkstraat"]},
                               geometry=[LineString([(0, 0), (200, 0)]),
                                         LineString([(100, -40), (100, 60)])], crs=RD)
    entries = gpd.GeoDataFrame({"kind": ["station"], "capacity": [None]},
                               geometry=[Point(2, 1)], crs=RD)
    for name, gdf in {"streets": streets, "entries": entries, "premises": premises,
                      **layers}.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return [str(path)]


def test_polygon_premises_take_their_footprint(tmp_path):
    shops = gpd.GeoDataFrame({"shop": ["bakery", "clothes"], "osm_id": ["way/1", "way/2"]},
                             geometry=[box(20, 4, 32, 20), box(40, -25, 52, -4)], crs=RD)
    files = small_town(tmp_path, shops)
    assert main(["town", "import", *files, "--out", str(tmp_path / "t")]) == 0
    rows = read_csv(tmp_path / "t" / "premises.csv")
    assert [(r["use"], r["floor_m2"], r["floor_source"]) for r in rows] == [
        ("daily", "192.0", "footprint"), ("comparison", "252.0", "footprint")]
    # each takes the frontage cell nearest its footprint: the row beside the street
    assert [float(r["moved_m"]) for r in rows] == [0.0, 0.0]


def test_bag_verblijfsobjecten(tmp_path):
    vbo = gpd.GeoDataFrame({
        "identificatie": ["0001", "0002", "0003", "0004", "0005"],
        "gebruiksdoel": ["winkelfunctie", "woonfunctie", "kantoorfunctie",
                         "woonfunctie,bijeenkomstfunctie", "woonfunctie"],
        "oppervlakte": [140.0, 85.0, 300.0, 95.0, 60.0],
        "status": ["Verblijfsobject in gebruik"] * 5,
    }, geometry=[Point(30, 8), Point(60, 8), Point(80, -8), Point(130, 8), Point(150, -8)],
        crs=RD)
    files = small_town(tmp_path, vbo, verblijfsobject=vbo)
    assert main(["town", "import", files[0], "--premises", f"{files[0]}:verblijfsobject",
                 "--dwellings", f"{files[0]}:verblijfsobject", "--out",
                 str(tmp_path / "t")]) == 0
    rows = read_csv(tmp_path / "t" / "premises.csv")
    assert sorted((r["source_id"], r["use"], r["floor_m2"]) for r in rows) == [
        ("0001", "unknown", "140.0"), ("0004", "unknown", "95.0")]
    town = load_town_dir(tmp_path / "t")
    assert town.dwelling_households.sum() == 2.0
    dropped = read_csv(tmp_path / "t" / "dropped.csv")
    assert [(d["feature_id"], d["reason"]) for d in dropped] == [
        ("0003", "gebruiksdoel kantoorfunctie is not a shop or meeting place")]


# --------------------------------------------------------------------- bad input
def one_line_error(capsys, args) -> str:
    code, out, err = run(args, capsys)
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


def test_not_geodata(tmp_path, capsys):
    bad = tmp_path / "centre.gpkg"
    bad.write_text("this is not a GeoPackage\n")
    err = one_line_error(capsys, ["town", "import", bad, "--out", tmp_path / "t"])
    assert err.startswith(f"{bad}: not a geodata file GDAL can read")
    osm = tmp_path / "centre.osm"
    osm.write_text("<osm><node id='1' lat='52.0'")
    err = one_line_error(capsys, ["town", "import", osm, "--out", tmp_path / "t"])
    assert err.startswith(f"{osm}: not OpenStreetMap XML")
    assert not (tmp_path / "t" / "town.yaml").exists()


def test_missing_crs(tmp_path, capsys):
    files = small_town(tmp_path, gpd.GeoDataFrame({"use": ["daily"]}, geometry=[Point(30, 8)],
                                                  crs=RD))
    shp = tmp_path / "shops.shp"
    with pytest.warns(UserWarning, match="crs"):  # geopandas warns too; the import must fail
        gpd.GeoDataFrame({"use": ["daily"]}, geometry=[Point(30, 8)]).to_file(shp)
    err = one_line_error(capsys, ["town", "import", files[0], "--premises", shp,
                                  "--out", tmp_path / "t"])
    assert err.startswith(f"{shp}: layer shops: has no coordinate reference system")


def test_no_streets_in_the_study_area(tmp_path, capsys):
    files = small_town(tmp_path, gpd.GeoDataFrame({"use": ["daily"]}, geometry=[Point(30, 8)],
                                                  crs=RD))
    err = one_line_error(capsys, ["town", "import", *files, "--bbox", "5000,5000,6000,6000",
                                  "--out", tmp_path / "t"])
    assert err == (f"{files[0]}: layer streets: no walkable streets in the study area (lines "
                   "with a highway value such as pedestrian, footway, residential; or squares)")


def test_unknown_use(tmp_path, capsys):
    shops = gpd.GeoDataFrame({"id": ["s1", "s2"], "use": ["daily", "shopp"]},
                             geometry=[Point(30, 8), Point(50, 8)], crs=RD)
    files = small_town(tmp_path, shops)
    err = one_line_error(capsys, ["town", "import", *files, "--out", tmp_path / "t"])
    assert err == (f"{files[0]}: layer premises: feature s2: unknown use 'shopp'; allowed: "
                   "comparison, daily, food_beverage, services, leisure, vacant, unknown")


def test_unknown_bag_use_and_entry_kind(tmp_path, capsys):
    vbo = gpd.GeoDataFrame({"identificatie": ["0001"], "gebruiksdoel": ["winkel"],
                            "oppervlakte": [50.0]}, geometry=[Point(30, 8)], crs=RD)
    files = small_town(tmp_path, vbo)
    err = one_line_error(capsys, ["town", "import", *files, "--out", tmp_path / "t"])
    assert err.startswith(f"{files[0]}: layer premises: feature 0001: unknown gebruiksdoel "
                          "'winkel'")
    entries = gpd.GeoDataFrame({"id": ["e1"], "kind": ["airport"]}, geometry=[Point(0, 0)],
                               crs=RD)
    path = tmp_path / "entries.geojson"
    entries.to_file(path, driver="GeoJSON")
    err = one_line_error(capsys, ["town", "import", "--streets", f"{files[0]}:streets",
                                  "--premises", f"{files[0]}:streets", "--entries", path,
                                  "--out", tmp_path / "t"])
    assert "premises" in err  # a streets layer has no use: named before the entries are read
    shops = gpd.GeoDataFrame({"use": ["daily"]}, geometry=[Point(30, 8)], crs=RD)
    (tmp_path / "b").mkdir()
    files = small_town(tmp_path / "b", shops)
    err = one_line_error(capsys, ["town", "import", *files, "--entries", path,
                                  "--out", tmp_path / "t"])
    assert err == (f"{path}: layer entries: feature e1: unknown entry kind 'airport'; allowed: "
                   "station, car_park, bus_stop, bike_park")


def test_a_town_folder_with_a_bad_table(imported, tmp_path):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(imported["gpkg"], folder)
    path = folder / "premises.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",comparison,", ",shopping,").replace(",daily,", ",shopping,")
    lines[3] = re.sub(r",(comparison|daily|food_beverage|services|leisure|vacant),",
                      ",shopping,", lines[3])
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError) as info:
        load_town_dir(folder)
    assert str(info.value).startswith(f"{path}:4: use: must be one of comparison, daily")
    path.write_text("\n".join(lines[:3] + lines[4:]) + "\n")
    with pytest.raises(ScenarioError, match=r"premises.csv: no row for the premises at cell"):
        load_town_dir(folder)
    with pytest.raises(ScenarioError, match="not a town folder"):
        load_town_dir(tmp_path)


@pytest.mark.parametrize("missing", ["counts.csv", "geometry/buildings.geojson"])
def test_a_town_folder_missing_a_file_its_town_yaml_lists(imported, tmp_path, missing):
    """A damaged folder is one line, not a town that quietly lost its named counting points
    or its footprints."""
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(imported["gpkg"], folder)
    load_town_dir(folder)  # whole: it loads
    (folder / missing).unlink()
    key = "counts" if missing == "counts.csv" else "geometry.buildings"
    with pytest.raises(ScenarioError) as info:
        load_town_dir(folder)
    assert str(info.value).startswith(f"{folder / 'town.yaml'}")
    assert f"files.{key}: lists {missing}, which is not in the town folder" in str(info.value)

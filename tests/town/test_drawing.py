"""Tests for sim.town.drawing and the geometry it draws (sim.town.townfile.map_geometry): an
imported town's geometry lines up with its cells, a preset has none, and the main streets are
those with the most premises along them."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from sim.town.drawing import main_streets
from sim.town.maps import load_preset
from sim.town.townfile import load_town_dir, map_geometry


def test_an_imported_towns_geometry_lies_on_its_cells(oudestad_folder):
    town = load_town_dir(oudestad_folder)
    geometry = map_geometry(town)
    assert geometry is not None
    assert len(geometry.layers["buildings"]) > 100 and len(geometry.layers["streets"]) > 20
    # the centre of every premises' cell in RD metres (cell (x, y) covers X from x0 + x * s,
    # Y down from y0 - y * s) comes out on that cell in the map's coordinates
    x0, y0 = town.origin_rd_m
    s = town.cell_size_m
    xy = town.premises_xy.astype(float)
    rd = np.column_stack([x0 + (xy[:, 0] + 0.5) * s, y0 - (xy[:, 1] + 0.5) * s])
    np.testing.assert_allclose(geometry.to_cells(rd), xy, atol=1e-9)
    # the north-west corner of the grid is the outer corner of cell (0, 0)
    np.testing.assert_allclose(geometry.to_cells(np.array([[x0, y0]])), [[-0.5, -0.5]])


def test_a_preset_has_no_geometry():
    assert map_geometry(load_preset("kleinstad")) is None


def test_a_folder_without_geometry_files_draws_the_cells_only(oudestad_folder, tmp_path):
    town = load_town_dir(oudestad_folder)
    empty = tmp_path / "bare"
    (empty / "geometry").mkdir(parents=True)
    bare = replace(town, folder=str(empty))
    assert map_geometry(bare) is None


def test_main_streets_are_those_with_most_premises_along_them(oudestad_folder):
    streets = json.loads((oudestad_folder / "geometry" / "streets.geojson").read_text(
        encoding="utf-8"))["features"]
    along: dict[str, int] = {}
    for f in streets:
        name = f["properties"]["name"]
        if name:
            along[name] = max(along.get(name, 0), f["properties"]["premises_along"])
    chosen = main_streets(streets, 5)
    names = [name for name, _ in chosen]
    assert len(names) == 5 == len(set(names))
    # nobody left out has more premises along it than the least of those chosen
    assert min(along[n] for n in names) >= max(v for n, v in along.items() if n not in names)
    # each label goes on a piece of its own street
    for name, piece in chosen:
        assert any(f["properties"]["name"] == name
                   and f["geometry"]["coordinates"] == piece.tolist() for f in streets)

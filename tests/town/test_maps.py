"""Tests for sim.town.maps: map parsing, presets, access cells, home zones."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from sim.town.maps import (
    ENTRY_KINDS,
    PRESETS,
    MapError,
    components,
    home_zones,
    load_preset,
    parse_map,
)

SMALL = """
#######
#smLA##
#..1..T
#h#:::#
#######
"""


@pytest.fixture(scope="module", params=PRESETS)
def preset(request):
    return load_preset(request.param)


PREMISES_RANGE = {"kleinstad": (70, 90), "middelstad": (280, 320), "grootstad": (1500, 1800)}


def test_preset_sizes_and_entries(preset):
    lo, hi = PREMISES_RANGE[preset.name]
    assert lo <= preset.n_premises <= hi
    assert len(preset.dwelling_xy) > 0
    kinds = set(preset.entry_kind.tolist())
    assert kinds <= set(ENTRY_KINDS)
    assert "car_park" in kinds
    assert kinds & {"station", "bus_stop"}
    assert preset.counting_points


def test_middelstad_has_station_two_car_parks_and_counts():
    town = load_preset("middelstad")
    kinds = town.entry_kind.tolist()
    assert kinds.count("station") >= 1
    assert kinds.count("car_park") == 2
    assert "bus_stop" in kinds and "bike_park" in kinds
    assert list(town.counting_points) == ["count_1", "count_2", "count_3", "count_4"]
    assert 100 <= town.width <= 140 and 60 <= town.height <= 90
    assert (town.premises_symbol == "A").sum() >= 3


def test_every_access_cell_reaches_an_entry(preset):
    _, comp = connected_components(preset.adjacency, directed=False)
    entry_comps = set(comp[preset.entry_access].tolist())
    assert set(comp[preset.premises_access].tolist()) <= entry_comps
    assert set(comp[preset.dwelling_access].tolist()) <= entry_comps
    # access cells are 4-neighbours of their premises
    d = np.abs(preset.walkable_xy[preset.premises_access] - preset.premises_xy).sum(axis=1)
    assert (d == 1).all()


def _partition(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for node, label in enumerate(np.asarray(labels).tolist()):
        groups.setdefault(label, set()).add(node)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("seed", range(5))
def test_components_match_scipy_on_random_graphs(seed):
    # parse_map labels components with numpy alone (validate must not import scipy); the
    # partition must be scipy's, whatever the order of the links
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    m = int(rng.integers(0, 2 * n))
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    labels = components(n, a, b)
    graph = sp.csr_array((np.ones(m), (a, b)), shape=(n, n))
    _, expected = connected_components(graph, directed=False)
    assert _partition(labels) == _partition(expected)
    assert (labels <= np.arange(n)).all() and (labels[labels] == labels).all()


def test_components_of_a_long_street_reversed():
    # a path whose links come from its far end: the hooking must still end in one component
    n = 5000
    labels = components(n, np.arange(n - 1, 0, -1), np.arange(n - 2, -1, -1))
    assert (labels == 0).all()


def test_parse_small_map_arrays():
    town = parse_map(SMALL)
    assert (town.width, town.height) == (7, 5)
    assert town.symbols[0, 0] == "#" and town.symbols[1, 1] == "s"
    assert town.premises_symbol.tolist() == ["s", "m", "L", "A"]
    assert town.premises_floor_m2.tolist() == [60.0, 150.0, 400.0, 1200.0]
    # north row of premises: access is the street cell below (south) each one
    assert town.walkable_xy[town.premises_access].tolist() == [[1, 2], [2, 2], [3, 2], [4, 2]]
    # dwelling at (1, 3): north neighbour (1, 2) is a street
    assert town.walkable_xy[town.dwelling_access].tolist() == [[1, 2]]
    assert town.entry_kind.tolist() == ["station"]
    assert town.walkable_xy[town.entry_access].tolist() == [[6, 2]]
    assert town.walkable_xy[town.counting_points["count_1"]].tolist() == [3, 2]
    assert town.walkable_is_square.sum() == 3
    # 4-neighbour links only: 5 horizontal in row 2 + 3 horizontal... (row 3 squares) + 3 vertical
    assert town.adjacency.nnz == 2 * (5 + 2 + 3)
    assert (town.walkable_index >= 0).sum() == town.n_walkable


def test_access_prefers_street_over_square():
    town = parse_map("#..#\n#:s.\n#:###\nT....\n")
    # premises at (2, 1): north (2, 0) is a street, west (1, 1) a square -> north
    assert town.walkable_xy[town.premises_access].tolist() == [[2, 0]]
    town = parse_map("#::.\n#:s.\n#:###\nT....\n")
    # north is a square, east (3, 1) a street -> east
    assert town.walkable_xy[town.premises_access].tolist() == [[3, 1]]


def test_ragged_rows_are_padded_and_floor_areas_overridable():
    town = parse_map("s\n.T\n", floor_area_m2={"s": 80}, cell_size_m=5.0)
    assert town.symbols.tolist() == [["s", "#"], [".", "T"]]
    assert town.premises_floor_m2.tolist() == [80.0]
    assert town.cell_size_m == 5.0


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("\n\n#...#\n#.Tx#\n", 4, 4, "unknown map symbol 'x'"),
        ("....\n..s.\n....\n.x..\n", 4, 2, "unknown map symbol"),
        ("T..\n...\n#s#\n#s#\n", 4, 2, "premises 's' is not reachable from any street"),
        ("T..\n..s\n\n###\n.h.\n", 5, 2, "dwelling 'h' is not connected to any entry point"),
        ("T..s\n####\n.m..\n", 3, 2, "premises 'm' is not connected to any entry point"),
        ("T.1.1\n.ss..\n", 1, 5, "counting point 1 appears more than once"),
    ],
)
def test_map_errors_have_line_and_column(text, line, column, fragment):
    with pytest.raises(MapError) as info:
        parse_map(text)
    assert fragment in str(info.value)
    assert (info.value.line, info.value.column) == (line, column)


def test_unknown_symbol_message_lists_legend():
    with pytest.raises(MapError, match=r"allowed: # \. : s m L A h T P B F 1-9 and space"):
        parse_map("T.\ns?\n")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("...\n.s.\n", "no entry point"), ("T..\n...\n", "no premises"), ("\n  \n\n", "empty")],
)
def test_map_errors_without_position(text, fragment):
    with pytest.raises(MapError, match=fragment) as info:
        parse_map(text)
    assert info.value.line is None and info.value.column is None


def test_map_error_is_value_error_and_str_is_message():
    err = MapError("bad", 3, 5)
    assert isinstance(err, ValueError)
    assert str(err) == "bad" and (err.message, err.line, err.column) == ("bad", 3, 5)


def test_load_preset_unknown_name_lists_presets():
    with pytest.raises(ValueError, match="kleinstad, middelstad, grootstad"):
        load_preset("amsterdam")


def test_home_zones_groups_districts_and_picks_central_origin():
    text = "T.........\nhhh..hhh#.\n..........\n"
    town = parse_map(text.replace("#.", "s."))
    zone, origin = home_zones(town, 5)
    # dwellings x = 0, 1, 2 in district 0; x = 5, 6, 7 in district 1
    assert zone.tolist() == [0, 0, 0, 1, 1, 1]
    # origin is the access cell (north neighbour) of the middle dwelling
    assert town.walkable_xy[origin].tolist() == [[1, 0], [6, 0]]
    z2, o2 = town.home_zones(5)
    assert np.array_equal(z2, zone) and np.array_equal(o2, origin)


def test_home_zones_cover_all_dwellings_in_presets(preset):
    zone, origin = home_zones(preset, 15)
    assert len(zone) == len(preset.dwelling_xy)
    assert np.array_equal(np.unique(zone), np.arange(len(origin)))
    assert set(origin.tolist()) <= set(preset.dwelling_access.tolist())


def test_premises_neighbours_chebyshev_radius():
    town = parse_map("T.....\nsssss.\n")
    nb = town.premises_neighbours(1)
    assert nb.shape == (5, 5)
    assert nb.sum(axis=1).tolist() == [1, 2, 2, 2, 1]
    assert nb.diagonal().sum() == 0
    assert (town.premises_neighbours(2) != town.premises_neighbours(2).T).nnz == 0


@pytest.mark.parametrize("radius", [0, 1, 3])
def test_neighbour_counts_without_scipy_equal_the_neighbour_matrix(preset, radius):
    """The summed-area count ``validate`` uses is the row sum of the scipy neighbour matrix."""
    counts = preset.premises_neighbour_counts(radius)
    expected = np.asarray(preset.premises_neighbours(radius).sum(axis=1)).ravel()
    assert counts.tolist() == expected.tolist()

"""The documented tag-to-sector table (docs/own-town.md) is the one the import uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.scenario.fields import SECTORS as SCHEMA_SECTORS
from sim.town.uses import (
    BAG_USES,
    OSM_AMENITY,
    OSM_LEISURE,
    OSM_SHOP,
    OSM_TOURISM,
    SECTORS,
    symbol_for_floor_m2,
    use_from_bag,
    use_from_osm,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "own-town.md"


def documented_tags() -> dict[str, str]:
    """``key=value`` -> sector from the table under the tests' marker in docs/own-town.md."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("tests/town/test_docs_tables.py -->", 1)[1].split("\n\n", 2)[1]
    tags = {}
    for line in table.splitlines()[2:]:
        sector, cell = (c.strip() for c in line.strip("|").split("|"))
        for tag in re.findall(r"`([a-z_:]+=[a-z_]+)`", cell):
            tags[tag] = sector
    return tags


def test_sectors_are_the_models():
    assert SECTORS == SCHEMA_SECTORS


def test_documented_table_is_the_code_table():
    code = {f"{key}={value}": sector
            for key, table in (("shop", OSM_SHOP), ("amenity", OSM_AMENITY),
                               ("leisure", OSM_LEISURE), ("tourism", OSM_TOURISM))
            for value, sector in table.items()}
    assert documented_tags() == code
    for tag, sector in code.items():  # and the rules give each tag its documented sector
        key, value = tag.split("=")
        assert use_from_osm({key: value}) == (sector, tag)


@pytest.mark.parametrize(("tags", "expected"), [
    ({"shop": "shoes"}, ("comparison", "shop=shoes")),  # every other shop value
    ({"shop": "department_store"}, ("comparison", "shop=department_store")),
    ({"shop": "yes"}, ("unknown", "shop=yes")),
    ({"shop": "vacant"}, ("vacant", "shop=vacant")),
    ({"disused:shop": "clothes"}, ("vacant", "disused:shop=clothes")),
    ({"shop": "bakery", "disused:shop": "clothes"}, ("daily", "shop=bakery")),  # in use again
    ({"shop": "bakery", "vacant": "yes"}, ("vacant", "vacant=yes")),
    ({"amenity": "cafe", "shop": "coffee"}, ("food_beverage", "amenity=cafe")),  # amenity first
    ({"amenity": "bench"}, None),
    ({"amenity": "parking"}, None),
    ({"office": "lawyer"}, None),
    ({"shop": float("nan"), "amenity": "bank"}, ("services", "amenity=bank")),  # NaN = no tag
])
def test_osm_rules(tags, expected):
    assert use_from_osm(tags) == expected


def test_bag_rules():
    assert use_from_bag("winkelfunctie") == ("premises", [])
    assert use_from_bag("woonfunctie, bijeenkomstfunctie") == ("premises", [])
    assert use_from_bag("woonfunctie") == ("dwelling", [])
    assert use_from_bag("kantoorfunctie") == ("other", [])
    assert use_from_bag("Overige gebruiksfunctie") == ("other", [])
    assert use_from_bag("winkel") == ("other", ["winkel"])
    assert len(BAG_USES) == 11


def test_floor_area_symbols():
    assert [symbol_for_floor_m2(a) for a in (40, 99.9, 100, 249, 250, 699, 700, 5000)] == [
        "s", "s", "m", "m", "L", "L", "A", "A"]

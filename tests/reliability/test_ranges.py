"""Every number in the scenario schema has a finite range (issue 18, item 4).

Walks the JSON Schema that ``binnenstad schema`` writes (every section, every registered
instrument and shock, values given per category) and fails naming each number without both a
lowest and a highest value, so a parameter added without a range cannot take NaN, infinity or
1e308 into a run. Integers must also refuse true/false (YAML's ``years: true``), and the few
rules between fields (ordered paths, references with targets) are held by the corpus in
test_fuzz.py.
"""

from __future__ import annotations

import math

import pytest

from sim.scenario.reference import json_schema
from sim.scenario.schema import Scenario
from tests.reliability.schema_walk import full_scenario


def unbounded_numbers(schema: dict) -> list[str]:
    defs = schema.get("$defs", {})
    found: list[str] = []

    def walk(node: dict, path: str, seen: tuple[str, ...]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(defs[name], path, (*seen, name))
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, path, seen)
        if node.get("type") in ("number", "integer"):
            low = "minimum" in node or "exclusiveMinimum" in node
            high = "maximum" in node or "exclusiveMaximum" in node
            finite = all(math.isfinite(node[k]) for k in ("minimum", "maximum",
                         "exclusiveMinimum", "exclusiveMaximum") if k in node)
            if not (low and high and finite):
                found.append(path or "(top)")
        for key, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{key}" if path else key, seen)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{path}.*", seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]", seen)

    walk(schema, "", ())
    return sorted(set(found))


def test_every_number_of_the_schema_has_a_finite_range():
    assert unbounded_numbers(json_schema()) == []


def test_the_walk_finds_a_number_without_a_range():
    schema = {"type": "object", "properties": {
        "a": {"type": "number", "minimum": 0, "maximum": 1},
        "b": {"type": "number", "minimum": 0},
        "c": {"type": "object", "additionalProperties": {"type": "integer"}}}}
    assert unbounded_numbers(schema) == ["b", "c.*"]


@pytest.mark.parametrize("path", [("years",), ("seed",), ("population", "agents"),
                                  ("economy", "rent", "level"),
                                  ("culture", "initial_venues", "theatre"),
                                  ("population", "income_spend_multiplier", "low")])
def test_true_is_not_a_number(path):
    data = full_scenario()
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = True
    with pytest.raises(ValueError, match="must be a number, not true"):
        Scenario.model_validate(data)

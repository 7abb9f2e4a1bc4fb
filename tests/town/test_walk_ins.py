"""Tests for the walk-in points (sim.town.routes.walk_ins): people from the neighbourhoods
around the centre walk or cycle in at street ends on the map's edge, and the visitor groups
use them by their entry shares."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.model import CityCentre
from sim.scenario.loading import load_scenario
from sim.town.maps import load_preset
from sim.town.routes import WALK_IN_SPACING, walk_ins


@pytest.mark.parametrize("preset", ["kleinstad", "middelstad", "grootstad"])
def test_walk_ins_lie_on_the_edge_apart_from_each_other_and_the_entries(preset):
    town = load_preset(preset)
    points = walk_ins(town)
    assert 4 <= points.size <= 16
    xy = town.walkable_xy[points]
    centre = town.walkable_xy.mean(axis=0)
    for p in xy:  # on the edge: hardly any street cell lies farther out in its direction
        d = (p - centre) / np.linalg.norm(p - centre)
        along = (town.walkable_xy - centre) @ d
        assert (along > (p - centre) @ d + 1.5).mean() < 0.02
    entries = town.walkable_xy[town.entry_access]
    for k, p in enumerate(xy):
        others = np.vstack([entries, np.delete(xy, k, axis=0)])
        assert np.abs(others - p).max(axis=1).min() >= WALK_IN_SPACING
    assert walk_ins(town).tolist() == points.tolist()  # deterministic


def test_visitors_arrive_at_the_walk_ins_by_their_share():
    scenario = load_scenario("scenarios/baseline.yaml", [
        "population.entry_shares.city={station: 0, car_park: 0, bus_stop: 0, bike_park: 0, "
        "walk_in: 1}", "population.agents=2000"])
    model = CityCentre(scenario, seed=1)
    kinds = model.routes.entry_kind
    table = model.residents.entry_probabilities()  # (outside groups, entries)
    city = table[0]
    assert city[kinds == "walk_in"] == pytest.approx(1 / (kinds == "walk_in").sum())
    assert city[kinds != "walk_in"].sum() == 0
    region = table[1]  # the region comes by train, car and bus: never on foot
    assert region[kinds == "walk_in"].sum() == 0 and region.sum() == pytest.approx(1)

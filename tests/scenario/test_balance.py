"""Tests for balance by construction (sim.scenario.balance): a town of any size starts with
middelstad's spending per m2 and rents no higher than middelstad's mean, middelstad itself is
unchanged, a town whose shops stand closer together than middelstad's draws more per m2, and
``validate`` warns when given population numbers cannot fit the town."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli.main import main
from sim.scenario.balance import (
    REFERENCE_DWELLING_CELLS,
    REFERENCE_FLOOR_M2,
    REFERENCE_MEAN_RENT_EUR_PER_M2_YEAR,
    agglomeration,
    balance,
    inhabitants_scale,
    rent_scale,
    spending_per_household,
    town_balance,
    town_size,
    warning,
)
from sim.scenario.loading import build_town, load_scenario

BASELINE = "scenarios/baseline.yaml"


def expected_spending(scenario, b) -> np.ndarray:
    """(purposes,) weekly spending of the town's households after the balancing."""
    per = spending_per_household(scenario)
    return per[:, 0] * b.households[0] + (per[:, 1:] @ b.households[1:]) * b.visit_scale


def test_middelstad_is_the_reference():
    scenario = load_scenario(BASELINE)
    town = build_town(scenario)
    floor, cells, people = town_size(town, 1.6)
    assert (floor, cells, people) == (REFERENCE_FLOOR_M2, REFERENCE_DWELLING_CELLS, None)
    b = balance(scenario, floor, cells, people)
    assert b.balanced
    assert agglomeration(scenario, town) == 1.0
    np.testing.assert_array_equal(town_balance(scenario, town).visit_scale, b.visit_scale)
    np.testing.assert_allclose(b.visit_scale, 1.0, rtol=1e-12)
    np.testing.assert_allclose(b.spending_scale, 1.0, rtol=1e-12)
    assert warning(scenario, town) is None
    assert b.inhabitants_scale == 1.0  # middelstad's cultural starters unchanged, to the bit


def test_cultural_starters_follow_the_towns_inhabitants():
    """A town's inhabitants (centre and the rest of the city) relative to middelstad's: a tenth
    of the floor area a tenth of the starters; given numbers count as given."""
    scenario = load_scenario(BASELINE)
    small = balance(scenario, REFERENCE_FLOOR_M2 / 10, REFERENCE_DWELLING_CELLS // 10)
    assert small.inhabitants_scale == pytest.approx(0.1, rel=0.01)
    ref = balance(scenario, REFERENCE_FLOOR_M2, REFERENCE_DWELLING_CELLS).people
    doubled = {**ref, "city": 2 * ref["city"] + ref["centre"]}
    assert inhabitants_scale(doubled, scenario) == pytest.approx(2.0)


@pytest.mark.parametrize("floor, cells", [(5_000.0, 40), (250_000.0, 900), (48_220.0, 20)])
def test_any_town_spends_what_middelstad_spends_per_m2(floor, cells):
    scenario = load_scenario(BASELINE)
    reference = balance(scenario, REFERENCE_FLOOR_M2, REFERENCE_DWELLING_CELLS)
    b = balance(scenario, floor, cells)
    per_m2 = expected_spending(scenario, b) / floor
    np.testing.assert_allclose(per_m2, expected_spending(scenario, reference) / REFERENCE_FLOOR_M2,
                               rtol=1e-9)
    np.testing.assert_allclose(b.spending_scale, 1.0, rtol=1e-9)
    # a centre with fewer residents per m2 than middelstad's needs more pull from outside
    if cells / floor < REFERENCE_DWELLING_CELLS / REFERENCE_FLOOR_M2:
        assert (b.visit_scale > 1).all()


def test_a_what_if_on_visits_keeps_its_effect():
    """Twice the city's comparison visits: both sides of the balance change, the scale stays 1
    and the town spends more."""
    base = load_scenario(BASELINE)
    more = load_scenario(BASELINE, ["population.visits_per_week.comparison.city=1.0"])
    b0 = balance(base, REFERENCE_FLOOR_M2, REFERENCE_DWELLING_CELLS)
    b1 = balance(more, REFERENCE_FLOOR_M2, REFERENCE_DWELLING_CELLS)
    np.testing.assert_allclose(b1.visit_scale, 1.0, rtol=1e-12)
    assert expected_spending(more, b1)[1] > 1.5 * expected_spending(base, b0)[1]


def test_given_numbers_are_not_balanced():
    scenario = load_scenario(BASELINE, ["population.city_people=20000"])
    b = balance(scenario, REFERENCE_FLOOR_M2, REFERENCE_DWELLING_CELLS)
    assert not b.balanced and (b.visit_scale == 1).all()
    assert b.people["city"] == 20_000 and (b.spending_scale > 1.2).all()
    off = load_scenario(BASELINE, ["population.balance_spending=false"])
    assert not balance(off, 5_000.0, 40).balanced


def test_imported_dwellings_give_the_centre_people():
    class Town:  # what town_size reads of an imported town
        premises_floor_m2 = np.array([100.0, 250.0])
        dwelling_access = np.array([3, 4, 5])
        dwelling_persons = np.array([10.0, np.nan, 4.0])
        dwelling_households = np.array([5.0, 2.0, 2.0])

    assert town_size(Town, 1.6) == (350.0, 3, pytest.approx(10 + 4 + 2 * 1.6))
    Town.dwelling_persons = None
    assert town_size(Town, 1.6) == (350.0, 3, pytest.approx(9 * 1.6))


@pytest.mark.parametrize("override, words", [
    ("population.city_people=10000", "spends too little for daily shopping"),
    ("population.city_people=900000", "times what the town's 48,220 m2"),
])
def test_validate_warns_in_one_line(override, words, tmp_path, capsys):
    key, value = override.split("=")
    path = tmp_path / "x.yaml"
    path.write_text(f"name: x\npopulation:\n  {key.split('.')[1]}: {value}\n")
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: ok")
    assert len(err.splitlines()) == 1 and words in err
    assert err.startswith(f"{path}: warning: population: ")


def test_validate_is_quiet_for_a_balanced_town(capsys):
    assert main(["validate", BASELINE]) == 0
    assert capsys.readouterr().err == ""


def test_rents_are_scaled_down_only():
    """A compact centre at A1 rents everywhere is brought down to middelstad's mean; a large
    centre whose mean is low because most of its floor lies far from its heart keeps its rents
    (before: raised 1.38 times in the 1,500-premises test town, its back streets above
    middelstad's for the same footfall)."""
    scenario = load_scenario(BASELINE)
    level = scenario.economy.rent.level  # the reference mean scales with it
    floor = np.full(4, 150.0)
    compact = np.array([400.0, 350.0, 300.0, 250.0])  # at rent level 1: mean 325
    assert rent_scale(scenario, level * compact, floor) == pytest.approx(
        REFERENCE_MEAN_RENT_EUR_PER_M2_YEAR / 325.0)
    large = np.array([400.0, 150.0, 120.0, 120.0])  # mean 197.5, below middelstad's 203
    assert rent_scale(scenario, level * large, floor) == 1.0
    assert rent_scale(scenario, level * large / 2, floor) == 1.0
    # a what-if on the rent level keeps its effect: the doubled rents are scaled as before
    dearer = load_scenario(BASELINE, ["economy.rent.level=2"])
    assert rent_scale(dearer, 2 * compact, floor) == pytest.approx(
        REFERENCE_MEAN_RENT_EUR_PER_M2_YEAR / 325.0)
    assert rent_scale(dearer, 2 * large, floor) == 1.0


class _Row:
    """What :func:`agglomeration` reads of a town: ten units of 150 m2 in a row, each with the
    ``reach`` nearest on either side as neighbours."""

    premises_floor_m2 = np.full(10, 150.0)

    def __init__(self, reach: int) -> None:
        self.reach = reach

    def premises_neighbour_counts(self, radius_cells: int) -> np.ndarray:
        i, j = np.meshgrid(np.arange(10), np.arange(10), indexing="ij")
        return ((np.abs(i - j) <= self.reach) & (i != j)).sum(axis=1)


def test_a_denser_centre_draws_more_per_m2():
    """Spending per m2 follows the shops' neighbours as the choice weighs them (Koster et al.
    2019, elasticity 0.25): a town whose units each have more neighbours than middelstad's
    (7.6 within 3 cells) gets more, one with fewer gets less, in proportion to the mean of
    (1 + neighbours)^0.25; kleinstad's shops stand closer together than middelstad's."""
    scenario = load_scenario(BASELINE)
    reference = balance(scenario, REFERENCE_FLOOR_M2, REFERENCE_DWELLING_CELLS)
    per_m2_ref = expected_spending(scenario, reference) / REFERENCE_FLOOR_M2
    sparse, dense = agglomeration(scenario, _Row(1)), agglomeration(scenario, _Row(9))
    assert sparse < 0.9 < 1.05 < dense
    # the row's ends have one neighbour, the other eight two; every unit of the dense one nine
    assert dense / sparse == pytest.approx(10 ** 0.25 / ((2 * 2 ** 0.25 + 8 * 3 ** 0.25) / 10))
    for a in (sparse, dense):
        b = balance(scenario, 5_000.0, 40, agglomeration=a)
        np.testing.assert_allclose(expected_spending(scenario, b) / 5_000.0, a * per_m2_ref,
                                   rtol=1e-9)
        np.testing.assert_allclose(b.spending_scale, 1.0, rtol=1e-9)
    klein = load_scenario(BASELINE, ["town.preset=kleinstad"])
    assert agglomeration(klein, build_town(klein)) > 1.05
    # without the choice's neighbour term there is nothing to draw on
    flat = load_scenario(BASELINE, ["economy.choice.neighbour_elasticity=0"])
    assert agglomeration(flat, _Row(9)) == 1.0

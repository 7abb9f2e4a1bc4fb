"""Shared history (issue 17): runs that share their first weeks simulate them once, and give
the same outputs, byte for byte, as runs from the start."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.kernels import parallel
from sim.runs import history, output
from sim.runs.compare import run_comparison
from sim.runs.tasks import ReplicationTask, SharedRuns
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario

# kleinstad, 1 year of warm-up from 2018-01-08 and 2 reported years from 2019-01-07.
BASE = """\
name: base
seed: 11
years: 2
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 1500
funding:
  - name: Early fund
    funder: province
    start: 2018-02-05
    end: 2020-12-28
    match_share: 0.5
    instruments: [culture_subsidy, events_programme]
    cap_eur: 40000
interventions:
  - type: culture_subsidy
    start: 2018-03-05
    budget_eur_per_year: 150000
"""
# An events programme from a Wednesday, listed before the common culture subsidy (its state
# is renumbered), a second funding round and a chain bankruptcy later on.
EVENTS = """\
extends: base.yaml
name: events
funding:
  - name: Early fund
    funder: province
    start: 2018-02-05
    end: 2020-12-28
    match_share: 0.5
    instruments: [culture_subsidy, events_programme]
    cap_eur: 40000
  - name: Late fund
    funder: national
    start: 2019-07-01
    end: 2020-12-28
    match_share: 0.5
    instruments: [events_programme]
    cap_eur: 100000
interventions:
  - type: events_programme
    start: 2019-07-03
    budget_eur_per_year: 150000
  - type: culture_subsidy
    start: 2018-03-05
    budget_eur_per_year: 150000
shocks:
  - type: chain_bankruptcy
    start: 2019-09-02
"""
CORONA = """\
extends: base.yaml
name: corona
shocks:
  - type: lockdown
    start: 2020-03-16
    end: 2020-06-01
  - type: support_scheme
    start: 2020-03-16
    end: 2020-09-28
"""
RENT = """\
extends: base.yaml
name: rent
economy:
  rent:
    level: 0.8
"""
FILES = {"base": BASE, "events": EVENTS, "corona": CORONA, "rent": RENT}


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scenario]:
    folder = tmp_path_factory.mktemp("history")
    for name, text in FILES.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return {name: load_scenario(folder / f"{name}.yaml") for name in FILES}


def _variant(scenario: Scenario, **changes) -> Scenario:
    data = scenario.model_dump() | changes
    return Scenario.model_validate(data)


# ----------------------------------------------------------------------------- divergence
def test_divergence_is_the_first_start_that_differs(scenarios):
    base, events = scenarios["base"], scenarios["events"]
    assert history.divergence(base, events) == dt.date(2019, 7, 1)  # the late fund
    assert history.divergence(base, scenarios["corona"]) == dt.date(2020, 3, 16)
    assert history.divergence(base, _variant(base, name="other")) == history.NEVER
    assert history.divergence(base, _variant(base, title="Other", description="b")) == history.NEVER
    assert history.shared_weeks(base, _variant(base, name="other")) == 3 * 52
    # Mondays before 2019-07-01 from 2018-01-08: 77 weeks
    assert history.shared_weeks(base, events) == 77


def test_anything_but_timed_items_differing_shares_nothing(scenarios):
    base = scenarios["base"]
    assert history.divergence(base, scenarios["rent"]) == dt.date(2018, 1, 8)
    assert history.shared_weeks(base, scenarios["rent"]) == 0
    assert history.shared_weeks(base, _variant(base, seed=12)) == 0


def test_a_switched_off_item_is_no_difference_and_a_changed_early_one_is(scenarios):
    base = scenarios["base"]
    off = base.model_dump()
    off["interventions"].append({"type": "events_programme", "start": "2018-01-08",
                                 "enabled": False})
    assert history.divergence(base, Scenario.model_validate(off)) == history.NEVER
    cheaper = base.model_dump()
    cheaper["interventions"][0]["budget_eur_per_year"] = 100000
    assert history.divergence(base, Scenario.model_validate(cheaper)) == dt.date(2018, 3, 5)


# ----------------------------------------------------------------------------- identity
def _alone(scenario: Scenario, seed: int) -> output.RunResult:
    return output.run_replication(scenario, 0, seed)


def _assert_same(a: output.RunResult, b: output.RunResult) -> None:
    assert output.timeseries_csv([a]) == output.timeseries_csv([b])
    assert output.events_csv([a], "x") == output.events_csv([b], "x")
    assert output.premises_csv(a) == output.premises_csv(b)
    assert np.array_equal(a.footfall_map, b.footfall_map, equal_nan=True)
    assert np.array_equal(a.occupancy_map, b.occupancy_map, equal_nan=True)


@pytest.mark.parametrize("threads", [1, 2])
def test_continued_runs_equal_runs_from_the_start(scenarios, threads):
    order = [scenarios[k] for k in ("base", "events", "corona", "rent")]
    seed = 20190107
    parallel.set_threads(threads)
    try:
        forked = history.run_shared(order, seed, lambda i, m: output.replication_result(m, 0))
    finally:
        parallel.set_threads(None)
    alone = [_alone(s, seed) for s in order]
    for a, b in zip(forked, alone, strict=True):
        _assert_same(a, b)
    # the instruments did act after the fork (else the equality above proves little)
    ts = {s.name: r.timeseries for s, r in zip(order, alone, strict=True)}
    assert not ts["events"]["vacancy_rate"].equals(ts["base"]["vacancy_rate"])
    assert not ts["corona"]["footfall"].equals(ts["base"]["footfall"])


def test_models_advanced_together_go_on_as_models_from_the_start(scenarios):
    order = [scenarios[k] for k in ("base", "corona", "events", "rent")]
    models = history.advance_shared(order, 8, 90)  # the app's comparison, warmed up so
    assert [m.week for m in models] == [90] * 4
    for model, scenario in zip(models, order, strict=True):
        assert model.params is scenario
        model.run()
        _assert_same(output.replication_result(model, 0), _alone(scenario, 8))


def test_shared_runs_task_gives_each_members_own_outcome(scenarios):
    members = []
    for k in ("base", "events"):
        dump = scenarios[k].model_dump()
        source = str(scenarios[k].source)
        members.append(ReplicationTask(k, dump, source, 3, 99))
    outcomes = SharedRuns.of(members).run()
    assert [o.run_id for o in outcomes] == ["base", "events"] and all(o.ok for o in outcomes)
    assert outcomes[0].seconds == outcomes[1].seconds  # shared out: it did not run them alone
    for member, outcome in zip(members, outcomes, strict=True):
        alone = member.run()
        assert outcome.data[0].equals(alone.data[0])
        assert np.array_equal(outcome.data[1], alone.data[1], equal_nan=True)
        assert np.array_equal(outcome.data[2], alone.data[2], equal_nan=True)
        assert outcome.data[3] == alone.data[3]  # the events, which the report breaks down


def test_comparison_with_shared_history_and_workers_equals_one_without(scenarios):
    base = scenarios["base"]
    others = [scenarios[k] for k in ("events", "corona", "rent")]
    kwargs = {"replications": 2, "seed": 3, "progress": False}
    plain = run_comparison(base, others, workers=1, shared=False, **kwargs)
    shared = run_comparison(base, others, workers=2, **kwargs)
    key = ["scenario", "replication", "step"]
    a = plain.timeseries.sort_values(key).reset_index(drop=True)
    b = shared.timeseries.sort_values(key).reset_index(drop=True)
    assert a.to_csv() == b.to_csv()
    key = ["scenario", "replication", "date"]
    events = [c.events.sort_values(key, kind="stable").reset_index(drop=True).to_csv()
              for c in (plain, shared)]
    assert events[0] == events[1]
    for name in plain.names:
        assert np.array_equal(plain.footfall_maps[name], shared.footfall_maps[name],
                              equal_nan=True)
        assert np.array_equal(plain.occupancy_maps[name], shared.occupancy_maps[name],
                              equal_nan=True)


def test_groups_are_split_until_every_worker_has_one():
    assert history.group_for_workers([[1, 2, 3, 4]], 2) == [[1, 2], [3, 4]]
    assert history.group_for_workers([[1, 2, 3], [4, 5, 6]], 2) == [[1, 2, 3], [4, 5, 6]]
    assert history.group_for_workers([[1], [2]], 4) == [[1], [2]]
    assert history.group_for_workers([[1, 2, 3]], 4) == [[1], [2], [3]]


EXPERIMENT = """\
name: grid
scenario: base.yaml
seed: 5
replications: 2
seeds: common
levers:
  interventions[0].budget_eur_per_year: {values: [0, 200000]}
  interventions[1].budget_eur_per_year: {values: [50000, 150000]}
outcomes:
  vacancy_rate: {}
  footfall: {when: yearly, aggregate: mean}
design:
  type: grid
analyses: []
"""
EXPERIMENT_BASE = """\
name: base
seed: 7
years: 1
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 1500
interventions:
  - type: culture_subsidy
    start: 2018-09-03
  - type: events_programme
    start: 2019-03-04
"""


def test_experiment_with_shared_history_and_workers_equals_one_without(tmp_path):
    from sim.runs.experiments import load_experiment, run_experiment

    (tmp_path / "base.yaml").write_text(EXPERIMENT_BASE, encoding="utf-8")
    (tmp_path / "grid.yaml").write_text(EXPERIMENT, encoding="utf-8")
    exp = load_experiment(tmp_path / "grid.yaml")
    plain = run_experiment(exp, tmp_path / "plain", shared=False, progress=False)
    shared = run_experiment(exp, tmp_path / "shared", workers=2, progress=False)
    assert plain == shared == {"done": 8, "failed": 0, "pending": 0, "damaged": 0}
    for name in ("results.parquet", "results.csv"):
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "shared" / name).read_bytes()


def test_no_instrument_or_shock_of_the_scenarios_acts_before_its_start():
    """Every scenario file forked from the baseline at its first start gives the outputs of its
    run from the start: a rule that acted before its ``start`` would break shared history."""
    from tests.conftest import REPO

    small = ["town.preset=kleinstad", "population.agents=1500", "years=4", "warmup_years=0"]
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    order = [load_scenario(f, small) for f in files]
    order.sort(key=lambda s: s.name != "baseline")  # the trunk first
    shared = [history.shared_weeks(order[0], s) for s in order]
    assert sum(0 < w < 4 * 52 for w in shared) >= 12  # most fork part-way
    forked = history.run_shared(order, 4, lambda i, m: output.replication_result(m, 0))
    for scenario, weeks, result in zip(order[1:], shared[1:], forked[1:], strict=True):
        if weeks > 0:  # (the others ran alone in run_shared too)
            _assert_same(result, _alone(scenario, 4))

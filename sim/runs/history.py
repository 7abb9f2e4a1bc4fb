"""Shared history: paired runs that are identical up to a date simulate that prefix once.

Replication ``r`` of every scenario of a comparison (and of every point of an experiment with
common seeds) runs with the same seed, so two scenarios that differ only in instruments,
shocks or funding rounds that start on or after a date draw the same numbers and make the
same choices, week for week, until that date: nothing acts before its ``start``
(:meth:`sim.scenario.interventions.Intervention.active`, the funding rounds' ``start``). Here
the first scenario of a group (the trunk: a comparison's baseline) runs from the start; at
each other scenario's :func:`divergence` its model is kept as a pickle, and the other scenario
continues from its own copy (:meth:`sim.model.model.CityCentre.continue_as`). The results are
byte-identical to running each scenario from the start (``tests/runs/test_history.py``).

Scenarios that differ in anything else (the economy, the population, a rent level) diverge at
the first week: they run from the start, as before. A copy is a pickle round trip, not
``copy.deepcopy``: deepcopy leaves a bound method of a builtin (the DataCollector's
``indicators.get`` reporters) bound to the original's dict, and pickle rebinds it.

Called by the run tasks (:mod:`sim.runs.tasks`) of comparisons and experiments.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import pickle
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.model.model import CityCentre

__all__ = [
    "advance_shared",
    "divergence", "group_for_workers",
    "groups_sharing",
    "run_shared",
    "shared_weeks",
]

#: Scenario lists whose items act only from their ``start``, each compared as a whole.
TIMED_LISTS = ("interventions", "shocks", "funding")
#: Settings that never reach the model (only the outputs' labels).
LABELS = ("name", "title", "description")
#: Never: the scenarios behave alike to the horizon.
NEVER = dt.date.max


def _sim_start(scenario: Scenario) -> dt.date:
    return scenario.start - dt.timedelta(weeks=scenario.warmup_weeks)


def _town_base(scenario: Scenario) -> Path | None:
    """The folder a town file is read from, if the town is given as a file."""
    town = scenario.town
    if town.map_file is None and town.dir is None:
        return None
    source = scenario.source
    return (source.parent if source is not None else Path.cwd()).resolve()


def _timed(items: Sequence, until: dt.date) -> list[dict]:
    """The enabled items that start on or before ``until``, in scenario order, as data."""
    return [item.model_dump(mode="json") for item in items
            if getattr(item, "enabled", True) and item.start <= until]


def divergence(a: Scenario, b: Scenario) -> dt.date:
    """The first date on which runs of ``a`` and ``b`` with one seed can differ.

    Every setting but the labels and the timed lists (instruments, shocks, funding rounds)
    must be equal, and a town read from a file read from the same folder; otherwise the
    first week's date. Of the timed lists, the items that start before the returned date
    are the same (switched-off items left out) in the same order in both.

    Returns:
        The date, or :data:`NEVER` if the two behave alike to the horizon.
    """
    skip = set(LABELS) | set(TIMED_LISTS)
    if (a.model_dump(mode="json", exclude=skip) != b.model_dump(mode="json", exclude=skip)
            or _town_base(a) != _town_base(b)):
        return _sim_start(a)
    first = NEVER
    for kind in TIMED_LISTS:
        mine, theirs = getattr(a, kind), getattr(b, kind)
        for start in sorted({item.start for item in (*mine, *theirs)}):
            if start >= first:
                break
            if _timed(mine, start) != _timed(theirs, start):
                first = start
                break
    return first


def shared_weeks(a: Scenario, b: Scenario) -> int:
    """How many weeks from the start runs of ``a`` and ``b`` have in common: the weeks whose
    Monday is before their :func:`divergence` (at most the whole run)."""
    total = a.warmup_weeks + a.weeks
    date = divergence(a, b)
    if date == NEVER:
        return total
    return min(total, max(0, math.ceil((date - _sim_start(a)).days / 7)))


@contextlib.contextmanager
def _collections_paused() -> Iterator[None]:
    """No garbage collection while a model is pickled or unpickled: every one of its objects
    lives on, and collections over them cost more than the copy."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_shared[T](scenarios: Sequence[Scenario], seed: int,
                  finish: Callable[[int, CityCentre], T]) -> list[T]:
    """Run every scenario with ``seed`` to its horizon, each shared prefix once.

    The first scenario is the trunk; every other one continues from a copy of the trunk's
    model taken after their :func:`shared_weeks` (or runs from the start if none). Each
    finished model is passed to ``finish(i, model)`` at once (and then dropped), so at most
    the trunk and one copy are in memory.

    Returns:
        ``finish``'s results, in the order of ``scenarios``.

    Raises:
        Exception: Whatever stopped a run.
    """
    from sim.model.model import CityCentre  # the model's kernels load when a run starts

    trunk_scenario = scenarios[0]
    forks: dict[int, list[int]] = {}  # shared weeks -> scenarios continuing from there
    for i, scenario in enumerate(scenarios[1:], start=1):
        forks.setdefault(shared_weeks(trunk_scenario, scenario), []).append(i)
    results: dict[int, T] = {}
    for i in forks.pop(0, []):  # nothing in common: a run of its own
        model = CityCentre(scenarios[i], seed=seed)
        model.run()
        results[i] = finish(i, model)
    trunk = CityCentre(trunk_scenario, seed=seed)
    for weeks in sorted(forks):
        while trunk.week < weeks:
            trunk.step()
        with _collections_paused():
            kept = pickle.dumps(trunk, protocol=pickle.HIGHEST_PROTOCOL)
        for i in forks[weeks]:
            with _collections_paused():
                model = pickle.loads(kept)
            # the date itself, not the next Monday: an item of either may start in between
            model.continue_as(scenarios[i], divergence(trunk_scenario, scenarios[i]))
            model.run()
            results[i] = finish(i, model)
            del model
        del kept
    trunk.run()
    results[0] = finish(0, trunk)
    return [results[i] for i in range(len(scenarios))]


def advance_shared(scenarios: Sequence[Scenario], seed: int, weeks: int) -> list[CityCentre]:
    """Models of every scenario with ``seed``, each run ``weeks`` weeks, the weeks they share
    with the first simulated once (the app's comparison builds its two runs, warm-up done,
    so). The results of stepping them on are those of models run from the start."""
    from sim.model.model import CityCentre

    trunk = CityCentre(scenarios[0], seed=seed)
    models: list[CityCentre | None] = [trunk] + [None] * (len(scenarios) - 1)
    order = sorted(range(1, len(scenarios)),
                   key=lambda i: shared_weeks(scenarios[0], scenarios[i]))
    for i in order:
        common = min(weeks, shared_weeks(scenarios[0], scenarios[i]))
        if common == 0:
            models[i] = CityCentre(scenarios[i], seed=seed)
            continue
        while trunk.week < common:
            trunk.step()
        with _collections_paused():
            models[i] = pickle.loads(pickle.dumps(trunk, protocol=pickle.HIGHEST_PROTOCOL))
        models[i].continue_as(scenarios[i], divergence(scenarios[0], scenarios[i]))
    for model in models:
        while model.week < weeks:
            model.step()
    return models


def group_for_workers[T](groups: list[list[T]], workers: int) -> list[list[T]]:
    """Split the largest groups in two until every worker has one (each part then runs its
    shared prefix again: less saved, but no worker waits)."""
    groups = [list(g) for g in groups if g]
    while len(groups) < workers:
        largest = max(range(len(groups)), key=lambda k: len(groups[k]), default=None)
        if largest is None or len(groups[largest]) < 2:
            break
        group = groups.pop(largest)
        half = (len(group) + 1) // 2
        groups[largest:largest] = [group[:half], group[half:]]
    return groups


def groups_sharing[T](runs: Sequence[T], key: Callable[[T], Hashable],
                      scenario: Callable[[T], Scenario], workers: int) -> list[list[T]]:
    """Runs in groups that can share history: the runs with one ``key`` (their seed) whose
    scenario shares weeks with the first one's form a group; the others run alone (groups of
    one); then :func:`group_for_workers`.

    Args:
        runs: The runs, in the order they are to start.
        key: A run's seed (runs with different seeds share nothing).
        scenario: A run's scenario.
        workers: Worker processes that should all have a group.
    """
    by_key: dict[Hashable, list[T]] = {}
    for run in runs:
        by_key.setdefault(key(run), []).append(run)
    groups, alone = [], []
    for members in by_key.values():
        trunk = scenario(members[0])
        group = [members[0]]
        for m in members[1:]:
            (group if shared_weeks(trunk, scenario(m)) > 0 else alone).append(m)
        groups.append(group)
    return group_for_workers(groups, workers - len(alone)) + [[m] for m in alone]

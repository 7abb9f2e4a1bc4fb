"""What the Dutch record says of a scenario's instruments and shocks, beside the effect a
comparison found.

The report shows, for each scenario, the evidence of ``sim/runs/instruments.yaml`` (the file
``binnenstad validation`` holds the shipped scenarios against) and ``sim/runs/shocks.yaml``
(the shocks' aftermath) that applies to it: the entry named after the scenario itself (a
shipped package such as the recovery agenda or the corona years), and the entry of the type
of every instrument or shock the scenario switches on that the baseline does not. Where the
evidence bounds the vacancy rate (the paired effect, or a floor under the core's level) or the
floor area converted to homes, the sentence says whether this comparison's median lies inside,
measured as the validation measures it: the mean of the last reported year, and the floor
area of the conversions over the reported years, per replication. Where nothing quantified
was found, it says so and gives the model's assumption. So a planner reads every answer next
to what is known, or is told that nothing is. The evidence's words are English in the file and
Dutch in the registry catalogue (``evidence:<name>``, ``assumption:<name>``). Called by
:mod:`sim.present.sections`.
"""

from __future__ import annotations

import html
from functools import lru_cache

import pandas as pd

from sim.present.i18n import Lang
from sim.runs.compare import Comparison
from sim.runs.validation_spec import (
    INSTRUMENTS_FILE,
    SHOCKS_FILE,
    InstrumentEvidence,
    load_instruments,
)
from sim.scenario.loading import build_town
from sim.scenario.schema import Scenario

__all__ = ["applicable", "evidence_sentences", "evidence_verdict", "known_of"]

#: Quantities of the evidence file that are checked here: the vacancy rates (last year's
#: mean) and the floor area converted to homes over the horizon (of the conversion events).
_CHECKED = ("vacancy_rate", "vacancy_rate_core", "converted_m2")
#: Weeks of the last reported year, over which the check averages (as the validation does).
_YEAR = 52


@lru_cache(maxsize=1)
def _entries() -> dict[str, InstrumentEvidence]:
    return {e.scenario: e for path in (INSTRUMENTS_FILE, SHOCKS_FILE)
            for e in load_instruments(path)}


def _items(scenario: Scenario) -> list:
    """The scenario's switched-on instruments and shocks."""
    return [i for i in [*(scenario.interventions or []), *(scenario.shocks or [])]
            if getattr(i, "enabled", True)]


def applicable(scenario: Scenario, baseline: Scenario) -> list[InstrumentEvidence]:
    """The evidence that applies to ``scenario`` against ``baseline``: its own entry (by its
    name) and those of the instruments and shocks it switches on that the baseline does not,
    in that order, each once."""
    entries = _entries()
    theirs = {i.type for i in _items(baseline)}
    names = [scenario.name] + [i.type for i in _items(scenario) if i.type not in theirs]
    return [entries[name] for name in dict.fromkeys(names) if name in entries]


def _last_year(comparison: Comparison, metric: str) -> pd.DataFrame:
    """The mean of ``metric`` over the last reported year: replications x scenarios."""
    ts = comparison.timeseries
    rows = ts[ts["step"] > ts["step"].max() - _YEAR]
    return rows.groupby(["replication", "scenario"])[metric].mean().unstack("scenario")


def _converted_m2(comparison: Comparison) -> pd.DataFrame:
    """Floor area converted to homes over the reported weeks: replications x scenarios (as
    :func:`sim.runs.validation.converted_floor_m2` counts it)."""
    floor = {s.name: build_town(s).premises_floor_m2 for s in comparison.scenarios}
    events = comparison.events[comparison.events["event"] == "conversion"]
    m2 = [floor[s][int(p)] for s, p in zip(events["scenario"], events["premises"], strict=True)]
    table = events.assign(m2=m2).groupby(["replication", "scenario"])["m2"].sum().unstack(
        "scenario")
    return table.reindex(index=range(comparison.replications),
                         columns=comparison.names).fillna(0.0)


def _measured(entry: InstrumentEvidence, comparison: Comparison, name: str
              ) -> tuple[float, bool] | None:
    """This comparison's median of the quantity the entry bounds (the paired effect for a
    ``range``, the level for a ``floor``) and whether it lies inside; None for a quantity
    checked only by the validation."""
    if entry.metric == "converted_m2":
        year = _converted_m2(comparison)
    elif entry.metric in _CHECKED and entry.metric in comparison.timeseries.columns:
        year = _last_year(comparison, entry.metric)
    else:
        return None
    if entry.range is not None:
        value = float((year[name] - year[comparison.baseline.name]).median())
        return value, entry.range[0] <= value <= entry.range[1]
    value = float(year[name].median())
    return value, value >= entry.floor


def _check(entry: InstrumentEvidence, comparison: Comparison, name: str, t: Lang) -> str:
    """This comparison's median against the entry's bound, in a sentence ("" if unchecked)."""
    measured = _measured(entry, comparison, name)
    if measured is None:
        return ""
    value, inside = measured
    if entry.metric == "converted_m2":  # a range on the extra floor area converted
        words = {"value": t.number(value), "low": t.number(entry.range[0]),
                 "high": t.number(entry.range[1])}
        return (t.tr("Here: {value} m2 more converted to homes over the horizon, inside that "
                     "range ({low} to {high} m2).", **words) if inside else
                t.tr("Here: {value} m2 more converted to homes over the horizon, outside that "
                     "range ({low} to {high} m2): hold this answer with caution.", **words))
    if entry.range is not None:
        low, high = entry.range
        words = {"value": t.points(value), "low": t.points(low), "high": t.points(high)}
        return (t.tr("Here (last year's mean): {value}, inside that range ({low} to {high}).",
                     **words) if inside else
                t.tr("Here (last year's mean): {value}, outside that range ({low} to "
                     "{high}): hold this answer with caution.", **words))
    words = {"value": t.percent(value), "floor": t.percent(entry.floor)}
    return (t.tr("Here (last year's mean): {value}, not below {floor}.", **words) if inside
            else t.tr("Here (last year's mean): {value}, below {floor}: hold this answer with "
                      "caution.", **words))


def evidence_verdict(scenario: Scenario, comparison: Comparison, t: Lang) -> str:
    """The evidence of :func:`evidence_sentences` in one short line for the one-page summary
    (HTML text, escaped): each bound's verdict, the instruments without quantified evidence
    together; "" if no evidence applies."""
    parts, unknown, checked = [], [], set()
    for entry, name in _named(scenario, comparison.baseline, t):
        if not entry.quantified:
            unknown.append(name)
            continue
        bound = (entry.metric, entry.range, entry.floor)
        measured = None if bound in checked else _measured(entry, comparison, scenario.name)
        checked.add(bound)
        if measured is None:
            parts.append(t.tr("{name}: evidence in report.html", name=name))
        else:
            parts.append(t.tr("{name}: inside the record", name=name) if measured[1] else
                         t.tr("{name}: outside the record, hold with caution", name=name))
    if unknown:
        parts.append(t.tr("no quantified evidence for {names}", names=t.join(unknown)))
    return html.escape("; ".join(parts) + ".") if parts else ""


def _named(scenario: Scenario, baseline: Scenario, t: Lang
           ) -> list[tuple[InstrumentEvidence, str]]:
    """:func:`applicable` with the name each entry goes by in ``t``'s language: the item's
    label, or its type's name where the scenario has several of that type (six lockdowns)."""
    items: dict[str, list] = {}
    for item in _items(scenario):
        items.setdefault(item.type, []).append(item)

    def name(kind: str) -> str:
        first, *more = items[kind]
        return t.title(first.model_copy(update={"label": ""}) if more else first)

    return [(entry, t.scenario(scenario) if entry.scenario == scenario.name
             else name(entry.scenario)) for entry in applicable(scenario, baseline)]


def _known(entry: InstrumentEvidence, name: str, t: Lang, quote=html.escape) -> str:
    """The evidence of ``entry`` with its source, or that none was found with the model's
    assumption, under ``name``, in ``t``'s language; every word passed through ``quote``."""
    if entry.quantified:
        words = t.lookup(f"evidence:{entry.scenario}") if t.code != "en" else None
        return t.tr("{name}: {evidence} Source: {source}.", name=quote(name),
                    evidence=quote(words or entry.evidence), source=quote(entry.source or ""))
    words = t.lookup(f"assumption:{entry.scenario}") if t.code != "en" else None
    return t.tr("{name}: no quantified evidence of its effect was found. {assumption}",
                name=quote(name), assumption=quote(words or entry.assumption or ""))


def evidence_sentences(scenario: Scenario, comparison: Comparison, t: Lang) -> list[str]:
    """What is known of ``scenario``'s instruments and shocks (a scenario of ``comparison``,
    against its baseline), one sentence or two per entry, as HTML text (everything escaped)."""
    out, checked = [], set()
    for entry, name in _named(scenario, comparison.baseline, t):
        sentence = _known(entry, name, t)
        if entry.quantified:
            bound = (entry.metric, entry.range, entry.floor)
            check = "" if bound in checked else _check(entry, comparison, scenario.name, t)
            checked.add(bound)  # the same bound checked once: one number, one verdict
            sentence = f"{sentence} {check}".strip()
        out.append(sentence)
    return out


def known_of(item, t: Lang) -> str:
    """What is known of one instrument or shock (by its type), as plain text for the app's
    comparison of that lever: the evidence with its source, or that none was found with the
    model's assumption; empty if the evidence files do not name its type."""
    entry = _entries().get(item.type)
    return "" if entry is None else _known(entry, t.title(item), t, quote=str)

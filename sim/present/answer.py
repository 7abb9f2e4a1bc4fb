"""The answer first: a generated paragraph per scenario, and where its effect comes from.

For each scenario against the baseline, in plain words with numbers (:func:`answer`): vacant
units of the stock and the vacancy rate at the horizon with and without (the median rate and
stock, and the units that rate gives of that stock, so that the three agree), the paired
effect with its 90% interval and whether it is distinguishable from zero, footfall in the core
and at the counting points with its paired change, and what it costs per year to the
municipality and to co-funders. Then
(:func:`sources`) where the effect on vacancy comes from: units converted to homes (which leave
the stock the vacancy rate is measured over), new tenants, closures avoided, meanwhile and
cultural use, shops that moved, and the vacancy rate had the converted units stayed in the
stock. A comparison of different places (``--unpaired``) is told as the difference between
the places, never as an effect or as something avoided. Every number comes from the tables of
:mod:`sim.runs.compare` and :mod:`sim.runs.breakdown`; the words from the catalogues of
:mod:`sim.present.i18n`. The sentences are plain text (names escaped), so the report and the
one-page summary can use them.
Called by :mod:`sim.present.report`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.present.i18n import Lang

__all__ = ["Numbers", "answer", "extra_spending", "headline", "numbers", "sources"]


def extra_spending(comparison) -> pd.DataFrame:
    """Per scenario (index): ``municipal`` and ``cofunding`` spending over the horizon more
    than the baseline's, EUR, the median of the paired differences."""
    out = {}
    for column, metric in (("municipal", "municipal_spend"), ("cofunding", "cofunding_spend")):
        values = comparison.values(metric, comparison.years).fillna(0.0)
        out[column] = values.sub(values[comparison.baseline.name], axis=0).median()
    return pd.DataFrame(out)


@dataclass
class Numbers:
    """What the answer about one scenario says, read from the tables (medians over
    replications; ``effect_*`` are paired differences against the baseline)."""

    scenario: str  # as the answer names it (its title)
    baseline: str
    years: int
    horizon: str
    table: pd.DataFrame  # summary rows of the scenario at the horizon, by metric
    base: pd.DataFrame  # summary rows of the baseline at the horizon, by metric
    sources: pd.DataFrame  # effect_sources rows of the scenario, by source
    spend_per_year: float  # municipal, more than the baseline, mean per year
    cofunding_per_year: float
    paired: bool = True  # False: different places, their differences are no effects
    #: the scenario's and the baseline's vacancy rate, stock and vacant units at the horizon
    #: (:func:`sim.runs.breakdown.horizon_vacancy`)
    units: pd.DataFrame | None = None
    #: metric -> its paired change in % per scenario (:func:`sim.runs.breakdown.paired_change`)
    changes: Mapping[str, pd.DataFrame] | None = None

    def value(self, metric: str, column: str = "median") -> float:
        return float(self.table.loc[metric, column]) if metric in self.table.index else float(
            "nan")

    def base_value(self, metric: str) -> float:
        return float(self.base.loc[metric, "median"]) if metric in self.base.index else float(
            "nan")

    def source(self, name: str, column: str = "effect_median") -> float:
        return float(self.sources.loc[name, column]) if name in self.sources.index else 0.0


def numbers(scenario: str, baseline: str, years: int, horizon: str, summary: pd.DataFrame,
            effect_sources: pd.DataFrame, spend: pd.DataFrame,
            titles: Mapping[str, str] | None = None, *, paired: bool = True,
            units: pd.DataFrame | None = None,
            changes: Mapping[str, pd.DataFrame] | None = None) -> Numbers:
    """Collect what the answer about ``scenario`` needs.

    Args:
        scenario, baseline: Names.
        years: The horizon in years; ``horizon`` its last reported week (ISO date).
        summary: :meth:`sim.runs.compare.Comparison.summary`.
        effect_sources: :func:`sim.runs.breakdown.effect_sources`.
        spend: One row per scenario (index: name), columns ``municipal`` and ``cofunding``:
            the median over replications of the spending over the horizon more than the
            baseline's (EUR; see :func:`extra_spending`).
        titles: Name -> the name the answer uses (:func:`sim.present.sections.titles`); the
            names themselves if not given.
        paired: False if the scenarios simulate different places
            (:attr:`sim.runs.compare.Comparison.paired`).
        units: :func:`sim.runs.breakdown.horizon_vacancy`; ``changes``: metric ->
            :func:`sim.runs.breakdown.paired_change` (both needed by :func:`answer`, not by
            :func:`headline`).
    """
    at = summary[summary["horizon"]]
    table = at[at["scenario"] == scenario].set_index("metric")
    base = at[at["scenario"] == baseline].set_index("metric")
    src = effect_sources[effect_sources["scenario"] == scenario].set_index("source")
    row = spend.loc[scenario] if scenario in spend.index else None
    muni = float(row["municipal"]) / years if row is not None else float("nan")
    co = float(row["cofunding"]) / years if row is not None else float("nan")
    titles = titles or {}
    units = units.loc[[scenario, baseline]] if units is not None else None
    changes = {m: c.loc[scenario] for m, c in (changes or {}).items()}
    return Numbers(titles.get(scenario, scenario), titles.get(baseline, baseline), years, horizon,
                   table, base, src, muni, co, paired, units, changes)


def _rounded(amount: float) -> float:
    """An amount to three significant digits ("about EUR 385,000", not 384,715)."""
    if not amount or amount != amount:
        return amount
    return float(f"{amount:.3g}")


def _verdict(t: Lang, low: float, high: float) -> str:
    if low <= 0 <= high:
        return t.tr("not distinguishable from zero: in some replications the scenario does "
                   "better than doing nothing, in others worse")
    if high < 0:
        return t.tr("clearly lower than when nothing is done")
    return t.tr("clearly higher than when nothing is done")


def _change(t: Lang, value: float, base: float) -> str:
    if not base:
        return t.tr("n/a")
    return t.signed(100.0 * (value / base - 1.0), 1) + "%"


def _paired_change(t: Lang, n: Numbers, metric: str) -> dict[str, str]:
    """The paired change of ``metric`` in %, with its 90% interval, as words."""
    row = n.changes[metric]
    return {key: t.signed(float(row[key]), 1) + "%" if np.isfinite(row[key]) else t.tr("n/a")
            for key in ("median", "low", "high")}


def answer(n: Numbers, t: Lang) -> str:
    """The answer about one scenario as plain text (a paragraph). The vacancy rate with and
    without is the median over replications, as in the tables, and the vacant units are what
    it gives of the median stock, so that they agree; the effects are paired."""
    esc = html.escape
    own, base = n.units.iloc[0], n.units.iloc[-1]  # the scenario's, the baseline's
    counts = {
        "scenario": esc(n.scenario), "vacant": t.number(own["vacant"]),
        "stock": t.number(own["stock"]), "years": n.years,
        "date": t.date(n.horizon), "rate": t.percent(own["rate"]),
        "base_vacant": t.number(base["vacant"]), "base_stock": t.number(base["stock"]),
        "base_rate": t.percent(base["rate"]), "baseline": esc(n.baseline)}
    low, high = n.value("vacancy_rate", "effect_low"), n.value("vacancy_rate", "effect_high")
    effect = {"effect": t.points(n.value("vacancy_rate", "effect_median")),
              "low": t.points(low), "high": t.points(high)}
    if n.paired:
        parts = [t.tr(
            "With {scenario}, about {vacant} of the {stock} premises in the centre are vacant "
            "after {years} years ({date}): a vacancy rate of {rate} (the median of the "
            "replications), against about {base_vacant} of {base_stock} ({base_rate}) when "
            "nothing is done ({baseline}).", **counts),
            t.tr("The paired effect on the vacancy rate is {effect} (90% of the replications "
                 "between {low} and {high}): {verdict}.", **effect,
                 verdict=_verdict(t, low, high))]
    else:
        parts = [t.tr(
            "In {scenario}, about {vacant} of the {stock} premises are vacant after {years} "
            "years ({date}): a vacancy rate of {rate} (the median of the replications), "
            "against about {base_vacant} of {base_stock} ({base_rate}) in {baseline}.",
            **counts),
            t.tr("These are different places, so the difference in the vacancy rate, {effect} "
                 "(90% of the replications between {low} and {high}; {verdict}), is the "
                 "difference between the places, not the effect of an intervention.", **effect,
                 verdict=_verdict_places(t, low, high, esc(n.baseline)))]
    if "footfall_core" in n.table.index and n.paired:
        core, total = _paired_change(t, n, "footfall_core"), _paired_change(t, n, "footfall")
        parts.append(t.tr(
            "Footfall in the core: {core} passers-by a week at the doors of its premises, a "
            "paired change of {core_change} against {baseline} (90% of the replications "
            "between {core_low} and {core_high}); at the counting points: {total} passers-by "
            "a week, {total_change} ({total_low} to {total_high}).",
            core=t.number(n.value("footfall_core")), core_change=core["median"],
            core_low=core["low"], core_high=core["high"], baseline=esc(n.baseline),
            total=t.number(n.value("footfall")), total_change=total["median"],
            total_low=total["low"], total_high=total["high"]))
    elif "footfall_core" in n.table.index:
        parts.append(t.tr(
            "Footfall in the core: {core} passers-by a week at the doors of its premises "
            "({core_change} against {baseline}); at the counting points: {total} passers-by a "
            "week ({total_change}).",
            core=t.number(n.value("footfall_core")),
            core_change=_change(t, n.value("footfall_core"), n.base_value("footfall_core")),
            baseline=esc(n.baseline), total=t.number(n.value("footfall")),
            total_change=_change(t, n.value("footfall"), n.base_value("footfall"))))
    if n.spend_per_year > 0 or n.cofunding_per_year > 0:
        parts.append(t.tr(
            "It costs the municipality about {municipal} a year and co-funders about "
            "{cofunding} a year (the mean over the {years} years, more than in {baseline}).",
            municipal=t.eur(_rounded(n.spend_per_year)),
            cofunding=t.eur(_rounded(n.cofunding_per_year)),
            years=n.years, baseline=esc(n.baseline)))
    else:
        parts.append(t.tr("It costs the municipality and co-funders nothing more than "
                         "{baseline}.", baseline=esc(n.baseline)))
    return " ".join(parts)


def headline(n: Numbers, t: Lang) -> str:
    """The answer about one scenario in one line of plain text (for the terminal): vacancy at
    the horizon with and without, and the paired effect with its interval (or, for different
    places, the difference)."""
    low, high = n.value("vacancy_rate", "effect_low"), n.value("vacancy_rate", "effect_high")
    if not n.paired:
        return t.tr("{scenario}: vacancy {rate} at the horizon, against {base_rate} in "
                    "{baseline}; a difference between places, not an effect: {effect} (90%: "
                    "{low} to {high}), {verdict}.",
                    scenario=n.scenario, rate=t.percent(n.value("vacancy_rate")),
                    base_rate=t.percent(n.base_value("vacancy_rate")), baseline=n.baseline,
                    effect=t.points(n.value("vacancy_rate", "effect_median")),
                    low=t.points(low), high=t.points(high),
                    verdict=_verdict_places(t, low, high, n.baseline))
    return t.tr("{scenario}: vacancy {rate} at the horizon, against {base_rate} ({baseline}); "
                "effect {effect} (90%: {low} to {high}), {verdict}.",
                scenario=n.scenario, rate=t.percent(n.value("vacancy_rate")),
                base_rate=t.percent(n.base_value("vacancy_rate")), baseline=n.baseline,
                effect=t.points(n.value("vacancy_rate", "effect_median")), low=t.points(low),
                high=t.points(high), verdict=_verdict_short(t, low, high))


def _verdict_places(t: Lang, low: float, high: float, baseline: str) -> str:
    if low <= 0 <= high:
        return t.tr("not distinguishable from zero")
    return (t.tr("lower than in {baseline}", baseline=baseline) if high < 0
            else t.tr("higher than in {baseline}", baseline=baseline))


def _verdict_short(t: Lang, low: float, high: float) -> str:
    if low <= 0 <= high:
        return t.tr("not distinguishable from zero")
    return t.tr("lower than doing nothing") if high < 0 else t.tr("higher than doing nothing")


def sources(n: Numbers, t: Lang) -> str:
    """Where the effect on vacancy comes from, as plain text (a paragraph); for different
    places, that there is no effect to break down."""
    esc = html.escape
    if not n.paired:
        return t.tr("{scenario} and {baseline} are different places: the counts below "
                    "describe each place, and their differences are no effects.",
                    scenario=esc(n.scenario), baseline=esc(n.baseline))
    fewer = -n.source("vacant_units")
    conv = n.source("conversions")
    parts = []
    if fewer > 0.5 and conv > 0.5:
        if abs(conv - fewer) < 0.5:
            parts.append(t.tr(
                "The {fewer} fewer vacant units are units converted to homes, which left the "
                "stock the vacancy rate is measured over.", fewer=t.number(fewer)))
        elif conv > fewer:
            parts.append(t.tr(
                "The conversions account for all of the {fewer} fewer vacant units: {conv} "
                "more units became homes and left the stock the vacancy rate is measured over. "
                "Lettings and closures together left about {rest} more units vacant than in "
                "{baseline}.", fewer=t.number(fewer), conv=t.number(conv),
                rest=t.number(conv - fewer), baseline=esc(n.baseline)))
        else:
            parts.append(t.tr(
                "Of the {fewer} fewer vacant units, about {conv} are units converted to homes, "
                "which left the stock the vacancy rate is measured over; the other {rest} come "
                "from lettings and closures avoided.", fewer=t.number(fewer),
                conv=t.number(conv), rest=t.number(fewer - conv)))
    elif fewer > 0.5:
        parts.append(t.tr(
            "The {fewer} fewer vacant units come from lettings and closures avoided, not from "
            "conversions.", fewer=t.number(fewer)))
    elif fewer < -0.5:
        parts.append(t.tr("There are {more} more vacant units than in {baseline}.",
                         more=t.number(-fewer), baseline=esc(n.baseline)))
    else:
        parts.append(t.tr("The number of vacant units hardly changes."))
    flows = [(n.source(key), text) for key, text in (
        ("conversions", t.tr("units converted to homes")),
        ("new_tenants", t.tr("new tenants")),
        ("nominated_tenants", t.tr("tenants nominated by the municipality")),
        ("closures", t.tr("closures")),
        ("meanwhile_leases", t.tr("meanwhile leases")),
        ("cultural_openings", t.tr("cultural venues opened")),
        ("relocations", t.tr("shops that moved (a move empties one unit and fills another)")),
    ) if abs(n.source(key)) >= 0.5]
    if flows:
        parts.append(t.tr("Over the {years} years, against {baseline}: {flows}.", years=n.years,
                         baseline=esc(n.baseline),
                         flows=t.join(f"{t.signed(v)} {text}" for v, text in flows)))
    else:
        parts.append(t.tr("Conversions, lettings and closures are the same as in {baseline}.",
                         baseline=esc(n.baseline)))
    if conv > 0.5 and "vacancy_rate_if_kept" in n.sources.index:
        parts.append(t.tr(
            "Had the units converted more than in {baseline} stayed in the stock, vacant, the "
            "vacancy rate would be {kept} instead of {rate} ({base_rate} in {baseline}).",
            baseline=esc(n.baseline), kept=t.percent(n.source("vacancy_rate_if_kept",
                                                              "median")),
            rate=t.percent(n.units["rate"].iloc[0]),
            base_rate=t.percent(n.units["rate"].iloc[-1])))
    return " ".join(parts)

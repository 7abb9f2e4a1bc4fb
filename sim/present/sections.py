"""The sections of the report: the answers, tables and lists that ``report.html`` and
``summary.html`` are made of, as HTML fragments in the language of a :class:`Lang`.

Each function takes the comparison's tables (:mod:`sim.runs.compare`,
:mod:`sim.runs.breakdown`) and returns HTML with everything a user typed escaped; numbers are
formatted by :func:`format_value` and :func:`format_effect`. Called by
:mod:`sim.present.report` (which assembles the pages) and :mod:`sim.present.comparison`
(instrument names for the spending figures).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping

import pandas as pd

from sim.present.answer import answer, extra_spending, numbers, sources
from sim.present.evidence import evidence_sentences, evidence_verdict
from sim.present.i18n import Lang, language
from sim.present.plots import metric_label
from sim.runs.breakdown import horizon_vacancy, paired_change
from sim.runs.compare import HEADLINE_METRICS, Comparison
from sim.scenario.loading import build_town
from sim.scenario.reference import differences, field_doc
from sim.scenario.schema import Scenario

__all__ = ["answers", "assumptions_section", "cost_lines", "effect_class", "esc",
           "figures_section", "format_effect", "format_value", "headline_table",
           "instrument_titles", "interval", "key_assumptions", "scenario_section",
           "sources_table", "spending_section", "summary_table", "titles", "town_name"]

#: Settings of an instrument that its plain-words description already gives.
_PLAIN_KEYS = {"type", "start", "end", "enabled", "label", "name"}
#: Metrics for which lower is better (vacancy, closures, spending).
_LOWER_IS_BETTER = ("vacan", "closures", "spend")


# --------------------------------------------------------------------------- numbers
def _is_rate(metric: str) -> bool:
    return "rate" in metric or "share" in metric


def format_value(metric: str, value: float, t: Lang | None = None) -> str:
    """A value as the report shows it: rates in %, money in euros, counts with separators."""
    t = t or language("en")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t.tr("n/a")
    if _is_rate(metric):
        return t.percent(value)
    if metric.endswith("_spend"):
        return t.eur(value)
    return t.number(value, 0 if abs(value) >= 100 or float(value).is_integer() else 1)


def format_effect(metric: str, value: float, t: Lang | None = None) -> str:
    """A paired difference as the report shows it: signed, rates in percentage points."""
    t = t or language("en")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t.tr("n/a")
    if _is_rate(metric):
        return t.points(value)
    if metric.endswith("_spend"):
        value = round(float(value), 6) + 0.0
        return ("+" if value >= 0 else "-") + t.eur(abs(value))
    return t.signed(value, 0 if abs(value) >= 100 or float(value).is_integer() else 1)


def interval(t: Lang, fmt, metric: str, low: float, high: float) -> str:
    return t.tr("{low} to {high}", low=fmt(metric, low, t), high=fmt(metric, high, t))


def effect_class(metric: str, low: float, high: float) -> str:
    if low <= 0 <= high:
        return "none"
    lower_better = any(word in metric for word in _LOWER_IS_BETTER)
    return "better" if (high < 0) == lower_better else "worse"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def titles(comparison: Comparison, t: Lang) -> dict[str, str]:
    """Each scenario's name -> its name as readers see it (:meth:`Lang.scenario`: its title,
    translated for a shipped scenario, else its name)."""
    return {s.name: t.scenario(s) for s in comparison.scenarios}


def town_name(comparison: Comparison, t: Lang, scenario: Scenario | None = None) -> str:
    """The name of the baseline's town (or ``scenario``'s): its own name (``town.name``),
    else its town folder's (the name the import gave it, capitalised if written in lower
    case), else its preset's, else "the centre"."""
    scenario = scenario or comparison.baseline
    town = scenario.town
    if getattr(town, "name", None):
        return town.name
    if town.dir:
        name = build_town(scenario).name  # cached on the scenario by the runs
        return name[:1].upper() + name[1:] if name.islower() else name
    if town.preset:
        return town.preset.capitalize()
    return t.tr("the centre") if (town.map or town.map_file) else "Middelstad"


# --------------------------------------------------------------------------- sections
def answers(comparison: Comparison, summary: pd.DataFrame, src: pd.DataFrame, t: Lang,
             with_sources: bool) -> str:
    spend = extra_spending(comparison)
    horizon = str(comparison.timeseries["date"].max())
    title = titles(comparison, t)
    scenarios = {s.name: s for s in comparison.scenarios}
    units = horizon_vacancy(comparison)
    changes = {m: paired_change(comparison, m) for m in ("footfall_core", "footfall")
               if m in comparison.timeseries.columns}
    parts = []
    for name in comparison.names[1:]:
        n = numbers(name, comparison.baseline.name, comparison.years, horizon, summary, src,
                    spend, title, paired=comparison.paired, units=units, changes=changes)
        label = (f"<b>{esc(t.tr('Where it comes from:'))}</b> " if comparison.paired else "")
        known = evidence_sentences(scenarios[name], comparison, t) if (
            with_sources and comparison.paired) else []
        verdict = evidence_verdict(scenarios[name], comparison, t) if (
            not with_sources and comparison.paired) else ""  # the one-page summary's line
        parts.append(f"<div class='answer' id='answer-{esc(name)}'><h3>{esc(title[name])}</h3>"
                     f"<p>{answer(n, t)}</p>"
                     + (f"<p class='sources'>{label}{sources(n, t)}</p>" if with_sources
                        else "")
                     + (f"<p class='evidence'><b>{esc(t.tr('What the Dutch record says:'))}"
                        "</b></p><ul class='evidence'>"
                        + "".join(f"<li>{line}</li>" for line in known) + "</ul>"
                        if known else "")
                     + (f"<p class='evidence small'><b>{esc(t.tr('What the Dutch record says:'))}"
                        f"</b> {verdict}</p>" if verdict else "") + "</div>")
    if not parts:
        parts.append(f"<p>{esc(t.tr('There is no scenario beside the baseline.'))}</p>")
    return "\n".join(parts)


#: Rows of the table of where the effect comes from, in this order.
_SOURCE_ROWS = ("vacant_units", "stock_units", "conversions", "new_tenants",
                "nominated_tenants", "closures", "meanwhile_leases", "cultural_openings",
                "cultural_closures", "relocations", "vacancy_rate_if_kept")


def _source_label(source: str, t: Lang) -> str:
    return {
        "vacant_units": t.tr("vacant units at the horizon"),
        "stock_units": t.tr("premises in the stock at the horizon"),
        "conversions": t.tr("units converted to homes (leave the stock)"),
        "new_tenants": t.tr("new tenants"),
        "nominated_tenants": t.tr("tenants nominated by the municipality"),
        "closures": t.tr("closures (moves not counted)"),
        "meanwhile_leases": t.tr("meanwhile leases"),
        "cultural_openings": t.tr("cultural venues opened"),
        "cultural_closures": t.tr("cultural venues and meanwhile users that left"),
        "relocations": t.tr("shops that moved"),
        "vacancy_rate_if_kept": t.tr("vacancy rate had the extra conversions stayed vacant"),
    }.get(source, source)


def sources_table(comparison: Comparison, src: pd.DataFrame, t: Lang) -> str:
    base = comparison.baseline.name
    title = titles(comparison, t)
    difference = (t.tr("difference, paired") if comparison.paired
                  else t.tr("difference between the places"))
    parts = []
    for name in comparison.names[1:]:
        mine = src[src["scenario"] == name].set_index("source")
        theirs = src[src["scenario"] == base].set_index("source")
        rows = []
        for source in _SOURCE_ROWS:
            if source not in mine.index or (source == "vacancy_rate_if_kept"
                                            and not comparison.paired):
                continue
            metric = "vacancy_rate" if source == "vacancy_rate_if_kept" else "count"
            r, b = mine.loc[source], theirs.loc[source]
            cls = effect_class("vacan" if source.startswith("vacan") else source,
                                r["effect_low"], r["effect_high"]) if source in (
                "vacant_units", "closures") and comparison.paired else "none"
            rows.append(
                f"<tr><td class='l'>{esc(_source_label(source, t))}</td>"
                f"<td>{format_value(metric, b['median'], t)}</td>"
                f"<td>{format_value(metric, r['median'], t)}</td>"
                f"<td class='{cls}'>{format_effect(metric, r['effect_median'], t)}<br>"
                f"<span class='small'>"
                f"{interval(t, format_effect, metric, r['effect_low'], r['effect_high'])}"
                "</span></td></tr>")
        parts.append(
            f"<h3>{esc(title[name])}</h3><div class='wrap'><table><tr>"
            f"<th class='l'>{esc(t.tr('over the horizon'))}</th><th>{esc(title[base])}</th>"
            f"<th>{esc(title[name])}</th><th>{esc(difference)}<br>"
            f"<span class='small'>{esc(t.tr('median (90% interval)'))}</span></th></tr>"
            + "".join(rows) + "</table></div>")
    return "\n".join(parts)


def headline_table(comparison: Comparison, summary: pd.DataFrame, year: int, t: Lang) -> str:
    at = summary[summary["year"] == year]
    base = comparison.baseline.name
    title = titles(comparison, t)
    parts = []
    for name in comparison.names[1:] or [base]:
        head = (f"<tr><th class='l'>{esc(t.tr('metric'))}</th><th>{esc(title[base])}<br>"
                f"<span class='small'>{esc(t.tr('median (90% interval)'))}</span></th>")
        if name != base:
            if comparison.paired:
                effect_head = t.tr("effect of {scenario}", scenario=title[name])
                effect_note = t.tr("paired, median (90% interval)")
            else:
                effect_head = t.tr("difference from {baseline}", baseline=title[base])
                effect_note = t.tr("between places, median (90% interval)")
            head += (f"<th>{esc(title[name])}<br><span class='small'>"
                     f"{esc(t.tr('median (90% interval)'))}</span></th>"
                     f"<th>{esc(effect_head)}<br><span class='small'>{esc(effect_note)}"
                     "</span></th>")
        rows = []
        for metric in HEADLINE_METRICS:
            cells = [f"<td class='l'>{esc(metric_label(metric, t))}</td>"]
            for who in ([base, name] if name != base else [base]):
                r = at[(at["metric"] == metric) & (at["scenario"] == who)].iloc[0]
                cells.append(
                    f"<td>{format_value(metric, r['median'], t)}<br><span class='small'>"
                    f"{interval(t, format_value, metric, r['low'], r['high'])}</span></td>")
            if name != base:
                r = at[(at["metric"] == metric) & (at["scenario"] == name)].iloc[0]
                cls = (effect_class(metric, r["effect_low"], r["effect_high"])
                       if comparison.paired else "none")  # places: no better or worse
                cells.append(
                    f"<td class='{cls}'>{format_effect(metric, r['effect_median'], t)}<br>"
                    f"<span class='small'>"
                    f"{interval(t, format_effect, metric, r['effect_low'], r['effect_high'])}"
                    "</span></td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        heading = f"<h3>{esc(title[name])}</h3>" if name != base else ""
        parts.append(f"{heading}<div class='wrap'><table>{head}</tr>{''.join(rows)}"
                     "</table></div>")
    return "\n".join(parts)


def instrument_titles(comparison: Comparison, t: Lang) -> dict[str, str]:
    """Instrument type (and the totals) -> its name in the language of ``t``."""
    titles = {"municipal_spend": t.tr("municipality, all instruments"),
              "cofunding_spend": t.tr("co-funders, all instruments")}
    for scenario in comparison.scenarios:
        for item in scenario.interventions or []:
            titles.setdefault(item.type, t.lookup(f"title:{item.type}") or item.title())
    return titles


def spending_section(comparison: Comparison, spending: pd.DataFrame, t: Lang) -> str:
    instruments = instrument_titles(comparison, t)
    title = titles(comparison, t)
    parts, over = [], []
    for name in comparison.names:
        rows = spending[spending["scenario"] == name]
        if rows.empty or not rows["max"].any():
            continue
        years = sorted(rows["year"].unique())
        head = (f"<tr><th class='l'>{esc(t.tr('EUR per year'))}</th>"
                + "".join(f"<th>{y}</th>" for y in years)
                + f"<th>{esc(t.tr('budget or fixed cost a year'))}</th></tr>")
        body = []
        for kind in dict.fromkeys(rows["instrument"]):
            part = rows[rows["instrument"] == kind].set_index("year")
            cells = []
            for y in years:
                r = part.loc[y]
                cls = " class='over'" if r["over"] else ""
                cells.append(f"<td{cls}>{t.number(r['median'])}<br><span class='small'>"
                             f"{esc(t.tr('max {value}', value=t.number(r['max'])))}"
                             "</span></td>")
                if r["over"]:
                    over.append((title[name], instruments.get(kind, kind), y, r["max"],
                                 r["limit_eur"]))
            kinds = set(part["limit_kind"])
            limits = part["limit_eur"].dropna()
            if "budget" in kinds and len(limits):
                limit = t.tr("budget {amount}", amount=t.eur(limits.max()))
            elif "fixed cost" in kinds and len(limits):
                limit = t.tr("fixed cost {amount}, plus costs per case",
                            amount=t.eur(limits.max()))
            elif "per case" in kinds:
                limit = t.tr("no yearly budget: pays per case")
            else:
                limit = ""
            body.append(f"<tr><td class='l'>{esc(instruments.get(kind, kind))}</td>"
                        + "".join(cells) + f"<td class='l small'>{esc(limit)}</td></tr>")
        parts.append(f"<h3>{esc(title[name])}</h3><div class='wrap'><table>{head}"
                     f"{''.join(body)}</table></div>")
    if over:
        items = "".join(
            f"<li>{esc(t.tr('{scenario}: {instrument} spent up to {spent} in {year}, against a '
                            'budget of {budget}.', scenario=s, instrument=i, spent=t.eur(m),
                            budget=t.eur(b), year=y))}</li>" for s, i, y, m, b in over)
        parts.insert(0, f"<p class='worse'>{esc(t.tr('Over budget:'))}</p><ul>{items}</ul>")
    else:
        parts.insert(0, f"<p>{esc(t.tr('No instrument spent more in a year than its yearly '
                                        'budget in any replication.'))}</p>")
    return "\n".join(parts)


def cost_lines(costs: pd.DataFrame, t: Lang, title: Mapping[str, str] | None = None) -> str:
    title = title or {}
    if costs.empty:
        return f"<p>{esc(t.tr('No scenario to compare.'))}</p>"
    lines = []
    for _, r in costs.iterrows():
        per = (t.tr("vacant unit avoided") if r["per"].startswith("vacant")
               else t.tr("1% footfall gained"))
        what = (t.tr("vacant units avoided") if r["per"].startswith("vacant")
                else t.tr("% footfall gained"))
        spend = t.tr("{median} (90%: {low} to {high})", median=t.eur(r["spend_median"]),
                    low=t.eur(r["spend_low"]), high=t.eur(r["spend_high"]))
        effect = t.tr("{median} (90%: {low} to {high})", median=t.signed(r["effect_median"], 2),
                     low=t.signed(r["effect_low"], 2), high=t.signed(r["effect_high"], 2))
        if r["verdict"] == "ok":
            text = t.tr("{ratio} per {per} (90%: {low} to {high}); spending {spend}, {what} "
                       "{effect}.", ratio=t.eur(r["eur_per_unit_median"]), per=per,
                       low=t.eur(r["eur_per_unit_low"]), high=t.eur(r["eur_per_unit_high"]),
                       spend=spend, what=what, effect=effect)
        elif r["verdict"] == "no spending":
            text = t.tr("no municipal or co-funded spending recorded, so no cost per {per}; "
                       "{what} {effect}.", per=per, what=what, effect=effect)
        elif r["verdict"] == "no measurable effect":
            text = t.tr("no measurable effect: the 90% interval of {what} includes zero "
                       "({effect}), so there is no cost per {per}; spending {spend}.",
                       what=what, effect=effect, per=per, spend=spend)
        else:
            text = t.tr("worse than doing nothing: {what} {effect}; spending {spend}.",
                       what=what, effect=effect, spend=spend)
        lines.append(f"<li><b>{esc(title.get(r['scenario'], r['scenario']))}</b>, "
                     f"{esc(t.tr('per'))} {esc(per)}: "
                     f"{esc(text)}</li>")
    return "<ul>" + "".join(lines) + "</ul>"


def scenario_section(comparison: Comparison, t: Lang) -> str:
    base = comparison.baseline
    parts = []
    for i, scenario in enumerate(comparison.scenarios):
        role = t.tr("baseline: no intervention") if i == 0 else t.tr("scenario")
        name = f", <code>{esc(scenario.name)}</code>" if scenario.title else ""
        parts.append(f"<h3>{esc(t.scenario(scenario))} <span class='small'>({esc(role)}{name})"
                     "</span></h3>")
        if scenario.description:
            parts.append(f"<p>{esc(t.description(scenario.description))}</p>")
        items = []
        for kind, heading in (("interventions", t.tr("Instrument")), ("shocks", t.tr("Shock"))):
            for item in getattr(scenario, kind, None) or []:
                items.append(f"<li><b>{esc(heading)}:</b> {esc(t.describe(item))}</li>")
        for round_ in scenario.funding or []:
            items.append(f"<li><b>{esc(t.tr('Co-funding'))}:</b> "
                         f"{esc(t.describe_funding(round_))}</li>")
        if not items:
            items.append(f"<li>{esc(t.tr('No instruments, shocks or co-funding rounds.'))}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
        if i > 0:
            diffs = differences(base, scenario, skip=("name", "title", "description", "seed",
                                                      "interventions", "shocks", "funding"))
            if diffs:
                rows = "".join(
                    f"<tr><td class='l'><code>{esc(path)}</code></td><td>{esc(old)}</td>"
                    f"<td>{esc(new)}</td><td class='l small'>{esc(field_doc(path))}</td></tr>"
                    for path, old, new in diffs)
                parts.append(
                    f"<p>{esc(t.tr('Other settings that differ from {baseline}:',
                                  baseline=t.scenario(base)))}"
                    f"</p><div class='wrap'><table>"
                    f"<tr><th class='l'>{esc(t.tr('setting'))}</th>"
                    f"<th>{esc(t.scenario(base))}</th>"
                    f"<th>{esc(t.scenario(scenario))}</th><th class='l'>"
                    f"{esc(t.tr('meaning and source (from the scenario schema)'))}</th></tr>"
                    f"{rows}</table></div>")
    return "\n".join(parts)


def figures_section(figures: Mapping[str, bytes], t: Lang,
                    title: Mapping[str, str] | None = None, *, paired: bool = True) -> str:
    title = title or {}
    groups = (("trajectory_", t.tr("Trajectories: median and 90% band over replications")),
              ("effect_", t.tr("Effects: paired difference against the baseline") if paired
               else t.tr("Differences from the baseline: different places, not effects")),
              ("spending_", t.tr("Spending per year beside the budget")),
              ("map_", t.tr("Maps at the horizon")))
    parts = []
    for prefix, heading in groups:
        stems = [s for s in figures if s.startswith(prefix)]
        if not stems:
            continue
        parts.append(f"<h3>{esc(heading)}</h3>")
        for stem in stems:
            rest = stem[len(prefix):]
            caption = (t.tr("{scenario}: baseline and scenario side by side",
                            scenario=title.get(rest, rest))
                       if prefix == "map_" else title.get(rest, rest) if prefix == "spending_"
                       else metric_label(rest, t))
            data = base64.b64encode(figures[stem]).decode("ascii")
            parts.append(f"<figure id='{esc(stem)}'><img alt='{esc(heading)}: {esc(caption)}' "
                         f"src='data:image/png;base64,{data}'>"
                         f"<figcaption class='small'>{esc(caption)} "
                         f"(figures/{esc(stem)}.png)</figcaption></figure>")
    return "\n".join(parts)


def key_assumptions(t: Lang) -> list[tuple[str, str]]:
    """The model's key assumptions with their sources (see docs/ODD.md)."""
    return [
        (t.tr("Visitors choose shops with a Huff / multinomial logit model on floor area, "
             "neighbouring shops, the liveliness of the route and walking distance."),
         "Huff (1963); Borgers & Timmermans (1986) Geographical Analysis 18"),
        (t.tr("Visitors enter at the station, car parks, bus stops and bike parks and walk "
             "along the streets from shop to shop."),
         "Borgers & Timmermans, TU/e pedestrian shopping models"),
        (t.tr("Footfall and nearby shops raise rents (elasticities about 0.25)."),
         "Koster, Pasidis & van Ommeren (2019) J. Urban Econ. 114:103194"),
        (t.tr("Rents fall about 17% per 100 m from the heart of the shopping area."),
         "Ossokina, Svitak & Teulings (2024) Reg. Sci. Urban Econ. 108:104026"),
        (t.tr("Shops with fewer neighbouring shops, and remote shops, close more often."),
         "Kickert & vom Hofe (2018) Urban Studies 55(5)"),
        (t.tr("Rents are sticky: owners wait for the old rent rather than cut it."),
         "gebiedsontwikkeling.nu; stadszaken.nl"),
        (t.tr("The online share of retail spending grows (10% in 2015, 16% in 2019)."),
         "CBS/Panteia via retailinsiders.nl"),
        (t.tr("Footfall falls about 1 to 1.5% a year before corona."),
         "Locatus via fashionunited.nl 10-11-2022"),
        (t.tr("About 3% of shops close a year (2019); fewer than 20% of closures are "
             "bankruptcies."), "nrc.nl 18-01-2020; telegraaf.nl"),
        (t.tr("The model is calibrated to national stylized facts, not to one town: read the "
             "results as differences between scenarios, not as a forecast of one street."),
         "docs/calibration.md"),
    ]


def assumptions_section(comparison: Comparison, t: Lang) -> str:
    parts = []
    for scenario in comparison.scenarios[1:]:
        items = []
        for path, _, new in differences(comparison.baseline, scenario,
                                        skip=("name", "title", "description", "seed")):
            settings = ({f"{path}.{k}": v for k, v in new.items() if k not in _PLAIN_KEYS}
                        if isinstance(new, dict) else {path: new})
            for sub, value in settings.items():
                doc = field_doc(sub, scenario, comparison.baseline)
                if doc:
                    items.append(f"<li><code>{esc(sub)}</code> = {esc(_plain(value))}: "
                                 f"{esc(doc)}</li>")
        if items:
            parts.append(f"<p>{esc(t.tr('What {scenario} sets differently from {baseline}, with '
                                        'the meaning and source of each setting (from the '
                                        'scenario schema, see docs/scenarios.md):',
                                    scenario=t.scenario(scenario),
                                    baseline=t.scenario(comparison.baseline)))}"
                         f"</p><ul>{''.join(items)}</ul>")
    parts.append(f"<p>{esc(t.tr('Key assumptions of the model (docs/ODD.md describes every '
                                'rule):'))}</p><ul>")
    parts.extend(f"<li>{esc(text)} <span class='small'>{esc(t.tr('Source:'))} "
                 f"{esc(src)}.</span></li>" for text, src in key_assumptions(t))
    parts.append("</ul>")
    return "\n".join(parts)


def _plain(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def summary_table(comparison: Comparison, summary: pd.DataFrame, t: Lang) -> str:
    at = summary[summary["horizon"]].set_index(["scenario", "metric"])
    base = comparison.baseline.name
    title = titles(comparison, t)
    rows = []
    for name in comparison.names:
        def cell(metric, name=name):
            return format_value(metric, at.loc[(name, metric), "median"], t) if (
                name, metric) in at.index else ""

        def effect(metric, name=name):
            if name == base or (name, metric) not in at.index:
                return ""
            r = at.loc[(name, metric)]
            cls = (effect_class(metric, r["effect_low"], r["effect_high"])
                   if comparison.paired else "none")
            return (f"<span class='{cls}'>{format_effect(metric, r['effect_median'], t)}</span>"
                    f"<br><span class='small'>"
                    f"{interval(t, format_effect, metric, r['effect_low'], r['effect_high'])}"
                    "</span>")
        rows.append(f"<tr><td class='l'>{esc(title[name])}</td><td>{cell('vacant_units')}</td>"
                    f"<td>{cell('vacancy_rate')}</td><td>{effect('vacancy_rate')}</td>"
                    f"<td>{cell('footfall_core')}</td><td>{cell('footfall')}</td>"
                    f"<td>{cell('municipal_spend')}</td><td>{cell('cofunding_spend')}</td></tr>")
    head = "".join(f"<th>{esc(h)}</th>" for h in (
        t.tr("vacant units"), t.tr("vacancy rate"),
        t.tr("effect on the vacancy rate") if comparison.paired
        else t.tr("difference in the vacancy rate"),
        t.tr("footfall in the core a week"), t.tr("footfall at the counting points a week"),
        t.tr("municipal spending, total"), t.tr("co-funded spending, total")))
    return (f"<table><tr><th class='l'>{esc(t.tr('scenario'))}</th>{head}</tr>"
            + "".join(rows) + "</table>")

"""``report.html``: one self-contained page a planner can mail.

The page holds the question, the scenarios in plain words (generated from the scenario files:
instruments, periods, costs, changed parameters), the headline table, the cost-effectiveness
lines, every figure (PNG, base64-embedded), the assumptions with their sources, and the seeds and
version needed to reproduce it. It loads nothing from the network: plain HTML with inline CSS.
Everything a user typed (names, descriptions, file names) is escaped. Called by
:mod:`sim.present.comparison`.
"""

from __future__ import annotations

import base64
import html
import math
import platform
import shlex
from collections.abc import Mapping
from pathlib import Path

import matplotlib
import mesa
import pandas as pd

from sim import __version__
from sim.present.plots import metric_label
from sim.runs.compare import HEADLINE_METRICS, Comparison
from sim.scenario.loading import display_path
from sim.scenario.reference import differences, field_doc

__all__ = ["KEY_ASSUMPTIONS", "format_effect", "format_value", "render"]

#: Key model assumptions and their sources (docs/ODD.md has every reference).
KEY_ASSUMPTIONS = (
    ("Visitors choose shops with a Huff / multinomial logit model on floor area, neighbouring "
     "shops, the liveliness of the route and walking distance.",
     "Huff (1963); Borgers & Timmermans (1986) Geographical Analysis 18"),
    ("Visitors enter at the station, car parks, bus stops and bike parks and walk along the "
     "streets, stopping on the way.", "Borgers & Timmermans, TU/e pedestrian shopping models"),
    ("Footfall and nearby shops raise rents (elasticities about 0.25).",
     "Koster, Pasidis & van Ommeren (2019) J. Urban Econ. 114:103194"),
    ("Rents fall about 17% per 100 m from the heart of the shopping area.",
     "Ossokina, Svitak & Teulings (2024) Reg. Sci. Urban Econ. 108:104026"),
    ("Shops with fewer neighbouring shops, and remote shops, close more often.",
     "Kickert & vom Hofe (2018) Urban Studies 55(5)"),
    ("Rents are sticky: owners wait for the old rent rather than cut it.",
     "gebiedsontwikkeling.nu; stadszaken.nl"),
    ("The online share of retail spending grows (10% in 2015, 16% in 2019).",
     "CBS/Panteia via retailinsiders.nl"),
    ("Footfall falls about 1 to 1.5% a year before corona.",
     "Locatus via fashionunited.nl 10-11-2022"),
    ("About 3% of shops close a year (2019); fewer than 20% of closures are bankruptcies.",
     "nrc.nl 18-01-2020; telegraaf.nl"),
    ("The model is calibrated to national stylized facts, not to one town: read the results as "
     "differences between scenarios, not as a forecast of one street.",
     "docs/calibration.md"),
)

_CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:2em}h3{margin-bottom:.3em}
.question{font-size:1.15em;background:#f4f6fa;border-left:4px solid #4a6fa5;padding:.6em 1em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;vertical-align:top}
th{background:#f0f0f0}td.l,th.l{text-align:left}
.better{color:#1a7f37}.worse{color:#b42318}.none{color:#666}
.small{font-size:.85em;color:#555}figure{margin:1em 0}img{max-width:100%}
code{background:#f4f4f4;padding:0 .2em}pre{background:#f4f4f4;padding:.6em;overflow-x:auto}
"""
#: Settings of an instrument that its plain-words description already gives.
_PLAIN_KEYS = {"type", "start", "end", "enabled", "label", "name"}
#: Metrics for which lower is better (vacancy, closures, spending).
_LOWER_IS_BETTER = ("vacancy", "closures", "spend")


# --------------------------------------------------------------------------- numbers
def _is_rate(metric: str) -> bool:
    return "rate" in metric or "share" in metric


def format_value(metric: str, value: float) -> str:
    """A value as the report shows it: rates in %, money and counts with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = float(value) + 0.0  # no "-0"
    if _is_rate(metric):
        return f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def format_effect(metric: str, value: float) -> str:
    """A paired difference as the report shows it: signed, rates in percentage points."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = round(float(value), 12) + 0.0
    if _is_rate(metric):
        return f"{100 * value:+.1f} pp"
    if abs(value) >= 100:
        return f"{value:+,.0f}"
    return f"{value:+,.1f}"


def _interval(fmt, metric: str, low: float, high: float) -> str:
    return f"{fmt(metric, low)} to {fmt(metric, high)}"


def _effect_class(metric: str, low: float, high: float) -> str:
    if low <= 0 <= high:
        return "none"
    lower_better = any(word in metric for word in _LOWER_IS_BETTER)
    return "better" if (high < 0) == lower_better else "worse"


# --------------------------------------------------------------------------- sections
def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _town(comparison: Comparison) -> str:
    town = comparison.baseline.town
    if town.preset:
        return town.preset
    if town.map_file:
        return town.map_file
    return "the centre" if town.map else "middelstad"


def _scenario_section(comparison: Comparison) -> str:
    base = comparison.baseline
    parts = []
    for i, scenario in enumerate(comparison.scenarios):
        role = "baseline: no intervention" if i == 0 else "scenario"
        parts.append(f"<h3>{_esc(scenario.name)} <span class='small'>({role})</span></h3>")
        if scenario.description:
            parts.append(f"<p>{_esc(scenario.description)}</p>")
        items = []
        for kind, heading in (("interventions", "Instrument"), ("shocks", "Shock"),
                              ("funding", "Co-funding")):
            for item in getattr(scenario, kind, None) or []:
                if hasattr(item, "describe"):
                    items.append(f"<li><b>{heading}:</b> {_esc(item.describe())}</li>")
        if not items:
            items.append("<li>No instruments, shocks or co-funding rounds.</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
        if i > 0:
            diffs = differences(base, scenario, skip=("name", "description", "seed",
                                                      "interventions", "shocks", "funding"))
            if diffs:
                rows = "".join(
                    f"<tr><td class='l'><code>{_esc(path)}</code></td><td>{_esc(old)}</td>"
                    f"<td>{_esc(new)}</td><td class='l small'>{_esc(field_doc(path))}</td></tr>"
                    for path, old, new in diffs)
                parts.append(
                    f"<p>Other settings that differ from {_esc(base.name)}:</p><table>"
                    f"<tr><th class='l'>setting</th><th>{_esc(base.name)}</th>"
                    f"<th>{_esc(scenario.name)}</th><th class='l'>meaning and source</th></tr>"
                    f"{rows}</table>")
    return "\n".join(parts)


def _headline_table(comparison: Comparison, summary: pd.DataFrame, year: int) -> str:
    at = summary[summary["year"] == year]
    base = comparison.baseline.name
    head = "<tr><th class='l'>metric</th>" + "".join(
        f"<th>{_esc(n)}<br><span class='small'>median (90% interval)</span></th>"
        + ("" if n == base else
           f"<th>effect of {_esc(n)}<br><span class='small'>paired, median (90% interval)"
           "</span></th>")
        for n in comparison.names) + "</tr>"
    rows = []
    for metric in HEADLINE_METRICS:
        cells = [f"<td class='l'>{_esc(metric_label(metric))}<br>"
                 f"<span class='small'><code>{_esc(metric)}</code></span></td>"]
        for name in comparison.names:
            r = at[(at["metric"] == metric) & (at["scenario"] == name)].iloc[0]
            cells.append(f"<td>{format_value(metric, r['median'])}<br><span class='small'>"
                         f"{_interval(format_value, metric, r['low'], r['high'])}</span></td>")
            if name != base:
                cls = _effect_class(metric, r["effect_low"], r["effect_high"])
                cells.append(
                    f"<td class='{cls}'>{format_effect(metric, r['effect_median'])}<br>"
                    f"<span class='small'>"
                    f"{_interval(format_effect, metric, r['effect_low'], r['effect_high'])}"
                    "</span></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + head + "".join(rows) + "</table>"


def _cost_lines(costs: pd.DataFrame) -> str:
    if costs.empty:
        return "<p>No scenario to compare.</p>"
    lines = []
    for _, r in costs.iterrows():
        spend = (f"EUR {r['spend_median']:,.0f} (90%: {r['spend_low']:,.0f} to "
                 f"{r['spend_high']:,.0f})")
        effect = (f"{r['effect_median']:+,.2f} (90%: {r['effect_low']:+,.2f} to "
                  f"{r['effect_high']:+,.2f})")
        what = "vacant units avoided" if r["per"].startswith("vacant") else "% footfall gained"
        if r["verdict"] == "ok":
            text = (f"EUR {r['eur_per_unit_median']:,.0f} per {r['per']} (90%: "
                    f"{r['eur_per_unit_low']:,.0f} to {r['eur_per_unit_high']:,.0f}); "
                    f"spending {spend}, {what} {effect}.")
        elif r["verdict"] == "no spending":
            text = (f"no municipal or co-funded spending recorded, so no cost per {r['per']}; "
                    f"{what} {effect}.")
        elif r["verdict"] == "no measurable effect":
            text = (f"no measurable effect: the 90% interval of {what} includes zero "
                    f"({effect}), so there is no cost per {r['per']}; spending {spend}.")
        else:
            text = (f"worse than doing nothing: {what} {effect}; spending {spend}.")
        lines.append(f"<li><b>{_esc(r['scenario'])}</b>, per {_esc(r['per'])}: "
                     f"{_esc(text)}</li>")
    return "<ul>" + "".join(lines) + "</ul>"


def _figures_section(figures: Mapping[str, bytes]) -> str:
    groups = (("trajectory_", "Trajectories: median and 90% band over replications"),
              ("effect_", "Effects: paired difference against the baseline"),
              ("map_", "Maps at the horizon"))
    parts = []
    for prefix, heading in groups:
        stems = [s for s in figures if s.startswith(prefix)]
        if not stems:
            continue
        parts.append(f"<h3>{_esc(heading)}</h3>")
        for stem in stems:
            rest = stem[len(prefix):]
            caption = (f"{rest}: baseline and scenario side by side" if prefix == "map_"
                       else metric_label(rest))
            data = base64.b64encode(figures[stem]).decode("ascii")
            parts.append(f"<figure id='{_esc(stem)}'><img alt='{_esc(stem)}' "
                         f"src='data:image/png;base64,{data}'>"
                         f"<figcaption class='small'>{_esc(caption)} "
                         f"(figures/{_esc(stem)}.png)</figcaption></figure>")
    return "\n".join(parts)


def _assumptions_section(comparison: Comparison) -> str:
    parts = []
    for scenario in comparison.scenarios[1:]:
        items = []
        for path, _, new in differences(comparison.baseline, scenario,
                                        skip=("name", "description", "seed")):
            # an added instrument, shock or funding round: each of its settings
            settings = ({f"{path}.{k}": v for k, v in new.items() if k not in _PLAIN_KEYS}
                        if isinstance(new, dict) else {path: new})
            for sub, value in settings.items():
                doc = field_doc(sub, scenario, comparison.baseline)
                if doc:
                    items.append(f"<li><code>{_esc(sub)}</code> = {_esc(_plain(value))}: "
                                 f"{_esc(doc)}</li>")
        if items:
            parts.append(f"<p>What <b>{_esc(scenario.name)}</b> sets differently from "
                         f"{_esc(comparison.baseline.name)}, with the meaning and source of "
                         "each setting (from the scenario schema, see docs/scenarios.md):</p>"
                         f"<ul>{''.join(items)}</ul>")
    parts.append("<p>Key assumptions of the model (docs/ODD.md describes every rule):</p><ul>")
    parts.extend(f"<li>{_esc(text)} <span class='small'>Source: {_esc(src)}.</span></li>"
                 for text, src in KEY_ASSUMPTIONS)
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


def reproduce_command(comparison: Comparison) -> str:
    """The command line that reproduces this comparison."""
    files = []
    for name in comparison.names:
        path = comparison.files.get(name)
        files.append(display_path(Path(path)) if path else f"<{name}>")
    sets = [f"--set {shlex.quote(o)}" for o in comparison.overrides]
    return " ".join(["binnenstad compare", *map(shlex.quote, files),
                     f"--replications {comparison.replications}",
                     f"--seed {comparison.master_seed}", *sets])


def render(comparison: Comparison, summary: pd.DataFrame, costs: pd.DataFrame,
           figures: Mapping[str, bytes]) -> str:
    """The report as one HTML document (figures as base64 PNG; nothing loaded from outside).

    Args:
        comparison: The runs.
        summary: :meth:`Comparison.summary` (the same numbers as ``summary.csv``).
        costs: :meth:`Comparison.cost_effectiveness`.
        figures: File stem -> PNG bytes.
    """
    base = comparison.baseline
    others = comparison.names[1:]
    what = ", ".join(others) if others else "nothing"
    horizon_date = comparison.timeseries["date"].max()  # the last reported week
    years = sorted(summary["year"].unique())
    other_years = [y for y in years if y != comparison.years]
    by_year = "".join(
        f"<h3>After {y} year{'s' if y != 1 else ''}</h3>"
        + _headline_table(comparison, summary, y) for y in other_years)
    seeds = ", ".join(str(s) for s in comparison.seeds)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>binnenstad: {_esc(what)} against {_esc(base.name)}</title>
<style>{_CSS}</style></head><body>
<h1>What if? {_esc(what)} against {_esc(base.name)}</h1>
<p class="small">binnenstad {__version__}: agent-based model of a Dutch city centre.
{comparison.replications} replications per scenario, paired seeds.</p>
<p class="question">The question: what happens to vacancy and footfall in {_esc(_town(comparison))}
if we do {_esc(what)}, compared with doing nothing ({_esc(base.name)}), and how sure are we?</p>

<h2>The scenarios</h2>
<p>Every scenario runs from {base.start} for {base.years} years
(after {base.warmup_years} year{'' if base.warmup_years == 1 else 's'} of warm-up that
{'is' if base.warmup_years == 1 else 'are'} not reported).</p>
{_scenario_section(comparison)}

<h2>Headline results at the horizon ({comparison.years} years, {horizon_date})</h2>
<p>Each scenario ran {comparison.replications} times. Replication <i>i</i> of every scenario
uses the same seed and the same random streams, so the difference between a scenario and the
baseline in one replication comes from the intervention, not from chance. The
<b>effect</b> is the median of these paired differences, with the interval in which 90% of them
fall. Green: a clear improvement; red: a clear deterioration; grey: the interval includes zero.
Rates are in % of premises, effects on rates in percentage points (pp); footfall and turnover
are the mean week of the year, closures, conversions and spending the total since
{base.start}.</p>
{_headline_table(comparison, summary, comparison.years)}
<details><summary>The same table at earlier years</summary>{by_year or '<p>none</p>'}</details>

<h2>Cost-effectiveness</h2>
<p>Municipal plus co-funded spending over the horizon, more than in the baseline, per vacant
unit avoided at the horizon and per 1% of footfall gained in the last year. Where the effect's
90% interval includes zero there is no honest ratio, and the line says so.</p>
{_cost_lines(costs)}

<h2>Figures</h2>
<p>Dashed vertical lines mark the start, dotted lines the end of an instrument or shock.</p>
{_figures_section(figures)}

<h2>Assumptions and sources</h2>
{_assumptions_section(comparison)}

<h2>Reproduce</h2>
<p>binnenstad {__version__} (Mesa {_esc(mesa.__version__)}, matplotlib
{_esc(matplotlib.__version__)}, Python {_esc(platform.python_version())}).
Master seed {comparison.master_seed}; replication seeds ({comparison.replications}): {seeds}.
The numbers are in <code>summary.csv</code>, <code>cost_effectiveness.csv</code> and
<code>timeseries.csv</code> next to this file.</p>
<pre>{_esc(reproduce_command(comparison))}</pre>
</body></html>
"""
    return page

"""``report.html`` and ``summary.html``: what a planner mails to a council, in Dutch or English.

The report opens with the answer (a generated paragraph per scenario, :mod:`sim.present.answer`)
and where the effect comes from, then the headline tables (one per scenario, so they fit an A4
page), spending per year beside each instrument's budget, the cost-effectiveness lines, the
scenarios in plain words (generated from the scenario files), every figure (PNG,
base64-embedded), the assumptions with their sources, and the seeds and version that reproduce
it. ``summary.html`` is its first page on its own: the answer and one compact table, for a
council memo. Both load nothing from the network (plain HTML with inline CSS), print on A4
portrait without clipping (print CSS; tested in Chromium), and escape everything a user typed.
The sections are made by :mod:`sim.present.sections`; the words come from the catalogues of
:mod:`sim.present.i18n`. Called by :mod:`sim.present.comparison`.
"""

from __future__ import annotations

import platform
import shlex
from collections.abc import Mapping
from pathlib import Path

import matplotlib
import mesa
import pandas as pd

from sim import __version__
from sim.present.i18n import Lang, language
from sim.present.sections import (
    answers,
    assumptions_section,
    cost_lines,
    esc,
    figures_section,
    format_effect,
    format_value,
    headline_table,
    instrument_titles,
    key_assumptions,
    scenario_section,
    sources_table,
    spending_section,
    summary_table,
    titles,
    town_name,
)
from sim.runs.compare import Comparison
from sim.scenario.loading import display_path

__all__ = ["CSS", "format_effect", "format_value", "instrument_titles", "key_assumptions",
           "render", "render_summary", "reproduce_command", "titles", "town_name"]

CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:1.8em}h3{margin-bottom:.3em}
.question{font-size:1.1em;background:#f4f6fa;border-left:4px solid #0072B2;padding:.6em 1em}
.answer{background:#fbfaf4;border-left:4px solid #E69F00;padding:.5em 1em;margin:.6em 0}
.wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#f0f0f0}td.l,th.l{text-align:left}
.better{color:#005a8c;font-weight:bold}.worse{color:#a33a00;font-weight:bold}.none{color:#666}
.over{background:#fde3d3;font-weight:bold}
.small{font-size:.85em;color:#555}figure{margin:1em 0}img{max-width:100%;height:auto}
code{background:#f4f4f4;padding:0 .2em;overflow-wrap:anywhere}
pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}
@page{size:A4 portrait;margin:14mm 12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:9.5pt;line-height:1.3}
 h1{font-size:15pt}h2{font-size:12pt;break-after:avoid}h3{font-size:10.5pt;break-after:avoid}
 table{font-size:7.8pt;width:100%}th,td{padding:.12em .25em}
 .wrap{overflow:visible}figure,tr,.answer{break-inside:avoid}
 details>summary{display:none}}
"""

def reproduce_command(comparison: Comparison, lang: str | None = None) -> str:
    """The command line that reproduces this comparison."""
    files = []
    for name in comparison.names:
        path = comparison.files.get(name)
        files.append(display_path(Path(path)) if path else f"<{name}>")
    sets = [f"--set {shlex.quote(o)}" for o in comparison.overrides]
    return " ".join(["binnenstad compare", *map(shlex.quote, files),
                     f"--replications {comparison.replications}",
                     f"--seed {comparison.master_seed}", *sets,
                     *([f"--lang {lang}"] if lang else [])])


def _places(comparison: Comparison, t: Lang) -> list[str]:
    """Each scenario as a comparison of different places names it: its title with its town's
    name, or the title alone where the towns' names do not tell them apart."""
    towns = [town_name(comparison, t, s) for s in comparison.scenarios]
    if len(set(towns)) < len(towns):
        return [t.scenario(s) for s in comparison.scenarios]
    return [t.tr("{scenario} ({town})", scenario=t.scenario(s), town=town)
            for s, town in zip(comparison.scenarios, towns, strict=True)]


def _title(comparison: Comparison, t: Lang) -> tuple[str, str]:
    if not comparison.paired:  # different places
        places = _places(comparison, t)
        what = t.join(places[1:]) if places[1:] else t.tr("nothing")
        return what, t.tr("{what} beside {baseline}", what=what, baseline=places[0])
    others = [t.scenario(s) for s in comparison.scenarios[1:]]
    what = t.join(others) if others else t.tr("nothing")
    return what, t.tr("What if? {what} against {baseline} in {town}", what=what,
                     baseline=t.scenario(comparison.baseline), town=town_name(comparison, t))


def _question(comparison: Comparison, t: Lang, what: str) -> str:
    if not comparison.paired:
        return t.tr("The question: how do vacancy and footfall in {what} differ from "
                    "{baseline}, and how sure are we? These are different places "
                    "(--unpaired): their differences are not the effects of an intervention.",
                    what=what, baseline=_places(comparison, t)[0])
    return t.tr("The question: what happens to vacancy and footfall in {town} if we do {what}, "
               "compared with doing nothing ({baseline}), and how sure are we?",
               town=town_name(comparison, t), what=what,
               baseline=t.scenario(comparison.baseline))


def _texts(comparison: Comparison, t: Lang) -> dict[str, str]:
    """The report's explanations that differ between a paired comparison (one place, with
    and without) and one of different places (``--unpaired``)."""
    n, start = comparison.replications, t.date(comparison.baseline.start)
    if comparison.paired:
        return {
            "runs": t.tr('binnenstad {version}: agent-based model of a Dutch city centre. '
                         '{n} replications per scenario, paired seeds.', version=__version__,
                         n=n),
            "sources_heading": t.tr('Where the effect comes from'),
            "sources": t.tr(
                'Counts over the whole horizon, in the median replication, and the paired '
                'difference against the baseline. A unit converted to homes leaves the stock the '
                'vacancy rate is measured over, so it lowers vacancy without a new tenant.'),
            "headline": t.tr(
                'Each scenario ran {n} times. Replication i of every scenario uses the same seed '
                'and the same random streams, so the difference between a scenario and the '
                'baseline in one replication comes from the intervention, not from chance. The '
                'effect is the median of these paired differences, with the interval in which '
                '90% of them fall. Blue and bold: a clear improvement; orange and bold: a clear '
                'deterioration; grey: the interval includes zero. Rates are in % of premises, '
                'effects on rates in percentage points (pp); footfall and turnover are the mean '
                'week of the year, closures, conversions and spending the total since {start}.',
                n=n, start=start)}
    return {
        "runs": t.tr('binnenstad {version}: agent-based model of a Dutch city centre. {n} '
                     'replications per scenario, unpaired: the scenarios simulate different '
                     'places.', version=__version__, n=n),
        "sources_heading": t.tr('Counts over the horizon'),
        "sources": t.tr(
            'Counts over the whole horizon, in the median replication, and the difference '
            'between the places. A unit converted to homes leaves the stock the vacancy rate is '
            'measured over.'),
        "headline": t.tr(
            'Each scenario ran {n} times. The scenarios simulate different places, so their '
            'replications are not paired: the difference is the median of the differences '
            'between replication i of a scenario and of the baseline, with the interval in '
            'which 90% of them fall, and it measures how the places differ, not what an '
            'intervention does. Rates are in % of premises, differences of rates in percentage '
            'points (pp); footfall and turnover are the mean week of the year, closures, '
            'conversions and spending the total since {start}.', n=n, start=start)}


def _cost_section(comparison: Comparison, costs: pd.DataFrame, t: Lang) -> str:
    if not comparison.paired:
        return (f"<p>{esc(t.tr('The scenarios simulate different places, so no vacant unit is '
                                'avoided and no footfall gained by spending: there is no '
                                'cost-effectiveness to show.'))}</p>")
    return (f"<p>{esc(t.tr('Municipal plus co-funded spending over the horizon, more than in '
                           'the baseline, per vacant unit avoided at the horizon and per 1% of '
                           'footfall gained in the last year. Where the effect\u2019s 90% '
                           'interval includes zero there is no honest ratio, and the line says '
                           'so.'))}</p>\n{cost_lines(costs, t, titles(comparison, t))}")


def render(comparison: Comparison, summary: pd.DataFrame, costs: pd.DataFrame,
           figures: Mapping[str, bytes], *, effect_sources: pd.DataFrame,
           spending: pd.DataFrame, t: Lang | None = None) -> str:
    """The report as one HTML document (figures as base64 PNG; nothing loaded from outside).

    Args:
        comparison: The runs.
        summary: :meth:`Comparison.summary` (the same numbers as ``summary.csv``).
        costs: :meth:`Comparison.cost_effectiveness`.
        figures: File stem -> PNG bytes.
        effect_sources: :func:`sim.runs.breakdown.effect_sources`.
        spending: :func:`sim.runs.breakdown.spending_per_year`.
        t: The language (Dutch if not given).
    """
    t = t or language()
    base = comparison.baseline
    what, title = _title(comparison, t)
    text = _texts(comparison, t)
    horizon_date = comparison.timeseries["date"].max()  # the last reported week
    other_years = [y for y in sorted(summary["year"].unique()) if y != comparison.years]
    by_year = "".join(
        f"<h3>{esc(t.ntr('After {n} year', 'After {n} years', y))}</h3>"
        + headline_table(comparison, summary, y, t) for y in other_years)
    seeds = ", ".join(str(s) for s in comparison.seeds)
    warm = t.ntr("after {n} year of warm-up that is not reported",
                "after {n} years of warm-up that are not reported", base.warmup_years)
    return f"""<!DOCTYPE html>
<html lang="{t.code}"><head><meta charset="utf-8">
<title>binnenstad: {esc(title)}</title>
<style>{CSS}</style></head><body>
<h1>{esc(title)}</h1>
<p class="small">{esc(text['runs'])}
{esc(t.tr('Summary on one page: summary.html; the tables: tables.xlsx and the CSV files.'))}</p>
<p class="question">{esc(_question(comparison, t, what))}</p>

<h2>{esc(t.tr('The answer'))}</h2>
{answers(comparison, summary, effect_sources, t, with_sources=True)}

<h2>{esc(text['sources_heading'])}</h2>
<p>{esc(text['sources'])}</p>
{sources_table(comparison, effect_sources, t)}

<h2>{esc(t.tr('Headline results at the horizon ({years} years, {date})',
              years=comparison.years, date=t.date(horizon_date)))}</h2>
<p>{esc(text['headline'])}</p>
{headline_table(comparison, summary, comparison.years, t)}
<details><summary>{esc(t.tr('The same tables at earlier years'))}</summary>
{by_year or '<p>-</p>'}</details>

<h2>{esc(t.tr('Spending per year'))}</h2>
<p>{esc(t.tr('Municipal spending per instrument and calendar year: the median replication and '
             'the highest, beside the yearly budget or fixed cost. Co-funded spending is shown '
             'in total (the model does not split it by instrument).'))}</p>
{spending_section(comparison, spending, t)}

<h2>{esc(t.tr('Cost-effectiveness'))}</h2>
{_cost_section(comparison, costs, t)}

<h2>{esc(t.tr('The scenarios'))}</h2>
<p>{esc(t.tr('Every scenario runs from {start} for {years} years ({warmup}).',
            start=t.date(base.start), years=base.years, warmup=warm))}</p>
{scenario_section(comparison, t)}

<h2>{esc(t.tr('Figures'))}</h2>
<p>{esc(t.tr('Dashed vertical lines mark the start, dotted lines the end of an instrument or '
             'shock.'))}</p>
{figures_section(figures, t, titles(comparison, t), paired=comparison.paired)}

<h2>{esc(t.tr('Assumptions and sources'))}</h2>
{assumptions_section(comparison, t)}

<h2>{esc(t.tr('Reproduce'))}</h2>
<p>binnenstad {__version__} (Mesa {esc(mesa.__version__)}, matplotlib
{esc(matplotlib.__version__)}, Python {esc(platform.python_version())}).
{esc(t.tr('Master seed {seed}; replication seeds ({n}): {seeds}.',
        seed=comparison.master_seed, n=comparison.replications, seeds=seeds))}</p>
<pre>{esc(reproduce_command(comparison, t.code))}</pre>
</body></html>
"""


def render_summary(comparison: Comparison, summary: pd.DataFrame, *,
                   effect_sources: pd.DataFrame, t: Lang | None = None) -> str:
    """``summary.html``: the answer and one compact table on one A4 page, for a council memo."""
    t = t or language()
    what, title = _title(comparison, t)
    horizon = comparison.timeseries["date"].max()
    css = CSS + ("@media print{body{font-size:8.6pt}.answer{padding:.2em .6em;margin:.3em 0}"
                 "h3{margin:.2em 0}}")
    return f"""<!DOCTYPE html>
<html lang="{t.code}"><head><meta charset="utf-8">
<title>binnenstad: {esc(title)}</title>
<style>{css}</style></head><body>
<h1>{esc(title)}</h1>
<p class="question">{esc(_question(comparison, t, what))}</p>
{answers(comparison, summary, effect_sources, t, with_sources=False)}
<h3>{esc(t.tr('At the horizon ({date}), median of {n} replications',
             date=t.date(horizon), n=comparison.replications))}</h3>
<div class='wrap'>{summary_table(comparison, summary, t)}</div>
<p class="small">{esc(t.tr('binnenstad {version}, master seed {seed}. Where the effects come '
                           'from, spending per year, the figures and the assumptions: '
                           'report.html.', version=__version__, seed=comparison.master_seed))}</p>
</body></html>
"""

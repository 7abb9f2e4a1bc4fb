"""report.html: every scenario, the numbers of summary.csv, every figure, nothing from the net."""

from __future__ import annotations

import base64
import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from sim import __version__
from sim.present.report import format_effect, format_value, render
from sim.runs.compare import HEADLINE_METRICS


@pytest.fixture(scope="module")
def page(compare_out) -> str:
    return (compare_out / "report.html").read_text(encoding="utf-8")


def test_every_scenario_is_named_and_described(page, compare_run):
    for scenario in compare_run.scenarios:
        assert f"<h3>{scenario.name} " in page
        if scenario.description:
            assert html.escape(scenario.description) in page
    rent = compare_run.scenarios[2]
    # the instrument in plain words (what, when, cost), generated from the YAML
    assert html.escape(rent.interventions[0].describe()) in page
    assert "from 2019-07-01 to 2020-06-28" in page
    assert "Cost EUR 100,000 a year" in page
    # the changed setting with its meaning and source from the schema
    assert "<code>economy.rent.level</code></td><td>1.0</td><td>0.7</td>" in page
    assert "Multiplier on all market rents" in page


def test_headline_numbers_match_summary_csv(page, compare_out):
    summary = pd.read_csv(compare_out / "summary.csv")
    horizon = summary[summary["horizon"]]
    assert set(horizon["metric"]) == set(HEADLINE_METRICS)
    for _, r in horizon.iterrows():
        m = r["metric"]
        value = (f"<td>{format_value(m, r['median'])}<br><span class='small'>"
                 f"{format_value(m, r['low'])} to {format_value(m, r['high'])}</span></td>")
        assert value in page, (r["scenario"], m)
        if r["scenario"] != "base":
            effect = (f"{format_effect(m, r['effect_median'])}<br><span class='small'>"
                      f"{format_effect(m, r['effect_low'])} to "
                      f"{format_effect(m, r['effect_high'])}</span></td>")
            assert effect in page, (r["scenario"], m)
    same = horizon[horizon["scenario"] == "same"]
    assert (same["effect_median"] == 0).all()
    assert page.count("<td class='none'>+0.0") + page.count("<td class='none'>+0") >= len(same)


def test_formats():
    assert format_value("vacancy_rate", 0.1234) == "12.3%"
    assert format_effect("vacancy_rate", -0.0123) == "-1.2 pp"
    assert format_effect("vacancy_rate", -0.0) == "+0.0 pp"
    assert format_value("footfall", 1234567.8) == "1,234,568"
    assert format_effect("turnover", 1500.4) == "+1,500"
    assert format_value("closures", 3.25) == "3.2"
    assert format_value("closures", float("nan")) == "n/a"


def test_every_figure_is_embedded(page, compare_out):
    pngs = sorted((compare_out / "figures").glob("*.png"))
    assert len(pngs) == 2 * len(HEADLINE_METRICS) + 2
    for png in pngs:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        assert f"src='data:image/png;base64,{data}'" in page, png.name
    assert page.count("<img ") == len(pngs)


class _Resources(HTMLParser):
    """Every attribute that would make a browser load something."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.loads.append((tag, name, value))


def test_opens_without_network(page):
    parser = _Resources()
    parser.feed(page)
    assert parser.loads, "no images found"
    for tag, name, value in parser.loads:
        assert value.startswith("data:") or value.startswith("#"), (tag, name, value[:80])
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.I)
    assert "<script" not in page.lower() and "<link" not in page.lower()


def test_reproduction_details(page, compare_run):
    assert f"binnenstad {__version__}" in page
    assert ", ".join(str(s) for s in compare_run.seeds) in page
    assert f"--replications 5 --seed {compare_run.master_seed}" in page
    assert "Huff (1963)" in page  # the key assumptions with their sources


def test_cost_lines_say_when_there_is_no_measurable_effect(compare_run):
    costs = compare_run.cost_effectiveness()
    same = costs[costs["scenario"] == "same"]
    assert set(same["verdict"]) <= {"no spending", "no measurable effect"}
    text = render(compare_run, compare_run.summary(), costs, {})
    assert "<b>same</b>, per vacant unit avoided: no" in text
    for _, r in costs.iterrows():
        if r["verdict"] == "no measurable effect":
            assert f"<b>{r['scenario']}</b>, per {r['per']}: no measurable effect" in text

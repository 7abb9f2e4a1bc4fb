"""report.html and summary.html: the answer first, every scenario, the numbers of the tables,
where the effect comes from, spending per year beside the budget, every figure, nothing from the
net; Dutch by default and English with --lang en."""

from __future__ import annotations

import base64
import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from sim import __version__
from sim.present.i18n import language
from sim.present.report import format_effect, format_value, render
from sim.runs.breakdown import effect_sources, horizon_units, spending_per_year
from sim.runs.compare import HEADLINE_METRICS
from sim.scenario.schema import Scenario

EN = language("en")
NL = language("nl")


@pytest.fixture(scope="module")
def page(compare_out) -> str:
    return (compare_out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def english(compare_out_en) -> tuple[str, object]:
    return (compare_out_en / "report.html").read_text(encoding="utf-8"), compare_out_en


def _text(page: str) -> str:
    body = re.sub(r"<[^>]+>", " ", page.split("<body>")[1])
    return " ".join(html.unescape(body).split())


def test_the_report_is_dutch_by_default_and_english_on_request(page, english):
    assert '<html lang="nl">' in page and '<html lang="en">' in english[0]
    assert "<h2>Het antwoord</h2>" in page and "<h2>The answer</h2>" in english[0]
    # the answer comes before everything else
    assert page.index("Het antwoord") < page.index("Kerncijfers") < page.index("De scenario")
    assert "in Kleinstad" in page  # the town's name, not a file name


def test_the_answer_gives_the_numbers_of_the_tables(english, compare_run):
    text = _text(english[0])
    summary = compare_run.summary()
    at = summary[summary["horizon"] & (summary["scenario"] == "cheaper_rent")].set_index(
        "metric")
    # the median rate (the tables'), the median stock, and the units that rate gives of that
    # stock: the three agree, and the baseline's are the same in every paragraph
    units = horizon_units(compare_run)
    said = {}
    for name in ("cheaper_rent", "base"):
        rate = (units["vacant"][name] / units["stock"][name]).median()
        stock = units["stock"][name].median()
        assert rate == pytest.approx(summary[summary["horizon"] & (summary["scenario"] == name)
                                             & (summary["metric"] == "vacancy_rate")]
                                     ["median"].iloc[0])
        said[name] = (EN.number(rate * stock), EN.number(stock), EN.percent(rate))
    vacant, stock, rate = said["cheaper_rent"]
    base_vacant, base_stock, base_rate = said["base"]
    assert (f"With cheaper_rent, about {vacant} of the {stock} premises in the centre are "
            "vacant after 2 years") in text
    assert (f"a vacancy rate of {rate} (the median of the replications), against about "
            f"{base_vacant} of {base_stock} ({base_rate}) when nothing is done") in text
    assert text.count(f"against about {base_vacant} of {base_stock} ({base_rate})") == 2
    effect = at.loc["vacancy_rate"]
    assert (f"The paired effect on the vacancy rate is {EN.points(effect['effect_median'])} "
            f"(90% of the replications between {EN.points(effect['effect_low'])} and "
            f"{EN.points(effect['effect_high'])})") in text
    zero = effect["effect_low"] <= 0 <= effect["effect_high"]
    assert ("not distinguishable from zero" in text.split("With cheaper_rent")[1][:900]) == zero
    assert f"Footfall in the core: {EN.number(at.loc['footfall_core', 'median'])}" in text
    # its change is the paired one, as in the tables (a ratio of two medians could have the
    # other sign): the change in the same replication, in % of the baseline's
    for metric in ("footfall_core", "footfall"):
        values = compare_run.values(metric, compare_run.years)
        change = 100 * (values["cheaper_rent"] / values["base"] - 1)
        words = [EN.signed(q, 1) + "%" for q in (change.median(), change.quantile(0.05),
                                                 change.quantile(0.95))]
        if metric == "footfall_core":
            assert (f"a paired change of {words[0]} against base (90% of the replications "
                    f"between {words[1]} and {words[2]})") in text
        else:
            assert f"passers-by a week, {words[0]} ({words[1]} to {words[2]})" in text
    # "same" is the baseline under another name: no effect, no cost
    same = text.split("With same,")[1][:900]
    assert "+0.0 pp" in same and "not distinguishable from zero" in same
    assert "nothing more than base" in same


def test_where_the_effect_comes_from_counts_the_events(english, compare_run):
    sources = effect_sources(compare_run)
    events = compare_run.events
    conv = events[(events["event"] == "conversion") & (events["scenario"] == "cheaper_rent")]
    got = sources[(sources["scenario"] == "cheaper_rent") & (sources["source"] == "conversions")]
    per_rep = conv.groupby("replication").size().reindex(range(5), fill_value=0)
    assert got["median"].iloc[0] == per_rep.median()
    same = sources[sources["scenario"] == "same"]
    assert (same[["effect_median", "effect_low", "effect_high"]] == 0).all().all()
    stock = sources[(sources["source"] == "stock_units") & (sources["scenario"] == "base")]
    assert stock["median"].iloc[0] > 0
    text = _text(english[0])
    assert "Where it comes from:" in text
    assert "units converted to homes (leave the stock)" in text


def test_spending_per_year_stays_within_the_budget(english, compare_run):
    spending = spending_per_year(compare_run)
    events = spending[(spending["scenario"] == "cheaper_rent")
                      & (spending["instrument"] == "events_programme")]
    assert set(events["year"]) == {2019, 2020}
    assert (events["limit_eur"] == 100_000).all() and (events["limit_kind"] == "budget").all()
    assert (events["max"] <= events["limit_eur"]).all() and events["max"].gt(0).all()
    assert not spending["over"].any()
    assert "No instrument spent more in a year than its yearly budget" in english[0]
    assert "figures/spending_cheaper_rent.png" in english[0]


def test_an_overspent_budget_is_reported(compare_run):
    spending = spending_per_year(compare_run)
    spending.loc[spending["instrument"] == "events_programme", "max"] = 250_000.0
    spending["over"] = spending["max"] > spending["limit_eur"].fillna(float("inf")) + 1
    text = render(compare_run, compare_run.summary(), compare_run.cost_effectiveness(), {},
                  effect_sources=effect_sources(compare_run), spending=spending, t=EN)
    assert ("cheaper_rent: Events programme spent up to EUR 250,000 in 2019, against a budget "
            "of EUR 100,000.") in html.unescape(text)
    assert "class='over'" in text


def test_headline_numbers_match_summary_csv(english):
    page, out = english
    summary = pd.read_csv(out / "summary.csv")
    horizon = summary[summary["horizon"]]
    assert set(horizon["metric"]) == set(HEADLINE_METRICS)
    for _, r in horizon.iterrows():
        m = r["metric"]
        value = (f"<td>{format_value(m, r['median'], EN)}<br><span class='small'>"
                 f"{format_value(m, r['low'], EN)} to {format_value(m, r['high'], EN)}"
                 "</span></td>")
        assert value in page, (r["scenario"], m)
        if r["scenario"] != "base":
            effect = (f"{format_effect(m, r['effect_median'], EN)}<br><span class='small'>"
                      f"{format_effect(m, r['effect_low'], EN)} to "
                      f"{format_effect(m, r['effect_high'], EN)}</span></td>")
            assert effect in page, (r["scenario"], m)


def test_formats_in_both_languages():
    assert format_value("vacancy_rate", 0.1234, EN) == "12.3%"
    assert format_value("vacancy_rate", 0.1234, NL) == "12,3%"
    assert format_effect("vacancy_rate", -0.0123, EN) == "-1.2 pp"
    assert format_effect("vacancy_rate", -0.0123, NL) == "-1,2 procentpunt"
    assert format_effect("vacancy_rate", -0.0, EN) == "+0.0 pp"
    assert format_value("footfall", 1234567.8, EN) == "1,234,568"
    assert format_value("footfall", 1234567.8, NL) == "1.234.568"
    assert format_effect("turnover", 1500.4, EN) == "+1,500"
    assert format_value("closures", 3.25, EN) == "3.2"
    assert format_value("closures", 3.0, EN) == "3"
    assert format_value("municipal_spend", 150000, NL) == "€ 150.000"
    assert format_value("closures", float("nan"), NL) == "n.v.t."


def test_every_figure_is_embedded(page, compare_out):
    pngs = sorted((compare_out / "figures").glob("*.png"))
    spending = [p for p in pngs if p.name.startswith("spending_")]
    assert [p.name for p in spending] == ["spending_cheaper_rent.png"]
    assert len(pngs) == 2 * len(HEADLINE_METRICS) + 2 + len(spending)
    for png in pngs:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        assert f"src='data:image/png;base64,{data}'" in page, png.name
    assert page.count("<img ") == len(pngs)
    # each picture described in the report's language for a screen reader, not by file name
    alts = re.findall(r"<img alt='([^']*)'", page)
    assert len(alts) == len(pngs) and not [a for a in alts if "_" in a and " " not in a]
    assert "Verloop: mediaan en 90%-band over de replicaties: leegstand (aandeel" in html.unescape(
        " ".join(alts))


def test_summary_page_and_tables(compare_out):
    summary = (compare_out / "summary.html").read_text(encoding="utf-8")
    assert "Het antwoord" not in summary and "Met cheaper_rent" in summary
    assert "<img" not in summary
    sources = pd.read_csv(compare_out / "effect_sources.csv")
    assert {"conversions", "new_tenants", "closures", "meanwhile_leases",
            "vacancy_rate_if_kept"} <= set(sources["source"])
    spending = pd.read_csv(compare_out / "spending_per_year.csv")
    assert {"scenario", "instrument", "year", "median", "max", "limit_eur", "over"} <= set(
        spending.columns)
    workbook = pd.read_excel(compare_out / "tables.xlsx", sheet_name=None)
    assert list(workbook) == ["samenvatting", "herkomst effect", "uitgaven per jaar",
                              "kosteneffectiviteit"]
    assert len(workbook["samenvatting"]) == len(pd.read_csv(compare_out / "summary.csv"))


class _Resources(HTMLParser):
    """Every attribute that would make a browser load something."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.loads.append((tag, name, value))


@pytest.mark.parametrize("name", ["report.html", "summary.html"])
def test_opens_without_network(compare_out, name):
    page = (compare_out / name).read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(page)
    for tag, attr, value in parser.loads:
        assert value.startswith("data:") or value.startswith("#"), (tag, attr, value[:80])
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.I)
    assert "<script" not in page.lower() and "<link" not in page.lower()


def test_reproduction_details(page, compare_run):
    assert f"binnenstad {__version__}" in page
    assert ", ".join(str(s) for s in compare_run.seeds) in page
    assert f"--replications 5 --seed {compare_run.master_seed}" in page
    assert "Huff (1963)" in page  # the key assumptions with their sources


def test_scenarios_in_plain_words_in_both_languages(page, english, compare_run):
    rent = compare_run.scenarios[2]
    assert html.escape(EN.describe(rent.interventions[0])) in english[0]
    assert EN.describe(rent.interventions[0]) == rent.interventions[0].describe().replace(
        "from 2019-07-01 to 2020-06-28", "from 1 July 2019 to 28 June 2020")
    assert "Cost EUR 100,000 a year" in english[0]
    assert ("Evenementenprogramma van 1 juli 2019 tot en met 28 juni 2020: ongeveer 10 "
            "evenementen per jaar op de pleinen") in html.unescape(page)
    assert "Kosten € 100.000 per jaar" in html.unescape(page)
    level = Scenario(name="d").economy.rent.level  # the calibrated default
    assert f"<code>economy.rent.level</code></td><td>{level}</td><td>0.7</td>" in page
    assert "Multiplier on all market rents" in page


def test_cost_lines_say_when_there_is_no_measurable_effect(compare_run):
    costs = compare_run.cost_effectiveness()
    same = costs[costs["scenario"] == "same"]
    assert set(same["verdict"]) <= {"no spending", "no measurable effect"}
    text = render(compare_run, compare_run.summary(), costs, {},
                  effect_sources=effect_sources(compare_run),
                  spending=spending_per_year(compare_run), t=EN)
    assert "<b>same</b>, per vacant unit avoided: no" in text
    for _, r in costs.iterrows():
        if r["verdict"] == "no measurable effect":
            assert f"<b>{r['scenario']}</b>, per {r['per']}: no measurable effect" in text


def test_scenarios_are_called_by_their_titles(compare_run):
    """A scenario's title names it wherever the report speaks of it; a shipped title in
    Dutch from the registry; a scenario without a title by its name."""
    import dataclasses

    base, same, rent = compare_run.scenarios
    titled = dataclasses.replace(compare_run, scenarios=[
        base.model_copy(update={"title": "Baseline"}), same,
        rent.model_copy(update={"title": "Vacancy ordinance"})])
    args = (titled.summary(), titled.cost_effectiveness(), {})
    kwargs = {"effect_sources": effect_sources(titled), "spending": spending_per_year(titled)}
    dutch = _text(render(titled, *args, **kwargs, t=NL))
    assert dutch.startswith("Wat als? same en Leegstandsverordening vergeleken met Nulscenario")
    assert "als we same en Leegstandsverordening doen, vergeleken met niets doen (Nulscenario)" \
        in dutch
    assert "Met Leegstandsverordening staan na" in dutch
    # the name only beside the title in the list of scenarios (and in the command to rerun)
    assert "cheaper_rent" not in dutch.split("De scenario\u2019s")[0]
    assert dutch.count("cheaper_rent") == 1 + dutch.split("Reproduceren")[1].count("cheaper_rent")
    page = render(titled, *args, **kwargs, t=EN)
    english = _text(page)
    assert "With Vacancy ordinance, " in english and "effect of Vacancy ordinance" in english
    # the name beside the title in the list of scenarios
    assert "Vacancy ordinance <span class='small'>(scenario, <code>cheaper_rent</code>)" in page


def test_different_places_are_never_called_effects(compare_run):
    """An unpaired comparison (``--unpaired``: different towns) is told as the difference
    between places: no "paired effect", nothing "avoided" or "when nothing is done", no
    colours of better or worse, in both languages and in the terminal's lines."""
    import dataclasses

    from sim.present.comparison import headlines

    places = dataclasses.replace(compare_run, paired=False)
    args = (places.summary(), places.cost_effectiveness(), {})
    kwargs = {"effect_sources": effect_sources(places), "spending": spending_per_year(places)}
    page = render(places, *args, **kwargs, t=EN)
    english = _text(page)
    assert "unpaired: the scenarios simulate different places" in english
    # the same town's name for all three tells them apart no better than their titles
    assert english.startswith("same and cheaper_rent beside base ")
    assert "in same and cheaper_rent differ from base, and how sure" in english
    named = dataclasses.replace(places, scenarios=[
        s.model_copy(update={"town": s.town.model_copy(update={"name": town})})
        for s, town in zip(places.scenarios, ("Zutphen", "Deventer", "Kampen"), strict=True)])
    assert _text(render(named, *args, **kwargs, t=EN)).startswith(
        "same (Deventer) and cheaper_rent (Kampen) beside base (Zutphen) ")
    assert "is the difference between the places, not the effect of an intervention" in english
    for claim in ("paired effect", "when nothing is done", "doing nothing", "avoided at the",
                  "clear improvement", "had the extra conversions stayed vacant"):
        assert claim not in english, claim
    assert "class='better'" not in page and "class='worse'" not in page
    dutch = _text(render(places, *args, **kwargs, t=NL))
    assert "verschil tussen de plaatsen, niet het effect van een ingreep" in dutch
    assert "gepaarde effect" not in dutch and "als er niets gebeurt" not in dutch
    lines = headlines(places, "en")
    assert lines and all("a difference between places, not an effect" in line
                         and "doing nothing" not in line for line in lines)
    # the same runs told as one place with and without: the paired words are back
    assert "The paired effect on the vacancy rate" in _text(render(compare_run, *args, **kwargs,
                                                                   t=EN))


def test_every_answer_shows_what_the_dutch_record_says(compare_run, english, page):
    """Beside each scenario's answer, the evidence of the instruments it adds (or that none
    is quantified, with the model's assumption), in both languages; nothing for a scenario
    without instruments. A bound the evidence sets is checked against this comparison's
    last-year mean."""
    import dataclasses

    from sim.present.evidence import applicable

    text = _text(english[0])
    rent = text.split("With cheaper_rent,")[1].split("Headline results")[0]
    assert ("What the Dutch record says: Events programme: no quantified evidence of its "
            "effect was found. The model assumes 1,000 visitors per event") in rent
    assert "What the Dutch record says" not in text.split("With same,")[1].split(
        "With cheaper_rent")[0]
    assert ("Wat er in Nederland over bekend is: Evenementenprogramma: er is geen "
            "gekwantificeerd bewijs van het effect gevonden.") in _text(page)
    # the one-page summary in one line
    summary = _text((english[1] / "summary.html").read_text(encoding="utf-8"))
    assert "What the Dutch record says: no quantified evidence for Events programme." in summary
    # the same runs told as if cheaper_rent were a vacancy ordinance: its evidence bounds the
    # effect on the vacancy rate to -1 to 0 points
    base, same, rent_s = compare_run.scenarios
    ordinance = Scenario.model_validate(rent_s.model_dump(mode="json") | {"interventions": [
        {"type": "vacancy_ordinance", "start": "2019-07-01"}]})
    assert [e.scenario for e in applicable(ordinance, base)] == ["vacancy_ordinance"]
    assert applicable(ordinance, ordinance) == []  # the baseline has it too: nothing added
    shocked = Scenario.model_validate(base.model_dump(mode="json") | {"shocks": [
        {"type": "chain_bankruptcy", "start": "2019-07-01"}]})
    assert [e.scenario for e in applicable(shocked, base)] == ["chain_bankruptcy"]  # shocks too
    # several items of one type go by the type's name, once
    from sim.present.evidence import evidence_sentences as said_of
    locked = Scenario.model_validate(base.model_dump(mode="json") | {"shocks": [
        {"type": "lockdown", "label": f"Lockdown {k}", "start": f"2019-0{k}-04",
         "end": f"2019-0{k}-25"} for k in (3, 5)]})
    [sentence] = said_of(locked, dataclasses.replace(compare_run, scenarios=[base, locked]), EN)
    assert sentence.startswith("Lockdown: no quantified evidence")
    assert not applicable(shocked, base)[0].quantified
    told = dataclasses.replace(compare_run, scenarios=[base, same, ordinance])
    ts = told.timeseries
    year = ts[ts["step"] > ts["step"].max() - 52].groupby(["replication", "scenario"])[
        "vacancy_rate"].mean().unstack("scenario")
    effect = (year["cheaper_rent"] - year["base"]).median()
    args = (told.summary(), told.cost_effectiveness(), {})
    kwargs = {"effect_sources": effect_sources(told), "spending": spending_per_year(told)}
    said = _text(render(told, *args, **kwargs, t=EN)).split("With cheaper_rent,")[1]
    assert "Vacancy ordinance: 26-31 municipalities have an ordinance" in said
    verdict = "inside that range" if -0.01 <= effect <= 0 else "outside that range"
    assert f"Here (last year's mean): {EN.points(effect)}, {verdict}" in said
    from sim.present.evidence import evidence_sentences, evidence_verdict
    from sim.scenario.loading import build_town

    # told as a transformation subsidy: the extra floor area converted, against 0-4,000 m2
    subsidy = Scenario.model_validate(rent_s.model_dump(mode="json") | {"interventions": [
        {"type": "transformation_subsidy", "start": "2019-07-01"}]})
    as_subsidy = dataclasses.replace(compare_run, scenarios=[base, same, subsidy])
    floor = build_town(base).premises_floor_m2
    conv = compare_run.events[compare_run.events["event"] == "conversion"]
    m2 = conv.assign(m2=floor[conv["premises"].astype(int)]).groupby(
        ["replication", "scenario"])["m2"].sum().unstack("scenario").reindex(
        index=range(5), columns=["base", "same", "cheaper_rent"]).fillna(0.0)
    extra = (m2["cheaper_rent"] - m2["base"]).median()
    [sentence] = evidence_sentences(subsidy, as_subsidy, EN)
    assert f"Here: {EN.number(extra)} m2 more converted to homes over the horizon" in sentence
    line = evidence_verdict(ordinance, told, EN)
    assert line == ("Vacancy ordinance: inside the record." if -0.01 <= effect <= 0 else
                    "Vacancy ordinance: outside the record, hold with caution.")

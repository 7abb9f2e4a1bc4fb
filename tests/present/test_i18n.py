"""The Dutch and English catalogues: every message in the code has its Dutch, every registered
instrument and shock and every shipped scenario has its Dutch name and description, and the
templates fill in with the items' values."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from sim.present.i18n import LOCALE_DIR, language, resolve_language
from sim.scenario.interventions import INSTRUMENTS, SHOCKS
from sim.scenario.loading import load_scenario
from tests.conftest import REPO

NL, EN = language("nl"), language("en")
KEYWORDS = {"tr": None, "ntr": (1, 2)}


def _messages() -> set:
    found = set()
    for _, _, message, _, _ in extract_from_dir(REPO / "sim" / "present", keywords=KEYWORDS,
                                                 comment_tags=()):
        found.add(message)
    return found


def _catalog(domain: str):
    with (LOCALE_DIR / "nl" / "LC_MESSAGES" / f"{domain}.po").open("rb") as fp:
        return read_po(fp)


def test_every_message_in_the_code_has_its_dutch():
    catalog = _catalog("messages")
    translated = {m.id: m.string for m in catalog if m.id}
    messages = _messages()
    assert len(messages) > 150
    missing = [m for m in messages if not translated.get(m) or not all(translated[m])]
    assert not missing, "no Dutch for:\n" + "\n".join(map(str, missing))
    for msgid, text in translated.items():  # the same placeholders in both languages
        for one, other in zip(msgid if isinstance(msgid, tuple) else [msgid],
                              text if isinstance(text, tuple) else [text], strict=True):
            assert set(re.findall(r"\{(\w+)", one)) == set(re.findall(r"\{(\w+)", other)), one


@pytest.mark.parametrize("kind", sorted({**INSTRUMENTS, **SHOCKS}))
def test_every_registered_type_has_a_dutch_name_and_description(kind):
    assert NL.lookup(f"title:{kind}"), kind
    assert NL.lookup(f"what:{kind}"), kind


def test_shipped_scenarios_in_dutch():
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        assert NL.description(scenario.description) != scenario.description, path.name
        assert EN.description(scenario.description) == scenario.description
        for item in [*(scenario.interventions or []), *(scenario.shocks or [])]:
            text = NL.describe(item)
            assert "{" not in text and "_" not in text.replace(item.label or "", ""), text
            assert EN.what(item) == item.what()
        for round_ in scenario.funding or []:
            assert "provincie" in NL.describe_funding(round_) or "Rijk" in NL.describe_funding(
                round_)


def test_the_dutch_record_in_dutch():
    """Every entry of the instruments' and shocks' evidence has its words in Dutch, and every
    entry names a shipped scenario (so it reaches the reports)."""
    from sim.runs.validation_spec import INSTRUMENTS_FILE, SHOCKS_FILE, load_instruments

    for path in (INSTRUMENTS_FILE, SHOCKS_FILE):
        for entry in load_instruments(path, REPO / "scenarios"):
            key = "evidence" if entry.quantified else "assumption"
            assert NL.lookup(f"{key}:{entry.scenario}"), entry.scenario


def test_dutch_numbers_dates_and_plurals():
    import datetime as dt

    assert NL.eur(1_234_567) == "€ 1.234.567" and EN.eur(-1500) == "-EUR 1,500"
    assert NL.percent(0.121) == "12,1%" and NL.points(0.012) == "+1,2 procentpunt"
    assert NL.date(dt.date(2021, 1, 4)) == "4 januari 2021"
    assert EN.ntr("After {n} year", "After {n} years", 1) == "After 1 year"
    assert EN.ntr("After {n} year", "After {n} years", 3) == "After 3 years"
    assert NL.join(["a", "b", "c"]) == "a, b en c"


def test_the_language_comes_from_the_option_then_the_town(write):
    scenario = load_scenario(write("s.yaml", "name: s\ntown: {language: en}\n"))
    assert resolve_language(None, scenario) == "en"
    assert resolve_language("nl", scenario) == "nl"
    assert resolve_language(None, load_scenario(write("d.yaml", "name: d\n"))) == "nl"
    with pytest.raises(ValueError, match="nl, en"):
        resolve_language("fr")

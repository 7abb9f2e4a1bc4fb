"""Dutch and English for the report, the figures and the app: gettext catalogues read with Babel.

Every sentence a reader sees is written in the code in English inside ``t.tr("...")`` (or
``t.ntr(singular, plural, n)``), with named ``{placeholders}``; the Dutch is in
``sim/present/locale/nl/LC_MESSAGES/messages.po``. The names of the registered instruments,
shocks, sectors and zones, the Dutch templates of the instruments' plain-words descriptions
(:meth:`~sim.scenario.interventions.Intervention.what` stays the English one) and the Dutch
descriptions of the shipped scenarios are keyed by id in ``registry.po`` beside it
(``title:<type>``, ``what:<type>``, ``sector:<name>``, ``zone:<name>``, and a shipped
scenario's English description as its own id).

The ``.po`` files are the only source: they are compiled in memory the first time a language is
used (Babel's ``read_po`` and ``write_mo``, a few milliseconds), so a clean checkout needs no
build step and no compiled ``.mo`` file is kept in the repository. ``tests/present/test_i18n.py``
extracts the messages from the code with Babel and fails on any without a Dutch translation.
To add or change a sentence: edit the code, then
``pybabel extract -k tr -k ntr:1,2 -o /tmp/messages.pot sim/present`` and
``pybabel update -i /tmp/messages.pot -d sim/present/locale -D messages``, and translate what is
new or fuzzy.

Numbers, amounts and dates are formatted for the language with Babel (``12,1%`` and
``€ 150.000`` in Dutch; ``12.1%`` and ``EUR 150,000`` in English). Called by the report, the
figures and the app.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from pydantic import BaseModel

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Lang", "language", "resolve_language"]

#: Languages with a catalogue, the default first.
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
_LOCALES = {"nl": "nl_NL", "en": "en_GB"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAINS = ("messages", "registry")


def _compile(lang: str) -> Translations:
    """The catalogues of ``lang`` (every domain) compiled in memory."""
    merged = None
    for domain in DOMAINS:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
        if not path.exists():
            continue
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=_LOCALES[lang], domain=domain)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        translations = Translations(buf, domain=domain)
        merged = translations if merged is None else merged.merge(translations)
    return merged if merged is not None else Translations()


def resolve_language(requested: str | None, scenario: Any = None) -> str:
    """The language to use: the one asked for, else the scenario's ``town.language``, else
    Dutch."""
    if requested:
        if requested not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)} "
                             f"(got {requested!r})")
        return requested
    town = getattr(scenario, "town", None)
    chosen = getattr(town, "language", None)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Lang:
    """One language: its messages and its way of writing numbers, amounts and dates.

    Attributes:
        code: ``nl`` or ``en``.
    """

    code: str
    translations: Translations

    @property
    def locale(self) -> Locale:
        return Locale.parse(_LOCALES[self.code])

    # ------------------------------------------------------------------ messages
    def tr(self, message: str, **values: Any) -> str:
        """``message`` in this language, its ``{placeholders}`` filled in."""
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def ntr(self, singular: str, plural: str, n: float, **values: Any) -> str:
        """The singular or plural form for ``n`` (``n`` is also a placeholder)."""
        text = self.translations.ngettext(singular, plural, round(n) if n == n else 2)
        return text.format(n=n, **values)

    def lookup(self, key: str) -> str | None:
        """A registry entry (``title:biz``, ``what:biz``, ...) in this language, or None if it
        has none."""
        text = self.translations.gettext(key)
        return None if text == key else text

    def word(self, kind: str, name: str) -> str:
        """A sector, zone or other named value in words (``sector:food_beverage``)."""
        return self.lookup(f"{kind}:{name}") or name.replace("_", " ")

    # ------------------------------------------------------------------ numbers
    def number(self, value: float, decimals: int = 0) -> str:
        """A number with the language's separators: ``1.234,5`` or ``1,234.5``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.tr("n/a")
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return format_decimal(float(value) + 0.0, format=pattern, locale=self.locale)

    def plain(self, value: float) -> str:
        """A number with as many decimals as it needs (up to 3), like ``{:g}``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.tr("n/a")
        return format_decimal(float(value) + 0.0, format="#,##0.###", locale=self.locale)

    def signed(self, value: float, decimals: int = 0) -> str:
        """A difference with its sign: ``+1.234`` or ``-0,5``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.tr("n/a")
        value = round(float(value), 12) + 0.0
        text = self.number(abs(value), decimals)
        return ("-" if value < 0 and text.strip("0,.") else "+") + text

    def percent(self, share: float, decimals: int = 1) -> str:
        """A share as a percentage: ``12,1%`` or ``12.1%``."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return self.tr("n/a")
        return self.number(100.0 * share, decimals) + "%"

    def points(self, diff: float, decimals: int = 1) -> str:
        """A difference of two rates in percentage points: ``-1,2 pp``."""
        if diff is None or (isinstance(diff, float) and math.isnan(diff)):
            return self.tr("n/a")
        return self.signed(100.0 * diff, decimals) + " " + self.tr("pp")

    def eur(self, value: float) -> str:
        """An amount of money: ``€ 150.000`` or ``EUR 150,000``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.tr("n/a")
        amount = self.number(abs(value))
        sign = "-" if value < 0 and amount != "0" else ""
        return f"{sign}€ {amount}" if self.code == "nl" else f"{sign}EUR {amount}"

    def date(self, day: dt.date | str) -> str:
        """A date in words: ``7 januari 2019`` or ``7 January 2019``."""
        if isinstance(day, str):
            day = dt.date.fromisoformat(day[:10])
        return format_date(day, format="d MMMM y", locale=self.locale)

    def join(self, items: Iterable[str]) -> str:
        """``a, b and c`` / ``a, b en c``."""
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + " " + self.tr("and") + " " + items[-1]

    # ------------------------------------------------------------ scenario items
    def title(self, item: Any) -> str:
        """The name of an instrument or shock: its label if given, else the type's name."""
        if getattr(item, "label", ""):
            return item.label
        kind = getattr(item, "type", "")
        return self.lookup(f"title:{kind}") or (item.title() if hasattr(item, "title")
                                                 else kind)

    def what(self, item: Any) -> str:
        """What an instrument or shock does and costs, in plain words. English is the
        instrument's own :meth:`what`; other languages fill the registry's template
        ``what:<type>`` with the item's values (the English text if there is none)."""
        english = item.what() if hasattr(item, "what") else str(getattr(item, "type", ""))
        if self.code == "en":
            return english
        template = self.lookup(f"what:{getattr(item, 'type', '')}")
        if template is None:
            return english
        return template.format(**self.values(item))

    def period(self, start: dt.date, end: dt.date | None) -> str:
        """``from 4 January 2021 to ...`` / ``from ... onwards``."""
        if end is None:
            return self.tr("from {start} onwards", start=self.date(start))
        return self.tr("from {start} to {end}", start=self.date(start), end=self.date(end))

    def describe(self, item: Any) -> str:
        """An instrument or shock: name, period, switched off or not, what it does."""
        off = "" if getattr(item, "enabled", True) else " " + self.tr("(switched off)")
        return (f"{self.title(item)} {self.period(item.start, item.end)}{off}: "
                f"{self.what(item)}")

    def describe_funding(self, round_: Any) -> str:
        """A co-funding round in plain words."""
        which = (self.join(self.lookup(f"title:{k}") or k for k in round_.instruments)
                 if round_.instruments else self.tr("all instruments"))
        cond = (self.tr("; owners co-invest at least {share}",
                       share=self.percent(round_.owner_coinvestment, 0))
                if round_.owner_coinvestment else "")
        return self.tr("{name} ({funder}) {period}: pays {share} of spending on {which}, up to "
                      "{cap}{cond}.", name=round_.name,
                      funder=self.word("funder", round_.funder),
                      period=self.period(round_.start, round_.end),
                      share=self.percent(round_.match_share, 0), which=which,
                      cap=self.eur(round_.cap_eur), cond=cond)

    def scenario(self, scenario: Any) -> str:
        """A scenario's name as readers see it: its ``title`` (a shipped scenario's
        translated, as :meth:`description`), else its ``name``."""
        return self.description(scenario.title) if scenario.title else scenario.name

    def description(self, text: str) -> str:
        """A scenario's description: the registry's translation of a shipped scenario's text,
        else the text as its author wrote it."""
        if not text or self.code == "en":
            return text
        return self.lookup(" ".join(text.split())) or text

    def values(self, item: BaseModel, prefix: str = "") -> dict[str, str]:
        """Every field of ``item`` formatted for this language, by name (nested models
        flattened: ``initial_region``, their numbers as percentages); amounts in euros, shares
        in %, words translated; and the few derived phrases a description needs."""
        out: dict[str, str] = {}
        for name, info in type(item).model_fields.items():
            value = getattr(item, name)
            key = f"{prefix}{name}"
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            unit = str(extra.get("unit", ""))
            if isinstance(value, BaseModel):
                out.update(self.values(value, prefix=f"{key}_"))
            elif isinstance(value, bool):
                out[key] = self.tr("yes") if value else self.tr("no")
            elif isinstance(value, int | float):
                if unit.startswith("EUR") and "/m2" not in unit:
                    out[key] = self.eur(value)
                elif unit == "share" or prefix:
                    out[key] = self.percent(value, 0)
                else:
                    out[key] = self.plain(value)
            elif isinstance(value, str):
                out[key] = self.word("word", value)
            elif isinstance(value, list | tuple):
                out[key] = (self.join(self.word("word", str(v)) for v in value)
                            if value else self.tr("none"))
            elif isinstance(value, dt.date):
                out[key] = self.date(value)
            else:
                out[key] = self.tr("none") if value is None else str(value)
        if not prefix:
            out.update(self._derived(item))
        return out

    def _derived(self, item: Any) -> dict[str, str]:
        """Phrases that depend on a choice, for the descriptions of a few types."""
        kind = getattr(item, "type", "")
        out = {}
        if kind == "events_programme":
            out["events_per_year"] = self.number(item.budget_eur_per_year
                                                 / item.cost_per_event_eur)
        if kind == "core_designation":
            out["where"] = (self.tr("in the map zone {area}", area=list(item.area)) if item.area
                            else self.tr("within {metres} m of the busiest point",
                                        metres=self.number(item.core_walk_m)))
            out["move"] = (self.tr(", {amount} per shop relocating into the core",
                                  amount=self.eur(item.relocation_support_eur))
                           if item.relocation_support_eur else "")
            out["grants"] = self.tr(" plus grants") if item.relocation_support_eur else ""
        if kind == "public_space":
            out["where"] = (self.word("word", item.area) if isinstance(item.area, str)
                            else self.tr("cells {area}", area=list(item.area)))
        return out


@lru_cache(maxsize=len(LANGUAGES))
def language(code: str = DEFAULT_LANGUAGE) -> Lang:
    """The :class:`Lang` of ``code`` (``nl`` or ``en``), its catalogues compiled once."""
    if code not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)} (got {code!r})")
    return Lang(code, _compile(code))

"""Instruments and shocks as scenario items: their common fields and the registry by ``type``.

An instrument (a municipal intervention) or a shock is a pydantic model with a literal
``type``, its parameters (default, unit, range, source) and its weekly rule. Each lives in its
own module under :mod:`sim.model.instruments` or :mod:`sim.model.shocks` and registers its
class here with :func:`register_instrument` or :func:`register_shock`. The scenario schema
(:mod:`sim.scenario.schema`) accepts every registered type in ``interventions`` and
``shocks``, so the JSON Schema, the scenario reference and the report's plain-words
descriptions follow the registry. ``docs/architecture.md`` shows how to add one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, model_validator

from sim.scenario.fields import Strict

if TYPE_CHECKING:
    from sim.model.model import CityCentre

#: Registered instrument classes by ``type``, in registration order.
INSTRUMENTS: dict[str, type[Instrument]] = {}
#: Registered shock classes by ``type``, in registration order.
SHOCKS: dict[str, type[Shock]] = {}
_listeners: list[Callable[[], None]] = []


class Intervention(Strict):
    """Common fields of every instrument and shock: its period and whether it is switched on."""

    #: Plain-language name shown in reports and the app.
    title_text: ClassVar[str] = ""

    start: dt.date = Field(..., description="First day the instrument acts.")
    end: dt.date | None = Field(
        None, description="Last day it takes new action (empty: to the horizon). What it set "
        "up stays: an adopted BIZ runs to the end of its term, public-space works are paid "
        "off and keep their effect, a designated core keeps its zoning.")
    enabled: bool = Field(True, description="Switch the instrument off without deleting it.")
    label: str = Field("", description="Optional name shown in reports.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def active(self, date: dt.date) -> bool:
        """Whether the instrument acts on ``date``."""
        return self.enabled and self.start <= date and (self.end is None or date <= self.end)

    def period(self) -> str:
        """``from <start> [to <end>]`` in plain words."""
        return f"from {self.start}" + (f" to {self.end}" if self.end else " onwards")

    def title(self) -> str:
        """The label if given, else the plain-language name of the type."""
        return self.label or self.title_text or self.type.replace("_", " ").capitalize()

    def describe(self) -> str:
        """The instrument, its period, what it does and its cost, in plain words."""
        off = "" if self.enabled else " (switched off)"
        return f"{self.title()} {self.period()}{off}: {self.what()}"

    def what(self) -> str:  # pragma: no cover - every subclass overrides it
        """What it does and what it costs, in plain words."""
        raise NotImplementedError


class Instrument(Intervention):
    """A municipal instrument: acts every week from its ``start`` (see
    :meth:`sim.model.municipality.Municipality.act`)."""

    def new_state(self, model: CityCentre) -> Any:
        """What this instrument remembers between weeks in one run (None: nothing). Made the
        first week it acts."""
        return None

    def new_year(self, state: Any) -> None:
        """A new budget year starts (January)."""

    def act(self, model: CityCentre, state: Any, active: bool) -> None:
        """The weekly rule. ``active``: within its period; after ``end`` it is called with
        False, so what it set up can run on (a BIZ term, paid works)."""


class Shock(Intervention):
    """An exogenous shock: changes the week's conditions while it is in force (see
    :meth:`sim.model.shocks.Shocks.strike`)."""

    def strike(self, model: CityCentre) -> None:
        """Change ``model.conditions`` (or the centre) this week."""


def register_instrument(cls: type[Instrument]) -> type[Instrument]:
    """Class decorator: make ``cls`` a valid item of a scenario's ``interventions``."""
    INSTRUMENTS[_type_of(cls)] = cls
    _changed()
    return cls


def register_shock(cls: type[Shock]) -> type[Shock]:
    """Class decorator: make ``cls`` a valid item of a scenario's ``shocks``."""
    SHOCKS[_type_of(cls)] = cls
    _changed()
    return cls


def unregister(kind: str) -> None:
    """Remove the instrument or shock type ``kind`` (tests that register a toy type)."""
    INSTRUMENTS.pop(kind, None)
    SHOCKS.pop(kind, None)
    _changed()


def on_register(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever a type is registered (the schema rebuilds its lists)."""
    _listeners.append(callback)


def _type_of(cls: type[Intervention]) -> str:
    annotation = cls.model_fields["type"].annotation
    return annotation.__args__[0]


def _changed() -> None:
    for callback in _listeners:
        callback()

"""The scenario schema: every model parameter with its default, unit, range and source.

A scenario is a town, its population, its economy, its owners, culture and municipality over a
horizon, with the municipality's instruments and the shocks that strike. This module assembles
the sections (each in its own module: :mod:`~sim.scenario.town`,
:mod:`~sim.scenario.population`, :mod:`~sim.scenario.economy`,
:mod:`~sim.scenario.landlords`, :mod:`~sim.scenario.culture`,
:mod:`~sim.scenario.municipality`) with the instruments and shocks registered in
:mod:`sim.scenario.interventions` (each declared in its own module under
:mod:`sim.model.instruments` and :mod:`sim.model.shocks`).

These modules are the one place where parameters are declared. Each field's ``description``
cites its source (reproduced in ``docs/ODD.md``) or says "assumption" with a reason;
``json_schema_extra={"unit": ...}`` gives the unit. The scenario reference and the JSON
Schema are generated from here (``binnenstad schema``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, PrivateAttr
from pydantic.fields import FieldInfo

import sim.model.instruments
import sim.model.shocks  # noqa: F401  (registers every shock)
from sim.scenario.culture import Culture
from sim.scenario.economy import Economy
from sim.scenario.fields import Strict, param
from sim.scenario.interventions import INSTRUMENTS, SHOCKS, on_register
from sim.scenario.landlords import Landlords
from sim.scenario.municipality import FundingRound, Municipality
from sim.scenario.population import Population
from sim.scenario.town import Town


def instrument_items() -> Any:
    """The type of one item of ``interventions``: any registered instrument, by ``type``."""
    return Annotated[Union[tuple(INSTRUMENTS.values())], Field(discriminator="type")]  # noqa: UP007


def shock_items() -> Any:
    """The type of one item of ``shocks``: any registered shock, by ``type``."""
    return Annotated[Union[tuple(SHOCKS.values())], Field(discriminator="type")]  # noqa: UP007


class Scenario(Strict):
    """A binnenstad scenario: a town, its population and its economy over a horizon."""

    _source: Path | None = PrivateAttr(default=None)  # file it was loaded from (loading)
    _town: tuple | None = PrivateAttr(default=None)  # (cache key, Town) cached by loading

    @property
    def source(self) -> Path | None:
        """The file this scenario was loaded from (None if built in code); relative paths in
        it (``town.map_file``) are relative to that file's folder."""
        return self._source

    def set_source(self, path: Path | None) -> None:
        """Record the file this scenario was loaded from (:mod:`sim.scenario.loading`)."""
        self._source = path

    def cached_town(self, key: tuple):
        """The town built for this scenario under ``key``, or None."""
        return self._town[1] if self._town is not None and self._town[0] == key else None

    def cache_town(self, key: tuple, town) -> None:
        """Keep the town built for this scenario (its map is read once)."""
        self._town = (key, town)

    name: str = Field(
        ..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80,
        description="Short name used for output folders (letters, digits, _ . -).",
    )
    title: str = Field(
        "", max_length=120,
        description="Its name in plain words, as the report shows it (`name` if empty); "
        "a shipped scenario's title is translated.")
    description: str = Field("", description="What the scenario represents, in plain words.")
    seed: int = param(20190107, "Master seed of the run; replications derive from it.", "-",
                   ge=0, le=2**63 - 1)
    start: dt.date = Field(
        dt.date(2019, 1, 7), description="First reported week (a Monday is best)."
    )
    years: int = param(6, "Reported horizon after `start`.", "years", ge=1, le=50)
    warmup_years: int = param(
        2, "Burn-in before `start`: simulated, not reported, so the shop population settles.",
        "years", ge=0, le=20,
    )
    town: Town = Field(default_factory=Town)
    population: Population = Field(default_factory=Population)
    economy: Economy = Field(default_factory=Economy)
    landlords: Landlords = Field(default_factory=Landlords)
    culture: Culture = Field(default_factory=Culture)
    municipality: Municipality = Field(default_factory=Municipality)
    funding: list[FundingRound] = Field(
        default_factory=list, description="Co-funding rounds of the province or the state.")
    interventions: list[instrument_items()] = Field(
        default_factory=list, description="Municipal instruments, each with a `type`, `start`, "
        "`end` and its parameters (see docs/scenarios.md).")
    shocks: list[shock_items()] = Field(
        default_factory=list, description="Exogenous shocks: `lockdown`, `chain_bankruptcy`.")

    @property
    def weeks(self) -> int:
        """Reported weeks."""
        return self.years * 52

    @property
    def warmup_weeks(self) -> int:
        """Warm-up weeks before `start`."""
        return self.warmup_years * 52

    def never_in_force(self) -> list[str]:
        """A line for each instrument, shock or funding round (switched on) whose period lies
        wholly outside the simulated weeks, so that it never acts: a typo such as 2030 for
        2020 would otherwise run without a word."""
        first = self.start - dt.timedelta(weeks=self.warmup_weeks)  # the first week's date
        last = self.start + dt.timedelta(weeks=self.weeks - 1)  # the last week's date
        lines = []
        for key, items in (("interventions", self.interventions), ("shocks", self.shocks),
                           ("funding", self.funding)):
            for i, item in enumerate(items):
                if not getattr(item, "enabled", True):
                    continue
                what = f"{key}[{i}] ({getattr(item, 'type', None) or item.name})"
                if item.start > last:
                    lines.append(f"{what}: starts {item.start}, after the last simulated week "
                                 f"({last}); it never acts")
                elif item.end is not None and item.end < first:
                    lines.append(f"{what}: ends {item.end}, before the first simulated week "
                                 f"({first}, the start of the warm-up); it never acts")
        return lines


def _rebuild() -> None:
    """Accept newly registered instruments and shocks (see :func:`on_register`)."""
    for name, items in (("interventions", instrument_items()), ("shocks", shock_items())):
        old = Scenario.model_fields[name]
        Scenario.model_fields[name] = FieldInfo.from_annotated_attribute(
            list[items], Field(default_factory=list, description=old.description))
    Scenario.model_rebuild(force=True)


on_register(_rebuild)

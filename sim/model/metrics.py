"""What the model reports: the weekly indicators, the event log's kinds, maps and the premises
table.

:func:`measure` computes the week's indicators (the :data:`METRICS` columns of the timeseries,
collected by Mesa's ``DataCollector`` from ``CityCentre.indicators``) from the
premises register, the footfall, the venues and the municipality. :class:`WeekTally` counts
what happened this week (openings, closures, conversions, events). Called by
:class:`sim.model.model.CityCentre`; the runs layer writes the tables (:mod:`sim.runs.output`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.premises import CULTURE, HOUSING, SHOP
from sim.scenario.fields import SECTORS
from sim.scenario.interventions import INSTRUMENTS

if TYPE_CHECKING:
    from sim.model.model import CityCentre

#: Kinds of rows in events.csv.
EVENT_KINDS = (
    "opening", "closure", "cultural_opening", "cultural_closure", "meanwhile_lease",
    "conversion", "vacancy_report", "nomination", "biz_vote", "core_designation",
)
#: Indicators reported every week, before the spending per instrument type.
INDICATORS = (
    "vacancy_rate", "vacancy_rate_floor", "vacancy_rate_core", "vacancy_rate_edge",
    "visitors", "footfall", "footfall_core", "footfall_edge", "turnover", "open_units",
    "vacant_units", "openings", "closures",
    "mean_rent", "online_share",
    "conversions", "cultural_venues", "events", "municipal_spend", "cofunding_spend",
    "support_paid", "collaboration",
)


def metric_names() -> tuple[str, ...]:
    """The timeseries columns: the indicators and the spending of every registered
    instrument type (``spend_<type>``)."""
    return (*INDICATORS, *(f"spend_{kind}" for kind in INSTRUMENTS))


#: Timeseries columns reported every week (DataCollector model reporters, by name).
METRICS = metric_names()


@dataclass
class WeekTally:
    """What happened this week, counted as it happens."""

    openings: int = 0
    closures: int = 0
    conversions: int = 0
    events: int = 0
    event_visitors: float = 0.0  # persons


def measure(model: CityCentre) -> dict[str, float | int]:
    """This week's reported indicators, by metric name (and ``footfall_<counting point>``)."""
    premises = model.premises
    stock = premises.retail  # converted units have left the premises stock
    vacant = premises.vacant
    floor = premises.floor_m2
    n = int(stock.sum())
    values: dict[str, float | int] = {}
    values["vacant_units"] = int(vacant.sum())
    values["open_units"] = n - values["vacant_units"]
    values["vacancy_rate"] = values["vacant_units"] / max(n, 1)
    values["vacancy_rate_floor"] = float(floor[vacant].sum() / max(floor[stock].sum(), 1e-9))
    core, edge = premises.core & stock, ~premises.core & stock
    values["vacancy_rate_core"] = float(vacant[core].mean()) if core.any() else 0.0
    values["vacancy_rate_edge"] = float(vacant[edge].mean()) if edge.any() else 0.0
    values["visitors"] = model.residents.visitors_last_week + model.tally.event_visitors
    footfall = model.footfall.cells
    doors = model.town.premises_access
    counts = {name: float(footfall[cells].sum())
              for name, cells in model.routes.counting_lines.items()}
    values["footfall"] = (float(np.mean(list(counts.values()))) if counts
                          else float(footfall[doors[stock]].mean()))
    values["footfall_core"] = float(footfall[doors[core]].mean()) if core.any() else 0.0
    values["footfall_edge"] = float(footfall[doors[edge]].mean()) if edge.any() else 0.0
    values["turnover"] = float(premises.revenue[premises.open].sum())
    values["openings"] = model.tally.openings
    values["closures"] = model.tally.closures
    shops_open = premises.open.any()
    values["mean_rent"] = float(premises.rent[premises.open].mean()) if shops_open else 0.0
    values["online_share"] = model.residents.online_share
    values["conversions"] = model.tally.conversions
    values["cultural_venues"] = len(model.venues.open_venues())
    values["events"] = model.tally.events
    muni = model.municipality
    spend = muni.spend_week
    values["municipal_spend"] = float(sum(spend.values()))
    values["cofunding_spend"] = muni.cofunded_week
    values["support_paid"] = model.shops.support_week
    values["collaboration"] = muni.collaboration
    for kind in model.instrument_types:
        values[f"spend_{kind}"] = float(spend.get(kind, 0.0))
    for name, count in counts.items():
        values[f"footfall_{name}"] = count
    return values


def maps(model: CityCentre) -> tuple[np.ndarray, np.ndarray]:
    """(height, width) grids: smoothed footfall on walkable cells, occupancy of premises."""
    town = model.town
    shape = (town.height, town.width)
    footfall = np.full(shape, np.nan)
    x, y = town.walkable_xy.T
    footfall[y, x] = model.footfall.smooth
    occupancy = np.full(shape, np.nan)
    x, y = town.premises_xy.T
    stock = model.premises.retail
    occupancy[y[stock], x[stock]] = (~model.premises.vacant[stock]).astype(float)
    return footfall, occupancy


def use_label(model: CityCentre, p: int) -> str:
    """What premises ``p`` is used for now: a sector, ``culture:<kind>``, housing or vacant."""
    use = model.premises.use[p]
    if use == SHOP:
        return SECTORS[model.premises.sector[p]]
    if use == CULTURE:
        return f"culture:{model.venues.agents[p].kind}"
    return "housing" if use == HOUSING else "vacant"


def premises_table(model: CityCentre) -> list[dict]:
    """Static and final attributes of every premises (location class, core flag, state)."""
    premises, town = model.premises, model.town
    baseline = model.footfall.baseline
    rows = []
    for p, (x, y) in enumerate(town.premises_xy):
        rows.append({
            "premises": p, "x": int(x), "y": int(y),
            "symbol": str(town.premises_symbol[p]),
            "floor_m2": float(premises.floor_m2[p]),
            "location_class": str(premises.location_class[p]),
            "core": bool(premises.core[p]),
            "walk_to_busiest_m": float(premises.walk_to_busiest_m[p]),
            "footfall_baseline": float(baseline[town.premises_access[p]]),
            "owner": int(premises.owner[p]),
            "owner_kind": model.owners.agents[premises.owner[p]].kind,
            "sector_end": use_label(model, p),
            "rent_end": float(premises.rent[p]) if premises.open[p] else float(
                premises.asking_rent[p]),
        })
    return rows

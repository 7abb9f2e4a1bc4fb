"""Where a comparison's effect comes from, and what each instrument spends per year.

Two tables computed from a :class:`~sim.runs.compare.Comparison` (its events and its weekly
spending), for the report and the tables of ``binnenstad compare``:

- :func:`effect_sources`: per scenario, the flows into and out of the premises stock and its
  vacancy over the horizon (units converted to homes, new tenants, nominated tenants, shops
  that moved, closures, cultural openings, meanwhile leases), each as the scenario's median
  and the paired difference against the baseline with its 90% interval. With the vacant and
  the stock units at the horizon it says how much of a change in vacancy comes from units
  that left the stock and how much from lettings and closures avoided.
- :func:`spending_per_year`: per scenario, instrument and calendar year, the municipal
  spending (median and highest over replications) beside the instrument's yearly budget, with
  a flag where a replication spent more than the budget.

Called by :mod:`sim.present.comparison` and :mod:`sim.present.report`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.runs.compare import Comparison

__all__ = ["SOURCES", "effect_sources", "horizon_units", "horizon_vacancy", "paired_change",
           "spending_per_year", "yearly_budget"]

#: The flows counted by :func:`effect_sources`: name -> (event kind, causes or None for any,
#: causes to leave out).
SOURCES: dict[str, tuple[str, tuple[str, ...] | None, tuple[str, ...]]] = {
    "conversions": ("conversion", None, ()),
    "new_tenants": ("opening", ("new_tenant", "new_chain_store"), ()),
    "nominated_tenants": ("opening", ("nominated",), ()),
    "relocations": ("opening", ("relocation",), ()),
    "closures": ("closure", None, ("relocation",)),
    "cultural_openings": ("cultural_opening", None, ()),
    "meanwhile_leases": ("meanwhile_lease", None, ()),
    "cultural_closures": ("cultural_closure", None, ()),
}
_Q = (0.05, 0.95)


def _counts(comparison: Comparison, kind: str, causes: tuple[str, ...] | None,
            exclude: tuple[str, ...]) -> pd.DataFrame:
    """(replications x scenarios) number of events of ``kind`` over the horizon."""
    ev = comparison.events
    rows = ev[ev["event"] == kind]
    if causes is not None:
        rows = rows[rows["cause"].isin(causes)]
    if exclude:
        rows = rows[~rows["cause"].isin(exclude)]
    table = rows.groupby(["replication", "scenario"]).size().unstack("scenario")
    return table.reindex(index=range(comparison.replications), columns=comparison.names
                         ).fillna(0).astype(float)


def horizon_units(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """``vacant`` and ``stock`` units at the horizon (replications x scenarios)."""
    vacant = comparison.values("vacant_units", comparison.years)
    stock = vacant + comparison.values("open_units", comparison.years)
    return {"vacant": vacant, "stock": stock}


def horizon_vacancy(comparison: Comparison) -> pd.DataFrame:
    """Per scenario (index): the ``rate`` of vacancy at the horizon (the median over
    replications, as the summary's), the ``stock`` of premises (the median) and the ``vacant``
    units that rate gives of that stock. Quoted together they agree with each other (to the
    rounding of a whole unit), as three medians taken one by one need not: "36 of 297
    premises, 12.4%" was 12.1%."""
    units = horizon_units(comparison)
    rows = {}
    for name in comparison.names:
        vacant, stock = units["vacant"][name], units["stock"][name]
        rate, total = _q(vacant / stock.where(stock > 0), 0.5), _q(stock, 0.5)
        rows[name] = {"rate": rate, "stock": total, "vacant": rate * total}
    return pd.DataFrame.from_dict(rows, orient="index")


def paired_change(comparison: Comparison, metric: str) -> pd.DataFrame:
    """Per scenario (index): the change of ``metric`` at the horizon against the baseline in
    the same replication, in % of the baseline's value: ``median``, ``low`` and ``high`` (the
    90% interval over replications), as the paired effects of the report's tables and of
    :meth:`~sim.runs.compare.Comparison.cost_effectiveness` count it."""
    values = comparison.values(metric, comparison.years)
    base = values[comparison.baseline.name]
    change = values.div(base.where(base != 0), axis=0).sub(1.0) * 100.0
    return pd.DataFrame({name: {"median": _q(change[name], 0.5), "low": _q(change[name], _Q[0]),
                                "high": _q(change[name], _Q[1])}
                         for name in comparison.names}).T


def effect_sources(comparison: Comparison) -> pd.DataFrame:
    """Per scenario and source: the count over the horizon and its paired difference.

    Returns:
        Rows ``scenario``, ``source`` (a key of :data:`SOURCES`, or ``vacant_units``,
        ``stock_units`` at the horizon, and ``vacancy_rate_if_kept``: the vacancy rate had
        the units converted more than in the baseline stayed in the stock, vacant),
        ``median``, ``low``, ``high`` (over replications) and ``effect_median``,
        ``effect_low``, ``effect_high`` (the paired difference against the baseline).
    """
    base = comparison.baseline.name
    tables = {name: _counts(comparison, *spec) for name, spec in SOURCES.items()}
    units = horizon_units(comparison)
    tables["vacant_units"] = units["vacant"]
    tables["stock_units"] = units["stock"]
    extra = (tables["conversions"].sub(tables["conversions"][base], axis=0)).clip(lower=0)
    kept = (units["vacant"] + extra) / (units["stock"] + extra).where(units["stock"] > 0)
    tables["vacancy_rate_if_kept"] = kept
    rows = []
    for source, table in tables.items():
        diff = table.sub(table[base], axis=0)
        for name in comparison.names:
            v, d = table[name].to_numpy(float), diff[name].to_numpy(float)
            rows.append({"scenario": name, "source": source,
                         "median": _q(v, 0.5), "low": _q(v, _Q[0]), "high": _q(v, _Q[1]),
                         "effect_median": _q(d, 0.5), "effect_low": _q(d, _Q[0]),
                         "effect_high": _q(d, _Q[1])})
    return pd.DataFrame(rows)


def yearly_budget(item) -> tuple[float | None, str]:
    """An instrument's yearly spending limit and what it is: ``("budget")`` for a yearly
    budget, ``("fixed cost")`` for a fixed yearly cost (extra costs per case may come on top),
    ``(None, "per case")`` when it pays per case without a yearly limit."""
    if getattr(item, "budget_eur_per_year", None) is not None:
        return float(item.budget_eur_per_year), "budget"
    if getattr(item, "cost_eur_per_year", None) is not None:
        return float(item.cost_eur_per_year), "fixed cost"
    return None, "per case"


def spending_per_year(comparison: Comparison) -> pd.DataFrame:
    """Municipal spending per scenario, instrument and calendar year, beside the budget.

    Returns:
        Rows ``scenario``, ``instrument`` (a type, ``municipal_spend`` for the municipal total
        or ``cofunding_spend`` for the co-funders' total), ``year`` (calendar year),
        ``median`` and ``max`` (EUR over replications), ``limit_eur`` (the sum of the yearly
        budgets of the scenario's enabled instruments of that type that act in the year, or
        their fixed costs for the weeks they act) and ``limit_kind``, and ``over``: True
        where a replication's municipal spending exceeded a yearly *budget* by more than EUR
        1. Co-funded spending is only reported in total, so an instrument's co-funded part is
        not in its row.
    """
    frame = comparison.timeseries
    dates = pd.to_datetime(frame["date"])
    years = dates.dt.year
    rows = []
    for scenario in comparison.scenarios:
        mine = frame["scenario"] == scenario.name
        items = [i for i in (scenario.interventions or []) if i.enabled]
        kinds = list(dict.fromkeys(i.type for i in items))
        columns = [c for c in (*(f"spend_{k}" for k in kinds), "municipal_spend",
                               "cofunding_spend") if c in frame.columns]
        per = frame[mine].assign(year=years[mine]).groupby(["replication", "year"])[columns].sum()
        for column in columns:
            table = per[column].unstack("year")
            kind = column.removeprefix("spend_")
            for year in table.columns:
                values = table[year].to_numpy(float)
                limit, what = _limit(items, kind, int(year), dates[mine])
                rows.append({
                    "scenario": scenario.name, "instrument": kind, "year": int(year),
                    "median": _q(values, 0.5), "max": float(np.max(values)),
                    "limit_eur": limit, "limit_kind": what,
                    "over": bool(what == "budget" and limit is not None
                                 and np.max(values) > limit + 1.0),
                })
    return pd.DataFrame(rows, columns=["scenario", "instrument", "year", "median", "max",
                                       "limit_eur", "limit_kind", "over"])


def _limit(items, kind: str, year: int, dates: pd.Series) -> tuple[float | None, str]:
    """The yearly limit of every enabled instrument of ``kind`` in ``year``, prorated for the
    reported weeks of that year within each one's period."""
    mine = [i for i in items if i.type == kind]
    if not mine:
        return None, ""
    weeks = dates[dates.dt.year == year].dt.date.unique()
    total, kinds = 0.0, set()
    for item in mine:
        limit, what = yearly_budget(item)
        kinds.add(what)
        if limit is None:
            continue
        active = sum(1 for d in weeks if item.start <= d and (item.end is None or d <= item.end))
        # A budget is for the budget year (it starts again in January), however many weeks of
        # it the instrument acts; a fixed cost is paid by the week.
        total += (limit if active else 0.0) if what == "budget" else limit * min(active, 52) / 52
    what = "budget" if kinds == {"budget"} else ("fixed cost" if "fixed cost" in kinds
                                                 else "per case")
    return (None if what == "per case" else total), what


def _q(values: np.ndarray, q: float) -> float:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(np.quantile(values, q)) if values.size else float("nan")

"""The residents' weekly visits as one compiled pass (numba).

Every resident draws its own Poisson number of trips; every trip a purpose, an origin (its
home district, or an entry point drawn by modal split for visitors from the city and the
region) and a number of stops; every stop a destination from its (purpose, origin, taste)
group's logit probabilities over the open units. Spending (with the resident's own income
and online propensity) and walkers (origin -> door) are summed in the same pass, so no
per-stop array is ever built. ``docs/ODD.md`` section 7 states the rule; this module only
makes it fast (about 20 ns per stop instead of a dozen numpy passes over all stops).

Random numbers come from the passed ``numpy.random.Generator`` objects (numba shares their
bit generator state, so the draws continue the same named streams and are reproducible),
and only through ``random()``, i.e. uniforms in [0, 1): Poisson counts are drawn by
inversion from one uniform each, destinations by inverse CDF with a guide table.
:func:`visit_week_reference` is the same rule in plain Python for the tests.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Steps forward from the guide table's start before a draw switches to a binary search.
_GUIDE_STEPS = 4


@numba.njit(cache=True, inline="always")
def _poisson(lam: float, u: float) -> int:
    """Smallest k with u < P(X <= k), X ~ Poisson(lam) (inversion; lam up to a few hundred)."""
    if lam <= 0.0:
        return 0
    p = math.exp(-lam)
    cum = p
    k = 0
    while u >= cum:
        k += 1
        p *= lam / k
        if p == 0.0 and k > lam:  # the tail underflows: u sits in the rounding gap
            break
        cum += p
    return k


@numba.njit(cache=True, inline="always")
def _draw(cdf: np.ndarray, guide: np.ndarray, base: int, n_cols: int, u: float) -> int:
    """Column of row ``base // (n_cols + 1)``: the first whose cumulative probability exceeds
    ``u`` (``searchsorted(row, u, side="right")``), via the guide table."""
    idx = guide[base + int(u * n_cols)]
    for _ in range(_GUIDE_STEPS):
        if cdf[idx] > u:
            return idx - base
        idx += 1
    lo = idx
    hi = base + n_cols - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if cdf[mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return lo - base


@numba.njit(cache=True)
def _visit_week(rate, purpose_cut, home_origin, taste, entry_cdf, entry_guide, entry_cols,
                stop_cdf, visit_share, lockdown, cdf, guide, n_cols, has_choice, candidates,
                n_origins, n_tastes, unit_spend, unit_online, income_factor, propensity, weight,
                door, n_doors, trips_rng, choice_rng, lockdown_rng, trips_out, revenue,
                potential, walks):
    entry_stride = entry_cols + 1
    n_stop_cols = stop_cdf.shape[1]
    # pass 1, resident by resident: trips, and per trip its purpose, origin and stops
    capacity = int(1.25 * rate.sum()) + 1024
    trip_row = np.empty(capacity, dtype=np.int32)
    # what the stops need of the resident, in one cache line per trip: spending before the
    # online share, household weight, online propensity, number of stops
    trip_data = np.empty((capacity, 4))
    n_kept = 0
    for i in range(rate.size):
        n = _poisson(rate[i], trips_rng.random())
        made_trips = 0
        for _ in range(n):
            u = trips_rng.random()
            purpose = 0
            if u >= purpose_cut[0, i]:
                purpose = 1
            if u >= purpose_cut[1, i]:
                purpose = 2
            origin = home_origin[i]
            if origin < 0:  # -1 city, -2 region: arrival at an entry point
                base = (-1 - origin) * entry_stride
                origin = _draw(entry_cdf, entry_guide, base, entry_cols, trips_rng.random())
            u = trips_rng.random()
            stops = 1
            while stops < n_stop_cols + 1 and u >= stop_cdf[purpose, stops - 1]:
                stops += 1
            if lockdown and not lockdown_rng.random() < visit_share[purpose]:
                continue  # a trip not made
            made_trips += 1
            row = (purpose * n_origins + origin) * n_tastes + taste[i]
            if not has_choice[row]:
                continue  # no open unit serves it: its stops are dropped
            if n_kept == capacity:
                capacity *= 2
                trip_row = _grow(trip_row, capacity)
                trip_data = _grow(trip_data, capacity)
            trip_row[n_kept] = row
            trip_data[n_kept, 0] = income_factor[i] * weight[i]
            trip_data[n_kept, 1] = weight[i]
            trip_data[n_kept, 2] = propensity[i]
            trip_data[n_kept, 3] = stops
            n_kept += 1
        trips_out[i] = made_trips
    # the trips in order of their choice row (stable), so that a row's probabilities and its
    # origin's walker counts stay in the cache while its stops are drawn
    n_rows = has_choice.size
    start = np.zeros(n_rows + 1, dtype=np.int64)
    for t in range(n_kept):
        start[trip_row[t] + 1] += 1
    for r in range(n_rows):
        start[r + 1] += start[r]
    # scattered into row order in one tight loop: the stores overlap, where reading
    # the trips in row order from within the stop loop would wait for each one
    fill = start[:-1].copy()
    sorted_data = np.empty((n_kept, 4))
    for t in range(n_kept):
        r = trip_row[t]
        k = fill[r]
        fill[r] = k + 1
        sorted_data[k, 0] = trip_data[t, 0]
        sorted_data[k, 1] = trip_data[t, 1]
        sorted_data[k, 2] = trip_data[t, 2]
        sorted_data[k, 3] = trip_data[t, 3]
    # pass 2, row by row: a destination per stop, spending and walkers
    stride = n_cols + 1
    per_purpose = n_origins * n_tastes
    for row in range(n_rows):
        if start[row] == start[row + 1]:
            continue
        purpose = row // per_purpose
        walk_row = ((row - purpose * per_purpose) // n_tastes) * n_doors
        base = row * stride
        for k in range(start[row], start[row + 1]):
            spend = sorted_data[k, 0]
            w = sorted_data[k, 1]
            online = sorted_data[k, 2]
            stops = int(sorted_data[k, 3])
            for s in range(stops):
                col = _draw(cdf, guide, base, n_cols, choice_rng.random())
                unit = candidates[purpose, col]
                pot = unit_spend[unit] * spend
                potential[unit] += pot
                revenue[unit] += pot * (1.0 - min(1.0, unit_online[unit] * online))
                walkers = 2.0 if s == stops - 1 else 1.0  # home again after the last stop
                walks[walk_row + door[unit]] += walkers * w


@numba.njit(cache=True)
def _grow(a, capacity):
    out = np.empty((capacity,) + a.shape[1:], dtype=a.dtype)  # noqa: RUF005 (numba)
    out[:a.shape[0]] = a
    return out


def stop_cdf(extra_stops: np.ndarray, max_stops: int) -> np.ndarray:
    """(purpose, max_stops - 1) P(extra stops <= k), k = 0 .. max_stops - 2: a trip makes
    1 + Poisson(extra) stops, at most ``max_stops``; one uniform u gives 1 + #{k: cdf_k <= u}."""
    k = np.arange(max_stops - 1)
    out = np.empty((len(extra_stops), max_stops - 1))
    for p, lam in enumerate(extra_stops):
        pmf = np.exp(-lam) * np.cumprod(np.concatenate([[1.0], lam / k[1:]]))
        out[p] = np.cumsum(pmf)
    return out


def visit_week(*args, **kwargs) -> None:
    """One week of visits; see :func:`visit_week_reference` for the arguments."""
    _visit_week(*args, **kwargs)


def visit_week_reference(rate, purpose_cut, home_origin, taste, entry_cdf, entry_guide,
                         entry_cols, stop_cdf, visit_share, lockdown, cdf, guide, n_cols,
                         has_choice, candidates, n_origins, n_tastes, unit_spend, unit_online,
                         income_factor, propensity, weight, door, n_doors, trips_rng,
                         choice_rng, lockdown_rng, trips_out, revenue, potential, walks):
    """The weekly visits in plain Python, draw for draw in the compiled kernel's order.

    Args:
        rate: (N,) expected trips this week of each resident (all purposes).
        purpose_cut: (2, N) cumulative purpose shares: u below row 0 daily, below row 1
            comparison, else leisure.
        home_origin: (N,) origin of residents of the centre, -1 city, -2 region.
        taste: (N,) taste class.
        entry_cdf, entry_guide, entry_cols: the entry-point choice table (rows city, region).
        stop_cdf: (purpose, MAX_STOPS - 1) from :func:`stop_cdf`.
        visit_share, lockdown: (purpose,) share of trips made when ``lockdown`` is True.
        cdf, guide, n_cols, has_choice: the stacked destination table, row
            ``(purpose * n_origins + origin) * n_tastes + taste``.
        candidates: (purpose, n_cols) premises of each column.
        unit_spend, unit_online: (P,) spending per visit and online share of each premises.
        income_factor, propensity, weight: (N,) per resident.
        door, n_doors: door column of each premises in the walker counts.
        trips_rng, choice_rng, lockdown_rng: the week's generators.
        trips_out, revenue, potential, walks: outputs (N,), (P,), (P,), (O * n_doors,),
            added to (trips_out overwritten).
    """
    trips = []  # (who, row, stops) of the trips made that have a choice
    for i in range(rate.size):
        lam = rate[i]
        u = trips_rng.random()
        n = 0
        if lam > 0:
            p = math.exp(-lam)
            cum = p
            while u >= cum:
                n += 1
                p *= lam / n
                if p == 0.0 and n > lam:
                    break
                cum += p
        made_trips = 0
        for _ in range(n):
            u = trips_rng.random()
            purpose = int(u >= purpose_cut[0, i]) + int(u >= purpose_cut[1, i])
            origin = int(home_origin[i])
            if origin < 0:
                row_cdf = entry_cdf[(-1 - origin) * (entry_cols + 1):][:entry_cols]
                origin = int(np.searchsorted(row_cdf, trips_rng.random(), side="right"))
            stops = 1 + int(np.sum(stop_cdf[purpose] <= trips_rng.random()))
            if lockdown and not lockdown_rng.random() < visit_share[purpose]:
                continue
            made_trips += 1
            row = (purpose * n_origins + origin) * n_tastes + int(taste[i])
            if has_choice[row]:
                trips.append((i, row, stops))
        trips_out[i] = made_trips
    stride = n_cols + 1
    for i, row, stops in sorted(trips, key=lambda trip: trip[1]):  # stable: by row
        purpose, origin = row // (n_origins * n_tastes), row // n_tastes % n_origins
        row_cdf = cdf[row * stride:row * stride + n_cols]
        for s in range(stops):
            col = int(np.searchsorted(row_cdf, choice_rng.random(), side="right"))
            unit = candidates[purpose, col]
            pot = unit_spend[unit] * (income_factor[i] * weight[i])
            potential[unit] += pot
            revenue[unit] += pot * (1.0 - min(1.0, unit_online[unit] * propensity[i]))
            walks[origin * n_doors + door[unit]] += (2.0 if s == stops - 1 else 1.0) * weight[i]

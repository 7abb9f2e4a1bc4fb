"""The residents' weekly visits as compiled passes (numba), on both cores.

Every resident draws its own Poisson number of trips; every trip a purpose, an origin (its
home district, or an entry point drawn by modal split for visitors from the city and the
region) and a number of stops; every stop a destination from its (purpose, origin, taste)
group's logit probabilities over the open units. Spending (with the resident's own income
and online propensity) and walkers (origin -> door) are summed as the stops are drawn, so no
per-stop array is ever built. ``docs/ODD.md`` section 7 states the rule; this module only
makes it fast.

The passes split their work into the fixed blocks of :mod:`sim.kernels.parallel` (residents; then
origins), run them on up to that many threads, and add the blocks' spending in block order,
so the results do not depend on the number of threads. Random numbers are uniforms in
[0, 1) drawn in bulk from the week's named streams, block b from the stream advanced by
``b * 2**96`` draws (:func:`_block_generators`): ``trips`` gives one per resident (its
Poisson count, by inversion) and then three per trip (purpose, entry point, stops);
``lockdown`` one per trip during a lockdown; ``choice`` one per stop, the stops taken in
order of (origin, purpose, taste, resident). :func:`visit_week_reference` is the
same rule in plain Python for the tests; :func:`fill_choice_rows` builds the destination
table the stops draw from.
"""

from __future__ import annotations

import itertools
import math

import numba
import numpy as np

from sim.kernels import parallel
from sim.kernels.tours import next_stop, next_stop_guide

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
    return _search_from(cdf, guide[base + int(u * n_cols)], base, n_cols, u)


@numba.njit(cache=True, inline="always")
def _draw_in_row(cdf: np.ndarray, offsets: np.ndarray, base: int, n_cols: int, u: float) -> int:
    """:func:`_draw` with the guide given as offsets within the row (:func:`row_offsets`)."""
    return _search_from(cdf, base + np.int64(offsets[base + int(u * n_cols)]), base, n_cols, u)


@numba.njit(cache=True, inline="always")
def _search_from(cdf: np.ndarray, idx: int, base: int, n_cols: int, u: float) -> int:
    """The column of the first entry from flat index ``idx`` on (the guide's start) whose
    cumulative probability exceeds ``u``: a few steps forward, then a binary search."""
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


def offsets_dtype(n_cols: int) -> type:
    """The integer type of a destination table's guide as offsets within rows of ``n_cols``
    columns (entries run to ``n_cols``): two bytes up to 65,535 columns. The table grootstad's
    stops draw from (1,080 rows of about 1,600 columns) then takes 3 MB less cache than with
    four-byte flat indices; its last block of stops, about 37,000 stops spread thinly over 900
    rows, took 2.6-2.9 ms a week instead of 3.1-3.8 (three alternating runs)."""
    return np.uint16 if n_cols < 2**16 else np.int32


def row_offsets(table) -> np.ndarray:
    """The guide of a :class:`sim.kernels.ChoiceTable` as offsets within each row, the form
    :func:`visit_week` takes (``fill_choice_rows`` writes it directly)."""
    starts = np.repeat(np.arange(table.guide.size // table.stride) * table.stride, table.stride)
    return (table.guide - starts).astype(offsets_dtype(table.n_cols))


@numba.njit(cache=True, nogil=True)
def _trip_counts(rate, u, counts, lo, hi):
    """Residents ``lo .. hi``: Poisson number of trips by inversion of their uniform."""
    for i in range(lo, hi):
        counts[i] = _poisson(rate[i], u[i])


@numba.njit(cache=True, nogil=True)
def _trips(lo, hi, first, counts, u_trip, u_lock, lockdown, purpose_cut, home_origin, taste,
           entry_cdf, entry_guide, entry_cols, stop_cdf, visit_share, has_choice, n_origins,
           n_tastes, income_factor, weight, persons, propensity, trips_out, key, trip_data,
           n_keys, key_count, key_stops):
    """Residents ``lo .. hi``: each trip's purpose, origin and stops (uniforms ``u_trip[t]``);
    ``key[t]`` its group in (origin, purpose, taste) order, -1 if it is not made or has no
    open destination; ``trip_data[t]`` what its stops need of the resident; ``key_count``
    and ``key_stops`` (this block's rows of them) the trips and stops per group."""
    entry_stride = entry_cols + 1
    n_stop_cols = stop_cdf.shape[1]
    n_purposes = stop_cdf.shape[0]
    for k in range(n_keys):
        key_count[k] = 0
        key_stops[k] = 0
    for i in range(lo, hi):
        made_trips = 0
        for t in range(first[i], first[i] + counts[i]):
            key[t] = -1
            u = u_trip[t, 0]
            # counted, not branched on (a random branch mispredicts): the same purpose and
            # number of stops, as both cut lists increase
            purpose = np.int64(u >= purpose_cut[0, i]) + np.int64(u >= purpose_cut[1, i])
            origin = home_origin[i]
            if origin < 0:  # -1 - row of an outside group: arrival at an entry point
                base = (-1 - origin) * entry_stride
                origin = _draw(entry_cdf, entry_guide, base, entry_cols, u_trip[t, 1])
            u = u_trip[t, 2]
            stops = 1
            for j in range(n_stop_cols):
                stops += np.int64(u >= stop_cdf[purpose, j])
            if lockdown and not u_lock[t] < visit_share[purpose]:
                continue  # a trip not made
            made_trips += 1
            if not has_choice[(purpose * n_origins + origin) * n_tastes + taste[i]]:
                continue  # no open unit serves it: its stops are dropped
            group = (origin * n_purposes + purpose) * n_tastes + taste[i]
            key[t] = group
            key_count[group] += 1
            key_stops[group] += stops
            trip_data[t, 0] = income_factor[i] * weight[i]  # spending before the online share
            trip_data[t, 1] = persons[i]  # walkers
            trip_data[t, 2] = propensity[i]
            trip_data[t, 3] = stops
        trips_out[i] = made_trips


@numba.njit(cache=True, nogil=True)
def _sort_trips(t_lo, t_hi, key, trip_data, fill, sorted_data):
    """Trips ``t_lo .. t_hi`` scattered to their slots in group order (``fill``: this block's
    next slot per group), one cache line per trip, so the stops read them in sequence."""
    for t in range(t_lo, t_hi):
        group = key[t]
        if group < 0:
            continue
        slot = fill[group]
        fill[group] = slot + 1
        for c in range(4):
            sorted_data[slot, c] = trip_data[t, c]


@numba.njit(cache=True, nogil=True)
def _stops(g_lo, g_hi, start, sorted_data, u_stop, s0, cdf, guide, n_cols, candidates,
           n_origins, n_purposes, n_tastes, unit_spend, unit_online, door, n_doors, tours, near,
           local_cdf, local_guide, local_has, revenue, potential, walks, legs):
    """Groups ``g_lo .. g_hi`` (whole origins): a destination per stop (uniform ``u_stop[s]``
    from ``s0`` on), spending into this block's ``revenue`` and ``potential``, walkers into
    the origins' rows of ``walks`` and into this block's ``legs``.

    Stars (``tours`` False): every stop is drawn from the origin's table and walked to from
    the origin; home from the last. Tours: the first stop from the origin's table; each next
    stop from the current stop's table over its ``M`` nearest premises (``near``), walked to
    directly (a leg ``p * M + m``); where none of them serves the purpose, back via the
    origin's table; home from the last stop."""
    stride = n_cols + 1
    n_units = near.shape[0]
    width = near.shape[1]
    s = s0
    for group in range(g_lo, g_hi):
        if start[group] == start[group + 1]:
            continue
        taste = group % n_tastes
        purpose = (group // n_tastes) % n_purposes
        origin = group // (n_tastes * n_purposes)
        base = ((purpose * n_origins + origin) * n_tastes + taste) * stride
        walk_row = origin * n_doors
        for k in range(start[group], start[group + 1]):
            spend = sorted_data[k, 0]
            w = sorted_data[k, 1]
            online = sorted_data[k, 2]
            stops = int(sorted_data[k, 3])
            prev = -1
            for stop in range(stops):
                u = u_stop[s]
                s += 1
                unit = -1
                if tours and prev >= 0:
                    row = (purpose * n_units + prev) * n_tastes + taste
                    if local_has[row]:
                        m = next_stop(local_cdf, local_guide, row * width, width, u)
                        unit = near[prev, m]
                        legs[prev * width + m] += w
                if unit < 0:
                    unit = candidates[purpose, _draw_in_row(cdf, guide, base, n_cols, u)]
                    if tours:
                        if prev >= 0:
                            walks[walk_row + door[prev]] += w  # back towards the origin
                        walks[walk_row + door[unit]] += w
                    else:
                        walkers = 2.0 if stop == stops - 1 else 1.0  # home after the last
                        walks[walk_row + door[unit]] += walkers * w
                pot = unit_spend[unit] * spend
                potential[unit] += pot
                revenue[unit] += pot * (1.0 - min(1.0, unit_online[unit] * online))
                prev = unit
            if tours:
                walks[walk_row + door[prev]] += w  # home from the last stop


@numba.njit(cache=True, nogil=True)
def _fill_rows(loc, taste_w, cand, cand_sector, n_tastes, n_cols, row_lo, row_hi, flat0, h0,
               cdf, guide, has_choice):
    """Rows ``row_lo .. row_hi`` (row = origin * K + taste) of one purpose's destination
    table, written at flat index ``flat0`` of the stacked ``cdf`` and ``guide`` (row ``h0 +
    row`` of ``has_choice``): exactly ``kernels.choice_table`` of the weights ``loc[o, j] *
    taste_w[k, sector_j]`` over the candidates, padded to ``n_cols`` with zero weights, its
    guide as offsets within the row (:func:`row_offsets`)."""
    stride = n_cols + 1
    n_cand = cand.size
    in_bin = np.empty(stride, dtype=np.int64)
    for r in range(row_lo, row_hi):
        o = r // n_tastes
        k = r - o * n_tastes
        base = flat0 + r * stride
        acc = 0.0
        for j in range(n_cand):
            acc += loc[o, cand[j]] * taste_w[k, cand_sector[j]]
            cdf[base + j] = acc
        ok = acc > 0
        has_choice[h0 + r] = ok
        if ok:
            for j in range(n_cand):
                cdf[base + j] /= acc
        else:
            for j in range(n_cand):
                cdf[base + j] = 1.0
        for j in range(n_cand, n_cols):
            cdf[base + j] = 1.0  # zero weight: the cumulative sum stays at the total
        cdf[base + n_cols] = np.inf
        # guide[b]: the offset of the first entry whose bin trunc(cdf * n_cols) is b or above
        # (b = 0 .. n_cols) = the number of entries in lower bins (bins never decrease along a row);
        # counted without branches, which a step-by-step search mispredicts. The padding
        # (1.0, bin n_cols) only counts towards bins above the last, so it is not counted:
        # the candidates fill 60-70% of grootstad's rows, and every count waits on the last.
        for b in range(stride):
            in_bin[b] = 0
        for j in range(n_cand):
            in_bin[int(cdf[base + j] * n_cols)] += 1
        below = 0
        for b in range(stride):
            guide[base + b] = below
            below += in_bin[b]


def fill_choice_rows(loc, taste_w, cand, cand_sector, n_tastes, n_cols, flat0, h0, cdf,
                     guide, has_choice) -> None:
    """One purpose's rows of the stacked destination table, in the fixed blocks of
    :mod:`sim.kernels.parallel` (rows are independent, so threads do not change a bit).

    Args:
        loc: (O, P) location weights of every premises from every origin.
        taste_w: (K, S) taste weight of each taste class for each sector.
        cand, cand_sector: (D,) the purpose's candidate premises and their sectors, D <=
            ``n_cols``.
        n_tastes, n_cols: K, and the table's width (stride ``n_cols + 1``).
        flat0, h0: where the purpose's rows start in ``cdf``/``guide`` and ``has_choice``.
        cdf, guide, has_choice: the stacked table's arrays, written in place (``guide`` of
            :func:`offsets_dtype`).
    """
    n_rows = loc.shape[0] * n_tastes
    parallel.map_blocks(_fill_rows, [
        (loc, taste_w, cand, cand_sector, n_tastes, n_cols, lo, hi, flat0, h0, cdf, guide,
         has_choice) for lo, hi in _spans(n_rows, parallel.BLOCKS)], items=n_rows * n_cols)


def _spans(n: int, blocks: int) -> list[tuple[int, int]]:
    """``blocks`` contiguous ranges of equal size covering ``0 .. n``."""
    edges = [n * b // blocks for b in range(blocks + 1)]
    return list(itertools.pairwise(edges))


def _origin_blocks(stops_per_origin: np.ndarray, blocks: int) -> list[tuple[int, int]]:
    """``blocks`` contiguous ranges of origins with about equal numbers of stops."""
    cum = np.cumsum(stops_per_origin)
    total = cum[-1] if cum.size else 0
    cuts = [0] + [int(np.searchsorted(cum, total * b / blocks, side="left")) + 1
                  for b in range(1, blocks)] + [stops_per_origin.size]
    cuts = np.maximum.accumulate(np.minimum(cuts, stops_per_origin.size))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))


def _buffer(work: dict, name: str, n: int, dtype=np.float64) -> np.ndarray:
    """``n`` items of the reusable buffer ``name`` (grown by a quarter when too small):
    fresh arrays of several MB a week would cost page faults and zeroing."""
    buf = work.get(name)
    if buf is None or buf.size < n or buf.dtype != dtype:
        buf = work[name] = np.empty(n + n // 4 + 64, dtype=dtype)
    return buf[:n]


def _block_generators(work: dict, name: str, rng: np.random.Generator,
                      blocks: int) -> list[np.random.Generator]:
    """The week's stream ``rng`` for block 0 and, for block b, the same stream advanced by
    ``b * 2**96`` draws (far more than a block ever draws, so the blocks never overlap and
    can fill their uniforms at the same time). ``rng`` must be PCG64-based, as every stream
    of ``sim.kernels.streams`` is; the generators are kept in ``work`` and reseated every week."""
    gens = work.get(name)
    if gens is None:
        gens = work[name] = [np.random.Generator(np.random.PCG64(0)) for _ in range(blocks - 1)]
    state = rng.bit_generator.state
    for b, gen in enumerate(gens, start=1):
        gen.bit_generator.state = state
        gen.bit_generator.advance(b * 2**96)
    return [rng, *gens]


def _count_block(gen, rate, u_count, counts, lo, hi) -> None:
    gen.random(out=u_count[lo:hi])  # numpy fills without the GIL
    _trip_counts(rate, u_count, counts, lo, hi)


def _trip_block(gen, lock_gen, u_trip, u_lock, t_lo, t_hi, *args) -> None:
    gen.random(out=u_trip[3 * t_lo:3 * t_hi])
    if lock_gen is not None:
        lock_gen.random(out=u_lock[t_lo:t_hi])
    _trips(*args)


def _stop_block(gen, u_stop, s_lo, s_hi, *args) -> None:
    gen.random(out=u_stop[s_lo:s_hi])
    args[-1][:] = 0.0  # this block's walkers per leg, zeroed in its own thread
    _stops(*args)


@numba.njit(cache=True, nogil=True)
def _add_blocks(out, parts, lo, hi):
    """``out[i] += parts[0, i]; out[i] += parts[1, i]; ...`` for ``i`` in ``lo .. hi``: the
    blocks' sums added in block order, as ``out += parts[b]`` for each block in turn."""
    for i in range(lo, hi):
        x = out[i]
        for b in range(parts.shape[0]):
            x += parts[b, i]
        out[i] = x


def visit_week(rate, purpose_cut, home_origin, taste, entry_cdf, entry_guide, entry_cols,
               stop_cdf, visit_share, lockdown, cdf, guide, n_cols, has_choice, candidates,
               n_origins, n_tastes, unit_spend, unit_online, income_factor, propensity, weight,
               persons, door, n_doors, trips_rng, choice_rng, lockdown_rng, trips_out, revenue,
               potential, walks, tours=False, near=None, local_cdf=None, local_has=None,
               legs=None, local_guide=None, work: dict | None = None) -> None:
    """One week of visits; see :func:`visit_week_reference` for the arguments. ``work``
    keeps the buffers from week to week (the caller's dict; one per model). ``local_guide``
    is the next-stop table's guide (:func:`sim.kernels.tours.fill_next_stops`), built here
    if not given."""
    work = {} if work is None else work
    blocks = parallel.BLOCKS
    n = rate.size
    n_purposes = stop_cdf.shape[0]
    n_keys = n_origins * n_purposes * n_tastes
    # pass 1, residents in blocks: trip counts, then each trip's purpose, origin and stops;
    # each block draws its uniforms from its own part of the week's streams
    people = _spans(n, blocks)
    trips_gens = _block_generators(work, "trips", trips_rng, blocks)
    lock_gens = (_block_generators(work, "lockdown", lockdown_rng, blocks) if lockdown
                 else [None] * blocks)
    u_count = _buffer(work, "u_count", n)
    counts = _buffer(work, "counts", n, np.int64)
    parallel.map_blocks(_count_block, [(trips_gens[b], rate, u_count, counts, lo, hi)
                                       for b, (lo, hi) in enumerate(people)], items=n)
    first = _buffer(work, "first", n + 1, np.int64)
    first[0] = 0
    np.cumsum(counts, out=first[1:])
    n_trips = int(first[-1])
    u_trip = _buffer(work, "u_trip", 3 * n_trips)
    u_lock = _buffer(work, "u_lock", n_trips if lockdown else 0)
    key = _buffer(work, "key", n_trips, np.int32)
    trip_data = _buffer(work, "trip_data", 4 * n_trips).reshape(n_trips, 4)
    key_count = np.empty((blocks, n_keys), dtype=np.int64)
    key_stops = np.empty((blocks, n_keys), dtype=np.int64)
    parallel.map_blocks(_trip_block, [
        (trips_gens[b], lock_gens[b], u_trip, u_lock, first[lo], first[hi],
         lo, hi, first, counts, u_trip.reshape(n_trips, 3), u_lock, lockdown, purpose_cut,
         home_origin, taste, entry_cdf, entry_guide, entry_cols, stop_cdf, visit_share,
         has_choice, n_origins, n_tastes, income_factor, weight, persons, propensity, trips_out,
         key, trip_data, n_keys, key_count[b], key_stops[b])
        for b, (lo, hi) in enumerate(people)], items=n_trips)
    # the trips in group order (stable: blocks in order, residents in order within a block)
    start = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(key_count.sum(axis=0), out=start[1:])
    fill = start[:-1] + np.cumsum(key_count, axis=0) - key_count  # (block, group) first slot
    sorted_data = _buffer(work, "sorted_data", 4 * int(start[-1])).reshape(-1, 4)
    parallel.map_blocks(_sort_trips, [
        (first[lo], first[hi], key, trip_data, fill[b], sorted_data)
        for b, (lo, hi) in enumerate(people)], items=n_trips)
    # pass 2, origins in blocks: a destination per stop, spending and walkers
    stops_per_group = key_stops.sum(axis=0)
    stop_start = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(stops_per_group, out=stop_start[1:])
    u_stop = _buffer(work, "u_stop", int(stop_start[-1]))
    choice_gens = _block_generators(work, "choice", choice_rng, blocks)
    per_origin = n_purposes * n_tastes
    spans = _origin_blocks(stops_per_group.reshape(n_origins, per_origin).sum(axis=1), blocks)
    near, local_cdf, local_guide, local_has, legs = _tour_tables(
        tours, near, local_cdf, local_guide, local_has, legs)
    spend = np.zeros((blocks, 2, revenue.size))
    block_legs = _buffer(work, "block_legs", blocks * legs.size).reshape(blocks, legs.size)
    parallel.map_blocks(_stop_block, [
        (choice_gens[b], u_stop, stop_start[o_lo * per_origin], stop_start[o_hi * per_origin],
         o_lo * per_origin, o_hi * per_origin, start, sorted_data, u_stop,
         stop_start[o_lo * per_origin], cdf, guide, n_cols, candidates, n_origins, n_purposes,
         n_tastes, unit_spend, unit_online, door, n_doors, tours, near, local_cdf, local_guide,
         local_has, spend[b, 0], spend[b, 1], walks, block_legs[b])
        for b, (o_lo, o_hi) in enumerate(spans)], items=u_stop.size)
    for b in range(blocks):  # in block order: the same sums on any number of threads
        revenue += spend[b, 0]
        potential += spend[b, 1]
    if legs.size:
        parallel.map_blocks(_add_blocks, [(legs, block_legs, lo, hi)
                                          for lo, hi in _spans(legs.size, blocks)],
                            items=block_legs.size)


def _tour_tables(tours, near, local_cdf, local_guide, local_has, legs):
    """The next-stop arguments, or empty stand-ins for stars."""
    if tours:
        if local_guide is None:
            local_guide = next_stop_guide(local_cdf, near.shape[1])
        return near, local_cdf, local_guide, local_has, legs
    return (np.zeros((1, 1), np.int32), np.zeros(1), np.zeros(1, np.uint8),
            np.zeros(1, np.bool_), np.zeros(0))


def stop_cdf(extra_stops: np.ndarray, max_stops: int) -> np.ndarray:
    """(purpose, max_stops - 1) P(extra stops <= k), k = 0 .. max_stops - 2: a trip makes
    1 + Poisson(extra) stops, at most ``max_stops``; one uniform u gives 1 + #{k: cdf_k <= u}."""
    k = np.arange(max_stops - 1)
    out = np.empty((len(extra_stops), max_stops - 1))
    for p, lam in enumerate(extra_stops):
        pmf = np.exp(-lam) * np.cumprod(np.concatenate([[1.0], lam / k[1:]]))
        out[p] = np.cumsum(pmf)
    return out


def visit_week_reference(rate, purpose_cut, home_origin, taste, entry_cdf, entry_guide,
                         entry_cols, stop_cdf, visit_share, lockdown, cdf, guide, n_cols,
                         has_choice, candidates, n_origins, n_tastes, unit_spend, unit_online,
                         income_factor, propensity, weight, persons, door, n_doors, trips_rng,
                         choice_rng, lockdown_rng, trips_out, revenue, potential, walks,
                         tours=False, near=None, local_cdf=None, local_has=None, legs=None):
    """The weekly visits in plain Python, draw for draw and sum for sum as the compiled
    passes of :func:`visit_week`, on one thread.

    Args:
        rate: (N,) expected trips this week of each resident (all purposes).
        purpose_cut: (2, N) cumulative purpose shares: u below row 0 daily, below row 1
            comparison, else leisure.
        home_origin: (N,) origin of residents of the centre, -1 - row of the entry table for
            the groups that arrive at entry points.
        taste: (N,) taste class.
        entry_cdf, entry_guide, entry_cols: the entry-point choice table (a row per outside
            group).
        stop_cdf: (purpose, MAX_STOPS - 1) from :func:`stop_cdf`.
        visit_share, lockdown: (purpose,) share of trips made when ``lockdown`` is True.
        cdf, guide, n_cols, has_choice: the stacked destination table, row
            ``(purpose * n_origins + origin) * n_tastes + taste``; its guide as offsets within
            each row (:func:`row_offsets`; the reference does not read it).
        candidates: (purpose, n_cols) premises of each column.
        unit_spend, unit_online: (P,) spending per visit and online share of each premises.
        income_factor, propensity: (N,) per resident.
        weight, persons: (N,) households (for spending) and persons walking (for footfall) on
            one of each resident's visits.
        door, n_doors: door column of each premises in the walker counts.
        trips_rng, choice_rng, lockdown_rng: the week's generators.
        trips_out, revenue, potential, walks: outputs (N,), (P,), (P,), (O * n_doors,),
            added to (trips_out overwritten).
        tours: walk from stop to stop (else every stop from the origin, a star).
        near: (P, M) the nearest premises of each premises (:mod:`sim.town.legs`).
        local_cdf, local_has: the next-stop table, row ``(purpose * P + premises) * n_tastes
            + taste`` of M cumulative probabilities, and whether the row has any choice.
        legs: (P * M,) walkers per leg, added to.
    """
    n_purposes = stop_cdf.shape[0]
    blocks = parallel.BLOCKS
    people = _spans(rate.size, blocks)  # each block its own part of the week's streams
    gens = _block_generators({}, "trips", trips_rng, blocks)
    u_count = np.concatenate([gens[b].random(hi - lo) for b, (lo, hi) in enumerate(people)])
    counts = []
    for lam, u in zip(rate, u_count, strict=True):
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
        counts.append(n)
    first = np.cumsum([0, *counts])
    u_trip = np.concatenate([gens[b].random(3 * (first[hi] - first[lo]))
                             for b, (lo, hi) in enumerate(people)]).reshape(-1, 3)
    if lockdown:
        lock_gens = _block_generators({}, "lockdown", lockdown_rng, blocks)
        u_lock = np.concatenate([lock_gens[b].random(first[hi] - first[lo])
                                 for b, (lo, hi) in enumerate(people)])
    trips = []  # (group, who, stops) of the trips made that have a choice
    for i, n in enumerate(counts):
        made_trips = 0
        for t in range(first[i], first[i] + n):
            u = u_trip[t, 0]
            purpose = int(u >= purpose_cut[0, i]) + int(u >= purpose_cut[1, i])
            origin = int(home_origin[i])
            if origin < 0:
                row_cdf = entry_cdf[(-1 - origin) * (entry_cols + 1):][:entry_cols]
                origin = int(np.searchsorted(row_cdf, u_trip[t, 1], side="right"))
            stops = 1 + int(np.sum(stop_cdf[purpose] <= u_trip[t, 2]))
            if lockdown and not u_lock[t] < visit_share[purpose]:
                continue
            made_trips += 1
            if has_choice[(purpose * n_origins + origin) * n_tastes + int(taste[i])]:
                group = (origin * n_purposes + purpose) * n_tastes + int(taste[i])
                trips.append((group, i, stops))
        trips_out[i] = made_trips
    trips.sort(key=lambda trip: trip[0])  # stable: residents in order within a group
    per_origin = n_purposes * n_tastes
    stops_per_origin = np.zeros(n_origins, dtype=np.int64)
    for group, _, stops in trips:
        stops_per_origin[group // per_origin] += stops
    spans = _origin_blocks(stops_per_origin, blocks)
    block_of = np.repeat(np.arange(len(spans)), [hi - lo for lo, hi in spans])
    choice_gens = _block_generators({}, "choice", choice_rng, blocks)
    u_stop = iter(np.concatenate([choice_gens[b].random(stops_per_origin[lo:hi].sum())
                                  for b, (lo, hi) in enumerate(spans)]))
    spend = np.zeros((len(spans), 2, revenue.size))  # each block's revenue and potential
    stride = n_cols + 1
    block_legs = np.zeros((len(spans), legs.size if tours else 0))
    for group, i, stops in trips:
        taste_k, purpose = group % n_tastes, group // n_tastes % n_purposes
        origin = group // per_origin
        row = (purpose * n_origins + origin) * n_tastes + taste_k
        row_cdf = cdf[row * stride:row * stride + n_cols]
        w, prev = persons[i], -1
        for s in range(stops):
            u = next(u_stop)
            unit = -1
            if tours and prev >= 0:
                local = (purpose * near.shape[0] + prev) * n_tastes + taste_k
                if local_has[local]:
                    width = near.shape[1]
                    row_local = local_cdf[local * width:(local + 1) * width]
                    m = min(int(np.searchsorted(row_local, u, side="right")), width - 1)
                    unit = near[prev, m]
                    block_legs[block_of[origin], prev * width + m] += w
            if unit < 0:
                unit = candidates[purpose, int(np.searchsorted(row_cdf, u, side="right"))]
                if tours:
                    if prev >= 0:
                        walks[origin * n_doors + door[prev]] += w
                    walks[origin * n_doors + door[unit]] += w
                else:
                    walks[origin * n_doors + door[unit]] += (2.0 if s == stops - 1 else 1.0) * w
            pot = unit_spend[unit] * (income_factor[i] * weight[i])
            spend[block_of[origin], 1, unit] += pot
            spend[block_of[origin], 0, unit] += pot * (
                1.0 - min(1.0, unit_online[unit] * propensity[i]))
            prev = unit
        if tours:
            walks[origin * n_doors + door[prev]] += w
    for b, block in enumerate(spend):
        revenue += block[0]
        potential += block[1]
        if tours:
            legs += block_legs[b]

"""Numeric kernels: pure functions over arrays, called by the model's weekly schedule.

Shapes use these letters: ``O`` origins (entry points and home districts), ``K`` taste
classes, ``P`` premises, ``D`` candidate destinations of one trip purpose, ``T`` trips or
stops, ``S`` sectors, ``C`` walkable cells. Money is in EUR, distances in metres, time in
weeks unless a name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def interpolate_path(years: np.ndarray, shares: np.ndarray, year: float) -> float:
    """Linear interpolation of a path at ``year``, constant beyond its ends.

    Args:
        years: (N,) increasing calendar years (fractional allowed).
        shares: (N,) values at those years.
        year: the calendar year to read, e.g. 2019.5.
    """
    return float(np.interp(year, years, shares))


def location_utility(
    log_attractiveness: np.ndarray,
    vitality: np.ndarray,
    distance_m: np.ndarray,
    *,
    vitality_weight: float,
    decay_per_100m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """exp of the location part of the logit utility of each premises from each origin.

    U[o, j] = log A_j + w_v * vitality[o, j] - beta * d[o, j] / 100 (Huff 1963, as a logit).

    Args:
        log_attractiveness: (P,) log of floor-area and agglomeration attractiveness.
        vitality: (O, P) share of open units passed on the way, in [0, 1].
        distance_m: (O, P) walking distance along streets.
        vitality_weight: utility per unit of vitality.
        decay_per_100m: utility lost per 100 m walked.

    Returns:
        ``(weights, log_scale)``: (O, P) positive weights scaled per row so that the largest
        is 1 (no overflow), and (O,) the log of each row's scale, so that the unscaled weight
        is ``weights * exp(log_scale[:, None])`` (choice probabilities need only the weights;
        totals compared across perceptions need the scale too).
    """
    u = log_attractiveness[None, :] + vitality_weight * vitality - decay_per_100m * distance_m / 100
    return scaled_exp(u)


def scaled_exp(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(exp(u - m), m)`` with ``m`` the maximum of each row of ``u`` (G, D), computed in
    ``u``'s own memory (overwritten): :func:`location_utility` of several purposes that share
    their parts (``sim.model.residents``) without fresh arrays of O x P for every step."""
    log_scale = u.max(axis=1)
    u -= log_scale[:, None]
    np.exp(u, out=u)
    return u, log_scale


@dataclass(frozen=True, eq=False)
class ChoiceTable:
    """Cumulative choice probabilities of ``G`` groups over ``D`` columns, with a guide table.

    Row ``g`` occupies ``cdf[g * R : g * R + D]`` with the stride ``R = D + 1``; the extra
    entry per row is +inf and never drawn. ``guide[g * R + k]`` is the flat index of the first
    entry of row ``g`` whose bin ``trunc(cdf * D)`` is not below ``k`` (Chen & Asau 1974), for
    bins ``k = 0 .. D``: a draw in bin ``k`` starts its search there and steps forward.

    Attributes:
        cdf: (G * R,) float64; each row increasing and ending at exactly 1.0.
        guide: (G * R,) int32 or int64 flat start index of each bin.
        n_cols: D.
        has_choice: (G,) bool, False where a row's weights are all zero.
    """

    cdf: np.ndarray
    guide: np.ndarray
    n_cols: int
    has_choice: np.ndarray

    @property
    def stride(self) -> int:
        """R = D + 1, the distance between the starts of two rows."""
        return self.n_cols + 1

    @property
    def n_rows(self) -> int:
        """G."""
        return self.has_choice.size


def choice_table(weights: np.ndarray) -> ChoiceTable:
    """Row-wise cumulative choice probabilities and their guide table.

    Built in O(G * D) without a loop over rows. Dividing a row's cumulative sums by their
    last element keeps them non-decreasing and makes the last exactly 1.0, so a column with
    zero weight can never be drawn (its cumulative value equals its predecessor's).

    Args:
        weights: (G, D) non-negative choice weights, D >= 1.

    Returns:
        The table; rows without any weight get a cdf of 1.0 everywhere (they draw column 0
        and must be left out by the caller, see ``has_choice``).
    """
    weights = np.asarray(weights, dtype=np.float64)
    n_rows, n_cols = weights.shape
    if n_cols < 1:
        raise ValueError("choice_table needs at least one column")
    stride = n_cols + 1
    cdf = np.empty((n_rows, stride))
    np.cumsum(weights, axis=1, out=cdf[:, :n_cols])
    totals = cdf[:, n_cols - 1].copy()
    has_choice = totals > 0
    cdf[:, :n_cols] /= np.where(has_choice, totals, 1.0)[:, None]
    cdf[~has_choice, :n_cols] = 1.0
    cdf[:, n_cols] = np.inf
    index = np.int32 if n_rows * stride < 2**31 else np.int64
    row_start = np.arange(n_rows, dtype=index)[:, None] * index(stride)
    # bin of each entry, the same arithmetic as for a draw u: trunc(u * D), in [0, D]
    bins = (cdf[:, :n_cols] * n_cols).astype(index)
    bins += row_start
    counts = np.bincount(bins.ravel(), minlength=n_rows * stride).reshape(n_rows, stride)
    guide = np.empty((n_rows, stride), dtype=index)
    guide[:, 0] = 0
    np.cumsum(counts[:, :-1], axis=1, out=guide[:, 1:])  # entries in lower bins
    guide += row_start
    return ChoiceTable(cdf=cdf.ravel(), guide=guide.ravel(), n_cols=n_cols,
                       has_choice=has_choice)


def draw_choices(table: ChoiceTable, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Column of each draw by inverse CDF: the first column whose cumulative probability
    exceeds ``u`` (``np.searchsorted(cdf_row, u, side="right")``, exactly).

    Each draw looks up its bin in the guide table and steps forward once if the cumulative
    probability there is at most ``u``; the few draws still short of their column (about 3%
    on grootstad: bins holding many improbable columns) finish with a binary search over
    the rest of their row. All entries before the guide's start lie in lower bins, and bins
    are monotone in the value (``trunc(fl(x * D))``), so they are all ``<= u``: the result
    is the binary search's for every ``u``, in at most 2 + log2(D) vectorised passes.

    Args:
        table: from :func:`choice_table`.
        group: (T,) integer row of each draw; rows must have a choice.
        u: (T,) float64 uniform draws in [0, 1).

    Returns:
        (T,) column index in [0, D), of the guide table's integer type.
    """
    index = table.guide.dtype.type
    base = np.asarray(group).astype(index, copy=False) * index(table.stride)
    pos = (u * table.n_cols).astype(index)
    pos += base
    idx = table.guide[pos]
    cdf = table.cdf
    idx += cdf[idx] <= u
    rest = np.flatnonzero(cdf[idx] <= u)
    if rest.size:  # binary search in (idx, last column of the row]
        lo = idx[rest] + 1
        hi = base[rest] + index(table.n_cols - 1)
        u_rest = u[rest]
        while (active := np.flatnonzero(lo < hi)).size:
            lo_a, hi_a = lo[active], hi[active]
            mid = (lo_a + hi_a) >> 1
            right = cdf[mid] <= u_rest[active]
            lo[active] = np.where(right, mid + 1, lo_a)
            hi[active] = np.where(right, hi_a, mid)
        idx[rest] = lo
    idx -= base
    return idx


def stack_choice_tables(tables: list[ChoiceTable]) -> ChoiceTable:
    """One table whose rows are the rows of ``tables`` in order (all of the same width D).

    Lets draws of several kinds (e.g. trip purposes) share one vectorised draw: row
    ``b * G + g`` of the result is row ``g`` of ``tables[b]`` when every table has G rows.
    """
    n_cols = tables[0].n_cols
    if any(t.n_cols != n_cols for t in tables):
        raise ValueError("stacked choice tables must have the same number of columns")
    total = sum(t.cdf.size for t in tables)
    index = np.int32 if total < 2**31 else np.int64
    guide = np.empty(total, dtype=index)
    at = 0
    for t in tables:
        guide[at:at + t.guide.size] = t.guide
        guide[at:at + t.guide.size] += at
        at += t.guide.size
    return ChoiceTable(cdf=np.concatenate([t.cdf for t in tables]), guide=guide,
                       n_cols=n_cols, has_choice=np.concatenate([t.has_choice for t in tables]))


def group_medians(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``values`` within each group, as ``np.median`` gives it, in one sort.

    Args:
        values: (N,) finite values.
        groups: (N,) group of each value, in [0, n_groups).
        n_groups: G.

    Returns:
        (G,) the median of each group (the mean of the two middle values for an even count);
        NaN for a group without values.
    """
    order = np.lexsort((values, groups))
    ranked = values[order]
    counts = np.bincount(groups, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    out = np.full(n_groups, np.nan)
    has = counts > 0
    lower = ranked[(starts + (counts - 1) // 2)[has]]
    upper = ranked[(starts + counts // 2)[has]]
    out[has] = (lower + upper) / 2
    return out


def online_spend_factor(online_share: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """Share of spending a resident still makes in the shop: 1 - min(1, share * propensity).

    Args:
        online_share: (T,) the sector's online share at this date for each stop.
        propensity: (T,) the resident's online propensity multiplier (mean 1).
    """
    return 1.0 - np.minimum(1.0, online_share * propensity)


def weekly_profit(
    revenue: np.ndarray,
    gross_margin: np.ndarray,
    rent_eur_per_m2_year: np.ndarray,
    fixed_eur_per_m2_year: np.ndarray,
    floor_m2: np.ndarray,
) -> np.ndarray:
    """Weekly operating profit of each shop: margin on revenue minus rent and fixed costs."""
    return revenue * gross_margin - (rent_eur_per_m2_year + fixed_eur_per_m2_year) * floor_m2 / 52


def market_rent(
    footfall: np.ndarray,
    footfall_ref: float,
    walk_to_busiest_m: np.ndarray,
    *,
    a1_eur_per_m2_year: float,
    footfall_elasticity: float,
    gradient_per_100m: float,
    floor_eur_per_m2_year: float,
) -> np.ndarray:
    """Market rent per m2 and year from footfall and distance to the busiest point.

    rent = A1 * (F / F_ref)^0.25 * (1 - 0.17)^(d / 100 m), not below a floor
    (Koster et al. 2019 elasticity; Ossokina et al. 2024 gradient).
    """
    ratio = np.maximum(footfall, 1e-9) / max(footfall_ref, 1e-9)
    rent = (
        a1_eur_per_m2_year
        * ratio**footfall_elasticity
        * (1.0 - gradient_per_100m) ** (walk_to_busiest_m / 100.0)
    )
    return np.maximum(rent, floor_eur_per_m2_year)


def entry_probability(
    profit_ratio: np.ndarray, *, rate_per_year: float, steepness: float, threshold: float
) -> np.ndarray:
    """Weekly probability that a vacant unit is let.

    Logistic in the expected ratio of gross margin to costs: good locations (high expected
    revenue, moderate rent) refill fast, poor ones stay empty.
    """
    logistic = 1.0 / (1.0 + np.exp(-steepness * (profit_ratio - threshold)))
    return 1.0 - np.exp(-rate_per_year / 52.0 * logistic)


def ewma(previous: np.ndarray, value: np.ndarray, weeks: float) -> np.ndarray:
    """Exponentially weighted moving average with a time constant of ``weeks``."""
    return previous + (value - previous) / weeks

"""Numeric kernels: pure functions over arrays, called by the model's weekly schedule.

Shapes use these letters: ``O`` origins (entry points and home districts), ``K`` taste
classes, ``P`` premises, ``D`` candidate destinations of one trip purpose, ``T`` trips or
stops, ``S`` sectors, ``C`` walkable cells. Money is in EUR, distances in metres, time in
weeks unless a name says otherwise.
"""

from __future__ import annotations

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
) -> np.ndarray:
    """exp of the location part of the logit utility of each premises from each origin.

    U[o, j] = log A_j + w_v * vitality[o, j] - beta * d[o, j] / 100 (Huff 1963, as a logit).

    Args:
        log_attractiveness: (P,) log of floor-area and agglomeration attractiveness.
        vitality: (O, P) share of open units passed on the way, in [0, 1].
        distance_m: (O, P) walking distance along streets.
        vitality_weight: utility per unit of vitality.
        decay_per_100m: utility lost per 100 m walked.

    Returns:
        (O, P) positive weights, scaled per row so that the largest is 1 (no overflow).
    """
    u = log_attractiveness[None, :] + vitality_weight * vitality - decay_per_100m * distance_m / 100
    u -= u.max(axis=1, keepdims=True)
    return np.exp(u)


def choice_cdf(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise cumulative choice probabilities, flattened with the row number added.

    Row ``g`` of the result covers the interval (g, g + 1], so a trip of group ``g`` with a
    uniform draw ``u`` chooses ``searchsorted(cdf, g + u)``: one vectorised inverse-CDF draw
    per trip, each trip its own draw.

    Args:
        weights: (G, D) non-negative choice weights.

    Returns:
        cdf: (G * D,) increasing values; has_choice: (G,) bool, False where a row is all zero.
    """
    totals = weights.sum(axis=1)
    has_choice = totals > 0
    probs = np.divide(weights, totals[:, None], out=np.zeros_like(weights),
                      where=has_choice[:, None])
    cdf = np.cumsum(probs, axis=1)
    if cdf.shape[1]:
        cdf[has_choice, -1] = 1.0  # guard rounding: every row ends exactly at 1
    cdf += np.arange(weights.shape[0], dtype=float)[:, None]
    return cdf.ravel(), has_choice


def draw_choices(cdf: np.ndarray, n_cols: int, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Destination column of each trip by inverse CDF.

    A binary search restricted to each trip's own row, vectorised over trips: log2(D) passes
    of cheap array operations instead of a search over the whole (G * D) table per trip
    (about twice as fast as ``np.searchsorted`` on the flat table; same result).

    Args:
        cdf: (G * D,) from :func:`choice_cdf`.
        n_cols: D.
        group: (T,) row of each trip; rows must have a choice.
        u: (T,) uniform draws in [0, 1).

    Returns:
        (T,) column index in [0, D).
    """
    base = group.astype(np.int64) * n_cols
    lo, hi = base.copy(), base + (n_cols - 1)
    key = group + u
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) >> 1
        right = cdf[mid] <= key
        lo = np.where(right, mid + 1, lo)
        hi = np.where(right, hi, mid)
    return lo - base


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

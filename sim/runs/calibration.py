"""Calibration indicators: what a baseline run says about the stylized facts.

The targets (``docs/calibration.md``, with their sources: Locatus via nu.nl 2017 and PBL 2020,
nrc.nl 18-01-2020, Locatus via fashionunited.nl 10-11-2022): vacancy 8-14% of premises,
closures 2-5% of shops a year, footfall trend between -0.5% and -2% a year.
Called by docs/calibration.py (which writes docs/calibration.md's figures) and its tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.scenario.fields import SECTORS

TARGETS = {
    "vacancy_rate": (0.08, 0.14),
    "closure_rate_per_year": (0.02, 0.05),
    "footfall_trend_per_year": (-0.02, -0.005),
}


def indicators(frame: pd.DataFrame) -> dict[str, float]:
    """Calibration indicators of a timeseries (one or more replications, reported weeks).

    Returns:
        vacancy_rate: mean share of vacant premises over the reported horizon;
        closure_rate_per_year: shop closures per year over the mean number of open shops;
        footfall_trend_per_year: slope of log yearly footfall (fraction per year).
    """
    out = []
    for _, run in frame.groupby("replication"):
        year = pd.to_datetime(run["date"]).dt.year
        shops = run["open_units"] - run["cultural_venues"]  # closures are of shops
        yearly = run.assign(shops=shops).groupby(year).agg(
            footfall=("footfall", "sum"), closures=("closures", "sum"),
            shops=("shops", "mean"), weeks=("footfall", "size"))
        full = yearly[yearly["weeks"] >= 52]
        slope = np.polyfit(full.index.to_numpy(float), np.log(full["footfall"]), 1)[0]
        out.append({
            "vacancy_rate": float(run["vacancy_rate"].mean()),
            "closure_rate_per_year": float((full["closures"] / full["shops"]).mean()),
            "footfall_trend_per_year": float(np.expm1(slope)),
        })
    return {key: float(np.mean([o[key] for o in out])) for key in TARGETS}


def sector_cover(model) -> pd.DataFrame:
    """Per sector of a running model: open shops, the median of their cost cover (gross margin
    over rent and fixed costs, :meth:`sim.model.model.CityCentre.cost_cover`) and the share below
    break-even. In the initial centre every sector should sit near the calibration's 1.5: a
    sector far below it empties in a shake-out at the end of the warm-up."""
    cover = model.shops.cost_cover()
    rows = []
    for code, name in enumerate(SECTORS):
        c = cover[model.premises.open & (model.premises.sector == code)]
        rows.append({"sector": name, "shops": c.size,
                     "median_cover": float(np.median(c)) if c.size else float("nan"),
                     "below_break_even": float(np.mean(c < 1)) if c.size else float("nan")})
    return pd.DataFrame(rows).set_index("sector")

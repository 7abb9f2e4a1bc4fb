"""The Dutch record as calibration targets.

``docs/validation/targets.yaml`` (read by :mod:`sim.runs.validation_spec`, the format of
``binnenstad validation``) lists the observed facts with the range the model must land in. A
calibration's ``targets_file`` may point at such a file: its targets measured on the baseline
from the baseline's own weeks (``mean``, ``yearly_change``, ``rate_per_year`` of closures)
become calibration targets with the range's middle as the value and half its width as the
tolerance, so a set within tolerance is a set that passes the validation. The rest are checked
by ``binnenstad validation`` but not fitted: paired targets of other scenarios (the corona
years: a calibration runs one scenario), model inputs (the centre's population) and the
busiest counting point (the largest of several points, not one metric). Called by
:mod:`sim.runs.calibration_design`.
"""

from __future__ import annotations

import datetime as dt

from sim.runs.calibration_spec import TargetSpec
from sim.runs.validation_spec import Target

#: The validation's metric kinds that a calibration of the baseline fits.
FITTED_KINDS = ("mean", "yearly_change", "rate_per_year")


def record_targets(record: list[Target], weeks: list[str]) -> dict[str, TargetSpec]:
    """The baseline targets of ``record`` that a calibration can fit, by name.

    Args:
        record: The validation's targets (:func:`sim.runs.validation_spec.load_targets`).
        weeks: The first day of every reported week of the calibration's scenario (ISO text).
    """
    targets: dict[str, TargetSpec] = {}
    for target in record:
        metric = target.metric
        if target.scenario != "baseline" or metric.kind not in FITTED_KINDS:
            continue
        if metric.kind == "rate_per_year" and (metric.column, metric.per) != (
                "closures", "open_units"):
            continue  # only the closure rate has a calibration metric
        first, last = metric.period or (dt.date.fromisoformat(weeks[0]),
                                         dt.date.fromisoformat(weeks[-1]))
        low, high = target.range
        targets[target.name] = TargetSpec.model_validate({
            "metric": ("closure_rate_per_year" if metric.kind == "rate_per_year"
                       else metric.column),
            "statistic": "yearly_change" if metric.kind == "yearly_change" else "level",
            "period": {"from": first.isoformat(), "to": last.isoformat()},
            "value": (low + high) / 2, "tolerance": (high - low) / 2,
            "source": target.source, "note": f"{target.fact}: {target.observed}",
        })
    return targets

"""A calibration's results as tables: every evaluation, the best set, the targets at the best
set, the top sets, how well each parameter is identified and which parameters matter.

:func:`collect_calibration` reads a calibration folder (the Optuna study in ``study.db`` and
the run store) into a :class:`CalibrationResult`, whose methods return pandas DataFrames. It
computes, it never draws or writes: the files come from :mod:`sim.present.calibration_report`.
Called by the command line (``binnenstad calibrate``) and the Python API.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.runs.calibrate import open_study, read_run
from sim.runs.calibration_design import CHECK, Calibration, best_scenario_data
from sim.runs.calibration_targets import loss, target_values
from sim.runs.store import RunStore

__all__ = ["CalibrationResult", "collect_calibration"]

#: Fewer sets within tolerance than this: the spread is read from the best sets by loss.
MIN_ACCEPTED = 5


@dataclass
class CalibrationResult:
    """What a calibration found. Every table is a pandas DataFrame.

    Attributes:
        calibration: The calibration (its file, parameters and targets).
        root: Its folder.
        trials: Every evaluation: ``evaluation``, ``batch``, ``state`` (complete, fail),
            ``loss``, ``accepted`` (every fitted target within tolerance), one column per
            parameter, ``model_<target>`` (the mean over the evaluation's replications) and
            ``error`` (why a failed evaluation failed).
        check: The check runs of the best set: ``replication``, ``seed``, one column per
            target, ``loss`` (of that run alone; empty without ``check_replications``).
        check_weeks: The check runs' weekly rows (``replication``, ``date``, the metrics'
            columns), for the bands of the figures.
    """

    calibration: Calibration
    root: Path
    trials: pd.DataFrame
    check: pd.DataFrame
    check_weeks: pd.DataFrame
    importance_table: pd.DataFrame = field(default_factory=pd.DataFrame)

    # ------------------------------------------------------------------ the best set
    @property
    def complete(self) -> pd.DataFrame:
        """The evaluations that completed, lowest loss first (ties: the earlier first)."""
        done = self.trials[self.trials["state"] == "complete"]
        return done.sort_values(["loss", "evaluation"], kind="stable")

    @property
    def best_evaluation(self) -> int | None:
        """The number of the evaluation with the lowest loss; None if none completed."""
        done = self.complete
        return int(done["evaluation"].iloc[0]) if len(done) else None

    def best(self) -> dict[str, Any]:
        """The best parameter set: parameter name -> value."""
        number = self.best_evaluation
        if number is None:
            return {}
        row = self.trials.set_index("evaluation").loc[number]
        return {p.name: _plain(row[p.name]) for p in self.calibration.parameters}

    @property
    def best_loss(self) -> float:
        done = self.complete
        return float(done["loss"].iloc[0]) if len(done) else math.nan

    @property
    def check_loss(self) -> float:
        """The loss of the best set in its check runs (new seeds; NaN without them)."""
        if not len(self.check):
            return math.nan
        runs = [{n: float(row[n]) for n in self.calibration.targets}
                for _, row in self.check.iterrows()]
        return loss(runs, self.calibration.targets, self.calibration.spec.loss)

    def best_scenario(self) -> str:
        """The best set as the text of a scenario file that ``extends`` the base scenario.

        The ``extends`` path is relative to the calibration folder, where it is written as
        ``best.yaml``.
        """
        cal = self.calibration
        base = Path(cal.scenario_file).resolve()
        relative = Path(_relpath(base, self.root.resolve()))
        data = {"extends": relative.as_posix(), "name": f"{cal.name}_best",
                "description": f"The best set of calibration {cal.name} (evaluation "
                               f"{self.best_evaluation}, loss {self.best_loss:.4g}) on "
                               f"{cal.scenario_file.name}."}
        data.update(best_scenario_data(cal, self.best()))
        header = (f"# Written by binnenstad calibrate from {cal.path}: the best of "
                  f"{len(self.trials)} evaluations.\n# Run it as is: binnenstad run "
                  f"{self.root / 'best.yaml'}\n")
        return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    # -------------------------------------------------------------------- tables
    def targets(self) -> pd.DataFrame:
        """Every target at the best set: observed, tolerance, the model's value in the
        search (mean of its replications) and in the check (mean and 5-95% of the check
        runs), the standardised error of the check mean and whether it is within tolerance.
        Fitted targets first, then the held-back (``validate_only``) ones."""
        cal = self.calibration
        best = self.best_evaluation
        search = (self.trials.set_index("evaluation").loc[best] if best is not None else None)
        rows = []
        for name, t in cal.targets.items():
            runs = (self.check[name].to_numpy(float) if len(self.check) else
                    np.array([], dtype=float))
            model = float(np.mean(runs)) if runs.size else (
                float(search[f"model_{name}"]) if search is not None else math.nan)
            rows.append({
                "target": name, "role": "held back" if t.validate_only else "fitted",
                "metric": t.metric, "statistic": t.statistic, "aggregate": t.aggregate,
                "period": t.period.text,
                "relative_to": t.relative_to.text if t.relative_to else "",
                "observed": t.value, "tolerance": t.tolerance,
                "standard_error": t.standard_error,
                "search_mean": float(search[f"model_{name}"]) if search is not None
                else math.nan,
                "check_mean": model,
                "check_p05": float(np.quantile(runs, 0.05)) if runs.size else math.nan,
                "check_p95": float(np.quantile(runs, 0.95)) if runs.size else math.nan,
                "z": (model - t.value) / t.scale,
                "within": bool(abs(model - t.value) <= t.accepted_error),
                "source": t.source, "file": cal.target_files.get(name, ""),
            })
        table = pd.DataFrame(rows)
        return table.sort_values("role", key=lambda r: r != "fitted", kind="stable"
                                 ).reset_index(drop=True)

    def top(self, n: int | None = None) -> pd.DataFrame:
        """The ``n`` best evaluations (default: the file's ``top``), lowest loss first."""
        n = self.calibration.spec.top if n is None else n
        return self.complete.head(n).reset_index(drop=True)

    def identifiability(self) -> pd.DataFrame:
        """How well the targets pin down each parameter: the spread of its values among the
        sets within tolerance (every fitted target's mean within its tolerance, or two standard
        errors), or, if fewer than 5 sets are, among the best tenth of the sets by loss (at
        least 5).

        Columns: ``parameter``, ``basis``, ``sets``, ``best``, ``p05``, ``median``, ``p95``,
        ``min``, ``max`` (of the sets), ``range_min``, ``range_max`` (searched) and ``spread``,
        the 5-95% width over the width of the range searched (on the log scale for log
        parameters): near 0 the parameter is well identified, near 1 the targets hardly
        constrain it. This is a rejection-style summary of the evaluated sets, not a posterior:
        the search samples more densely where the loss is low.
        """
        done = self.complete
        accepted = done[done["accepted"].astype(bool)]
        if len(accepted) >= MIN_ACCEPTED:
            sets, basis = accepted, "within tolerance"
        else:
            k = min(len(done), max(MIN_ACCEPTED, math.ceil(len(done) / 10)))
            sets, basis = done.head(k), f"best {k} by loss ({len(accepted)} within tolerance)"
        best = self.best()
        rows = []
        for p in self.calibration.parameters:
            r = p.range
            row = {"parameter": p.name, "basis": basis, "sets": len(sets),
                   "best": best.get(p.name)}
            if r.values is not None:  # categorical: the share of each value
                shares = sets[p.name].astype(str).value_counts(normalize=True)
                row |= {"values": ", ".join(f"{k}: {v:.0%}" for k, v in shares.items())}
                rows.append(row)
                continue
            x = sets[p.name].to_numpy(float)
            q = np.quantile(x, [0.05, 0.5, 0.95]) if x.size else [math.nan] * 3
            scale = np.log if r.log else (lambda v: v)
            width = float(scale(r.max) - scale(r.min))
            spread = float(scale(q[2]) - scale(q[0])) / width if x.size else math.nan
            row |= {"p05": q[0], "median": q[1], "p95": q[2],
                    "min": float(x.min()) if x.size else math.nan,
                    "max": float(x.max()) if x.size else math.nan,
                    "range_min": r.min, "range_max": r.max, "log": r.log, "spread": spread}
            rows.append(row)
        return pd.DataFrame(rows)

    def importance(self) -> pd.DataFrame:
        """Each parameter's importance for the loss (Optuna's PED-ANOVA, normalised to sum to
        1): how much of the loss's variation among the good sets each parameter explains.
        Empty with a ``note`` if there are too few evaluations."""
        return self.importance_table

    def history(self) -> pd.DataFrame:
        """The loss of every evaluation in order with the best so far (``best_so_far``)."""
        table = self.trials[["evaluation", "batch", "state", "loss"]].copy()
        losses = table["loss"].astype(float).fillna(np.inf)
        table["best_so_far"] = np.minimum.accumulate(losses.to_numpy())
        table.loc[~np.isfinite(table["best_so_far"]), "best_so_far"] = np.nan
        return table


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _relpath(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target, start)


# ---------------------------------------------------------------------------- reading
def collect_calibration(cal: Calibration, root: str | Path) -> CalibrationResult:
    """Read a calibration folder (study and runs) into a :class:`CalibrationResult`.

    Args:
        cal: The calibration that made the folder.
        root: The calibration folder.

    Returns:
        The result; evaluations beyond the file's ``budget`` (of an earlier, larger one) are
        left out.
    """
    root = Path(root)
    study = open_study(root, cal)
    frozen = sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
    frozen = frozen[: cal.spec.budget]
    rows = []
    for t in frozen:
        attrs = t.user_attrs
        row = {"evaluation": t.number, "batch": attrs.get("batch"),
               "state": "complete" if t.state.name == "COMPLETE" else "fail",
               "loss": t.value if t.value is not None else math.nan,
               "accepted": bool(attrs.get("accepted", False))}
        row |= {p.name: t.params.get(p.name) for p in cal.parameters}
        targets = attrs.get("targets") or {}
        row |= {f"model_{n}": (math.nan if targets.get(n) is None else targets[n])
                for n in cal.targets}
        row["error"] = attrs.get("error", "")
        rows.append(row)
    trials = pd.DataFrame(rows)
    result = CalibrationResult(cal, root, trials, pd.DataFrame(), pd.DataFrame())
    result.check, result.check_weeks = _check(cal, RunStore(root), result.best())
    result.importance_table = _importance(frozen, cal)
    return result


def _check(cal: Calibration, store: RunStore, best: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The check runs of the best set: one row per run, and their weekly rows."""
    if not best or not cal.spec.check_replications:
        return pd.DataFrame(), pd.DataFrame()
    rows, weeks = [], []
    for task in cal.tasks(CHECK, best):
        if store.status(task.run_id) != "done":
            continue
        frame = read_run(store, task.run_id)
        values = target_values(frame, cal.targets)
        rows.append({"replication": task.replication, "seed": task.seed, **values,
                     "loss": loss([values], cal.targets)})
        keep = ["date", "step", *cal.columns]
        weeks.append(frame[keep].assign(replication=task.replication))
    if not rows:
        return pd.DataFrame(), pd.DataFrame()
    return pd.DataFrame(rows), pd.concat(weeks, ignore_index=True)


def _importance(frozen: list, cal: Calibration) -> pd.DataFrame:
    import optuna
    from optuna.importance import PedAnovaImportanceEvaluator

    names = [p.name for p in cal.parameters]
    complete = [t for t in frozen if t.state.name == "COMPLETE"]
    if len(names) < 2 or len(complete) < 10:
        return pd.DataFrame({"parameter": names, "importance": math.nan,
                             "note": "needs two parameters and ten completed evaluations"})
    view = optuna.create_study(direction="minimize")  # the evaluations within the budget
    view.add_trials(complete)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental in some Optuna versions
            scores = optuna.importance.get_param_importances(
                view, evaluator=PedAnovaImportanceEvaluator(), normalize=True)
    except (ValueError, RuntimeError) as exc:
        return pd.DataFrame({"parameter": names, "importance": math.nan,
                             "note": " ".join(str(exc).split())})
    return pd.DataFrame({"parameter": list(scores), "importance": list(scores.values()),
                         "note": "PED-ANOVA (Optuna)"})

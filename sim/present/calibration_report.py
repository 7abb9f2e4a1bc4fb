"""A calibration folder's outputs: tables, the best set as a scenario file, figures, the page
and the manifest.

:func:`calibration_figures` draws every figure of a :class:`~sim.runs.calibration_results.
CalibrationResult`: one per target (the model's band at the best set against the observed
value), the loss history, each parameter against the loss (which values the targets allow) and
the parameters' importance. :func:`write_calibration` writes ``best.yaml`` (a scenario that
``extends`` the base, runnable as is), ``trials.csv``, ``top.csv``, ``targets.csv``,
``identifiability.csv``, ``importance.csv``, ``check.csv``, ``figures/*.png``,
``calibration.html`` (:mod:`sim.present.calibration_html`) and, last, ``manifest.json``. Every
file is written atomically. Called by the command line (``binnenstad calibrate``) and the
Python API.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import __version__
from sim.files import atomic_write_text
from sim.present import calibration_html
from sim.present.plots import metric_label, png_bytes, save_bytes
from sim.runs.calibration_results import CalibrationResult
from sim.runs.calibration_targets import metric_series

__all__ = ["OUTPUT_FILES", "calibration_figures", "write_calibration"]

#: Files of a calibration's outputs (besides figures/), manifest last.
OUTPUT_FILES = ("best.yaml", "trials.csv", "top.csv", "targets.csv", "identifiability.csv",
                "importance.csv", "check.csv", "calibration.html", "manifest.json")
_OBSERVED, _MODEL, _GREY = "#b42318", "#4a6fa5", "#999999"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


# ---------------------------------------------------------------------------- figures
def calibration_figures(result: CalibrationResult) -> dict[str, Figure]:
    """Every figure of the calibration: file stem -> matplotlib Figure.

    ``target_<name>`` for each target, ``loss_history``, ``parameters`` and, where there are
    enough evaluations, ``importance``.
    """
    figures: dict[str, Figure] = {}
    targets = result.targets().set_index("target")
    for name in result.calibration.targets:
        figures[f"target_{_slug(name)}"] = target_figure(result, name, targets.loc[name])
    figures["loss_history"] = loss_history_figure(result.history())
    if len(result.complete):
        figures["parameters"] = parameters_figure(result)
    importance = result.importance()
    if len(importance) and importance["importance"].notna().any():
        figures["importance"] = importance_figure(importance)
    return figures


def target_figure(result: CalibrationResult, name: str, row: pd.Series) -> Figure:
    """Left: the target's metric week by week at the best set (median and 5-95% of the check
    runs) with the target's period shaded. Right: the target's value in each check run and
    their 5-95% band against the observed value and its tolerance."""
    target = result.calibration.targets[name]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6),
                                      gridspec_kw={"width_ratios": [2.2, 1]})
    weeks = result.check_weeks
    if len(weeks):
        ordered = weeks.sort_values(["replication", "step"], kind="stable")
        series = ordered.assign(value=np.concatenate([
            metric_series(part, target.metric)
            for _, part in ordered.groupby("replication", sort=True)]))
        by_week = series.groupby("date")["value"]
        dates = pd.to_datetime(by_week.median().index)
        left.fill_between(dates, by_week.quantile(0.05), by_week.quantile(0.95),
                          color=_MODEL, alpha=0.25, lw=0, label="best set, 5-95% of runs")
        left.plot(dates, by_week.median(), color=_MODEL, lw=1.2, label="median")
    for period, label in ((target.period, "period"), (target.relative_to, "relative to")):
        if period is not None:
            left.axvspan(pd.Timestamp(period.first), pd.Timestamp(period.last),
                         color=_OBSERVED if label == "period" else _GREY, alpha=0.1,
                         label=label)
    left.set_ylabel(metric_label(target.metric), fontsize=8)
    left.set_title(f"{target.metric} week by week", fontsize=9)
    left.legend(fontsize=7, loc="best")
    left.tick_params(labelsize=7)

    runs = (result.check[name].to_numpy(float) if len(result.check)
            else np.array([], dtype=float))
    right.axhspan(target.value - target.accepted_error, target.value + target.accepted_error,
                  color=_OBSERVED, alpha=0.12, label="observed, within tolerance")
    right.axhline(target.value, color=_OBSERVED, lw=1.5, label="observed")
    if runs.size:  # the runs on the left, their mean and band beside them, legend right
        jitter = np.linspace(-0.45, -0.15, runs.size) if runs.size > 1 else np.full(1, -0.3)
        right.scatter(jitter, runs, s=14, color=_MODEL, zorder=3, label="check runs")
        right.errorbar([0.05], [np.mean(runs)],
                       yerr=[[np.mean(runs) - row["check_p05"]],
                             [row["check_p95"] - np.mean(runs)]],
                       fmt="o", color=_MODEL, capsize=4, label="mean, 5-95%")
    elif math.isfinite(row["search_mean"]):
        right.scatter([-0.3], [row["search_mean"]], color=_MODEL, label="search mean")
    right.set_xlim(-0.6, 1.5)
    right.set_xticks([])
    right.tick_params(labelsize=7)
    role = "held back" if target.validate_only else "fitted"
    right.set_title(f"{target.statistic} ({role})", fontsize=9)
    right.legend(fontsize=6, loc="center right")
    fig.suptitle(f"{name}: {target.statistic} of {target.metric}, {target.period.text}"
                 + (f" vs {target.relative_to.text}" if target.relative_to else ""), fontsize=10)
    fig.tight_layout()
    return fig


def loss_history_figure(history: pd.DataFrame) -> Figure:
    """The loss of every evaluation in order (log scale) and the best so far; batches
    alternate in shade, failed evaluations are crosses on the top edge."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ok = history[history["state"] == "complete"]
    losses = ok["loss"].astype(float)
    positive = losses[losses > 0]
    floor = float(positive.min()) / 2 if len(positive) else 1e-6
    ax.scatter(ok["evaluation"], losses.clip(lower=floor), s=12, color=_MODEL,
               label="evaluation")
    ax.step(history["evaluation"], history["best_so_far"].clip(lower=floor), where="post",
            color=_OBSERVED, label="best so far")
    failed = history[history["state"] != "complete"]
    if len(failed):
        top = float(losses.max()) if len(losses) else 1.0
        ax.scatter(failed["evaluation"], [top] * len(failed), marker="x", color="black",
                   label="failed")
    for batch, part in history.groupby("batch"):
        if int(batch) % 2:
            ax.axvspan(part["evaluation"].min() - 0.5, part["evaluation"].max() + 0.5,
                       color=_GREY, alpha=0.1, lw=0)
    if len(positive):
        ax.set_yscale("log")
    ax.set_xlabel("evaluation (shaded: every other batch)")
    ax.set_ylabel("loss")
    ax.set_title("Loss history", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def parameters_figure(result: CalibrationResult) -> Figure:
    """Each parameter against the loss: every evaluated set (grey), the sets the spread is
    read from (blue) and the best set (red star)."""
    params = result.calibration.parameters
    cols = 2 if len(params) > 1 else 1
    rows = math.ceil(len(params) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    done = result.complete
    table = result.identifiability().set_index("parameter")
    basis = done.head(int(table["sets"].iloc[0])) if not str(
        table["basis"].iloc[0]).startswith("within") else done[done["accepted"].astype(bool)]
    best = result.best()
    for ax, p in zip(axes.flat, params, strict=False):
        categorical = p.range.values is not None
        x_all = done[p.name].astype(str) if categorical else done[p.name].astype(float)
        ax.scatter(x_all, done["loss"].astype(float), s=8, color=_GREY, label="evaluated")
        x_basis = basis[p.name].astype(str) if categorical else basis[p.name].astype(float)
        ax.scatter(x_basis, basis["loss"].astype(float), s=12, color=_MODEL,
                   label="spread read from")
        ax.scatter([str(best[p.name]) if categorical else best[p.name]], [result.best_loss],
                   marker="*", s=120, color=_OBSERVED, zorder=4, label="best")
        if (done["loss"].astype(float) > 0).all():
            ax.set_yscale("log")
        if p.range.log:
            ax.set_xscale("log")
        ax.set_xlabel(p.name, fontsize=8)
        ax.set_ylabel("loss", fontsize=8)
        ax.tick_params(labelsize=7)
    axes.flat[0].legend(fontsize=6)
    for ax in list(axes.flat)[len(params):]:
        ax.set_visible(False)
    fig.suptitle("Parameters against the loss", fontsize=10)
    fig.tight_layout()
    return fig


def importance_figure(importance: pd.DataFrame) -> Figure:
    """Each parameter's share of the loss's variation (PED-ANOVA), largest on top."""
    table = importance.dropna(subset=["importance"]).sort_values("importance")
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(table) + 1.5))
    ax.barh(table["parameter"], table["importance"], color=_MODEL)
    ax.set_xlabel("importance (share, sums to 1)")
    ax.set_title("Parameter importance for the loss", fontsize=10)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ files
def _csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))


def write_calibration(result: CalibrationResult, out_dir: str | Path, *,
                      started: dt.datetime | None = None, workers: int | None = None) -> Path:
    """Write the calibration's outputs to ``out_dir`` (its folder), ``manifest.json`` last;
    return the path of ``calibration.html``.

    Args:
        result: The collected results.
        out_dir: The calibration folder.
        started: When the calibration started (for the manifest).
        workers: How many workers ran it (for the manifest; results do not depend on it).
    """
    out = Path(out_dir)
    (out / "manifest.json").unlink(missing_ok=True)  # incomplete until written again
    written = []
    if result.best_evaluation is not None:
        atomic_write_text(out / "best.yaml", result.best_scenario())
        written.append("best.yaml")
    tables = {"trials.csv": result.trials, "top.csv": result.top(),
              "targets.csv": result.targets(), "identifiability.csv": result.identifiability(),
              "importance.csv": result.importance(), "check.csv": result.check}
    for name, frame in tables.items():
        _csv(frame, out / name)
        written.append(name)
    figures: dict[str, bytes] = {}
    for stem, fig in calibration_figures(result).items():
        figures[stem] = png_bytes(fig)
        save_bytes(figures[stem], out / "figures" / f"{stem}.png")
        written.append(f"figures/{stem}.png")
    atomic_write_text(out / "calibration.html", calibration_html.render(result, figures))
    written.append("calibration.html")
    cal = result.calibration
    manifest = {
        "kind": "calibration",
        "package": "binnenstad",
        "version": __version__,
        "calibration": cal.name,
        "file": str(cal.path),
        "spec": cal.spec.model_dump(mode="json"),
        "scenario_file": str(cal.scenario_file),
        "scenario": cal.base,
        "targets": {n: t.model_dump(mode="json") for n, t in cal.targets.items()},
        "target_files": cal.target_files,
        "evaluations": {"complete": int((result.trials["state"] == "complete").sum())
                        if len(result.trials) else 0,
                        "failed": int((result.trials["state"] == "fail").sum())
                        if len(result.trials) else 0},
        "best": {"evaluation": result.best_evaluation,
                 "loss": None if math.isnan(result.best_loss) else result.best_loss,
                 "parameters": result.best()},
        "check_seeds": cal.seeds(check=True),
        "search_seeds": cal.seeds() if cal.spec.seeds == "common" else "per set",
        "workers": workers,
        "started": (started or dt.datetime.now(dt.UTC)).isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat(),
        "outputs": written,
        "complete": True,
    }
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    return out / "calibration.html"

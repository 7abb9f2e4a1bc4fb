"""``calibration.html``: a calibration's result on one self-contained page.

The page holds what was fitted to what (the calibration's description, its base scenario, its
search), the best set with how well the targets pin down each parameter, the fitted and the
held-back targets in separate tables (observed against the model's check runs at the best
set), every figure (PNG, base64-embedded), the loss's definition and the command that
reproduces it. It loads nothing from the network. Everything a user typed (names, descriptions,
sources, file names, parameter paths) is escaped. Called by
:mod:`sim.present.calibration_report`.
"""

from __future__ import annotations

import base64
import html
import math
import platform
import shlex
from collections.abc import Mapping

import pandas as pd

from sim import __version__
from sim.runs.calibration_results import CalibrationResult

__all__ = ["render"]

_CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:2em}
.question{font-size:1.05em;background:#f4f6fa;border-left:4px solid #4a6fa5;padding:.6em 1em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;vertical-align:top}
th{background:#f0f0f0}td.l,th.l{text-align:left}
.ok{color:#1a7f37}.off{color:#b42318}
.small{font-size:.85em;color:#555}figure{margin:1em 0}img{max-width:100%}
code{background:#f4f4f4;padding:0 .2em}pre{background:#f4f4f4;padding:.6em;overflow-x:auto}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(value: object) -> str:
    """A number short enough for a table: 4 significant digits; empty for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    return str(value)


def _table(frame: pd.DataFrame, columns: Mapping[str, str], left: tuple[str, ...] = ()) -> str:
    """An HTML table of ``columns`` (column -> heading); text columns ``left`` aligned left."""
    head = "".join(f"<th class='{'l' if c in left else ''}'>{_esc(h)}</th>"
                   for c, h in columns.items())
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for c in columns:
            value = row.get(c)
            css = "l" if c in left else ""
            if c == "within":
                css = "ok" if value else "off"
            cells.append(f"<td class='{css}'>{_esc(_num(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _targets_section(result: CalibrationResult) -> str:
    table = result.targets()
    table = table.assign(scale=[f"± {_num(t)}" if t == t and t is not None else
                                f"se {_num(s)}" for t, s in
                                zip(table["tolerance"], table["standard_error"], strict=True)],
                         when=[p + (f" vs {r}" if r else "") for p, r in
                               zip(table["period"], table["relative_to"], strict=True)])
    columns = {"target": "target", "statistic": "statistic", "metric": "metric",
               "when": "period", "observed": "observed", "scale": "tolerance",
               "check_mean": "model (check mean)", "check_p05": "5%", "check_p95": "95%",
               "z": "error / tolerance", "within": "within", "source": "source"}
    left = ("target", "statistic", "metric", "when", "source", "scale")
    fitted = table[table["role"] == "fitted"]
    held = table[table["role"] != "fitted"]
    parts = ["<h3>Fitted targets</h3>", _table(fitted, columns, left)]
    parts.append("<h3>Held-back targets (validate_only: reported, not fitted)</h3>")
    parts.append(_table(held, columns, left) if len(held) else "<p>none</p>")
    return "\n".join(parts)


def _parameters_section(result: CalibrationResult) -> str:
    table = result.identifiability()
    columns = {"parameter": "parameter", "best": "best", "p05": "5%", "median": "median",
               "p95": "95%", "range_min": "searched from", "range_max": "to",
               "spread": "spread (share of range)"}
    if "values" in table.columns:
        columns["values"] = "values among the sets"
    basis = table["basis"].iloc[0] if len(table) else ""
    return (f"<p>The spread of each parameter among the sets the targets allow (basis: "
            f"{_esc(basis)}). A spread near 0 means the targets pin the parameter down; near 1 "
            "they hardly constrain it. The sets come from the search, which samples densely "
            "where the loss is low, so read this as a rejection-style summary, not a "
            "posterior.</p>" + _table(table, columns, ("parameter", "values")))


def _figures_section(figures: Mapping[str, bytes]) -> str:
    parts = []
    for stem, png in figures.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<figure id='{_esc(stem)}'><img alt='{_esc(stem)}' "
                     f"src='data:image/png;base64,{data}'>"
                     f"<figcaption class='small'>figures/{_esc(stem)}.png</figcaption>"
                     "</figure>")
    return "\n".join(parts)


def _loss_text(kind: str) -> str:
    if kind == "per_run":
        return ("<p>loss = (1/R) &Sigma;<sub>r</sub> &Sigma;<sub>t</sub> ((m<sub>rt</sub> "
                "&minus; y<sub>t</sub>) / s<sub>t</sub>)<sup>2</sup>: the mean over the R "
                "replications of an evaluation of the sum over the fitted targets t of the "
                "squared error of the model's value m against the observed value y, in units "
                "of the target's tolerance or standard error s (<code>loss: per_run</code>, "
                "docs/calibration.md).</p>")
    return ("<p>loss = &Sigma;<sub>t</sub> ((m&#772;<sub>t</sub> &minus; y<sub>t</sub>) / "
            "s<sub>t</sub>)<sup>2</sup>: the sum over the fitted targets t of the squared "
            "error of the model's value m&#772; (the mean over the replications of an "
            "evaluation) against the observed value y, in units of the target's tolerance or "
            "standard error s (docs/calibration.md). A set whose mean lies one tolerance off "
            "every target scores the number of targets.</p>")


def render(result: CalibrationResult, figures: Mapping[str, bytes]) -> str:
    """The page as one HTML document (figures as base64 PNG; nothing loaded from outside).

    Args:
        result: The collected results.
        figures: File stem -> PNG bytes.
    """
    cal = result.calibration
    spec = cal.spec
    trials = result.trials
    complete = int((trials["state"] == "complete").sum()) if len(trials) else 0
    failed = len(trials) - complete
    accepted = int(trials["accepted"].astype(bool).sum()) if len(trials) else 0
    check_loss = result.check_loss
    top = result.top()
    top_cols = {"evaluation": "evaluation", "loss": "loss",
                **{p.name: p.name for p in cal.parameters}}
    command = " ".join(["binnenstad calibrate", shlex.quote(str(cal.path)),
                        "--out", shlex.quote(str(result.root))])
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>binnenstad calibration: {_esc(cal.name)}</title>
<style>{_CSS}</style></head><body>
<h1>Calibration {_esc(cal.name)}</h1>
<p class="small">binnenstad {__version__}: agent-based model of a Dutch city centre.</p>
<p class="question">{_esc(spec.description or 'No description.')}</p>
<p>Base scenario <code>{_esc(cal.scenario_file)}</code>; {len(cal.parameters)} parameters
fitted to {len(cal.fitted)} targets ({len(cal.targets) - len(cal.fitted)} held back).
{len(trials)} evaluations of {spec.budget} ({complete} complete, {failed} failed), in batches of
{spec.batch}, each {spec.replications} run{'s' if spec.replications != 1 else ''} of the model
({spec.seeds} seeds); {accepted} set{'s' if accepted != 1 else ''} met every fitted target within
its tolerance. Seed
{spec.seed}.</p>

<h2>The best set</h2>
<p>Evaluation {_esc(result.best_evaluation)}, loss {_esc(_num(result.best_loss))} in the search;
{_esc(_num(check_loss))} in its {len(result.check)} check runs (new seeds). It is
written as <code>best.yaml</code>, a scenario that extends the base and runs as is.</p>
{_parameters_section(result)}

<h2>Targets at the best set</h2>
<p>The model's value is the mean of the check runs of the best set, with their 5-95% range.
Within: the mean lies within the tolerance (or two standard errors) of the observed value.</p>
{_targets_section(result)}

<h2>The loss</h2>
{_loss_text(spec.loss)}

<h2>The {len(top)} best sets</h2>
{_table(top, top_cols)}

<h2>Figures</h2>
{_figures_section(figures)}

<h2>Reproduce</h2>
<p>binnenstad {__version__}, Python {_esc(platform.python_version())}. The evaluated sets depend
only on the calibration file (seed, budget, batch), not on the number of workers. The tables
are in <code>trials.csv</code>, <code>targets.csv</code>, <code>identifiability.csv</code>,
<code>top.csv</code>, <code>importance.csv</code> and <code>check.csv</code> next to this
file; the study in <code>study.db</code> (Optuna, SQLite).</p>
<pre>{_esc(command)}</pre>
</body></html>
"""
    return page

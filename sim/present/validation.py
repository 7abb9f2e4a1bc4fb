"""``docs/validation.md``: the model's answers held against the Dutch record, in words, tables
and figures.

:func:`write_validation` writes what ``binnenstad validation`` leaves in its output folder
(``docs/`` by default) from a :class:`sim.runs.validation.Validation`:
``figures/validation_<target>.png`` (one per target) and ``figures/validation_instruments.png``
(:mod:`sim.present.validation_figures`), the tables as CSV in ``validation/`` (``results_*.csv``),
``validation.md`` and, last, ``validation/manifest.json``. Every file is written atomically;
the old manifest is removed first, so a half-written set never looks complete.
:func:`markdown` composes the page. Called by the command line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.files import atomic_write_text
from sim.present import plots
from sim.present.validation_figures import (
    instruments_figure,
    interval_text,
    number,
    range_text,
    target_figure,
    target_text,
    verdict,
)
from sim.runs.validation import BASELINE, Validation
from sim.runs.validation_metrics import summarise
from sim.runs.validation_spec import PAIRED_KINDS, Target

__all__ = ["FIGURE_PREFIX", "figures", "markdown", "write_validation"]

FIGURE_PREFIX = "validation_"
SECTIONS = ("Targets: the corona years and the baseline", "Instruments and shocks",
            "The recovery agenda: where its effect comes from", "Where evidence is missing",
            "What does not match", "How to rerun")


# ------------------------------------------------------------------------------ figures
def _target_bands(v: Validation, target: Target) -> tuple[dict, pd.DataFrame | None]:
    """What :func:`target_figure` draws for a target: the scenarios' bands and the paired
    band."""
    m = target.metric
    kind = m.kind
    if kind in ("population", "busiest_count", "survival"):
        return {}, None
    keys = [BASELINE, *dict.fromkeys(t.scenario for t in v.targets if t.scenario != BASELINE)]
    if kind == "yearly_change":
        return v.yearly_bands(m.column, keys, "index"), None
    if kind == "rate_per_year":
        return v.yearly_bands(m.column, keys, "rate", per=m.per), None
    if kind == "ratio_of_sums":
        return v.yearly_bands(m.column, keys, "sum"), None
    bands = v.weekly_bands(m.column, keys)
    paired = None
    if kind in PAIRED_KINDS:
        how = "difference" if kind == "difference" else "ratio"
        paired = v.weekly_bands(m.column, [target.scenario], how)[target.scenario]
    return bands, paired


def figures(v: Validation, table: pd.DataFrame, effects: pd.DataFrame, checks: pd.DataFrame
            ) -> dict[str, bytes]:
    """Every figure as PNG bytes: file stem -> bytes."""
    out = {}
    span = v.comparison.span()
    for target, (_, row) in zip(v.targets, table.iterrows(), strict=True):
        bands, paired = _target_bands(v, target)
        fig = target_figure(target, row, bands, paired, v.target_values(target),
                            v.replications, span)
        out[f"{FIGURE_PREFIX}{target.name}"] = plots.png_bytes(fig)
    out[f"{FIGURE_PREFIX}instruments"] = plots.png_bytes(
        instruments_figure(effects, checks, v.replications))
    return out


# ------------------------------------------------------------------------------- words
def _cell(text: object) -> str:
    """Text from a user's file as one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _interval(row: Mapping, scale: float, *, sign: bool = False, unit: str = "") -> str:
    if not np.isfinite(row["median"]):
        return "not measured"
    return (f"{number(row['median'], scale, sign=sign)}{unit} "
            f"({number(row['low'], scale, sign=sign)} to {number(row['high'], scale, sign=sign)})")


def _verdict(row: Mapping) -> str:
    word = verdict(row)
    return "pass" if word == "PASS" else f"**{word}**"


def _targets_section(v: Validation, table: pd.DataFrame) -> list[str]:
    passed = int(table["passed"].sum())
    lines = [
        f"## {SECTIONS[0]}", "",
        f"**{passed} of {len(table)} targets pass.** A target passes when the model's median "
        "over the replications lies in its range; the interval is the 90% interval over the "
        "replications (for paired targets, of the paired difference or ratio: replication i of "
        "the corona years against replication i of the baseline).", "",
        "| target | fact | observed | source | range | model: median (90% interval) | |",
        "|---|---|---|---|---|---|---|",
    ]
    for target, (_, row) in zip(v.targets, table.iterrows(), strict=True):
        unit = f" ({_cell(target.unit)})" if target.unit else ""
        lines.append(
            f"| `{target.name}` | {_cell(target.fact)} | {_cell(target.observed)} | "
            f"{_cell(target.source)} | {range_text(target)}{unit} | "
            f"{interval_text(target, row)} | {_verdict(row)} |")
    lines += ["", "How each is measured (the metric kinds of `docs/validation/targets.yaml`):", ""]
    for target in v.targets:
        lines.append(f"- `{target.name}` ({target.scenario}): {_how(target)}. "
                     f"![{_cell(target.fact)}](figures/{FIGURE_PREFIX}{target.name}.png)")
    return lines


def _how(target: Target) -> str:
    m = target.metric
    period = getattr(m, "period", None)
    weeks = (f"the weeks from {period[0]} to {period[1]}" if period is not None
             else "the reported horizon")
    return {
        "mean": f"mean of `{getattr(m, 'column', '')}` over {weeks}",
        "yearly_change": f"slope of the log yearly mean of `{getattr(m, 'column', '')}` over "
                         f"the full years of {weeks}, as a change a year",
        "rate_per_year": f"`{getattr(m, 'column', '')}` a year over the mean "
                         f"`{getattr(m, 'per', '')}`, averaged over the full years of {weeks}",
        "difference": f"the scenario's mean `{getattr(m, 'column', '')}` minus the "
                      f"baseline's over {weeks}, paired",
        "ratio": f"the scenario's mean `{getattr(m, 'column', '')}` over the baseline's over "
                 f"{weeks}, paired",
        "ratio_of_sums": f"the scenario's total `{getattr(m, 'column', '')}` over the "
                         f"baseline's over {weeks}, paired",
        "population": f"people of the `{getattr(m, 'group', '')}` group in the town (a model "
                      "input from its size)",
        "busiest_count": f"the largest mean weekly count over the counting points over {weeks}",
        "survival": f"share of the new independent businesses (openings `new_tenant` in the "
                    f"reported weeks) still open {getattr(m, 'years', '')} years after they "
                    "opened: each year of age its closures over the years lived at that age, "
                    "the hazards summed",
    }[m.kind]


_EFFECT_COLUMNS = (("vacancy_rate", 100.0, " pt"), ("vacancy_rate_core", 100.0, " pt"),
                   ("footfall", 100.0, "%"), ("footfall_core", 100.0, "%"),
                   ("visitors", 100.0, "%"), ("converted_m2", 1.0, ""))


def _instruments_section(v: Validation, effects: pd.DataFrame, checks: pd.DataFrame
                         ) -> list[str]:
    quantified = checks[checks["quantified"]]
    inside = int(quantified["inside"].astype(bool).sum())
    lines = [
        f"## {SECTIONS[1]}", "",
        f"Every instrument and shock scenario of `scenarios/` against the baseline (the shocks "
        f"last): the paired effect at "
        f"the horizon (the mean of the last reported year), median and 90% interval of "
        f"{v.replications} paired replications. Vacancy in points (percentage points of the "
        "share of premises), footfall (passers-by at the counting points), footfall at the "
        "doors of the core's premises and visitors in % of the baseline; floor area converted "
        "to homes over the horizon in m2; the cost a year is the municipality's own and the "
        "co-funded spending from the start of the first intervention to the horizon, a year. "
        f"**{inside} of {len(quantified)} instruments and shocks with quantified evidence lie "
        f"inside their evidence range;** {len(checks) - len(quantified)} have no quantified "
        "evidence.", "",
        "| instrument or shock | vacancy | core vacancy | footfall | footfall core | visitors | "
        "converted m2 | cost a year: municipal; co-funded (EUR) | evidence | inside? |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, check in checks.iterrows():
        key = check["scenario"]
        mine = effects[effects["scenario"] == key].set_index("effect")
        cells = [_interval(mine.loc[name], scale, sign=True, unit=unit)
                 for name, scale, unit in _EFFECT_COLUMNS]
        cost = (f"{number(mine.loc['municipal_eur_per_year', 'median'], 1.0)}; "
                f"{number(mine.loc['cofunding_eur_per_year', 'median'], 1.0)}")
        lines.append(f"| `{key}` | {' | '.join(cells)} | {cost} | {_evidence_cell(check)} | "
                     f"{_inside(check)} |")
    lines += ["", f"![Instruments and shocks against their evidence](figures/{FIGURE_PREFIX}"
                  "instruments.png)"]
    return lines


def _bound_text(check: Mapping) -> str:
    scale, unit = (100.0, " pt") if str(check["metric"]).startswith("vacancy") else (1.0, "")
    if str(check["metric"]) in ("footfall", "footfall_core", "visitors"):
        scale, unit = 100.0, "%"
    if check["bound"] == "level":
        level_unit = "%" if scale != 1.0 else ""
        return (f"{check['metric']} at the horizon at least "
                f"{number(check['range_low'], scale)}{level_unit}; model "
                f"{_interval(check, scale, unit=level_unit)}")
    return (f"effect on {check['metric']} {number(check['range_low'], scale, sign=True)} to "
            f"{number(check['range_high'], scale, sign=True)}{unit}; model "
            f"{_interval(check, scale, sign=True, unit=unit)}")


def _evidence_cell(check: Mapping) -> str:
    if not check["quantified"]:
        return f"no quantified evidence; assumption: {_cell(check['assumption'])}"
    return (f"{_bound_text(check)}. {_cell(check['evidence'])} "
            f"({_cell(check['source'])})")


def _inside(check: Mapping) -> str:
    if check["inside"] is None:
        return "-"
    return "yes" if check["inside"] else "**NO**"


def _agenda_section(v: Validation) -> list[str]:
    key = "agenda"
    lines = [f"## {SECTIONS[2]}", ""]
    if key not in v.keys:
        return [*lines, "No `agenda` scenario among the instruments.", ""]
    d = v.decomposition(key)
    total, conversions, letting = (d[k]["median"] for k in ("total", "conversions", "letting"))

    def pts(part: str) -> str:
        return _interval(d[part], 100.0, sign=True, unit=" points")

    lines.append(
        f"The recovery agenda changes vacancy at the horizon by {pts('total')} against the "
        "baseline. To see where that comes from, the horizon vacancy of the agenda and of the "
        "baseline is recomputed with every unit converted to homes counted back into the stock "
        "as a vacant unit: the difference that remains is what letting did (new tenants, fewer "
        "closures, meanwhile users); the rest is what conversions did by taking units out of "
        f"the stock. Conversions: {pts('conversions')}. Letting: {pts('letting')}.")
    if total < 0 and d["letting"]["low"] <= 0 <= d["letting"]["high"]:
        lines[-1] += (" So the agenda's fall in vacancy comes from conversions: letting adds "
                      "no measurable part (its 90% interval includes zero).")
    elif total < 0 and letting >= 0:
        lines[-1] += (
            " So the agenda's fall in vacancy comes from conversions alone: with its converted "
            f"units counted back, its vacancy would be {letting * 100:.1f} points above the "
            "baseline's, because fewer units are let than without it.")
    elif total < 0:
        lines[-1] += (f" About {conversions / total * 100:.0f}% of the fall comes from "
                      f"conversions and {letting / total * 100:.0f}% from letting.")
    lines[-1] += (f" The agenda converts {_interval(d['units'], 1.0, sign=True)} more units "
                  f"than the baseline, {_interval(d['m2'], 1.0, sign=True, unit=' m2')} of "
                  "floor area.")
    effects = {k: summarise(x) for k, x in v.effects(key).items()}
    lines[-1] += (f" Footfall at the counting points changes by "
                  f"{_interval(effects['footfall'], 100.0, sign=True, unit='%')}, footfall at "
                  f"the doors of the core's premises by "
                  f"{_interval(effects['footfall_core'], 100.0, sign=True, unit='%')}.")
    return [*lines, ""]


def _missing_section(v: Validation, checks: pd.DataFrame) -> list[str]:
    lines = [f"## {SECTIONS[3]}", "",
             "No quantified Dutch evaluation was found for these instruments and shocks; the "
             "model's "
             "effect rests on the assumption named, and its size should be read as "
             "illustrative:", ""]
    for _, check in checks[~checks["quantified"]].iterrows():
        lines.append(f"- `{check['scenario']}`: {_cell(check['assumption'])}")
    lines += ["", "The targets themselves are mostly national figures (Locatus, CBS) or one "
              "city's (Deventer, Zwolle): where the model's centre differs in level from the "
              "national average, the corona targets are relative to the baseline (paired "
              "differences and ratios), not levels.", ""]
    return lines


def _mismatch_section(v: Validation, table: pd.DataFrame, checks: pd.DataFrame) -> list[str]:
    lines = [f"## {SECTIONS[4]}", ""]
    found = False
    for target, (_, row) in zip(v.targets, table.iterrows(), strict=True):
        if not row["passed"]:
            found = True
            what = ("cannot be measured in this run (its period lies outside the horizon)"
                    if not row["measured"] else
                    f"is {interval_text(target, row)}, outside {range_text(target)}")
            note = f" {_cell(target.note)}" if target.note else ""
            lines.append(f"- Target `{target.name}` ({_cell(target.fact)}): the model "
                         f"{what}.{note}{_context(v, target) if row['measured'] else ''}")
        elif np.isfinite(row["low"]) and not (target.range[0] <= row["low"]
                                              and row["high"] <= target.range[1]):
            found = True
            lines.append(f"- Target `{target.name}` passes on its median "
                         f"({target_text(target, row['median'])}), but its 90% interval, "
                         f"{target_text(target, row['low'])} to "
                         f"{target_text(target, row['high'])}, reaches beyond "
                         f"{range_text(target)}: some replications miss it.")
    for _, check in checks[checks["quantified"]].iterrows():
        if not check["inside"]:
            found = True
            lines.append(f"- `{check['scenario']}`: {_bound_text(check)}, outside its "
                         "evidence.")
    if not found:
        lines.append("Nothing: every target's median lies in its range with its whole 90% "
                     "interval, and every instrument and shock with quantified evidence lies "
                     "inside it.")
    return [*lines, ""]


def _context(v: Validation, target: Target) -> str:
    """For a paired target, what else happens up to its weeks (to read the mismatch by)."""
    column = getattr(target.metric, "column", "")
    if target.metric.kind not in PAIRED_KINDS or not column.startswith(("vacan", "closures")):
        return ""  # closures and openings explain vacancy and closures, not footfall
    c = v.context(target)
    years = "; ".join(f"{year} {e['closures']:+.1f} and {e['openings']:+.1f}"
                      for year, e in c["extra"].items())
    return (f" Extra closures and openings of the {target.scenario} runs against the baseline "
            f"(paired medians), by year from its first shock or instrument to the end of the "
            f"period: {years}. In the period its footfall is "
            f"{c['footfall_ratio'] * 100:.0f}% and its turnover "
            f"{c['turnover_ratio'] * 100:.0f}% of the baseline's.")


def _rerun_section(v: Validation, meta: Mapping) -> list[str]:
    overrides = " ".join(f"--set {o}" for o in v.overrides)
    return [
        f"## {SECTIONS[5]}", "",
        "```",
        "binnenstad validation                      # this page, 20 replications, all cores",
        "binnenstad validation --workers 2 --replications 50",
        "binnenstad validation --scheduler tcp://host:8786   # on a Dask cluster",
        "binnenstad validation --out results/validation      # a run of your own elsewhere",
        "binnenstad validation --quick --out /tmp/v  # a reduced run (kleinstad, 2 replications)",
        "```", "",
        f"This page: {v.replications} paired replications of {len(v.comparison.scenarios)} "
        f"scenarios, master seed {v.comparison.master_seed} (the baseline's; replication i of "
        f"every scenario has the seed `binnenstad compare` gives it), binnenstad "
        f"{__version__}, {_duration(meta.get('seconds', 0.0))} on {meta.get('where', '?')}"
        + (f", with `{overrides}`" if overrides else "")
        + (" (**a reduced run**: not the record)" if v.quick else "") + ". "
        "The tables are in `validation/results_*.csv` beside this page.", "",
    ]


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    return f"{seconds / 60:.0f} minutes"

def _town(town) -> str:
    """The town in words: its own name, its preset, an own map, or middelstad (the default)."""
    if town.name:
        return town.name
    if town.preset:
        return f"the `{town.preset}` town"
    return "an own town" if (town.map or town.map_file or town.dir) else "the `middelstad` town"


def markdown(v: Validation, table: pd.DataFrame, effects: pd.DataFrame, checks: pd.DataFrame,
             meta: Mapping) -> str:
    """The text of ``validation.md``."""
    base = v.scenario(BASELINE)
    first, last = v.comparison.span()
    others = [t.scenario for t in v.targets if t.scenario != BASELINE]
    intro = [
        "# Validation: the model against the Dutch record", "",
        "<!-- written by `binnenstad validation` (sim/present/validation.py); do not edit: "
        "rerun it -->", "",
        f"The model's answers are held against what happened in Dutch centres. "
        f"`docs/validation/targets.yaml` lists each observed fact (vacancy, closures, the "
        f"survival of new businesses, footfall in and between the lockdowns, the online share, "
        f"the centre's residents, the busiest counting point) with its source and the range "
        f"the model must land in; "
        f"`sim/runs/instruments.yaml` lists what is known of each instrument's effect and "
        f"`sim/runs/shocks.yaml` of each shock's aftermath. "
        f"The baseline (`{base.name}`: {_town(base.town)} from "
        f"{first.date()} to {last.date()}), the corona years "
        f"({', '.join(f'`{k}`' for k in dict.fromkeys(others))}) and every instrument and shock "
        f"scenario "
        f"run {v.replications} times each with paired seeds, so each difference against the "
        "baseline is measured replication by replication.", "",
        f"**{int(table['passed'].sum())} of {len(table)} targets pass; "
        f"{int(checks['inside'].eq(True).sum())} of {int(checks['quantified'].sum())} "
        f"instruments and shocks with quantified evidence lie inside it**; "
        f"{int((~checks['quantified']).sum())} have no quantified evidence. "
        "The sections below give every number, and say where evidence is missing and what "
        "does not match.", "",
    ]
    if v.quick:
        intro += ["**This is a reduced run (`--quick`)**: a small town and few replications; "
                  "its numbers are not the record.", ""]
    sections = [intro, _targets_section(v, table), [""], _instruments_section(v, effects, checks),
                [""], _agenda_section(v), _missing_section(v, checks),
                _mismatch_section(v, table, checks), _rerun_section(v, meta)]
    return "\n".join(line for part in sections for line in part).rstrip() + "\n"


# ------------------------------------------------------------------------------- write
def _relative(file: str | None) -> str | None:
    """A scenario file relative to the working directory when below it (the manifest is
    committed with docs/)."""
    if file is None:
        return None
    try:
        return str(Path(file).relative_to(Path.cwd()))
    except ValueError:
        return file


def write_validation(v: Validation, out_dir: Path, *, started: dt.datetime | None = None,
                     command: Sequence[str] = (), where: str = "") -> Path:
    """Write the figures, the tables, ``validation.md`` and, last, the manifest into
    ``out_dir``; return the path of ``validation.md``."""
    out_dir = Path(out_dir)
    manifest_path = out_dir / "validation" / "manifest.json"
    manifest_path.unlink(missing_ok=True)  # a half-written set must not look complete
    finished = dt.datetime.now(dt.UTC)
    seconds = (finished - started).total_seconds() if started else 0.0
    table, effects, checks = v.target_table(), v.instrument_effects(), v.instrument_table()
    written = []
    for stem, png in figures(v, table, effects, checks).items():
        plots.save_bytes(png, out_dir / "figures" / f"{stem}.png")
        written.append(f"figures/{stem}.png")
    for name, frame in (("targets", table), ("instruments", checks), ("effects", effects)):
        path = out_dir / "validation" / f"results_{name}.csv"
        atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))
        written.append(f"validation/results_{name}.csv")
    meta = {"seconds": seconds, "where": where or "this machine"}
    page = out_dir / "validation.md"
    atomic_write_text(page, markdown(v, table, effects, checks, meta))
    written.append("validation.md")
    manifest = {
        "binnenstad": __version__, "command": list(command),
        "replications": v.replications, "master_seed": v.comparison.master_seed,
        "seeds": v.comparison.seeds, "overrides": v.overrides, "quick": v.quick,
        "scenarios": {name: _relative(file) for name, file in v.comparison.files.items()},
        "started": started.isoformat() if started else None, "finished": finished.isoformat(),
        "seconds": round(seconds, 1),
        "targets_passed": int(table["passed"].sum()), "targets": len(table),
        "files": written,
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, default=str) + "\n")
    return page

"""The output folder of a comparison: its tables, figures and reports, ``manifest.json`` last.

:func:`write_comparison` writes what ``binnenstad compare`` leaves in its folder from a
:class:`~sim.runs.compare.Comparison` (the runs layer's tables and maps):
``timeseries.csv``, ``summary.csv``, ``cost_effectiveness.csv``, ``effect_sources.csv``,
``spending_per_year.csv`` and ``tables.xlsx`` (:mod:`sim.present.tables`), ``figures/``,
``report.html`` and ``summary.html`` (:mod:`sim.present.report`) and, last, ``manifest.json``.
:func:`comparison_figures` draws the figures (:mod:`sim.present.plots`) from the comparison's
tables. Called by the command line and the Python API.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim import __version__
from sim.files import atomic_write_text, folder_lock
from sim.fingerprint import code_fingerprint
from sim.present import plots, report
from sim.present.answer import headline, numbers
from sim.present.i18n import Lang, language, resolve_language
from sim.present.tables import CSV_FILES, WORKBOOK, write_tables
from sim.runs.breakdown import effect_sources, spending_per_year
from sim.runs.compare import HEADLINE_METRICS, Comparison
from sim.scenario.loading import build_town
from sim.town.townfile import map_geometry

__all__ = ["OUTPUT_FILES", "clear_outputs", "comparison_figures", "headlines", "write_comparison"]

#: Files of a comparison; removed before a new one starts, so none of them looks current.
OUTPUT_FILES = ("manifest.json", "report.html", "summary.html", "summary.csv",
                "cost_effectiveness.csv", *CSV_FILES, WORKBOOK, "timeseries.csv")


def comparison_figures(comparison: Comparison, t: Lang | None = None) -> dict[str, Figure]:
    """Every figure of the comparison: file stem -> matplotlib Figure.

    ``trajectory_<metric>`` for each headline metric; with scenarios beside the baseline also
    ``effect_<metric>``, ``spending_<scenario>`` (for scenarios that spend) and
    ``map_<scenario>``. Labels in the language of ``t`` (English if not given).
    """
    t = t or language("en")
    # the figures name the scenarios by their titles (by their names if two titles coincide)
    label = report.titles(comparison, t)
    if len(set(label.values())) < len(label):
        label = {name: name for name in comparison.names}

    def relabel(by_name: dict) -> dict:
        return {label[name]: value for name, value in by_name.items()}

    markers = relabel({s.name: comparison.markers(s) for s in comparison.scenarios})
    span = comparison.span()
    figs: dict[str, Figure] = {}
    for metric in HEADLINE_METRICS:
        figs[f"trajectory_{metric}"] = plots.comparison_trajectories(
            relabel(comparison.bands(metric)), metric, markers, span, comparison.replications, t)
    if len(comparison.scenarios) > 1:
        for metric in HEADLINE_METRICS:
            figs[f"effect_{metric}"] = plots.effect_figure(
                relabel(comparison.bands(metric, paired=True)), metric,
                [label[name] for name in comparison.names], markers, span, t,
                paired=comparison.paired)
        spending = spending_per_year(comparison)
        titles = report.instrument_titles(comparison, t)
        for name in comparison.names[1:]:
            rows = spending[spending["scenario"] == name]
            if rows["max"].any():
                figs[f"spending_{name}"] = plots.spending_figure(spending, name, titles, t)
        base = comparison.baseline.name
        rep = comparison.typical_replication()
        town = report.town_name(comparison, t)
        # the town as the runs saw it (cached on the scenario): a town folder's own cell size
        # and its real geometry to draw under the cells
        grid = build_town(comparison.baseline)
        geometry = map_geometry(grid)
        for name in comparison.names[1:]:
            pair = (base, name)
            figs[f"map_{name}"] = plots.map_comparison(
                {label[n]: comparison.footfall_maps[n][rep] for n in pair},
                {label[n]: comparison.occupancy_maps[n][rep] for n in pair},
                {label[n]: comparison.vacant_share(n) for n in pair},
                rep, comparison.replications, grid.cell_size_m, town, t, geometry)
    return figs


def headlines(comparison: Comparison, lang: str | None = None) -> list[str]:
    """The answer about each scenario in one line (:func:`sim.present.answer.headline`), in the
    report's language: what ``binnenstad compare`` prints before the report's path."""
    t = language(resolve_language(lang, comparison.baseline))
    summary = comparison.summary()
    empty = pd.DataFrame(columns=["scenario", "source"])
    title = report.titles(comparison, t)
    horizon = str(comparison.timeseries["date"].max())
    return [headline(numbers(name, comparison.baseline.name, comparison.years, horizon,
                             summary, empty, pd.DataFrame(), title, paired=comparison.paired),
                     t)
            for name in comparison.names[1:]]


def write_comparison(comparison: Comparison, out_dir: Path, *, started: dt.datetime | None = None,
                     lang: str | None = None) -> Path:
    """Write the comparison's folder (see the module's docstring), ``manifest.json`` last;
    return the report's path. Every file is written atomically, with the folder locked
    (:func:`sim.files.folder_lock`).

    Args:
        comparison: The runs.
        out_dir: The folder.
        started: When the comparison started (for the manifest).
        lang: ``nl`` or ``en``; default the baseline's ``town.language``, else Dutch.
    """
    out_dir = Path(out_dir)
    with folder_lock(out_dir, "compare"):
        return _write_comparison(comparison, out_dir, started, lang)


def _write_comparison(comparison: Comparison, out_dir: Path, started: dt.datetime | None,
                      lang: str | None) -> Path:
    t = language(resolve_language(lang, comparison.baseline))
    clear_outputs(out_dir)
    frame = comparison.timeseries
    atomic_write_text(out_dir / "timeseries.csv", frame.to_csv(index=False, lineterminator="\n"))
    summary = comparison.summary()
    atomic_write_text(out_dir / "summary.csv", summary.to_csv(index=False, lineterminator="\n"))
    costs = comparison.cost_effectiveness()
    atomic_write_text(out_dir / "cost_effectiveness.csv",
                      costs.to_csv(index=False, lineterminator="\n"))
    sources = effect_sources(comparison)
    spending = spending_per_year(comparison)
    tables = write_tables(out_dir, {"summary": summary, "effect_sources": sources,
                                    "spending_per_year": spending,
                                    "cost_effectiveness": costs}, t)
    figures: dict[str, bytes] = {}
    for stem, fig in comparison_figures(comparison, t).items():
        png = plots.png_bytes(fig)
        figures[stem] = png
        plots.save_bytes(png, out_dir / "figures" / f"{stem}.png")
    atomic_write_text(out_dir / "report.html", report.render(
        comparison, summary, costs, figures, effect_sources=sources, spending=spending, t=t))
    atomic_write_text(out_dir / "summary.html", report.render_summary(
        comparison, summary, effect_sources=sources, t=t))
    manifest = {
        "kind": "comparison",
        "package": "binnenstad",
        "version": __version__,
        "code": code_fingerprint(),
        "paired": comparison.paired,
        "language": t.code,
        "baseline": comparison.baseline.name,
        "scenarios": {s.name: s.model_dump(mode="json") for s in comparison.scenarios},
        "files": comparison.files,
        "overrides": comparison.overrides,
        "master_seed": comparison.master_seed,
        "replication_seeds": comparison.seeds,
        "replications": comparison.replications,
        "started": (started or dt.datetime.now(dt.UTC)).isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat(),
        "outputs": ["timeseries.csv", "summary.csv", "cost_effectiveness.csv", *tables,
                    "report.html", "summary.html", *(f"figures/{stem}.png" for stem in figures)],
    }
    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return out_dir / "report.html"


def clear_outputs(out_dir: Path) -> None:
    """Remove the files of an earlier comparison in ``out_dir`` (manifest first)."""
    for name in OUTPUT_FILES:
        (Path(out_dir) / name).unlink(missing_ok=True)

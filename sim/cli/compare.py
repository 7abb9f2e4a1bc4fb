"""The ``compare`` command: paired comparisons of scenarios with a baseline, and their report."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import (
    EXIT_OK,
    Formatter,
    positive_int,
    replications,
    seed,
)
from sim.limits import MAX_REPLICATIONS


def add_compare(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "compare",
        help="compare scenarios with a baseline: paired replications, effects, report",
        description="Run a baseline ('do nothing') and one or more scenarios, each N times "
        "with paired seeds: replication i of every scenario uses the same seed and random "
        "streams, so differences come from the intervention, not from chance. Writes "
        "timeseries.csv, summary.csv (median and 90% interval per scenario and metric at 1, 3, "
        "5 years and the horizon, and the paired effect against the baseline), "
        "cost_effectiveness.csv, effect_sources.csv, spending_per_year.csv, tables.xlsx, "
        "figures/, a self-contained report.html (the answer first), a one-page summary.html "
        "and, last, manifest.json. The report is in Dutch unless --lang en (or the baseline's "
        "town.language) says otherwise.",
        epilog="examples:\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml "
        "scenarios/biz.yaml -r 50 --out results/agenda\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml -r 5 "
        "--set years=2 --set population.agents=3000\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml "
        "--scheduler tcp://10.0.0.5:8786\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml --lang en\n\n"
        "--set applies to every scenario (the baseline too).\n"
        "Results are identical for any --workers or --scheduler; the progress bar counts runs.",
        formatter_class=Formatter,
    )
    parser.add_argument("baseline", metavar="BASELINE", help="the baseline scenario file")
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                        help="scenario files to compare with the baseline")
    parser.add_argument(
        "--replications", "-r", type=replications, default=30, metavar="N",
        help=f"replications per scenario, 1 to {MAX_REPLICATIONS} (default: 30)",
    )
    parser.add_argument(
        "--seed", type=seed, default=None, metavar="S",
        help="master seed of the paired replications (default: the baseline's seed)",
    )
    parser.add_argument(
        "--out", "-o", type=Path, default=None, metavar="DIR",
        help="output folder (default: results/compare/)",
    )
    parser.add_argument(
        "--workers", "-w", type=positive_int, default=None, metavar="N",
        help="worker processes (default: all cores); results do not depend on it",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786 (needs the 'cluster' extra; the "
        "workers must read the scenarios' map files at the same paths); --workers then says "
        "how many workers to keep busy (runs that share their first weeks are one task)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a value in every scenario; may be repeated",
    )
    parser.add_argument(
        "--unpaired", action="store_true",
        help="compare scenarios of different towns or populations (not paired: their effects "
        "are differences between two places, not the effect of an intervention)",
    )
    parser.add_argument(
        "--lang", choices=("nl", "en"), default=None,
        help="language of the report, summary and figures: nl (Dutch) or en (English) "
        "(default: the baseline's town.language, else nl)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def cmd_compare(args: argparse.Namespace) -> int:
    import datetime as dt

    from sim.files import folder_lock
    from sim.present.comparison import clear_outputs, headlines, write_comparison
    from sim.runs.compare import run_comparison
    from sim.scenario.loading import load_scenario

    baseline = load_scenario(args.baseline, args.overrides)
    scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]
    out_dir = args.out if args.out is not None else Path("results") / "compare"
    started = dt.datetime.now(dt.UTC)
    with folder_lock(out_dir, "compare"):
        clear_outputs(out_dir)  # an interrupted comparison must not leave an old one looking new
        comparison = run_comparison(
            baseline, scenarios, replications=args.replications, seed=args.seed,
            workers=args.workers, scheduler=args.scheduler, progress=not args.quiet,
            overrides=args.overrides, paired=not args.unpaired,
        )
        report = write_comparison(comparison, out_dir, started=started, lang=args.lang)
    for line in headlines(comparison, args.lang):
        print(line)
    print(f"report: {report}")
    return EXIT_OK

"""The ``experiment`` and ``collect`` commands: experiment files and their run stores."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import (
    EXIT_INTERNAL,
    EXIT_OK,
    Formatter,
    UsageError,
    positive_int,
)


def add_experiment(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "experiment",
        help="run a parameter sweep, replication study or sensitivity analysis",
        description="Run an experiment file (experiments/*.yaml): every design point of its "
        "uncertainties and levers, times its replications. Each run is stored as one Parquet "
        "file the moment it finishes; results.parquet, results.csv and the analyses "
        "(sensitivity indices, sweep figures) are written at the end. See "
        "docs/experiments.md.",
        epilog="examples:\n"
        "  binnenstad experiment experiments/morris_baseline.yaml --workers 2\n"
        "  binnenstad experiment experiments/morris_baseline.yaml --resume\n"
        "  binnenstad experiment experiments/x.yaml --scheduler tcp://10.0.0.5:8786\n\n"
        "exit status: 0 every run done, 1 some runs failed (recorded in manifest.json) or an "
        "internal error, 2 bad input, 130 interrupted (rerun with --resume)",
        formatter_class=Formatter,
    )
    parser.add_argument("spec", metavar="SPEC", help="experiment YAML file")
    parser.add_argument(
        "--out", "-o", type=Path, default=None, metavar="DIR",
        help="experiment folder, the run store (default: results/experiments/<name>/)",
    )
    parser.add_argument(
        "--workers", "-w", type=positive_int, default=None, metavar="N",
        help="local worker processes, one run each at a time (default: one per CPU core; "
        "1 runs in this process)",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786 (needs the 'cluster' extra); "
        "--workers then says how many workers to keep busy (runs that share their first "
        "weeks are one task)",
    )
    parser.add_argument(
        "--resume", action="store_true",
        help="continue an experiment in DIR: keep every stored run, run only the rest",
    )
    parser.add_argument(
        "--retry-failed", action="store_true",
        help="with --resume, also run the runs that failed before",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def cmd_experiment(args: argparse.Namespace) -> int:
    import os

    from sim.files import check_out_dir
    from sim.present.analysis import write_experiment_analyses
    from sim.runs.experiments import load_experiment, run_experiment

    if args.retry_failed and not args.resume:
        raise UsageError("--retry-failed needs --resume")
    exp = load_experiment(args.spec)
    out_dir = args.out if args.out is not None else Path("results") / "experiments" / exp.spec.name
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    counts = run_experiment(
        exp, check_out_dir(out_dir), workers=workers, scheduler=args.scheduler,
        resume=args.resume, retry_failed=args.retry_failed, progress=not args.quiet,
        analyses=write_experiment_analyses,
    )
    damaged = (f" ({counts['damaged']} stored runs failed their checksum and were run again)"
               if counts["damaged"] else "")
    print(f"{exp.spec.name}: {counts['done']} runs done, {counts['failed']} failed; "
          f"results in {out_dir}{damaged}")
    return EXIT_OK if counts["failed"] == 0 else EXIT_INTERNAL


def add_collect(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "collect",
        help="assemble an experiment's results and analyses from its stored runs",
        description="Assemble results.parquet and results.csv (one row per run and outcome "
        "time) and the analyses from the runs stored in an experiment folder, complete or "
        "not.",
        epilog="example:\n  binnenstad collect results/experiments/morris_baseline",
        formatter_class=Formatter,
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="experiment folder")
    parser.add_argument("--no-analysis", action="store_true", help="only the results tables")
    return parser


def cmd_collect(args: argparse.Namespace) -> int:
    from sim.errors import printable
    from sim.files import check_out_dir, folder_lock
    from sim.present.analysis import write_experiment_analyses
    from sim.runs.store import collect

    with folder_lock(check_out_dir(args.folder), "collect", create=False):
        results, counts = collect(args.folder)
        if not args.no_analysis:
            write_experiment_analyses(args.folder, results)
    damaged = (f", {counts['damaged']} damaged: rerun with binnenstad experiment SPEC --out "
               f"{args.folder} --resume" if counts["damaged"] else "")
    print(printable(f"{args.folder}: {len(results)} rows from {counts['done']} runs "
                    f"({counts['failed']} failed, {counts['pending']} not run{damaged})"))
    return EXIT_OK

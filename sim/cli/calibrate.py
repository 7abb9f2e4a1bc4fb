"""The ``calibrate`` command: fit a scenario's uncertain parameters to observed targets."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import EXIT_INTERNAL, EXIT_OK, Formatter, positive_int


def add_calibrate(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "calibrate",
        help="fit uncertain parameters to observed targets (Optuna)",
        description="Run a calibration file (calibrations/*.yaml): search the ranges of its "
        "parameters with Optuna's seeded TPE sampler for the set whose runs come closest to "
        "its targets (the loss: the sum over the targets of the squared error of the "
        "replications' mean, in units of each target's tolerance). Every run is stored the "
        "moment it finishes and every evaluation in an "
        "Optuna study (study.db, SQLite), so an interrupted calibration resumes. Writes the "
        "best set as best.yaml (a scenario that extends the base), tables, figures, "
        "calibration.html and manifest.json. See docs/calibration.md.",
        epilog="examples:\n"
        "  binnenstad calibrate calibrations/middelstad.yaml --workers 2\n"
        "  binnenstad calibrate calibrations/middelstad.yaml --resume\n"
        "  binnenstad calibrate calibrations/x.yaml --scheduler tcp://10.0.0.5:8786\n\n"
        "exit status: 0 done, 1 some evaluations failed (recorded in trials.csv) or an "
        "internal error, 2 bad input, 130 interrupted (rerun with --resume)",
        formatter_class=Formatter,
    )
    parser.add_argument("spec", metavar="FILE", help="calibration YAML file")
    parser.add_argument(
        "--out", "-o", type=Path, default=None, metavar="DIR",
        help="calibration folder: study, runs and outputs (default: "
        "results/calibrations/<name>/)",
    )
    parser.add_argument(
        "--workers", "-w", type=positive_int, default=None, metavar="N",
        help="local worker processes, one run each at a time (default: one per CPU core; "
        "1 runs in this process); the result does not depend on it",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786 (needs the 'cluster' extra); "
        "--workers is then ignored",
    )
    parser.add_argument(
        "--resume", action="store_true",
        help="continue the calibration in DIR (also with a larger budget): keep every "
        "stored evaluation and run, run only the rest",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def cmd_calibrate(args: argparse.Namespace) -> int:
    import datetime as dt
    import os

    from sim.present.calibration_report import write_calibration
    from sim.runs.calibrate import run_calibration
    from sim.runs.calibration_design import load_calibration
    from sim.runs.calibration_results import collect_calibration

    started = dt.datetime.now(dt.UTC)
    cal = load_calibration(args.spec)
    out_dir = args.out if args.out is not None else Path("results") / "calibrations" / cal.name
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    counts = run_calibration(cal, out_dir, workers=workers, scheduler=args.scheduler,
                             resume=args.resume, progress=not args.quiet)
    result = collect_calibration(cal, out_dir)
    page = write_calibration(result, out_dir, started=started, workers=workers)
    best = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in result.best().items())
    print(f"{cal.name}: {counts['complete']} evaluations, {counts['failed']} failed; best loss "
          f"{result.best_loss:.4g} at {best or 'none'}")
    print(f"best set: {out_dir / 'best.yaml'}; report: {page}")
    return EXIT_OK if counts["failed"] == 0 else EXIT_INTERNAL

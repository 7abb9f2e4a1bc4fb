"""The ``validation`` command: the model held against the Dutch record, written to
docs/validation.md (or a folder of the user's own)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import EXIT_OK, Formatter, positive_int, seed

#: Where the command reads its input and writes by default (relative to the working directory:
#: the repository's root).
TARGETS = Path("docs/validation/targets.yaml")
INSTRUMENTS = Path(__file__).resolve().parents[1] / "runs" / "instruments.yaml"  # the package's
SHOCKS = INSTRUMENTS.with_name("shocks.yaml")
SCENARIOS = Path("scenarios")
OUT = Path("docs")


def add_validation(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "validation",
        help="hold the model against the Dutch record: targets, instruments, docs/validation.md",
        description="Run the baseline, the corona years and every instrument scenario N times "
        "each with paired seeds (replication i of every scenario has the seed 'binnenstad "
        "compare' gives it), measure every target of docs/validation/targets.yaml and every "
        "instrument's effect at the horizon against its evidence in "
        "sim/runs/instruments.yaml, and write validation.md (pass/fail tables, the "
        "recovery agenda's decomposition, where evidence is missing, what does not match), "
        "figures/validation_*.png, the tables as validation/results_*.csv and, last, "
        "validation/manifest.json. By default into docs/, so the run regenerates "
        "docs/validation.md.",
        epilog="examples:\n"
        "  binnenstad validation                          # docs/validation.md, 20 "
        "replications\n"
        "  binnenstad validation --workers 2\n"
        "  binnenstad validation --scheduler tcp://10.0.0.5:8786\n"
        "  binnenstad validation --out results/validation --replications 50\n"
        "  binnenstad validation --quick --out /tmp/validation   # a reduced run, about a "
        "minute\n\n"
        "--quick runs the small kleinstad town without warm-up to the end of 2023 with 2 "
        "replications (unless --replications is given): a check that everything runs, not "
        "the record.\nResults are identical for any --workers or --scheduler.",
        formatter_class=Formatter,
    )
    parser.add_argument(
        "--replications", "-r", type=positive_int, default=None, metavar="N",
        help="paired replications per scenario, >= 1 (default: 20; 2 with --quick)",
    )
    parser.add_argument(
        "--workers", "-w", type=positive_int, default=None, metavar="N",
        help="worker processes (default: all cores); results do not depend on it",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786 (needs the 'cluster' extra); "
        "--workers is then ignored",
    )
    parser.add_argument(
        "--out", "-o", type=Path, default=OUT, metavar="DIR",
        help="output folder: DIR/validation.md, DIR/figures/, DIR/validation/ (default: docs)",
    )
    parser.add_argument("--quick", action="store_true",
                        help="a reduced run (kleinstad, no warm-up, 2 replications)")
    parser.add_argument(
        "--targets", type=Path, default=TARGETS, metavar="FILE",
        help=f"the targets file (default: {TARGETS})",
    )
    parser.add_argument(
        "--instruments", type=Path, default=INSTRUMENTS, metavar="FILE",
        help="the instruments' evidence file (default: the package's, "
        "sim/runs/instruments.yaml)",
    )
    parser.add_argument(
        "--shocks", type=Path, default=SHOCKS, metavar="FILE",
        help="the shocks' evidence file, in the same form (default: the package's, "
        "sim/runs/shocks.yaml)",
    )
    parser.add_argument(
        "--scenarios", type=Path, default=SCENARIOS, metavar="DIR",
        help=f"folder of the scenario files the two files name (default: {SCENARIOS})",
    )
    parser.add_argument(
        "--seed", type=seed, default=None, metavar="S",
        help="master seed of the paired replications (default: the baseline's seed)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a value in every scenario; may be repeated",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def cmd_validation(args: argparse.Namespace) -> int:
    import datetime as dt

    from sim.present.validation import write_validation
    from sim.runs.validation import (
        DEFAULT_REPLICATIONS,
        QUICK_REPLICATIONS,
        run_validation,
    )

    replications = args.replications or (QUICK_REPLICATIONS if args.quick
                                         else DEFAULT_REPLICATIONS)
    started = dt.datetime.now(dt.UTC)
    validation = run_validation(
        args.targets, args.instruments, args.scenarios, shocks_file=args.shocks,
        replications=replications,
        seed=args.seed, workers=args.workers, scheduler=args.scheduler,
        progress=not args.quiet, overrides=args.overrides, quick=args.quick,
    )
    where = (f"the Dask cluster {args.scheduler}" if args.scheduler else
             f"{args.workers} worker processes" if args.workers else "all cores")
    page = write_validation(validation, args.out, started=started,
                            command=_command(args, replications), where=where)
    table = validation.target_table()
    print(f"targets passed: {int(table['passed'].sum())} of {len(table)}")
    print(f"validation: {page}")
    return EXIT_OK


def _command(args: argparse.Namespace, replications: int) -> list[str]:
    """The command that reproduces this run (for the manifest)."""
    command = ["binnenstad", "validation", "--replications", str(replications)]
    if args.quick:
        command.append("--quick")
    for flag, value, default in (("--targets", args.targets, TARGETS),
                                 ("--instruments", args.instruments, INSTRUMENTS),
                                 ("--shocks", args.shocks, SHOCKS),
                                 ("--scenarios", args.scenarios, SCENARIOS),
                                 ("--out", args.out, OUT)):
        if Path(value) != default:
            command += [flag, str(value)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    for override in args.overrides:
        command += ["--set", override]
    return command

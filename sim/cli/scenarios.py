"""The commands on scenario files: ``validate``, ``run``, ``show`` and ``schema``."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from sim.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    Formatter,
    UsageError,
    replications,
    seed,
)
from sim.errors import ScenarioError, printable
from sim.limits import MAX_REPLICATIONS


# ---------------------------------------------------------------------------- validate
def add_validate(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "validate",
        help="check scenario files and their maps",
        description="Check scenario files: YAML syntax, every key and value against the schema, "
        "and the town map. Prints one line per file: 'ok' with the size of the town, or the "
        "first problem as FILE:LINE: key.path: what is wrong. A town whose given population "
        "spends far too little or too much for its retail floor area gets a warning line, "
        "and so does an instrument, shock or funding round whose dates lie wholly outside "
        "the simulated weeks (the file is still valid).",
        epilog="examples:\n"
        "  binnenstad validate scenarios/baseline.yaml\n"
        "  binnenstad validate scenarios/*.yaml\n\n"
        "exit status: 0 if every file is valid, 2 otherwise",
        formatter_class=Formatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    return parser


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.scenario.balance import warning
    from sim.scenario.loading import build_town, load_scenario

    status = EXIT_OK
    for file in args.files:
        try:
            scenario = load_scenario(file)
            town = build_town(scenario)
        except ScenarioError as err:
            if getattr(args, "debug", False):
                traceback.print_exc()
            print(err, file=sys.stderr)  # one line, control characters escaped
            status = EXIT_USAGE
            continue
        print(printable(
            f"{file}: ok (scenario {scenario.name}, {town.n_premises} premises, "
            f"{len(town.dwelling_xy)} dwelling{'' if len(town.dwelling_xy) == 1 else 's'})"
        ))
        problem = warning(scenario, town)
        if problem is not None:
            print(printable(f"{file}: warning: population: {problem}"), file=sys.stderr)
        for line in scenario.never_in_force():
            print(printable(f"{file}: warning: {line}"), file=sys.stderr)
    return status


# --------------------------------------------------------------------------------- run
def add_run(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "run",
        help="run a scenario and write its outputs",
        description="Run a scenario for its warm-up and horizon, once or as seeded "
        "replications, and write the outputs (tables, figures, the scenario as run) to a "
        "folder.",
        epilog="examples:\n"
        "  binnenstad run scenarios/baseline.yaml\n"
        "  binnenstad run scenarios/baseline.yaml --replications 20 --seed 1 --out results/b20\n"
        "  binnenstad run scenarios/baseline.yaml --set population.agents=2000 "
        "--set years=2\n\n"
        "--set takes key.path=value with the value written as in YAML; list items by number:\n"
        "  --set economy.online_share.daily[0].share=0.1",
        formatter_class=Formatter,
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "--replications", "-r", type=replications, default=1, metavar="N",
        help=f"number of seeded replications, 1 to {MAX_REPLICATIONS} (default: 1)",
    )
    parser.add_argument(
        "--seed", type=seed, default=None, metavar="S",
        help="master seed; replications derive their seeds from it (default: the scenario's "
        "seed)",
    )
    parser.add_argument(
        "--out", "-o", type=Path, default=None, metavar="DIR",
        help="output folder (default: results/<scenario name>/)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a scenario value; may be repeated",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    from sim.files import check_out_dir
    from sim.scenario.loading import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    out_dir = check_out_dir(args.out if args.out is not None else Path("results") / scenario.name)
    if not args.quiet:
        # Said before the model stack (Mesa, numba, pandas, matplotlib) is imported, which
        # takes seconds: the user sees at once that the command has started (issue 17).
        print(printable(run_line(scenario, args.replications, out_dir)), file=sys.stderr,
              flush=True)
    from sim.present.run import result_line, write_run

    written = write_run(
        scenario, out_dir, replications=args.replications, seed=args.seed,
        progress=not args.quiet,
    )
    print(printable(result_line(written)))
    print(f"{scenario.name}: outputs in {written}")
    return EXIT_OK


def run_line(scenario, replications: int, out_dir: Path) -> str:
    """The first line of ``run``: what is about to be simulated and where it goes."""
    runs = f"{replications} replication{'' if replications == 1 else 's'}"
    return (f"{scenario.name}: running {runs} of {scenario.warmup_years} warm-up and "
            f"{scenario.years} reported years from {scenario.start.isoformat()}, "
            f"outputs to {out_dir}")


def add_schema(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "schema",
        help="write the JSON Schema (or Markdown reference) of scenario files",
        description="Write the JSON Schema of scenario files, for editors that complete and "
        "check YAML while typing (see README.md), or with --markdown the scenario reference "
        "(docs/scenarios.md): every key with its default, unit, range and source.",
        epilog="examples:\n"
        "  binnenstad schema > scenario.schema.json\n"
        "  binnenstad schema --out docs/scenario.schema.json\n"
        "  binnenstad schema --markdown --out docs/scenarios.md",
        formatter_class=Formatter,
    )
    parser.add_argument("--markdown", action="store_true",
                        help="the Markdown reference instead of the JSON Schema")
    parser.add_argument("--out", "-o", type=Path, default=None, metavar="FILE",
                        help="write to FILE instead of standard output")
    return parser


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.scenario.reference import json_schema_text, markdown

    if args.out is not None and args.out.is_dir():
        example = args.out / ("scenarios.md" if args.markdown else "scenario.schema.json")
        raise UsageError(f"--out {args.out}: is a folder; give the name of the file to write, "
                         f"e.g. {example}")
    text = markdown() if args.markdown else json_schema_text()
    if args.out is None:
        sys.stdout.write(text)
    else:
        from sim.files import atomic_write_text

        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    return EXIT_OK


# -------------------------------------------------------------------------------- show
def add_show(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "show",
        help="print a scenario fully resolved, and how it differs from the file it extends",
        description="Print the scenario as the model sees it: after `extends` and --set, with "
        "every default filled in, as YAML. Then, as YAML comments, every setting in which it "
        "differs from the file it extends.",
        epilog="examples:\n"
        "  binnenstad show scenarios/agenda.yaml\n"
        "  binnenstad show scenarios/baseline.yaml --set years=2 > my.yaml",
        formatter_class=Formatter,
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a scenario value; may be repeated",
    )
    return parser


def cmd_show(args: argparse.Namespace) -> int:
    from sim.scenario.reference import show_text

    sys.stdout.write(show_text(args.scenario, args.overrides))
    return EXIT_OK

"""The ``binnenstad`` command line: check scenario files, run, compare and explore them.

The top of the layers: a command reads its input (:mod:`sim.scenario`), runs it
(:mod:`sim.runs`) and writes what it produced (:mod:`sim.present`). Each subcommand is a pair of
functions in its module here (``add_<name>(subparsers)`` declares its arguments,
``cmd_<name>(args) -> int`` does the work); :data:`COMMANDS` lists them in help order. Add a
command the same way.

Exit status: 0 success, 1 internal error (a bug), 2 bad input (scenario, map or command line),
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence

from sim import __version__
from sim.cli.app import add_app, cmd_app
from sim.cli.calibrate import add_calibrate, cmd_calibrate
from sim.cli.common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Formatter,
    Parser,
    UsageError,
    debug_flag,
)
from sim.cli.compare import add_compare, cmd_compare
from sim.cli.experiment import add_collect, add_experiment, cmd_collect, cmd_experiment
from sim.cli.scenarios import (
    add_run,
    add_schema,
    add_show,
    add_validate,
    cmd_run,
    cmd_schema,
    cmd_show,
    cmd_validate,
)
from sim.cli.town import add_town, cmd_town
from sim.errors import ScenarioError
from sim.kernels import parallel

# ------------------------------------------------------------------------------ parser
Command = tuple[Callable[..., argparse.ArgumentParser], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, Command] = {
    "validate": (add_validate, cmd_validate),
    "run": (add_run, cmd_run),
    "compare": (add_compare, cmd_compare),
    "show": (add_show, cmd_show),
    "schema": (add_schema, cmd_schema),
    "experiment": (add_experiment, cmd_experiment),
    "collect": (add_collect, cmd_collect),
    "calibrate": (add_calibrate, cmd_calibrate),
    "app": (add_app, cmd_app),
    "town": (add_town, cmd_town),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand in :data:`COMMANDS`."""
    parser = Parser(
        prog=PROG,
        description="binnenstad: an agent-based model of a Dutch city centre's shops, visitors "
        "and vacancy (Mesa). Scenarios are YAML files; see README.md and docs/ODD.md.",
        epilog="examples:\n"
        "  binnenstad validate scenarios/*.yaml\n"
        "  binnenstad run scenarios/baseline.yaml --replications 20\n"
        "  binnenstad run --help\n\n"
        "exit status: 0 ok, 1 internal error, 2 bad input, 130 interrupted",
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    debug_flag(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for add, handler in COMMANDS.values():
        command = add(sub)
        debug_flag(command)
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` if None.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:  # --help, --version
            return exit_.code if isinstance(exit_.code, int) else EXIT_OK
        debug = getattr(args, "debug", False)
        if args.command is None:
            raise UsageError(f"choose a command: {', '.join(COMMANDS)} (see '{PROG} --help')")
        parallel.threads()  # a bad BINNENSTAD_THREADS fails here, not in every worker's run
        return args.handler(args)
    except UsageError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ScenarioError as err:
        if debug:
            traceback.print_exc()
        print(err, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:
        if debug:
            traceback.print_exc()
        detail = " ".join(str(err).split())
        print(
            f"{PROG}: internal error: {type(err).__name__}: {detail} "
            "(rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL

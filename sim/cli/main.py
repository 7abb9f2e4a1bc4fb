"""The ``binnenstad`` command line: check scenario files, run, compare and explore them.

The top of the layers: a command reads its input (:mod:`sim.scenario`), runs it
(:mod:`sim.runs`) and writes what it produced (:mod:`sim.present`). Each subcommand is a pair of
functions in its module here (``add_<name>(subparsers)`` declares its arguments,
``cmd_<name>(args) -> int`` does the work); :data:`COMMANDS` lists them in help order. Add a
command the same way, importing what ``cmd_<name>`` needs inside it: every command's
arguments are declared at every start, and ``--help`` or ``validate`` must not wait for the
model stack (``tests/test_cli_imports.py``).

Exit status: 0 success, 1 internal error (a bug), 2 bad input (scenario, map or command line)
or an environment the command cannot work in (a full or read-only disk, a folder in use), 130
interrupted (Ctrl-C), 143 terminated (SIGTERM). Every message is one line with control
characters escaped (:func:`sim.errors.printable`).
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import sim
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
from sim.cli.validation import add_validation, cmd_validation
from sim.errors import ScenarioError, printable

EXIT_TERMINATED = 128 + signal.SIGTERM
#: Errors of the machine the command runs on, not of the program: what to do about each.
ENVIRONMENT = {
    errno.ENOSPC: "free some space or choose another folder",
    errno.EDQUOT: "free some space or choose another folder",
    errno.EROFS: "choose a folder on a writable disk",
    errno.EACCES: "check the permissions or choose another folder",
    errno.EPERM: "check the permissions or choose another folder",
    errno.ENOENT: "check the path: a folder on the way does not exist or cannot be made",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder; give a file",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n)",
    errno.ENOMEM: "not enough memory; close other programs or use fewer --workers",
}

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
    "validation": (add_validation, cmd_validation),
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
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    debug_flag(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for add, handler in COMMANDS.values():
        command = add(sub)
        debug_flag(command)
        command.set_defaults(handler=handler)
    return parser


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (see :mod:`sim`)."""

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(f"{parser.prog} {sim.__version__}\n")
        parser.exit()


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so worker pools and their semaphores are released."""


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While the command runs, SIGTERM raises :class:`Terminated` in the main thread (its
    default, dying on the spot, leaves the worker pools' semaphores to the resource tracker's
    'leaked semaphore objects' warning)."""
    def terminate(signum, frame):
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave the default
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _say(text: str) -> None:
    print(printable(" ".join(str(text).split())), file=sys.stderr)


def environment_error(err: OSError) -> str | None:
    """One line for an error of the machine (a full or read-only disk, no permission), or None
    if ``err`` is not one."""
    hint = ENVIRONMENT.get(err.errno or 0)
    if hint is None:
        return None
    where = f" {err.filename}" if err.filename else ""
    return f"{PROG}: error:{where}: {err.strerror or err}; {hint}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` if None.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        with _sigterm_unwinds():
            for i, arg in enumerate(argv, 1):
                if "\x00" in arg:
                    raise UsageError(f"argument {i} contains a NUL byte, which no file name or "
                                     "value may hold")
            try:
                args = parser.parse_args(argv)
            except SystemExit as exit_:  # --help, --version
                return exit_.code if isinstance(exit_.code, int) else EXIT_OK
            debug = getattr(args, "debug", False)
            if args.command is None:
                raise UsageError(f"choose a command: {', '.join(COMMANDS)} (see '{PROG} --help')")
            # Imported here, not at the top: sim.kernels imports numpy, which --help and a
            # usage error need not wait for (issue 17: every command imports what it needs).
            from sim.kernels import parallel

            parallel.threads()  # a bad BINNENSTAD_THREADS fails here, not in every worker's run
            return args.handler(args)
    except UsageError as err:
        _say(f"{PROG}: error: {err}")
        return EXIT_USAGE
    except ScenarioError as err:
        if debug:
            traceback.print_exc()
        _say(err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        _say(f"{PROG}: interrupted")
        return EXIT_INTERRUPTED
    except Terminated:
        _say(f"{PROG}: terminated")
        return EXIT_TERMINATED
    except (OSError, MemoryError) as err:
        if debug:
            traceback.print_exc()
        line = environment_error(err) if isinstance(err, OSError) else (
            f"{PROG}: error: not enough memory; {ENVIRONMENT[errno.ENOMEM]}")
        if line is None:
            return _internal(err)
        _say(line)
        return EXIT_USAGE
    except Exception as err:
        if debug:
            traceback.print_exc()
        return _internal(err)


def _internal(err: BaseException) -> int:
    _say(f"{PROG}: internal error: {type(err).__name__}: {err} "
         "(rerun with --debug for the traceback)")
    return EXIT_INTERNAL

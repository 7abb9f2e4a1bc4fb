"""What every subcommand of the command line shares: the program name, exit statuses, the
one-line usage error, and argument types. Imported by the command modules of :mod:`sim.cli`.
"""

from __future__ import annotations

import argparse

from sim.limits import MAX_REPLICATIONS

PROG = "binnenstad"
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A bad command line; printed as ``binnenstad: error: ...``."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, raised rather than printed."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


Formatter = argparse.RawDescriptionHelpFormatter  # keep the layout of the examples


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {value})")
    return value


def replications(text: str) -> int:
    """``--replications``: 1 to :data:`sim.limits.MAX_REPLICATIONS` (they stay in memory)."""
    value = positive_int(text)
    if value > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_REPLICATIONS} (got {value}); for more, write an experiment "
            "file (docs/experiments.md), which stores every run on disk")
    return value


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1 (got {value})")
    return value


def debug_flag(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's unset flag must not hide one given before the subcommand.
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show the full traceback of errors",
    )

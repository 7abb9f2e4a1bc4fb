"""The ``app`` command: the live city centre in the browser."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from sim.cli.common import (
    EXIT_OK,
    PROG,
    Formatter,
    UsageError,
    positive_int,
)
from sim.errors import printable


def add_app(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "app",
        help="the live city centre in the browser (Mesa SolaraViz)",
        description="Start the browser app: the map of the centre, live charts and counters, "
        "a scenario picker, sliders for the main uncertainties, switches for the "
        "instruments and a with/without comparison. Each browser tab gets its own model. "
        "Needs the optional extra 'app' (pip install -e '.[app]'). Lessons for "
        "classes: docs/lessons.md.",
        epilog="examples:\n"
        "  binnenstad app                      # then open http://127.0.0.1:8765/\n"
        "  binnenstad app --port 9000 --scenario scenarios/corona.yaml\n"
        "  binnenstad app --set population.agents=6000   # a lighter model for old laptops\n"
        "  binnenstad app --host 0.0.0.0 --classroom      # a class on the school network\n\n"
        "The server listens on 127.0.0.1 (this computer only) unless --host says otherwise;\n"
        "--host 0.0.0.0 exposes the app to everyone on the network (docs/classroom.md).\n"
        "exit status: 0 when the server stops, 2 bad input (scenario, folder, address)",
        formatter_class=Formatter,
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this computer only)")
    parser.add_argument("--port", type=port, default=8765, help="TCP port (default: 8765)")
    parser.add_argument(
        "--scenarios", type=Path, default=Path("scenarios"), metavar="DIR",
        help="folder whose scenario files (*.yaml) the picker offers (default: scenarios)",
    )
    parser.add_argument(
        "--scenario", type=Path, default=None, metavar="FILE",
        help="scenario shown first (default: baseline.yaml in the folder, else the first)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a value in every scenario the app loads; may be repeated",
    )
    parser.add_argument("--lang", choices=("nl", "en"), default="nl",
                        help="language of the page at the start (default: nl); every "
                        "session can switch")
    parser.add_argument(
        "--classroom", action="store_true",
        help="a class on one server: every session's model steps in a pool of worker "
        "processes, not in the web server (see docs/classroom.md)",
    )
    parser.add_argument("--workers", type=positive_int, default=None, metavar="N",
                        help="worker processes with --classroom (default: the CPUs)")
    return parser


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535 (got {value})")
    return value


def loopback(host: str) -> bool:
    """True if ``host`` is this computer only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cmd_app(args: argparse.Namespace) -> int:
    try:
        from sim.present.app.server import AppError, serve
    except ImportError as err:
        raise UsageError(f"the app needs the optional extra 'app': pip install -e "
                         f"'.[app]' ({err})") from None
    if not loopback(args.host):
        print(printable(
            f"{PROG}: warning: --host {args.host}: the app is open to the network without a "
            "password: anyone who can reach this computer can use it and run models on it; "
            "use it only on a network you trust, or leave out --host (127.0.0.1)"),
            file=sys.stderr)
    try:
        serve(args.host, args.port, args.scenarios, args.scenario, args.overrides,
              lang=args.lang, classroom=args.classroom, workers=args.workers)
    except AppError as err:
        raise UsageError(str(err)) from None
    return EXIT_OK

"""Start the app's web server: ``solara run sim.present.app.page`` on a local address.

:func:`serve` checks what it can before the server starts (the scenarios folder, the first
scenario, the address), so a bad command line is a one-line error and not a server that
fails later, then replaces this process with the Solara server. Called by the command line.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.errors import ScenarioError

CONFIG_ENV = "BINNENSTAD_APP_CONFIG"  # read by sim.present.app.page


class AppError(Exception):
    """The app cannot start (a usage problem: folder, address)."""


def check_address(host: str, port: int) -> None:
    """Raise AppError if nothing can listen on ``host:port``."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as err:
        reason = "already in use" if err.errno == errno.EADDRINUSE else err.strerror
        raise AppError(f"cannot listen on {host}:{port}: {reason}") from None


def solara_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line for the app."""
    return [
        sys.executable, "-m", "solara", "run", "sim.present.app.page",
        "--host", host, "--port", str(port),
        "--production", "--no-open", "--no-check-version", "--log-level", "warning",
    ]


def serve(host: str, port: int, scenarios: Path, scenario: Path | None,
          overrides: Sequence[str], *, lang: str = "nl", classroom: bool = False,
          workers: int | None = None) -> None:
    """Check the inputs, then run the Solara server in place of this process.

    Args:
        host: address to listen on (127.0.0.1: this computer only).
        port: TCP port.
        scenarios: folder whose ``*.yaml`` files the scenario picker offers.
        scenario: scenario shown first (default: ``baseline.yaml`` in the folder, else the
            first file).
        overrides: ``--set`` overrides applied to every scenario the app loads.
        lang: The page's language at the start (``nl`` or ``en``; each session can switch).
        classroom: Keep every session's model in a pool of worker processes (many
            sessions on one server); see :mod:`sim.present.app.runner`.
        workers: Worker processes in classroom mode (default: the CPUs available).

    Raises:
        AppError: no scenario files, or the address is taken.
        ScenarioError: the first scenario (with the overrides) is not valid.
    """
    from sim.present.app.live import list_scenarios, load_base

    files = list_scenarios(scenarios)
    if not files:
        raise AppError(f"--scenarios {scenarios}: no scenario files (*.yaml) there")
    if scenario is None:
        scenario = scenarios / "baseline.yaml" if (scenarios / "baseline.yaml").exists() \
            else files[0]
    if not Path(scenario).is_file():
        raise AppError(f"--scenario {scenario}: no such file")
    load_base(scenario, overrides)  # ScenarioError: one line, exit 2
    check_address(host, port)
    env = dict(os.environ)
    env[CONFIG_ENV] = json.dumps({
        "scenarios": str(Path(scenarios).resolve()),
        "scenario": str(Path(scenario).resolve()),
        "overrides": list(overrides),
        "lang": lang,
        "classroom": bool(classroom),
        "workers": workers,
    })
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    print(f"binnenstad app: http://{host}:{port}/ (Ctrl-C stops the server)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"binnenstad app: listening on {host}: anyone who can reach this computer on the "
              "network can use the app (see docs/classroom.md)", flush=True)
    command = solara_command(host, port)
    os.execve(command[0], command, env)


__all__ = ["AppError", "ScenarioError", "check_address", "serve", "solara_command"]

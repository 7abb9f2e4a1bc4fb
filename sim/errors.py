"""Errors in what the user gave us: scenario files, map files, geodata and command-line overrides.

A :class:`ScenarioError` prints as one line an editor or a planner can act on::

    scenarios/x.yaml:14: population.agents: must be > 0 (got -5)
    --set population.agnts: unknown key; did you mean 'agents'?

The command line prints it as is, without a traceback, and exits with status 2. This module
is below every layer: the scenario readers, the runs and the command line raise and print these
errors, and use :func:`format_key_path` and :func:`show_value` to word them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

SET = "--set"  # the "file" of errors in command-line overrides


def format_key_path(path: Sequence[object]) -> str:
    """Show a key path the way a scenario file spells it: ``economy.online_share.daily[0].year``.

    Args:
        path: Mapping keys and list indices, outermost first.

    Returns:
        The dotted path; list indices in brackets.
    """
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def show_value(value: object) -> str:
    """A value as the user wrote it, short: ``null``, ``true``, ``0.5``, ``'text'``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "...'"


_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def printable(text: str) -> str:
    """``text`` safe for a terminal and for one line: control and format characters (ESC,
    BEL, NUL, newlines, right-to-left marks ...) and line separators shown as escapes such as
    ``\\x1b``, so a key or a file name written by someone else cannot move the cursor,
    recolour, hide part of a message or start a line of its own."""
    out = []
    for char in str(text):
        if unicodedata.category(char) in _UNPRINTABLE:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
                       if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def _one_line(text: str) -> str:
    return printable(" ".join(str(text).split()))


class ScenarioError(Exception):
    """Bad user input: ``FILE:LINE: key.path: what was wrong (got X); what is allowed``.

    Args:
        message: What was wrong and what is allowed.
        file: The file the input came from, as the user named it, or ``--set`` for a
            command-line override (shown as ``--set key.path: ...``); None if unknown.
        line: 1-based line in ``file``; None to leave it out.
        key_path: Where in the scenario the problem is, as a dotted string or a sequence of
            keys and list indices; empty for the file as a whole.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key_path: str | Sequence[object] = "",
    ) -> None:
        self.message = _one_line(message)
        self.file = None if file is None else str(file)
        self.line = line
        self.key_path = key_path if isinstance(key_path, str) else format_key_path(key_path)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where += f":{self.line}"
        if where == SET and self.key_path:  # --set population.agents: ...
            parts = [f"{where} {self.key_path}"]
        else:
            parts = [p for p in (where, self.key_path) if p]
        return _one_line(": ".join([*parts, self.message]))


class GeoDataError(ScenarioError):
    """Bad geodata given to ``binnenstad town import``: ``FILE: layer L: feature F: message``.

    A :class:`ScenarioError`, so the command line prints it as one line and exits with status 2.

    Args:
        message: What was wrong and what is allowed.
        file: The geodata file as the user named it.
        layer: The layer inside the file (GeoPackage layer, or the role of an OSM file's
            features such as ``premises``); None for the file as a whole.
        feature: The feature's id (``node/42``, a BAG ``identificatie``, a row's fid); None for
            the layer as a whole.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        layer: str | None = None,
        feature: object = None,
    ) -> None:
        self.layer = layer
        self.feature = None if feature is None else str(feature)
        parts = []
        if layer is not None:
            parts.append(f"layer {layer}")
        if self.feature is not None:
            parts.append(f"feature {self.feature}")
        super().__init__(message, file=file, key_path=": ".join(parts))

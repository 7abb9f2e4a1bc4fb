"""``extends``: a scenario file built on another, merged key by key.

:func:`load_resolved` reads a scenario file and, if it says ``extends: parent.yaml``, merges it
over its parent (recursively, refusing cycles), keeping for every key the file and line it came
from, so that errors in an inherited value point at the parent file.

Called by :mod:`sim.scenario.loading` (every scenario file), :mod:`sim.scenario.reference`
(``show``: what a file changes in its parent) and :mod:`sim.runs.compare` (the line of a key).
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.errors import ScenarioError, show_value
from sim.limits import MAX_EXTENDS_DEPTH
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import KeyPath, LineIndex, ReadError, load_yaml, read_text

__all__ = ["EXTENDS", "OWN_KEYS", "load_resolved", "scenario_parent"]

EXTENDS = "extends"
#: A file's own words about itself, never taken from its parent: a scenario that builds on the
#: baseline is not "the baseline, without any intervention" in its report.
OWN_KEYS = ("title", "description")
# Keys of which a mapping may give only one: a child that gives one drops the parent's others.
_EXCLUSIVE: dict[KeyPath, frozenset[str]] = {("town",): frozenset({"preset", "map", "map_file"})}


def load_resolved(path: str | os.PathLike[str]) -> tuple[dict, LineIndex]:
    """Read a scenario file and, if it has ``extends: parent.yaml``, merge it over its parent.

    The parent's path is relative to the extending file's folder; parents may extend further
    files (a chain), but not in a cycle. Mappings are merged key by key, recursively; any other
    value (a number, text, a list) in the child replaces the parent's. Giving one of
    ``town.preset``, ``town.map`` or ``town.map_file`` replaces whichever of them the parent gave.
    A parent's relative ``town.map_file`` keeps pointing at the same file.

    Args:
        path: The scenario file; error messages name it as given, and its parents relative to it.

    Returns:
        ``(data, lines)`` as :func:`load_yaml`, without the ``extends`` key; ``lines`` records for
        each key the file and line it came from (:meth:`LineIndex.where`).

    Raises:
        ScenarioError: For anything :func:`load_yaml` refuses in any file of the chain, an
            ``extends`` that is not a file name or names a missing file, and a cycle.
    """
    return _resolve(str(path), ())


def scenario_parent(path: str | os.PathLike[str]) -> str | None:
    """The file that scenario file ``path`` extends, as a path usable from here; None if none.

    Raises:
        ScenarioError: If the file cannot be read or its ``extends`` is not a file name.
    """
    data, lines = load_yaml(path)
    return _parent_label(data, lines, str(path))


def _parent_label(data: dict, lines: LineIndex, label: str) -> str | None:
    if EXTENDS not in data:
        return None
    target = data[EXTENDS]
    if not isinstance(target, str) or not target.strip():
        raise ScenarioError(
            "must be the name of a scenario file, e.g. extends: baseline.yaml "
            f"(got {show_value(target)})",
            file=label, line=lines.get((EXTENDS,)), key_path=EXTENDS,
        )
    return os.path.normpath(os.path.join(os.path.dirname(label), target.strip()))


def _resolve(label: str, chain: tuple[tuple[str, Path], ...]) -> tuple[dict, LineIndex]:
    data, lines = load_yaml(label)
    _looks_like_a_scenario(data, label)
    parent_label = _parent_label(data, lines, label)
    del_line = lines.get((EXTENDS,))
    data.pop(EXTENDS, None)
    if parent_label is None:
        return data, lines
    chain = (*chain, (label, Path(label).resolve()))
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            f"more than {MAX_EXTENDS_DEPTH} files in a chain of extends",
            file=label, line=del_line, key_path=EXTENDS,
        )
    parent_real = Path(parent_label).resolve()
    seen = [real for _, real in chain]
    if parent_real in seen:
        cycle = [shown for shown, _ in chain[seen.index(parent_real):]]
        raise ScenarioError(
            f"extends files in a cycle: {' -> '.join([*cycle, parent_label])}",
            file=label, line=del_line, key_path=EXTENDS,
        )
    try:
        read_text(Path(parent_label))
    except ReadError as exc:
        if exc.line is None:  # missing, a folder, unreadable: the child's `extends` is wrong
            raise ScenarioError(
                f"{parent_label}: {exc.message}", file=label, line=del_line, key_path=EXTENDS
            ) from None
    parent, parent_lines = _resolve(parent_label, chain)
    parent = {k: v for k, v in parent.items() if k not in OWN_KEYS}
    merged = LineIndex(label)
    result = _merge(parent, data, (), parent_lines, lines, merged)
    _rebase_map_file(result, merged, label)
    return result, merged


def _looks_like_a_scenario(data: dict, label: str) -> None:
    """Refuse a mapping none of whose keys a scenario has, without quoting any of it: the file
    may be anything (``extends: ../.env``), and its keys are not ours to print."""
    if data and not any(isinstance(k, str) and (k == EXTENDS or k in Scenario.model_fields)
                        for k in data):
        raise ScenarioError(
            f"not a scenario file: none of its {len(data)} top-level keys is a scenario key "
            "such as name, town, population or economy", file=label)


def _copy_lines(src: LineIndex, prefix: KeyPath, dst: LineIndex) -> None:
    """Copy ``src``'s lines (with their files) of ``prefix`` and everything below it to ``dst``."""
    n = len(prefix)
    for path, line in src.items():
        if path[:n] == prefix:
            dst[path] = line
            file = src.file_of(path)
            if file != dst.file:
                dst.files[path] = file
            else:
                dst.files.pop(path, None)
    for path, line in src.blocks.items():
        if path[:n] == prefix:
            dst.blocks[path] = line


def _merge(
    parent: dict, child: dict, path: KeyPath, plines: LineIndex, clines: LineIndex, out: LineIndex
) -> dict:
    """Deep merge of mappings (child wins, lists replace), recording where each key came from."""
    exclusive = _EXCLUSIVE.get(path, frozenset())
    dropped = exclusive if exclusive & set(child) else frozenset()
    merged: dict = {}
    for key, value in parent.items():
        sub = (*path, key)
        if key in child:
            theirs = child[key]
            if isinstance(value, dict) and isinstance(theirs, dict):
                merged[key] = _merge(value, theirs, sub, plines, clines, out)
                src = clines if sub in clines else plines  # the key's own line: the child's
                if sub in src:
                    out[sub] = src[sub]
                    if src.file_of(sub) != out.file:
                        out.files[sub] = src.file_of(sub)
            else:
                merged[key] = theirs
                _copy_lines(clines, sub, out)
        elif key not in dropped:
            merged[key] = value
            _copy_lines(plines, sub, out)
    for key, value in child.items():
        if key not in parent:
            merged[key] = value
            _copy_lines(clines, (*path, key), out)
    return merged


def _rebase_map_file(data: dict, lines: LineIndex, label: str) -> None:
    """Make an inherited relative ``town.map_file`` relative to the extending file's folder."""
    town = data.get("town")
    if not isinstance(town, dict) or not isinstance(town.get("map_file"), str):
        return
    origin = lines.file_of(("town", "map_file"))
    if origin is None or origin == label or os.path.isabs(town["map_file"]):
        return
    target = os.path.join(os.path.dirname(origin), town["map_file"])
    town["map_file"] = os.path.relpath(target, os.path.dirname(label) or os.curdir)


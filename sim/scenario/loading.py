"""Read scenario files: YAML to a validated :class:`~sim.scenario.schema.Scenario` and its
:class:`Town`.

Every problem in what the user wrote becomes one :class:`~sim.errors.ScenarioError` line that
names the file, the line, the key and what is allowed::

    scenarios/x.yaml:14: population.agents: must be > 0 (got -5)
    scenarios/x.yaml:23: town.map: column 7: unknown map symbol 'x'; allowed: ...
    --set population.agnts: unknown key; did you mean 'agents'?

YAML is read with PyYAML's safe machinery only (``SafeLoader`` composition, ``SafeConstructor``
construction), so a scenario file can never create Python objects.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import os
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.errors import ScenarioError, format_key_path
from sim.scenario.schema import Scenario
from sim.town.maps import MapError, Town, load_preset, parse_map

__all__ = [
    "LineIndex",
    "build_town",
    "load_resolved",
    "load_scenario",
    "load_yaml",
    "parse_override",
    "scenario_parent",
    "scenario_source",
    "with_overrides",
]

KeyPath = tuple[object, ...]
SET = "--set"  # the "file" of errors in command-line overrides
DEFAULT_PRESET = "middelstad"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NAME_RULE = "must start with a letter or digit and contain only letters, digits, _ . -"


class LineIndex(dict[KeyPath, int]):
    """Key path (keys and list indices) -> 1-based line of that key or list item.

    Attributes:
        blocks: Key path -> 1-based line of the first content line of a literal block scalar
            (``map: |``), so that a row of an inline map can be traced to its line in the file.
    """

    def __init__(self, file: str | None = None) -> None:
        super().__init__()
        self.blocks: dict[KeyPath, int] = {}
        self.file = file  # the file these lines are in, unless `files` says otherwise
        self.files: dict[KeyPath, str] = {}  # key path -> file it came from (via `extends`)

    def nearest(self, path: Sequence[object]) -> int | None:
        """Line of ``path`` or of its nearest parent that is in the file; None if none is."""
        return self.where(path)[1]

    def file_of(self, path: Sequence[object]) -> str | None:
        """The file the value at exactly ``path`` was written in."""
        return self.files.get(tuple(path), self.file)

    def where(self, path: Sequence[object]) -> tuple[str | None, int | None]:
        """``(file, line)`` of ``path`` or of its nearest parent that is in a file.

        With ``extends``, a key inherited from a parent file is reported in that file.
        """
        path = tuple(path)
        for n in range(len(path), 0, -1):
            if path[:n] in self:
                return self.file_of(path[:n]), self[path[:n]]
        return self.file, None


# ------------------------------------------------------------------------------- YAML
class _Constructor(SafeConstructor):
    """SafeConstructor that leaves an impossible date (2019-13-01) as text for validation."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


class _ReadError(Exception):
    """A file could not be read as text; ``line`` is set for undecodable bytes."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _ReadError("file not found") from None
    except IsADirectoryError:
        raise _ReadError("is a directory, not a file") from None
    except PermissionError:
        raise _ReadError("cannot read the file: permission denied") from None
    except OSError as exc:
        raise _ReadError(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _ReadError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line
        ) from None


def _compose(text: str, label: str) -> Node | None:
    """Parse YAML text to a node tree; syntax errors become ScenarioErrors with their line."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, label) from exc
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ScenarioError(
            f"invalid YAML: control character U+{char:04X} is not allowed", file=label, line=line
        ) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=label) from exc
    except RecursionError:
        raise ScenarioError("invalid YAML: nested too deeply", file=label) from None


def _yaml_error(exc: yaml.MarkedYAMLError, label: str) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "syntax error"
    if exc.problem and exc.context and exc.problem.startswith("but "):
        problem = f"{exc.context}, {exc.problem}"  # "expected a single document ..., but found"
    line = None
    if mark is not None and label != SET:
        line = mark.line + 1
        problem += f" (column {mark.column + 1})"
        ctx_mark = exc.context_mark
        if (exc.context or "").startswith("while") and ctx_mark and ctx_mark.line != mark.line:
            problem += f"; {exc.context} started on line {ctx_mark.line + 1}"
    if "'\\t'" in problem:
        problem += "; indent with spaces, not tabs"
    return ScenarioError(f"invalid YAML: {problem}", file=label, line=line)


def _construct(node: Node, label: str) -> object:
    try:
        return _Constructor().construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, label) from exc
    except RecursionError:
        raise ScenarioError("invalid YAML: nested too deeply", file=label) from None


def _index_lines(root: Node, label: str) -> LineIndex:
    """Record the line of every key path; refuse duplicate keys (YAML would keep the last)."""
    lines = LineIndex(label)
    keys = _Constructor()
    seen: set[int] = set()
    active: set[int] = set()  # mappings being walked, to skip merges of a mapping into itself

    def key_of(node: Node) -> object:
        return keys.construct_object(node, deep=True) if isinstance(node, ScalarNode) else None

    def walk(node: Node, path: KeyPath, explicit: bool, again: bool = False) -> None:
        if id(node) in seen and not again:  # an alias: walked already (stops recursive aliases)
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            active.add(id(node))
            first_line: dict[object, int] = {}
            merged: list[Node] = []
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    merged.append(value_node)
                    continue
                key = key_of(key_node)
                if key is None:
                    continue
                line = key_node.start_mark.line + 1
                if explicit and key in first_line:
                    raise ScenarioError(
                        f"duplicate key (first given on line {first_line[key]})",
                        file=label, line=line, key_path=(*path, key),
                    )
                first_line[key] = line
                sub = (*path, key)
                if explicit:
                    lines[sub] = line
                else:
                    lines.setdefault(sub, line)
                if isinstance(value_node, ScalarNode) and value_node.style == "|":
                    lines.blocks.setdefault(sub, value_node.start_mark.line + 2)
                walk(value_node, sub, explicit)
            # Keys merged in with `<<: *anchor` count only where not given explicitly.
            for value_node in merged:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if id(source) not in active:
                        walk(source, path, explicit=False, again=True)
            active.discard(id(node))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault((*path, i), item.start_mark.line + 1)
                walk(item, (*path, i), explicit)

    walk(root, (), explicit=True)
    return lines


def load_yaml(path: str | os.PathLike[str]) -> tuple[dict, LineIndex]:
    """Read a scenario file with PyYAML's safe machinery and index its lines.

    Args:
        path: The scenario file; error messages name it as given.

    Returns:
        ``(data, lines)``: the top-level mapping and a :class:`LineIndex` from key paths
        (tuples of keys and list indices) to 1-based lines.

    Raises:
        ScenarioError: For a missing or unreadable file, invalid YAML, duplicate keys or a top
            level that is not a mapping.
    """
    label = str(path)
    try:
        text = _read_text(Path(path))
    except _ReadError as exc:
        raise ScenarioError(exc.message, file=label, line=exc.line) from None
    return _load_text(text, label)


def _load_text(text: str, label: str) -> tuple[dict, LineIndex]:
    root = _compose(text, label)
    if root is None:
        raise ScenarioError(
            "the file is empty; a scenario needs at least `name: ...`", file=label
        )
    if not isinstance(root, MappingNode):
        raise ScenarioError(
            "the top level must be a mapping of keys like `name: ...` and `town: ...` "
            f"(got {_node_kind(root)})",
            file=label, line=root.start_mark.line + 1,
        )
    lines = _index_lines(root, label)
    data = _construct(root, label)
    return data, lines


def _node_kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        return f"the single value {_show(_Constructor().construct_object(node))}"
    return "a mapping"


# ---------------------------------------------------------------------------- extends
EXTENDS = "extends"
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
            f"(got {_show(target)})",
            file=label, line=lines.get((EXTENDS,)), key_path=EXTENDS,
        )
    return os.path.normpath(os.path.join(os.path.dirname(label), target.strip()))


def _resolve(label: str, chain: tuple[tuple[str, Path], ...]) -> tuple[dict, LineIndex]:
    data, lines = load_yaml(label)
    parent_label = _parent_label(data, lines, label)
    del_line = lines.get((EXTENDS,))
    data.pop(EXTENDS, None)
    if parent_label is None:
        return data, lines
    chain = (*chain, (label, Path(label).resolve()))
    parent_real = Path(parent_label).resolve()
    seen = [real for _, real in chain]
    if parent_real in seen:
        cycle = [shown for shown, _ in chain[seen.index(parent_real):]]
        raise ScenarioError(
            f"extends files in a cycle: {' -> '.join([*cycle, parent_label])}",
            file=label, line=del_line, key_path=EXTENDS,
        )
    try:
        _read_text(Path(parent_label))
    except _ReadError as exc:
        if exc.line is None:  # missing, a folder, unreadable: the child's `extends` is wrong
            raise ScenarioError(
                f"{parent_label}: {exc.message}", file=label, line=del_line, key_path=EXTENDS
            ) from None
    parent, parent_lines = _resolve(parent_label, chain)
    merged = LineIndex(label)
    result = _merge(parent, data, (), parent_lines, lines, merged)
    _rebase_map_file(result, merged, label)
    return result, merged


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


# -------------------------------------------------------------------------- overrides
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_override(text: str) -> tuple[tuple[str | int, ...], object]:
    """Split a ``key.path=value`` override; the value is read as a YAML scalar or flow value.

    Args:
        text: For example ``population.agents=5000``, ``town.preset=kleinstad`` or
            ``economy.online_share.daily[0].share=0.1`` (``daily.0.share`` works too).

    Returns:
        ``(key_path, value)``; digit-only segments are ints (list indices if the target is a list).

    Raises:
        ScenarioError: With file ``--set`` for a malformed override.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(
            f"expected key.path=value (got {text!r}); e.g. --set population.agents=5000",
            file=SET,
        )
    path: list[str | int] = []
    for part in key.split("."):
        pos = 0
        segs = []
        for m in _SEGMENT.finditer(part):
            if m.start() != pos:
                break
            segs.append(int(m.group(2)) if m.group(2) else m.group(1).strip())
            pos = m.end()
        if not segs or pos != len(part) or any(s == "" for s in segs):
            raise ScenarioError(
                "malformed key path; use dotted keys like population.agents or "
                "economy.online_share.daily[0].share",
                file=SET, key_path=key,
            )
        path.extend(int(s) if isinstance(s, str) and s.isdigit() else s for s in segs)
    try:
        node = yaml.compose(raw, Loader=yaml.SafeLoader)
        value = None if node is None else _Constructor().construct_document(node)
    except yaml.YAMLError as exc:
        detail = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            f"invalid YAML value {raw!r}: {detail}", file=SET, key_path=key
        ) from None
    return tuple(path), value


def _apply_overrides(data: dict, overrides: Sequence[str]) -> list[KeyPath]:
    """Apply ``key.path=value`` overrides to ``data`` in place; return the key paths set."""
    applied: list[KeyPath] = []
    for text in overrides:
        path, value = parse_override(text)
        node: object = data
        resolved: list[object] = []
        for i, seg in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, list):
                if not isinstance(seg, int):
                    raise ScenarioError(
                        f"is a list; give an item number 0..{len(node) - 1}, not {seg!r}",
                        file=SET, key_path=resolved,
                    )
                if seg >= len(node):
                    raise ScenarioError(
                        f"has {len(node)} items; item {seg} does not exist",
                        file=SET, key_path=resolved,
                    )
            elif isinstance(node, dict):
                seg = str(seg)
            else:
                raise ScenarioError(
                    f"is not a mapping, cannot set {format_key_path(path[i:])} in it "
                    f"(got {_show(node)})",
                    file=SET, key_path=resolved,
                )
            resolved.append(seg)
            if last:
                node[seg] = value
                break
            child = node[seg] if isinstance(node, list) else node.get(seg)
            # Copy on the way down so that YAML aliases sharing this value are not changed too.
            # A section the file leaves out starts from its default, so that setting one item
            # of a default list or one key of a default mapping keeps the others.
            if child is None:
                child = _default_at(resolved)
            elif isinstance(child, (dict, list)):
                child = copy.copy(child)
            node[seg] = child
            node = child
        applied.append(tuple(resolved))
    return applied


def _default_at(path: Sequence[object]) -> object:
    """The schema default at ``path`` as plain data; an empty mapping if there is none."""
    model = _model_at(path[:-1])
    field = model.model_fields.get(path[-1]) if model is not None else None
    if field is None or field.is_required():
        return {}
    return _plain(field.get_default(call_default_factory=True))


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value if value is not None else {}


def _origin(
    loc: KeyPath, label: str | None, lines: LineIndex, set_paths: Sequence[KeyPath]
) -> tuple[str | None, int | None]:
    """Which input a problem at ``loc`` comes from: the file (with line) or ``--set``."""
    for sp in set_paths:
        if loc[: len(sp)] == sp:
            return SET, None
        common = 0
        while common < min(len(loc), len(sp)) and loc[common] == sp[common]:
            common += 1
        if common and loc[:common] not in lines:  # a key the override created
            return SET, None
    file, line = lines.where(loc)
    return (file or label), line


# ------------------------------------------------------------------------ validation
def _show(value: object) -> str:
    """A value as the user wrote it, short."""
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


def _num(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _unwrap(tp: object) -> object:
    """Strip ``Annotated`` and ``X | None`` from a type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _is_model(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


_TAG = "type"  # the key that says which kind of instrument or shock a list item is


def _tagged(tp: object) -> dict[str, type[BaseModel]]:
    """``{tag: model}`` of a union of models told apart by their ``type`` (else empty)."""
    tp = _unwrap(tp)
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return {}
    members = {}
    for arg in typing.get_args(tp):
        arg = _unwrap(arg)
        if _is_model(arg) and _TAG in arg.model_fields:
            for tag in typing.get_args(arg.model_fields[_TAG].annotation):
                members[tag] = arg
    return members


def _without_tags(loc: Sequence[object]) -> KeyPath:
    """A pydantic error location without the tags it inserts after a tagged-union item
    (``interventions[0].events_programme.budget`` -> ``interventions[0].budget``)."""
    tp: object = Scenario
    out: list[object] = []
    for part in loc:
        members = _tagged(tp)
        if members and part in members:
            tp = members[part]
            continue
        out.append(part)
        tp = _unwrap(tp)
        if _is_model(tp) and isinstance(part, str) and part in tp.model_fields:
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            tp = None
    return tuple(out)


def _model_at(loc: Sequence[object]) -> type[BaseModel] | None:
    """The schema model that the value at ``loc`` must be, if it is a model (a tag in ``loc``
    selects the member of a tagged union, as in pydantic's error locations)."""
    tp: object = Scenario
    for part in loc:
        members = _tagged(tp)
        if members and part in members:
            tp = members[part]
            continue
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if _is_model(tp):
            field = tp.model_fields.get(part)
            if field is None:
                return None
            tp = field.annotation
        elif origin is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if _is_model(tp) else None


def _unknown_key(loc: KeyPath) -> str:
    model = _model_at(loc[:-1])
    if model is None:
        return "unknown key"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; allowed keys: {', '.join(allowed)}"


def _describe(err: dict, loc: KeyPath) -> str:
    """A pydantic error as ``what was wrong (got X); what is allowed``."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    got = f"(got {_show(value)})"
    bounds = {
        "greater_than": ("gt", ">"),
        "greater_than_equal": ("ge", ">="),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if kind in bounds:
        name, sign = bounds[kind]
        return f"must be {sign} {_num(ctx[name])} {got}"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return f"must be an integer {got}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number {got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false {got}"
    if kind == "finite_number":
        return f"must be a finite number {got}"
    if kind.startswith(("date_", "datetime_")):
        return f"must be a date like 2019-01-07 {got}"
    if kind in ("string_type", "string_unicode"):
        return f"must be text {got}"
    if kind == "string_pattern_mismatch":
        if loc == ("name",):
            return f"{_NAME_RULE} {got}"
        return f"must match the pattern {ctx.get('pattern')} {got}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters (got {len(value)})"
    if kind == "string_too_short":
        return f"must be at least {ctx.get('min_length')} characters (got {len(value)})"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        allowed = re.findall(r"'([^']*)'", expected) or [expected]
        return f"must be one of {', '.join(allowed)} {got}"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "invalid_key":
        return f"keys must be text {got}"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        allowed = re.findall(r"'([^']*)'", ctx.get("expected_tags", ""))
        return f"must be one of {', '.join(allowed)} (got {_show(ctx.get('tag'))})"
    if kind == "union_tag_not_found":
        allowed = list(_tagged(_annotation_at(loc)))
        return f"required key is missing; one of {', '.join(allowed)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        model = _model_at(loc)
        keys = f"; allowed keys: {', '.join(model.model_fields)}" if model else ""
        return f"must be a mapping of keys {got}{keys}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list {got}"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    msg = str(err.get("msg", kind))
    return f"{msg[:1].lower()}{msg[1:]} {got}"


def _annotation_at(loc: Sequence[object]) -> object:
    """The declared type of the value at a key path without tags (None if unknown)."""
    parent = _model_at(loc[:-1]) if loc else None
    if loc and isinstance(loc[-1], int):
        holder = _model_at(loc[:-2]) if len(loc) >= 2 else None
        field = holder.model_fields.get(loc[-2]) if holder is not None else None
        if field is None:
            return None
        tp = _unwrap(field.annotation)
        return typing.get_args(tp)[0] if typing.get_origin(tp) is list else None
    field = parent.model_fields.get(loc[-1]) if parent is not None and loc else None
    return field.annotation if field is not None else None


def _validation_error(
    exc: ValidationError, label: str, lines: LineIndex, set_paths: Sequence[KeyPath]
) -> ScenarioError:
    """The first (by line) of pydantic's errors as a ScenarioError; overrides come first."""
    found = []
    for i, err in enumerate(exc.errors()):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        plain = _without_tags(loc)  # as the file spells it
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            plain = (*plain, _TAG)  # the problem is the item's `type`
        file, line = _origin(plain, label, lines, set_paths)
        found.append(((file != SET, line or 0, i), file, line, loc, plain, err))
    _, file, line, loc, shown, err = min(found, key=lambda f: f[0])
    if err["type"] == "invalid_key":  # the key itself is the problem: show it as a key
        shown = (*shown[:-1], str(shown[-1]))
    message = _describe(err, _without_tags(loc) if err["type"].startswith("union_") else loc)
    return ScenarioError(message, file=file, line=line, key_path=shown)


# ------------------------------------------------------------------------- scenarios
def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Read, override, validate a scenario file and build its town.

    A file with a top-level ``extends: other.yaml`` is first merged over the file it extends
    (see :func:`load_resolved`); ``overrides`` apply after the merge.

    Args:
        path: The scenario YAML file; error messages name it as given.
        overrides: ``key.path=value`` strings applied before validation (``--set``).

    Returns:
        The validated scenario. Its source file is kept (see :func:`scenario_source`) so that
        ``town.map_file`` resolves against the scenario's folder, and its town is built and
        cached, so map errors surface here.

    Raises:
        ScenarioError: For anything wrong in the file, the overrides or the map.
    """
    label = str(path)
    data, lines = load_resolved(path)
    set_paths = _apply_overrides(data, overrides)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, label, lines, set_paths) from exc
    scenario._source = Path(path).resolve()
    _build_town(scenario, label=label, lines=lines, set_paths=set_paths)
    return scenario


def with_overrides(scenario: Scenario, overrides: Sequence[str]) -> Scenario:
    """A copy of ``scenario`` with ``key.path=value`` overrides, validated like ``--set``.

    The copy keeps the source file of ``scenario`` (for ``town.map_file``).

    Raises:
        ScenarioError: With file ``--set`` for a bad override.
    """
    data = scenario.model_dump()
    set_paths = _apply_overrides(data, overrides)
    try:
        changed = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, SET, LineIndex(), set_paths) from exc
    changed._source = scenario._source
    _build_town(changed, label=SET, set_paths=set_paths)
    return changed


def scenario_source(scenario: Scenario) -> Path | None:
    """The absolute path of the file ``scenario`` was loaded from; None if built in code."""
    return scenario._source


def _display(path: Path) -> str:
    """A path relative to the working directory if it lies below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def build_town(scenario: Scenario) -> Town:
    """The :class:`~sim.town.maps.Town` of a scenario: its preset, inline map or map file.

    ``town.map_file`` is relative to the scenario file's folder (the working directory for a
    scenario built in code). The town is cached on the scenario and rebuilt only if the town
    settings or the map file change.

    Raises:
        ScenarioError: For a map problem, naming the line and column, or a missing map file.
    """
    return _build_town(scenario)


def _build_town(
    scenario: Scenario,
    *,
    label: str | None = None,
    lines: LineIndex | None = None,
    set_paths: Sequence[KeyPath] = (),
) -> Town:
    cfg = scenario.town
    source = scenario._source
    base = source.parent if source is not None else Path.cwd()
    map_path = (base / cfg.map_file) if cfg.map_file is not None else None
    stamp = None
    if map_path is not None:
        try:
            stat = map_path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
    key = (str(source), cfg.model_dump_json(), str(map_path), stamp)
    cached = scenario._town
    if cached is not None and cached[0] == key:
        return cached[1]

    lines = lines if lines is not None else LineIndex()
    if label is None and source is not None:
        label = _display(source)

    def fail(field: str, message: str, *, line: int | None = None) -> ScenarioError:
        """An error at ``town.<field>``: on ``line`` or the key's line, or in ``--set``."""
        file, key_line = _origin(("town", field), label, lines, set_paths)
        line = line if line is not None and file != SET else key_line
        return ScenarioError(message, file=file, line=line, key_path=("town", field))

    kwargs = {"floor_area_m2": cfg.floor_area_m2.model_dump(), "cell_size_m": cfg.cell_size_m}
    if cfg.map is not None:
        try:
            town = parse_map(cfg.map, name=scenario.name, **kwargs)
        except MapError as err:
            origin, _ = _origin(("town", "map"), label, lines, set_paths)
            first_row = lines.blocks.get(("town", "map")) if origin != SET else None
            if err.line is not None and first_row is not None:
                raise fail("map", _at(err, row=False), line=first_row + err.line - 1) from err
            raise fail("map", _at(err, row=True)) from err
    elif map_path is not None:
        shown = (
            os.path.normpath(os.path.join(os.path.dirname(label), cfg.map_file))
            if label is not None
            else _display(map_path)
        )
        try:
            text = _read_text(map_path)
        except _ReadError as exc:
            if exc.line is not None:
                raise ScenarioError(
                    exc.message, file=shown, line=exc.line, key_path="town.map_file"
                ) from None
            raise fail("map_file", f"map file {shown}: {exc.message}") from None
        try:
            town = parse_map(text, name=Path(cfg.map_file).stem, **kwargs)
        except MapError as err:
            raise ScenarioError(
                _at(err, row=False), file=shown, line=err.line, key_path="town.map_file"
            ) from err
    else:
        preset = cfg.preset or DEFAULT_PRESET
        try:
            town = load_preset(preset, **kwargs)
        except MapError as err:
            raise fail("preset", f"built-in map {preset}: {_at(err, row=True)}") from err
    scenario._town = (key, town)
    return town


def _at(err: MapError, *, row: bool) -> str:
    """A MapError's message prefixed by its place: ``column 7: ...`` or ``row 2, column 7: ...``."""
    place = []
    if row and err.line is not None:
        place.append(f"row {err.line}")
    if err.column is not None:
        place.append(f"column {err.column}")
    return f"{', '.join(place)}: {err.message}" if place else err.message

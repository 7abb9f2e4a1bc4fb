"""Reading YAML safely, with the file and line of every key.

:func:`load_yaml` reads a file with PyYAML's safe machinery only (``SafeLoader`` composition,
``SafeConstructor`` construction), so a scenario or experiment file can never create Python
objects, and records in a :class:`LineIndex` the line of every key and list item, so that each
later problem can name its line. Syntax errors, duplicate keys, undecodable bytes and a missing
file each become one :class:`~sim.errors.ScenarioError` line here.

Called by :mod:`sim.scenario.extends` (scenario files and their parents),
:mod:`sim.scenario.overrides` (``--set`` values, :func:`parse_value`), :mod:`sim.scenario.loading`
(map files, :func:`read_text`) and :mod:`sim.runs.spec` (experiment files).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.errors import SET, ScenarioError
from sim.files import UnreadableInput, read_input
from sim.limits import MAX_YAML_BYTES, MAX_YAML_NODES

__all__ = ["KeyPath", "LineIndex", "ReadError", "load_yaml", "parse_value", "read_text"]

KeyPath = tuple[object, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"


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


class _Constructor(SafeConstructor):
    """SafeConstructor that leaves an impossible date (2019-13-01) as text for validation,
    and refuses what no scenario holds: binary data, sets and ordered pairs (a ``!!binary``
    name would otherwise be decoded into text silently), and integers too long to convert."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)

    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # Python refuses to convert more than 4300 digits
            raise ConstructorError(None, None, "number with too many digits",
                                   node.start_mark) from None

    def refuse_tag(self, node):
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise ConstructorError(None, None, f"the tag {tag} is not allowed in binnenstad files; "
                               "write the value as plain text, numbers or lists",
                               node.start_mark)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
for _tag in ("binary", "set", "omap", "pairs"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _Constructor.refuse_tag)


class _TooLarge(yaml.YAMLError):
    """More YAML nodes than :data:`MAX_YAML_NODES`, counting each alias as a copy."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.problem = f"more than {MAX_YAML_NODES:,} values"


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts nodes as it composes them, each use of an alias as a copy of the
    node it names, and stops at :data:`MAX_YAML_NODES` (a billion-laughs file stops after a
    few hundred thousand nodes, not after exhausting the memory of what uses them). An alias
    inside the node it names (a recursive structure) is refused."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.nodes = 0
        self.sizes: dict[int, int] = {}  # id(node) -> nodes in it, aliases expanded

    def _count(self, n: int, mark) -> None:
        self.nodes += n
        if self.nodes > MAX_YAML_NODES:
            raise _TooLarge(mark.line + 1)

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                if id(target) not in self.sizes:
                    raise yaml.composer.ComposerError(
                        None, None, f"the alias *{event.anchor} is used inside the node it "
                        "names (a recursive structure)", event.start_mark)
                self._count(self.sizes[id(target)], event.start_mark)
            return super().compose_node(parent, index)
        before = self.nodes
        self._count(1, self.peek_event().start_mark)
        node = super().compose_node(parent, index)
        self.sizes[id(node)] = self.nodes - before
        return node


class ReadError(Exception):
    """A file could not be read as text; ``line`` is set for undecodable bytes."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_text(path: Path, max_bytes: int = MAX_YAML_BYTES) -> str:
    """A file's text (UTF-8, a byte-order mark dropped): a regular file of at most
    ``max_bytes`` bytes (:func:`sim.files.read_input`).

    Raises:
        ReadError: The file is missing, not a regular file, too large, unreadable or not UTF-8
            (with its line).
    """
    try:
        raw = read_input(path, max_bytes)
    except UnreadableInput as exc:
        raise ReadError(exc.message) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReadError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line
        ) from None


def _compose(text: str, label: str) -> Node | None:
    """Parse YAML text to a node tree; syntax errors become ScenarioErrors with their line."""
    loader = None
    try:
        loader = _Loader(text)
        return loader.get_single_node()
    except _TooLarge as exc:
        raise ScenarioError(
            f"too many YAML values (more than {MAX_YAML_NODES:,}, counting each use of an "
            "alias as a copy)", file=label, line=exc.line if label != SET else None) from None
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
    finally:
        if loader is not None:
            loader.dispose()


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
        text = read_text(Path(path))
    except ReadError as exc:
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
    # Never quote the value: the file may be anything but a scenario (extends: /etc/passwd).
    return "a list" if isinstance(node, SequenceNode) else "a single value"



def parse_value(text: str) -> object:
    """A YAML scalar or flow value (``5000``, ``kleinstad``, ``[1, 2]``) as the safe loader reads
    it; an empty text is None. Raises ``yaml.YAMLError`` for invalid YAML."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        return None if node is None else _Constructor().construct_document(node)
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()

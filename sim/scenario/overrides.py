"""``--set key.path=value``: command-line overrides of scenario values.

:func:`parse_override` splits and reads one override; :func:`apply_overrides` applies them to
a scenario's data before validation, starting a section the file leaves out from its schema
default. Called by :mod:`sim.scenario.loading` (``load_scenario``, ``with_overrides``) and
:mod:`sim.runs.design` (experiment parameters are key paths in the same syntax).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence

import yaml
from pydantic import BaseModel

from sim.errors import SET, ScenarioError, format_key_path, show_value
from sim.scenario.messages import model_at
from sim.scenario.yaml_lines import KeyPath, parse_value

__all__ = ["apply_overrides", "parse_override"]

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
        value = parse_value(raw)
    except yaml.YAMLError as exc:
        detail = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            f"invalid YAML value {raw!r}: {detail}", file=SET, key_path=key
        ) from None
    return tuple(path), value


def apply_overrides(data: dict, overrides: Sequence[str]) -> list[KeyPath]:
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
                    f"(got {show_value(node)})",
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
    model = model_at(path[:-1])
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


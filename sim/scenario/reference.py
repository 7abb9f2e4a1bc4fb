"""The scenario reference, generated from the schema: JSON Schema for editors, Markdown for people.

``docs/scenario.schema.json`` lets an editor complete and check scenario files while typing;
``docs/scenarios.md`` lists every key with its default, unit, range and source. Both are
generated from :mod:`sim.scenario.schema` and a test fails when the committed files are out of date.
Regenerate them with::

    .venv/bin/python -m sim.scenario.reference

This module also finds the settings in which two scenarios differ, with their documentation
(``binnenstad show`` and the comparison report use it).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel

from sim.errors import printable
from sim.scenario.schema import Scenario

__all__ = [
    "MARKDOWN_PATH",
    "SCHEMA_PATH",
    "differences",
    "field_doc",
    "flatten",
    "json_schema",
    "json_schema_text",
    "markdown",
    "show_text",
    "write_docs",
]

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARKDOWN_PATH = DOCS / "scenarios.md"
SCHEMA_PATH = DOCS / "scenario.schema.json"
SCHEMA_ID = "https://binnenstad.invalid/scenario.schema.json"  # an identifier, never fetched
_EXTENDS = {
    "type": "string",
    "description": "Another scenario file this one builds on, relative to this file. Mappings "
    "are merged key by key; other values, lists included, replace the other file's; `title` "
    "and `description` are never taken from the other file.",
}


# ------------------------------------------------------------------------ JSON Schema
def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of scenario files, ``extends`` included."""
    schema = Scenario.model_json_schema()
    properties = {"extends": _EXTENDS, **schema["properties"]}
    required = [k for k in schema.get("required", []) if k != "name"]
    out = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "binnenstad scenario",
        "description": schema.get("description", ""),
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        # A file that extends another may take its name from there.
        "anyOf": [{"required": ["name"]}, {"required": ["extends"]}],
    }
    if required:
        out["required"] = required
    out["$defs"] = schema.get("$defs", {})
    return out


def json_schema_text() -> str:
    """:func:`json_schema` as the text of ``docs/scenario.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- Markdown
def _resolve(schema: dict, defs: dict) -> dict:
    ref = schema.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else schema


def _non_null(schema: dict) -> tuple[list[dict], bool]:
    options = schema.get("anyOf", [schema])
    return [o for o in options if o.get("type") != "null"], any(
        o.get("type") == "null" for o in options)


def _type_text(schema: dict, defs: dict) -> str:
    options, nullable = _non_null(schema)
    texts = []
    for o in options:
        o = _resolve(o, defs) if "$ref" in o else o
        if "enum" in o:
            texts.append("one of " + ", ".join(f"`{v}`" for v in o["enum"]))
        elif "const" in o:
            texts.append(f"`{o['const']}`")
        elif o.get("format") == "date":
            texts.append("date")
        elif o.get("type") == "array":
            items = o.get("items") or o.get("prefixItems")
            if isinstance(items, dict) and "discriminator" in items:
                kinds = ", ".join(f"`{k}`" for k in items["discriminator"]["mapping"])
                texts.append(f"list of mappings (below), each with a `type`: {kinds}")
            elif isinstance(items, dict) and _object_of(items, defs) is not None:
                texts.append("list of mappings (below)")
            elif isinstance(items, list):
                texts.append(f"list of {len(items)} " + _type_text(items[0], defs) + "s")
            elif items:
                texts.append("list of " + _type_text(items, defs))
            else:
                texts.append("list")
        elif o.get("type") == "object" and "properties" in o:
            texts.append("mapping")
        elif o.get("type") == "object":
            texts.append("mapping")
        else:
            texts.append({"number": "number", "integer": "integer", "string": "text",
                          "boolean": "true/false"}.get(o.get("type"), o.get("type", "any")))
    text = " or ".join(texts) or "any"
    return text + (" or empty" if nullable else "")


def _range_text(schema: dict) -> str:
    options, _ = _non_null(schema)
    parts = []
    for o in options:
        for key, sign in (("exclusiveMinimum", ">"), ("minimum", ">="),
                          ("exclusiveMaximum", "<"), ("maximum", "<=")):
            if key in o:
                parts.append(f"{sign} {_number(o[key])}")
        if "maxLength" in o:
            parts.append(f"at most {o['maxLength']} characters")
        if "items" in o and isinstance(o["items"], dict):
            inner = _range_text(o["items"])
            if inner:
                parts.append(f"each {inner}")
    return ", ".join(parts)


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int) and abs(value) >= 10**6:
        return f"{value:.0e}".replace("e+0", "e").replace("e+", "e")
    return str(value)


def _default_text(prop: dict) -> str:
    if "default" not in prop:
        return "required" if prop.get("_required") else ""
    return "`" + json.dumps(prop["default"], ensure_ascii=False) + "`"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _object_of(schema: dict, defs: dict) -> dict | None:
    """The object schema a property holds (directly, as a reference or nullable)."""
    options, _ = _non_null(schema)
    if len(options) != 1:
        return None
    o = _resolve(options[0], defs)
    return o if o.get("type") == "object" and "properties" in o else None


def _ref_name(schema: dict) -> str | None:
    options, _ = _non_null(schema)
    ref = options[0].get("$ref") if len(options) == 1 else None
    return ref.rsplit("/", 1)[-1] if ref else None


def _models() -> dict[str, type[BaseModel]]:
    """Every model class of the schema by name (the names of the JSON Schema's ``$defs``)."""
    import typing

    found: dict[str, type[BaseModel]] = {}

    def visit(tp: object) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp.__name__ in found:
                return
            found[tp.__name__] = tp
            for f in tp.model_fields.values():
                visit(f.annotation)
        for arg in typing.get_args(tp):
            visit(arg)

    visit(Scenario)
    return found


def _sections(schema: dict, defs: dict, path: str, title: str, model: str | None,
              out: list[tuple[str, str, dict, str | None]]) -> None:
    """Collect (path, title, object schema, model name) of every mapping, depth first."""
    out.append((path, title, schema, model))
    for key, prop in schema.get("properties", {}).items():
        sub = f"{path}.{key}" if path else key
        obj = _object_of(prop, defs)
        if obj is not None:
            _sections(obj, defs, sub, obj.get("description", ""), _ref_name(prop), out)
            continue
        options, _ = _non_null(prop)
        for o in options:
            if o.get("type") == "array" and isinstance(o.get("items"), dict):
                items = o["items"]
                if "discriminator" in items:
                    for value, ref in items["discriminator"]["mapping"].items():
                        name = ref.rsplit("/", 1)[-1]
                        _sections(defs[name], defs, f"{sub}[] (type: {value})",
                                  defs[name].get("description", ""), name, out)
                else:
                    member = _object_of(items, defs)
                    if member is not None:
                        _sections(member, defs, f"{sub}[]", member.get("description", ""),
                                  _ref_name(items), out)
            elif o.get("type") == "object" and isinstance(o.get("additionalProperties"), dict):
                member = _object_of(o["additionalProperties"], defs)
                if member is not None:
                    _sections(member, defs, f"{sub}.<name>", member.get("description", ""),
                              _ref_name(o["additionalProperties"]), out)


def _factory_default(model: type[BaseModel] | None, key: str) -> str:
    """The default of a field that pydantic's JSON Schema leaves out (a default factory)."""
    field = model.model_fields.get(key) if model is not None else None
    if field is None or field.default_factory is None:
        return ""
    from pydantic import TypeAdapter

    value = field.get_default(call_default_factory=True)
    value = TypeAdapter(type(value)).dump_python(value, mode="json")
    if value in ([], {}):
        return "`" + json.dumps(value) + "`"
    return "`" + json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) + "`"


def markdown() -> str:
    """``docs/scenarios.md``: every key of a scenario file with its type, default, unit, range
    and meaning (with its source), generated from the schema."""
    schema = json_schema()
    defs = schema["$defs"]
    sections: list[tuple[str, str, dict, str | None]] = []
    _sections(schema, defs, "", "The top level of a scenario file.", "Scenario", sections)
    models = _models()
    lines = [
        "# Scenario reference",
        "",
        "<!-- Generated from sim/scenario/schema.py by `python -m sim.scenario.reference`; "
        "do not edit by hand. "
        "A test fails when this file is out of date. -->",
        "",
        "Every key a scenario file may contain, with its type, default, unit, allowed range and "
        "meaning. The meaning names the source of the default (a study, a statistic, or "
        "\"Assumption\" with its reason). Keys left out take their default. A file may start "
        "with `extends: other.yaml` to build on another scenario (see README.md). Editors can "
        "check files while typing with the JSON Schema in "
        "[scenario.schema.json](scenario.schema.json).",
        "",
        "Units: `share` is a fraction from 0 to 1, `-` is dimensionless, EUR amounts are in "
        "euros of the scenario's years.",
        "",
    ]
    for path, title, obj, model_name in sections:
        model = models.get(model_name) if model_name else None
        heading = f"`{path}`" if path else "Top level"
        lines += [f"## {heading}", ""]
        if title:
            lines += [_cell(title), ""]
        lines += ["| key | type | default | unit | range | meaning and source |",
                  "|---|---|---|---|---|---|"]
        required = set(obj.get("required", []))
        for key, prop in obj.get("properties", {}).items():
            shown = _object_of(prop, defs)
            kind = "mapping (below)" if shown is not None else _type_text(prop, defs)
            default = _default_text({**prop, "_required": key in required})
            if not default and (shown is None or _has_required(shown)):
                default = _factory_default(model, key)
            if path == "" and key == "name":
                default = "required (or from `extends`)"
            unit = prop.get("unit", "")
            meaning = prop.get("description") or (shown or {}).get("description", "")
            lines.append(
                f"| `{key}` | {_cell(kind)} | {_cell(default)} | {_cell(unit)} | "
                f"{_cell(_range_text(prop))} | {_cell(meaning)} |")
        lines.append("")
    return "\n".join(lines)


def _has_required(obj: dict) -> bool:
    return bool(obj.get("required"))


def write_docs() -> list[Path]:
    """Write ``docs/scenarios.md`` and ``docs/scenario.schema.json``; return their paths."""
    from sim.files import atomic_write_text

    atomic_write_text(MARKDOWN_PATH, markdown())
    atomic_write_text(SCHEMA_PATH, json_schema_text())
    return [MARKDOWN_PATH, SCHEMA_PATH]


# ------------------------------------------------------------------------ differences
def flatten(value: object, prefix: str = "") -> dict[str, object]:
    """Plain data as ``{"economy.online_share.daily[0].share": 0.1, ...}`` (leaves only)."""
    out: dict[str, object] = {}
    if isinstance(value, dict) and value:
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


_NOT_SET = "(not set)"


def differences(a: Scenario, b: Scenario, skip: Iterable[str] = ()
                ) -> list[tuple[str, object, object]]:
    """Settings in which ``b`` differs from ``a``: ``(key path, a's value, b's value)``.

    Mappings are compared key by key and lists item by item; an item only one side has (an
    added instrument, say) is one difference with the whole item. A side without the setting
    shows ``"(not set)"``.

    Args:
        a, b: Two scenarios.
        skip: Top-level keys to leave out (e.g. ``name``).
    """
    skip = set(skip)
    data_a = {k: v for k, v in a.model_dump(mode="json").items() if k not in skip}
    data_b = {k: v for k, v in b.model_dump(mode="json").items() if k not in skip}
    out: list[tuple[str, object, object]] = []
    _diff(data_a, data_b, "", out)
    return out


def _diff(a: object, b: object, path: str, out: list) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            _diff(a.get(key, _NOT_SET), b.get(key, _NOT_SET), f"{path}.{key}" if path else key,
                  out)
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            _diff(a[i] if i < len(a) else _NOT_SET, b[i] if i < len(b) else _NOT_SET,
                  f"{path}[{i}]", out)
    elif a != b:
        out.append((path, a, b))


_SEGMENT = re.compile(r"[^.\[\]]+|\[\d+\]")


def field_doc(path: str | Sequence[object], *scenarios: Scenario) -> str:
    """The schema's description (with its source) and unit of the setting at ``path``.

    List items are looked up in the given scenarios, so that an instrument's fields are found
    by its ``type``; without scenarios, list items of one kind are looked up by their type.
    """
    parts = [int(s[1:-1]) if s.startswith("[") else s
             for s in _SEGMENT.findall(path)] if isinstance(path, str) else list(path)
    for scenario in (*scenarios, None):
        doc = _doc_in(parts, scenario)
        if doc is not None:
            return doc
    return ""


def _doc_in(parts: list, scenario: Scenario | None) -> str | None:
    from sim.scenario.messages import model_at

    obj: object = scenario
    model: type[BaseModel] | None = Scenario
    field = None
    for i, part in enumerate(parts):
        if isinstance(part, int):
            if isinstance(obj, list) and part < len(obj):
                obj = obj[part]
                model = type(obj) if isinstance(obj, BaseModel) else None
            else:
                obj = None
                model = model_at(parts[: i + 1])
            continue
        if model is None or part not in model.model_fields:
            return None
        field = model.model_fields[part]
        obj = getattr(obj, part, None) if isinstance(obj, BaseModel) else None
        model = type(obj) if isinstance(obj, BaseModel) else model_at(parts[: i + 1])
    if field is None:
        return None
    unit = (field.json_schema_extra or {}).get("unit") if isinstance(
        field.json_schema_extra, dict) else None
    text = field.description or ""
    return f"{text} [{unit}]" if unit and unit != "-" else text


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.scenario.reference``: regenerate docs/scenarios.md and
    docs/scenario.schema.json."""
    for path in write_docs():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ------------------------------------------------------------------------------- show
def show_text(path: str, overrides: Sequence[str] = ()) -> str:
    """``binnenstad show``: the resolved scenario as YAML, then (as YAML comments) how it
    differs from the file it extends.

    Raises:
        ScenarioError: For anything wrong in the file, the files it extends or the overrides.
    """
    from sim.scenario.loading import load_scenario, scenario_parent

    scenario = load_scenario(path, overrides)
    parent_path = scenario_parent(path)
    data = scenario.model_dump(mode="json")
    # One comment line whatever the path and the overrides hold (a newline in a --set value
    # would end the comment and put the rest into the YAML).
    lines = [printable(f"# {path}, fully resolved"
                       + (f" (extends {parent_path})" if parent_path else "")
                       + (f" with --set {' --set '.join(overrides)}" if overrides else ""))]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    lines.append(text.rstrip("\n"))
    if parent_path is None:
        lines.append("# does not extend another file")
    else:
        parent = load_scenario(parent_path)
        diffs = differences(parent, scenario)
        lines.append(printable(f"# differences from {parent_path}: {len(diffs) or 'none'}"))
        lines.extend(printable(f"#   {key}: {_inline(old)} -> {_inline(new)}")
                     for key, old, new in diffs)
    return "\n".join(lines) + "\n"


def _inline(value: object, width: int = 70) -> str:
    """A value on one line, as YAML flow would show it; long text is shortened."""
    if value == _NOT_SET:
        return value
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6,
                              allow_unicode=True).strip()
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= width else text[: width - 4] + '..."'
    return json.dumps(value)

"""What a validation error says: pydantic's errors as one line naming the key, what was wrong
and what is allowed, located in the scenario file or in ``--set``.

:func:`validation_error` picks the first problem (overrides first, then by line) and words it
with :func:`describe_error`; :func:`model_at` finds the schema model at a key path (for "did you
mean" hints and for defaults). Called by :mod:`sim.scenario.loading`,
:mod:`sim.scenario.overrides`, :mod:`sim.scenario.reference` and, for experiment files, by
:mod:`sim.runs.spec` and :mod:`sim.runs.design`.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ValidationError

from sim.errors import SET, ScenarioError, show_value
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import KeyPath, LineIndex

__all__ = ["TAG", "describe_error", "model_at", "origin", "validation_error", "without_tags"]

_NAME_RULE = "must start with a letter or digit and contain only letters, digits, _ . -"


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


TAG = "type"  # the key that says which kind of instrument or shock a list item is


def tagged_members(tp: object) -> dict[str, type[BaseModel]]:
    """``{tag: model}`` of a union of models told apart by their ``type`` (else empty)."""
    tp = _unwrap(tp)
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return {}
    members = {}
    for arg in typing.get_args(tp):
        arg = _unwrap(arg)
        if _is_model(arg) and TAG in arg.model_fields:
            for tag in typing.get_args(arg.model_fields[TAG].annotation):
                members[tag] = arg
    return members


def without_tags(loc: Sequence[object]) -> KeyPath:
    """A pydantic error location without the tags it inserts after a tagged-union item
    (``interventions[0].events_programme.budget`` -> ``interventions[0].budget``)."""
    tp: object = Scenario
    out: list[object] = []
    for part in loc:
        members = tagged_members(tp)
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


def model_at(loc: Sequence[object]) -> type[BaseModel] | None:
    """The schema model that the value at ``loc`` must be, if it is a model (a tag in ``loc``
    selects the member of a tagged union, as in pydantic's error locations)."""
    tp: object = Scenario
    for part in loc:
        members = tagged_members(tp)
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
    model = model_at(loc[:-1])
    if model is None:
        return "unknown key"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; allowed keys: {', '.join(allowed)}"


def describe_error(err: dict, loc: KeyPath) -> str:
    """A pydantic error as ``what was wrong (got X); what is allowed``."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    got = f"(got {show_value(value)})"
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
        return f"must be one of {', '.join(allowed)} (got {show_value(ctx.get('tag'))})"
    if kind == "union_tag_not_found":
        allowed = list(tagged_members(_annotation_at(loc)))
        return f"required key is missing; one of {', '.join(allowed)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        model = model_at(loc)
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
    parent = model_at(loc[:-1]) if loc else None
    if loc and isinstance(loc[-1], int):
        holder = model_at(loc[:-2]) if len(loc) >= 2 else None
        field = holder.model_fields.get(loc[-2]) if holder is not None else None
        if field is None:
            return None
        tp = _unwrap(field.annotation)
        return typing.get_args(tp)[0] if typing.get_origin(tp) is list else None
    field = parent.model_fields.get(loc[-1]) if parent is not None and loc else None
    return field.annotation if field is not None else None


def validation_error(
    exc: ValidationError, label: str, lines: LineIndex, set_paths: Sequence[KeyPath]
) -> ScenarioError:
    """The first (by line) of pydantic's errors as a ScenarioError; overrides come first."""
    found = []
    for i, err in enumerate(exc.errors()):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        plain = without_tags(loc)  # as the file spells it
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            plain = (*plain, TAG)  # the problem is the item's `type`
        file, line = origin(plain, label, lines, set_paths)
        found.append(((file != SET, line or 0, i), file, line, loc, plain, err))
    _, file, line, loc, shown, err = min(found, key=lambda f: f[0])
    if err["type"] == "invalid_key":  # the key itself is the problem: show it as a key
        shown = (*shown[:-1], str(shown[-1]))
    message = describe_error(err, without_tags(loc) if err["type"].startswith("union_") else loc)
    return ScenarioError(message, file=file, line=line, key_path=shown)


def origin(
    loc: KeyPath, label: str | None, lines: LineIndex, set_paths: Sequence[KeyPath]
) -> tuple[str | None, int | None]:
    """Which input a problem at ``loc`` comes from: the file (with its line) or ``--set``.

    Args:
        loc: The key path of the problem, as the file spells it.
        label: The file as the user named it (for a key no line is known of).
        lines: Where each key of the file (and of the files it extends) is.
        set_paths: The key paths that ``--set`` overrides set.
    """
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



def spec_problem(exc: ValidationError, label: str, lines: LineIndex,
                 model_at_loc: Callable[[KeyPath], type[BaseModel] | None],
                 prefix: KeyPath = ()) -> ScenarioError:
    """The first (by line) problem of a file read into a pydantic model other than a scenario
    (an experiment, a calibration, its targets) as a one-line error.

    Args:
        exc: pydantic's errors.
        label: The file as the user named it.
        lines: The line of every key of that file.
        model_at_loc: The model a key path of that file leads to (None if none), for the
            allowed keys of an unknown or non-mapping value.
        prefix: Prepended to every error's location (a part of a larger file).
    """
    found = []
    for i, err in enumerate(exc.errors()):
        loc = (*prefix, *(p for p in err["loc"] if p != "[key]"))
        line = lines.nearest(loc)
        # A misspelt key explains a missing one: report unknown keys first.
        found.append((err["type"] == "missing", line or 0, i, line, loc, err))
    *_, line, loc, err = min(found, key=lambda f: f[:3])
    if err["type"] == "extra_forbidden":
        model = model_at_loc(loc[:-1])
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        message = (f"unknown key; did you mean {close[0]!r}?" if close
                   else f"unknown key; allowed keys: {', '.join(allowed)}")
    elif err["type"] == "missing":
        message = "required key is missing"
    elif err["type"] in ("model_type", "dict_type") and model_at_loc(loc):
        keys = ", ".join(model_at_loc(loc).model_fields)
        message = (f"must be a mapping of keys (got {show_value(err.get('input'))}); "
                   f"allowed keys: {keys}")
    else:
        message = describe_error(err, loc)
    return ScenarioError(message, file=label, line=line, key_path=loc)

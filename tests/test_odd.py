"""docs/ODD.md stays true to the code: every scenario parameter is documented under its key
path, and the schedule of section 3 is the order of the calls in ``CityCentre.step``.

Key-path convention (stated in docs/ODD.md, "Conventions"):

- nested settings are written as dotted paths, e.g. ``economy.choice.visit_elasticity``;
- a parameter given per category (sector, purpose, home, entry kind, income or taste class,
  premises symbol: the models in ``CATEGORY_MODELS``) is one table row that names the group's
  path and every category, e.g. ``economy.shops.gross_margin`` with comparison, daily, ...;
- dict- and list-valued fields are documented as the field itself (``culture.kinds``,
  ``economy.online_share.comparison``), except lists of items: funding rounds are
  ``funding[].<field>``; instruments and shocks are ``<type>.<field>`` (e.g.
  ``vacancy_ordinance.penalty_eur_per_m2``), and the fields every instrument and shock shares
  are ``interventions[].<field>`` and ``shocks[].<field>``.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
import typing
from pathlib import Path

from pydantic import BaseModel

from sim.model.model import CityCentre
from sim.scenario import fields, interventions, schema
from sim.scenario.municipality import FundingRound
from sim.scenario.population import EntryShares, IncomeShares, TasteShares
from sim.scenario.town import FloorArea

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
#: Models whose fields are categories of one parameter (documented as one row).
CATEGORY_MODELS = (fields.PerSector, fields.PerPurpose, fields.PerGroup, EntryShares,
                   IncomeShares, TasteShares, FloorArea)


def _models(annotation) -> list[type[BaseModel]]:
    """Pydantic models inside an annotation (unions and Annotated unwrapped)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out = []
    for arg in typing.get_args(annotation):
        out += _models(arg)
    return out


def _is_container(annotation) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, dict, tuple):
        return True
    return any(_is_container(a) for a in typing.get_args(annotation)
               if typing.get_origin(annotation) is not None)


def required_paths() -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(plain key paths, category groups as (path, category names)) of the Scenario schema."""
    plain: list[str] = []
    groups: list[tuple[str, list[str]]] = []
    base = set(interventions.Intervention.model_fields)

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            path = f"{prefix}{name}"
            ann = field.annotation
            if path in ("interventions", "shocks"):
                plain.extend(f"{path}[].{f}" for f in sorted(base | {"type"}))
                for item in _models(ann):
                    kind = typing.get_args(item.model_fields["type"].annotation)[0]
                    for sub, sub_field in item.model_fields.items():
                        if sub in base or sub == "type":
                            continue
                        walk_field(f"{kind}.{sub}", sub_field.annotation)
                continue
            if path == "funding":
                walk(FundingRound, "funding[].")
                continue
            walk_field(path, ann)

    def walk_field(path: str, ann) -> None:
        models = _models(ann)
        if len(models) == 1 and not _is_container(ann):
            model = models[0]
            if issubclass(model, CATEGORY_MODELS):
                groups.append((path, list(model.model_fields)))
            else:
                walk(model, f"{path}.")
        else:
            plain.append(path)

    walk(schema.Scenario, "")
    return plain, groups


def test_the_walk_covers_the_schema():
    plain, groups = required_paths()
    assert "economy.choice.visit_elasticity" in plain
    assert "landlords.institutional.valuation_floor" in plain
    assert "vacancy_ordinance.penalty_eur_per_m2" in plain
    assert "lockdown.online_jump" in plain
    assert "interventions[].start" in plain and "shocks[].end" in plain
    assert "funding[].match_share" in plain
    assert "culture.kinds" in plain and "economy.online_share.comparison" in plain
    assert ("economy.shops.gross_margin", list(fields.SECTORS)) in groups
    assert ("lockdown.footfall_multiplier", list(fields.PURPOSES)) in groups
    assert len(plain) + len(groups) > 150


def test_every_scenario_parameter_is_in_the_odd():
    text = ODD.read_text(encoding="utf-8")
    lines = text.splitlines()
    plain, groups = required_paths()
    missing = [p for p in plain if f"`{p}`" not in text]
    for path, categories in groups:
        rows = [line for line in lines if f"`{path}`" in line]
        if not any(all(re.search(rf"\b{re.escape(c)}\b", row) for c in categories)
                   for row in rows):
            missing.append(f"{path} (one row naming {', '.join(categories)})")
    assert not missing, "not documented in docs/ODD.md:\n" + "\n".join(missing)


def _step_calls() -> list[str]:
    """Method calls on ``self`` in ``CityCentre.step``, in source order (dotted for chains)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(CityCentre.step)))
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            parts, value = [node.func.attr], node.func.value
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id == "self":
                calls.append((node.lineno, node.col_offset, ".".join(reversed(parts))))
    return [name for *_, name in sorted(calls)]


def _odd_schedule() -> list[str]:
    """The numbered items of ODD section 3, each starting with its call: "1. `name()`"."""
    text = ODD.read_text(encoding="utf-8")
    section = re.search(r"^## 3 .*?$(.*?)^## 4 ", text, re.S | re.M)
    assert section, "docs/ODD.md has no section 3 followed by section 4"
    return re.findall(r"^\d+\. `([\w.]+)\(\)`", section.group(1), re.M)


def test_schedule_in_the_odd_matches_step():
    calls = _step_calls()
    assert calls[:3] == ["conditions.update", "shocks.strike", "municipality.act"]
    assert "datacollector.collect" in calls
    assert _odd_schedule() == calls

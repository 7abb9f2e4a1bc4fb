"""The scenario reference and JSON Schema are generated from the schema and kept up to date;
`binnenstad schema` and `binnenstad show`."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from pydantic import BaseModel

from sim.cli.main import main
from sim.scenario.loading import load_scenario, load_yaml
from sim.scenario.reference import (
    MARKDOWN_PATH,
    SCHEMA_PATH,
    differences,
    field_doc,
    flatten,
    json_schema,
    json_schema_text,
    markdown,
)
from sim.scenario.schema import Scenario

REGENERATE = "run `.venv/bin/python -m sim.scenario.reference` and commit docs/"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_docs_scenarios_md_is_up_to_date():
    assert MARKDOWN_PATH.read_text(encoding="utf-8") == markdown(), REGENERATE


def test_docs_json_schema_is_up_to_date():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == json_schema_text(), REGENERATE


def _models(tp: object, found: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel) and tp.__name__ not in found:
        found[tp.__name__] = tp
        for f in tp.model_fields.values():
            _models(f.annotation, found)
    for arg in typing.get_args(tp):
        _models(arg, found)
    return found


def test_reference_lists_every_key_with_its_default_unit_and_source():
    text = markdown()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    for model in _models(Scenario, {}).values():
        for key, field in model.model_fields.items():
            matching = [r for r in rows if r.startswith(f"| `{key}` |")]
            assert matching, f"{model.__name__}.{key} missing"
            if field.description:
                assert any(field.description.split(".")[0] in r for r in matching), key
    agents = next(r for r in rows if r.startswith("| `agents` |"))
    assert "| integer or empty |" in agents and "> 0" in agents
    rent_share = next(r for r in rows if r.startswith("| `rent_share` |"))
    assert "`0.5`" in rent_share and "| share |" in rent_share and "Koster" in rent_share
    assert "## `interventions[] (type: biz)`" in text
    assert "| `extends` | text |" in text


def _as_json(data):
    return json.loads(json.dumps(data, default=str))  # dates as text, as an editor sees them


def test_json_schema_accepts_every_scenario_file_and_rejects_mistakes():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    assert files
    for path in files:
        data, _ = load_yaml(path)
        assert list(validator.iter_errors(_as_json(data))) == [], path.name
    assert validator.is_valid({"extends": "baseline.yaml"})  # the name may come from the parent
    assert not validator.is_valid({"description": "no name, no extends"})
    assert not validator.is_valid({"name": "x", "population": {"agnts": 5}})
    assert not validator.is_valid({"name": "x", "population": {"agents": -5}})
    assert not validator.is_valid({"name": "x", "interventions": [{"type": "tax_cut",
                                                                   "start": "2020-01-06"}]})
    assert validator.is_valid({"name": "x", "interventions": [{"type": "biz",
                                                               "start": "2020-01-06"}]})


def test_cli_schema(capsys, tmp_path):
    code, out, err = run(capsys, "schema")
    assert (code, err) == (0, "")
    assert json.loads(out) == json_schema()
    code, out, _ = run(capsys, "schema", "--markdown")
    assert (code, out) == (0, markdown())
    code, out, _ = run(capsys, "schema", "--out", tmp_path / "s.json")
    assert code == 0 and out == f"wrote {tmp_path / 's.json'}\n"
    assert (tmp_path / "s.json").read_text() == json_schema_text()


# ------------------------------------------------------------------------ differences
def test_flatten_and_differences():
    assert flatten({"a": {"b": 1, "c": [{"d": 2}, 3]}, "e": []}) == {
        "a.b": 1, "a.c[0].d": 2, "a.c[1]": 3, "e": []}
    a = Scenario(name="a")
    b = Scenario.model_validate({"name": "b", "economy": {"rent": {"level": 0.7}}})
    level = a.economy.rent.level  # the calibrated default
    assert differences(a, b) == [("name", "a", "b"), ("economy.rent.level", level, 0.7)]
    assert differences(a, b, skip=("name",)) == [("economy.rent.level", level, 0.7)]


def test_field_doc():
    from sim.scenario.population import Population

    assert field_doc("population.agents") == (
        f"{Population.model_fields['agents'].description} [agents]")
    assert field_doc("economy.online_share.daily[1].share") == field_doc(
        "economy.online_share.daily[0].share")
    scenario = Scenario.model_validate({"name": "x", "interventions": [
        {"type": "starter_support", "start": "2020-01-06"}]})
    assert "Koster" in field_doc("interventions[0].rent_share", scenario)
    assert "[share]" in field_doc("interventions[0].rent_share", scenario)
    assert field_doc("no.such.key") == ""


# ------------------------------------------------------------------------------- show
def test_show_resolves_extends_and_lists_differences(write, capsys):
    write("s/base.yaml", "name: base\nyears: 3\npopulation:\n  agents: 2000\n")
    write("s/x.yaml", "extends: base.yaml\nname: x\neconomy:\n  rent:\n    level: 0.8\n")
    code, out, err = run(capsys, "show", "s/x.yaml")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "# s/x.yaml, fully resolved (extends s/base.yaml)"
    resolved = yaml.safe_load(out)  # the differences are comments: the output is a scenario
    assert resolved["population"]["agents"] == 2000 and resolved["years"] == 3
    assert resolved["economy"]["rent"]["level"] == 0.8
    assert resolved == load_scenario("s/x.yaml").model_dump(mode="json")
    level = Scenario(name="d").economy.rent.level  # the calibrated default
    assert lines[-3:] == ["# differences from s/base.yaml: 2", '#   name: "base" -> "x"',
                          f"#   economy.rent.level: {level} -> 0.8"]
    Path("resolved.yaml").write_text(out)
    assert load_scenario("resolved.yaml").model_dump() == load_scenario("s/x.yaml").model_dump()


def test_show_with_overrides_and_without_extends(write, capsys):
    write("b.yaml", "name: b\n")
    code, out, _ = run(capsys, "show", "b.yaml", "--set", "years=2")
    assert code == 0
    assert out.splitlines()[0] == "# b.yaml, fully resolved with --set years=2"
    assert out.splitlines()[-1] == "# does not extend another file"
    assert yaml.safe_load(out)["years"] == 2
    code, out, err = run(capsys, "show", "b.yaml", "--set", "yeers=2")
    assert (code, out, err) == (2, "", "--set yeers: unknown key; did you mean 'years'?\n")
    code, out, err = run(capsys, "show", "missing.yaml")
    assert (code, out, err) == (2, "", "missing.yaml: file not found\n")

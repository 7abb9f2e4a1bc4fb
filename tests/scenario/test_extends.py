"""`extends`: a scenario file built on another; errors still point at the right FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY_MAP

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.scenario.loading import (
    build_town,
    load_resolved,
    load_scenario,
    scenario_parent,
    scenario_source,
)

BASE = """\
name: base
years: 3
seed: 7
town:
  preset: kleinstad
population:
  agents: 2000
  online_propensity_sigma: 0.2
economy:
  online_share:
    daily:
      - {year: 2015, share: 0.05}
      - {year: 2019, share: 0.10}
      - {year: 2030, share: 0.20}
"""


def error_of(path, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_deep_merge_lists_replace_and_chains(write):
    write("s/base.yaml", BASE)
    write("s/mid.yaml", "extends: base.yaml\nname: mid\npopulation:\n  agents: 3000\n")
    write("s/deep/top.yaml", """\
extends: ../mid.yaml
name: top
economy:
  online_share:
    daily:
      - {year: 2015, share: 0.3}
""")
    top = load_scenario("s/deep/top.yaml")
    assert (top.name, top.years, top.seed) == ("top", 3, 7)  # name from child, rest inherited
    assert top.population.agents == 3000  # from mid
    assert top.population.online_propensity_sigma == 0.2  # from base: mappings merge key by key
    assert [(p.year, p.share) for p in top.economy.online_share.daily] == [(2015, 0.3)]
    assert top.town.preset == "kleinstad"
    assert scenario_source(top) == Path("s/deep/top.yaml").resolve()
    mid = load_scenario("s/mid.yaml")
    assert len(mid.economy.online_share.daily) == 3  # untouched list inherited whole
    data, _ = load_resolved("s/mid.yaml")
    assert "extends" not in data
    assert list(data) == ["name", "years", "seed", "town", "population", "economy"]


def test_title_and_description_are_the_files_own(write):
    write("s/base.yaml", "title: Nothing done\ndescription: No intervention at all.\n" + BASE)
    write("s/x.yaml", "extends: base.yaml\nname: x\n")
    write("s/y.yaml", "extends: base.yaml\nname: y\ntitle: Ordinance\ndescription: With it.\n")
    x, y = load_scenario("s/x.yaml"), load_scenario("s/y.yaml")
    assert (x.title, x.description, x.seed) == ("", "", 7)  # not "Nothing done": the rest is
    assert (y.title, y.description) == ("Ordinance", "With it.")
    assert load_scenario("s/base.yaml").title == "Nothing done"


def test_scenario_parent(write):
    write("s/base.yaml", BASE)
    write("s/x.yaml", "extends: base.yaml\nname: x\n")
    assert scenario_parent("s/x.yaml") == str(Path("s/base.yaml"))
    assert scenario_parent("s/base.yaml") is None


def test_error_in_inherited_key_names_the_parent_file_and_line(write):
    write("s/base.yaml", BASE.replace("online_propensity_sigma: 0.2",
                                      "online_propensity_sigma: 4.5"))
    write("s/x.yaml", "# child\nextends: base.yaml\nname: x\n")
    assert error_of("s/x.yaml") == (
        "s/base.yaml:8: population.online_propensity_sigma: must be <= 3 (got 4.5)")


def test_error_in_a_child_key_names_the_child_line(write):
    write("s/base.yaml", BASE)
    write("s/x.yaml", "extends: base.yaml\nname: x\npopulation:\n  agents: -1\n")
    assert error_of("s/x.yaml") == "s/x.yaml:4: population.agents: must be > 0 (got -1)"
    write("s/y.yaml", "extends: base.yaml\nname: y\npopulation:\n  agnts: 5\n")
    assert error_of("s/y.yaml") == (
        "s/y.yaml:4: population.agnts: unknown key; did you mean 'agents'?")


def test_error_in_the_middle_of_a_chain(write):
    write("s/base.yaml", BASE)
    write("s/mid.yaml", "extends: base.yaml\nname: mid\n\nyears: 0\n")
    write("s/top.yaml", "extends: mid.yaml\nname: top\n")
    assert error_of("s/top.yaml") == "s/mid.yaml:4: years: must be >= 1 (got 0)"
    # the child fixes what the parent got wrong
    write("s/ok.yaml", "extends: mid.yaml\nname: ok\nyears: 2\n")
    assert load_scenario("s/ok.yaml").years == 2


def test_inherited_list_item_error_names_parent_line(write):
    write("s/base.yaml", BASE.replace("share: 0.20}", "share: 2}"))
    write("s/x.yaml", "extends: base.yaml\nname: x\neconomy:\n  rent: {level: 1}\n")
    assert error_of("s/x.yaml") == (
        "s/base.yaml:14: economy.online_share.daily[2].share: must be <= 1 (got 2)")


def test_yaml_error_in_parent_names_parent(write):
    write("s/base.yaml", "name: b\npopulation:\n  agents: 5\n   foo: 3\n")
    write("s/x.yaml", "extends: base.yaml\nname: x\n")
    assert error_of("s/x.yaml") == (
        "s/base.yaml:4: invalid YAML: mapping values are not allowed here (column 7)")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.yaml": "name: a\nextends: a.yaml\n"},
         "a.yaml:2: extends: extends files in a cycle: a.yaml -> a.yaml"),
        ({"a.yaml": "name: a\nextends: b.yaml\n", "b.yaml": "extends: sub/../c.yaml\n",
          "c.yaml": "\nextends: a.yaml\n"},
         "c.yaml:2: extends: extends files in a cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml"),
        ({"a.yaml": "name: a\nextends: nope.yaml\n"},
         "a.yaml:2: extends: nope.yaml: file not found"),
        ({"a.yaml": "name: a\nextends: [b.yaml]\n"},
         "a.yaml:2: extends: must be the name of a scenario file, e.g. extends: baseline.yaml "
         "(got a list)"),
        ({"a.yaml": "name: a\nextends:\n"},
         "a.yaml:2: extends: must be the name of a scenario file, e.g. extends: baseline.yaml "
         "(got null)"),
    ],
    ids=["self", "three-cycle", "missing", "list", "null"],
)
def test_bad_extends(write, files, expected):
    for name, text in files.items():
        write(name, text)
    assert error_of("a.yaml") == expected


def test_overrides_apply_after_the_merge(write):
    write("s/base.yaml", BASE)
    write("s/x.yaml", "extends: base.yaml\nname: x\npopulation:\n  agents: 3000\n")
    x = load_scenario("s/x.yaml", ["population.agents=2500",
                                   "population.online_propensity_sigma=0.3",
                                   "economy.online_share.daily[1].share=0.5"])
    assert (x.population.agents, x.population.online_propensity_sigma) == (2500, 0.3)
    assert [p.share for p in x.economy.online_share.daily] == [0.05, 0.5, 0.2]
    assert error_of("s/x.yaml", ["years=0"]) == "--set years: must be >= 1 (got 0)"
    assert error_of("s/x.yaml", ["extends=base.yaml"]).startswith("--set extends: unknown key")


def test_child_town_source_replaces_the_parents(write):
    write("s/maps/m.txt", TINY_MAP)
    write("s/base.yaml", "name: base\ntown:\n  map_file: maps/m.txt\n  cell_size_m: 5\n")
    write("s/x.yaml", "extends: base.yaml\nname: x\ntown:\n  preset: kleinstad\n")
    x = load_scenario("s/x.yaml")
    assert (x.town.preset, x.town.map_file, x.town.cell_size_m) == ("kleinstad", None, 5.0)


def test_inherited_map_file_stays_relative_to_its_own_file(write):
    write("s/maps/m.txt", TINY_MAP)
    write("s/base.yaml", "name: base\ntown:\n  map_file: maps/m.txt\n")
    write("s/variants/x.yaml", "extends: ../base.yaml\nname: x\n")
    x = load_scenario("s/variants/x.yaml")
    assert build_town(x).n_premises == 3
    write("s/gone.yaml", "name: gone\n\ntown:\n  map_file: maps/nope.txt\n")
    write("s/variants/y.yaml", "extends: ../gone.yaml\nname: y\n")
    assert error_of("s/variants/y.yaml") == (
        "s/gone.yaml:4: town.map_file: map file s/maps/nope.txt: file not found")


def test_cli_validate_and_run_with_extends(write, capsys):
    write("s/base.yaml", BASE)
    write("s/x.yaml", "extends: base.yaml\nname: x\npopulation:\n  agents: -3\n")
    assert main(["validate", "s/base.yaml", "s/x.yaml"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("s/base.yaml: ok")
    assert err == "s/x.yaml:4: population.agents: must be > 0 (got -3)\n"

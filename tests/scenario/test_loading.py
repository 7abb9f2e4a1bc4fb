"""Scenario files to validated scenarios and towns; every bad input gives one exact line."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from conftest import TINY_MAP, indent

from sim.errors import ScenarioError, format_key_path
from sim.scenario.loading import (
    build_town,
    load_scenario,
    load_yaml,
    parse_override,
    scenario_source,
)
from sim.scenario.schema import Scenario
from sim.scenario.town import Town

MAP_ALLOWED = "allowed: # . : s m L A h T P B F 1-9 and space"


def error_of(path, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    text = str(info.value)
    assert "\n" not in text
    return text


def inline(map_text: str = TINY_MAP, *, before: str = "") -> str:
    """A scenario with an inline map; the map's first row is on line 5 (without ``before``)."""
    return f"name: tiny\n{before}town:\n  cell_size_m: 10\n  map: |\n{indent(map_text)}"


# --------------------------------------------------------------------------- errors
def test_scenario_error_format():
    err = ScenarioError("must be > 0 (got -5)", file="s/x.yaml", line=14,
                        key_path=("population", "agents"))
    assert str(err) == "s/x.yaml:14: population.agents: must be > 0 (got -5)"
    assert (err.file, err.line, err.key_path) == ("s/x.yaml", 14, "population.agents")
    assert str(ScenarioError("file not found", file="x.yaml")) == "x.yaml: file not found"
    assert str(ScenarioError("bad", file="--set", key_path="a.b")) == "--set a.b: bad"
    assert str(ScenarioError("two\nlines", key_path="k")) == "k: two lines"
    assert format_key_path(("economy", "online_share", "daily", 0, "year")) == (
        "economy.online_share.daily[0].year"
    )


# ------------------------------------------------------------------------ load_yaml
def test_load_yaml_indexes_lines_of_keys_and_list_items(write):
    path = write("x.yaml", """\
# comment
name: x
economy:
  online_share:
    daily:
      - {year: 2015, share: 0.1}
      - year: 2019
        share: 0.2
town:
  map: |
    ##
""")
    data, lines = load_yaml(path)
    assert data["economy"]["online_share"]["daily"][1] == {"year": 2019, "share": 0.2}
    assert lines[("name",)] == 2
    assert lines[("economy", "online_share", "daily", 0)] == 6
    assert lines[("economy", "online_share", "daily", 0, "share")] == 6
    assert lines[("economy", "online_share", "daily", 1, "share")] == 8
    assert lines.blocks[("town", "map")] == 11  # block content starts after `map: |`
    assert lines.nearest(("economy", "rent", "level")) == 3


def test_load_yaml_refuses_python_tags(write):
    path = write("x.yaml", "name: !!python/object/apply:os.system [echo hi]\n")
    assert error_of(path).startswith(
        "x.yaml:1: invalid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'"
    )


def test_load_yaml_survives_recursive_aliases(write):
    path = write("x.yaml", "name: x\ndescription: &a [*a]\n")
    assert error_of(path) == ("x.yaml:2: invalid YAML: the alias *a is used inside the node it "
                              "names (a recursive structure) (column 18)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\npopulation:\n  agents: 5\n   foo: 3\n",
         "x.yaml:4: invalid YAML: mapping values are not allowed here (column 7)"),
        ("name: x\ntown: {preset: kleinstad\n",
         "x.yaml:3: invalid YAML: expected ',' or '}', but got '<stream end>' (column 1); "
         "while parsing a flow mapping started on line 2"),
        ("name: x\n\tyears: 3\n",
         "x.yaml:2: invalid YAML: found character '\\t' that cannot start any token "
         "(column 1); indent with spaces, not tabs"),
        ("name: x\n---\nname: y\n",
         "x.yaml:2: invalid YAML: expected a single document in the stream, but found another "
         "document (column 1)"),
        ("name: x\ndescription: a\x07b\n",
         "x.yaml:2: invalid YAML: control character U+0007 is not allowed"),
        ("", "x.yaml: the file is empty; a scenario needs at least `name: ...`"),
        ("# only a comment\n", "x.yaml: the file is empty; a scenario needs at least `name: ...`"),
        ("- name: x\n",
         "x.yaml:1: the top level must be a mapping of keys like `name: ...` and `town: ...` "
         "(got a list)"),
        ("baseline\n",
         "x.yaml:1: the top level must be a mapping of keys like `name: ...` and `town: ...` "
         "(got a single value)"),
        ("name: x\npopulation:\n  agents: 5\n  agents: 6\n",
         "x.yaml:4: population.agents: duplicate key (first given on line 3)"),
    ],
    ids=["syntax", "unclosed", "tab", "two-documents", "control-char", "empty", "comment-only",
         "list", "scalar", "duplicate"],
)
def test_bad_yaml(write, text, expected):
    assert error_of(write("x.yaml", text)) == expected


def test_not_utf8(workdir):
    Path("x.yaml").write_bytes(b"name: x\ndescription: caf\xe9\n")
    assert error_of("x.yaml") == "x.yaml:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"


def test_missing_file_and_directory(workdir):
    assert error_of("nope.yaml") == "nope.yaml: file not found"
    os.mkdir("folder")
    assert error_of("folder") == "folder: is a directory, not a file"


# ----------------------------------------------------------------------- validation
def test_out_of_range_names_line_and_key(write):
    path = write("scenarios/x.yaml", "# a scenario\n" * 11 + "name: x\npopulation:\n  agents: -5\n")
    assert error_of(path) == "scenarios/x.yaml:14: population.agents: must be > 0 (got -5)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\npopulation:\n  agents: abc\n",
         "x.yaml:3: population.agents: must be an integer (got 'abc')"),
        ("name: x\npopulation:\n  agents: 1.5\n",
         "x.yaml:3: population.agents: must be an integer (got 1.5)"),
        ("name: x\npopulation:\n  online_propensity_sigma: 4.5\n",
         "x.yaml:3: population.online_propensity_sigma: must be <= 3 (got 4.5)"),
        ("name: x\nyears: .nan\n", "x.yaml:2: years: must be a finite number (got nan)"),
        ("name: x\nstart: 2019-13-01\n",
         "x.yaml:2: start: must be a date like 2019-01-07 (got '2019-13-01')"),
        ("name: x\nstart: next monday\n",
         "x.yaml:2: start: must be a date like 2019-01-07 (got 'next monday')"),
        ("name: x\ntown:\n  preset: utrecht\n",
         "x.yaml:3: town.preset: must be one of kleinstad, middelstad, grootstad (got 'utrecht')"),
        ("name: x\npopulation:\n  agnts: 5\n",
         "x.yaml:3: population.agnts: unknown key; did you mean 'agents'?"),
        ("name: x\neconomy:\n  rent:\n    levl: 2\n",
         "x.yaml:4: economy.rent.levl: unknown key; did you mean 'level'?"),
        ("name: x\nzzz: 1\n",
         "x.yaml:2: zzz: unknown key; allowed keys: name, title, description, seed, start, years, "
         "warmup_years, town, population, economy, landlords, culture, municipality, "
         "funding, interventions, shocks"),
        ("name: x\ntown:\n  preset: kleinstad\n  map_file: m.txt\n",
         "x.yaml:2: town: give only one of preset, map, map_file, dir (got preset, map_file)"),
        ("name: x\ntown: kleinstad\n",
         "x.yaml:2: town: must be a mapping of keys (got 'kleinstad'); allowed keys: name, "
         "language, preset, map, map_file, dir, cell_size_m, floor_area_m2, core_walk_m, "
         "home_zone_cells, neighbour_radius_cells"),
        ("name: my town\n",
         "x.yaml:1: name: must start with a letter or digit and contain only letters, digits, "
         "_ . - (got 'my town')"),
        ("description: no name\n", "x.yaml: name: required key is missing"),
        ("name: x\ndescription:\n", "x.yaml:2: description: must be text (got null)"),
        ("name: x\neconomy:\n  online_share:\n    daily:\n      - {year: 2015, share: 0}\n"
         "      - year: 2019\n        share: 1.5\n",
         "x.yaml:7: economy.online_share.daily[1].share: must be <= 1 (got 1.5)"),
        ("name: x\neconomy:\n  online_share:\n    daily: {year: 2015}\n",
         "x.yaml:4: economy.online_share.daily: must be a list (got a mapping)"),
        ("name: x\npopulation:\n  entry_shares:\n    city: {station: 0.5, car_park: 0.1, "
         "bus_stop: 0, bike_park: 0}\n",
         "x.yaml:4: population.entry_shares.city: entry shares must sum to 1 (got 0.600)"),
        ("name: x\npopulation:\n  income_spend_multiplier:\n    low: 1\n    rich: 2\n",
         "x.yaml:5: population.income_spend_multiplier.rich: must be one of low, middle, high "
         "(got 'rich')"),
        ("name: x\npopulation:\n  visits_per_week:\n    daily: {centre: 1, city: 1}\n",
         "x.yaml:4: population.visits_per_week.daily.region: required key is missing"),
    ],
    ids=["type", "fraction", "range-le", "nan", "bad-date", "not-a-date", "preset", "unknown-key",
         "unknown-nested", "unknown-no-match", "two-sources", "section-not-mapping", "name",
         "missing-name", "null", "list-item", "not-a-list", "model-validator", "dict-key",
         "missing-nested"],
)
def test_invalid_values(write, text, expected):
    assert error_of(write("x.yaml", text)) == expected


def test_first_error_by_line(write):
    path = write("x.yaml", "name: x\nstart: 2019-13-01\npopulation:\n  agnts: 1\n  agents: 0\n")
    assert error_of(path) == "x.yaml:2: start: must be a date like 2019-01-07 (got '2019-13-01')"


def test_merge_keys_are_followed(write):
    path = write("x.yaml", """\
name: x
population: &p
  agents: 10
  online_propensity_sigma: 0.2
economy:
  choice:
    <<: {taste_weight: 0.1}
    perception_weeks: 0
""")
    assert error_of(path) == "x.yaml:8: economy.choice.perception_weeks: must be >= 1 (got 0)"


# ------------------------------------------------------------------------ overrides
def test_parse_override():
    assert parse_override("population.agents=5000") == (("population", "agents"), 5000)
    assert parse_override("economy.online_share.daily[0].share=0.1") == (
        ("economy", "online_share", "daily", 0, "share"), 0.1)
    assert parse_override("economy.online_share.daily.1.year = 2020") == (
        ("economy", "online_share", "daily", 1, "year"), 2020)
    assert parse_override("start=2020-01-06") == (("start",), dt.date(2020, 1, 6))
    assert parse_override("town.preset=") == (("town", "preset"), None)
    assert parse_override("description=a=b") == (("description",), "a=b")


def test_overrides_are_applied(write):
    path = write("x.yaml", inline())
    scenario = load_scenario(path, ["population.agents=77", "years=1",
                                    "economy.online_share.daily[0].share=0.5"])
    assert scenario.population.agents == 77
    assert scenario.years == 1
    default = Scenario(name="d").economy.online_share.daily
    assert scenario.economy.online_share.daily == [
        default[0].model_copy(update={"share": 0.5}), *default[1:]]


def test_override_in_missing_section_keeps_the_defaults(write):
    path = write("x.yaml", inline())
    scenario = load_scenario(path, ["population.visits_per_week.daily.centre=1"])
    default = Scenario(name="d").population.visits_per_week.daily
    assert scenario.population.visits_per_week.daily == default.model_copy(update={"centre": 1})


def test_override_list_item_in_file(write):
    path = write("x.yaml", "name: x\neconomy:\n  online_share:\n    daily:\n"
                 "      - {year: 2015, share: 0.1}\n      - {year: 2019, share: 0.2}\n")
    scenario = load_scenario(path, ["economy.online_share.daily.1.share=0.3"])
    assert [p.share for p in scenario.economy.online_share.daily] == [0.1, 0.3]
    assert error_of(path, ["economy.online_share.daily[5].share=0.3"]) == (
        "--set economy.online_share.daily: has 2 items; item 5 does not exist")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("population.agnts=5", "--set population.agnts: unknown key; did you mean 'agents'?"),
        ("populaton.agents=5", "--set populaton: unknown key; did you mean 'population'?"),
        ("population.agents=-5", "--set population.agents: must be > 0 (got -5)"),
        ("start=2019-13-01",
         "--set start: must be a date like 2019-01-07 (got '2019-13-01')"),
        ("town.map=ab", "--set town.map: row 1, column 1: unknown map symbol 'a'; "
         + MAP_ALLOWED),
        ("name.first=x", "--set name: is not a mapping, cannot set first in it (got 'tiny')"),
        ("agents", "--set: expected key.path=value (got 'agents'); "
         "e.g. --set population.agents=5000"),
        ("population..agents=1", "--set population..agents: malformed key path; use dotted keys "
         "like population.agents or economy.online_share.daily[0].share"),
        ("description=[1", "--set description: invalid YAML value '[1': expected ',' or ']', "
         "but got '<stream end>'"),
    ],
)
def test_bad_overrides(write, override, expected):
    path = write("x.yaml", inline())
    assert error_of(path, [override]) == expected


def test_override_errors_come_before_file_errors(write):
    path = write("x.yaml", "name: x\nyears: 0\n")
    assert error_of(path, ["seed=-1"]) == "--set seed: must be >= 0 (got -1)"
    assert error_of(path) == "x.yaml:2: years: must be >= 1 (got 0)"


def test_override_does_not_leak_into_yaml_aliases(write):
    path = write("x.yaml", inline() + "economy:\n  shops: &s {chain_share: 0.2}\n"
                 "  rent: {level: 1}\n")
    scenario = load_scenario(path, ["economy.shops.chain_share=0.5"])
    assert scenario.economy.shops.chain_share == 0.5


# ----------------------------------------------------------------------------- maps
def test_inline_map_builds_the_town(write):
    scenario = load_scenario(write("x.yaml", inline()))
    town = build_town(scenario)
    assert (town.n_premises, len(town.dwelling_xy), town.name) == (3, 1, "tiny")
    assert build_town(scenario) is town  # cached


def test_inline_map_error_names_file_line_and_column(write):
    bad = TINY_MAP.replace("#.hmm.#", "#.hmx.#")
    # Map rows start on line 5; the bad row is the third; a blank first line counts too.
    assert error_of(write("x.yaml", inline(bad))) == (
        "x.yaml:7: town.map: column 5: unknown map symbol 'x'; " + MAP_ALLOWED)
    assert error_of(write("y.yaml", inline("\n" + bad, before="# comment\n"))) == (
        "y.yaml:9: town.map: column 5: unknown map symbol 'x'; " + MAP_ALLOWED)


def test_quoted_inline_map_error_names_row(write):
    path = write("x.yaml", 'name: x\ntown:\n  map: "##\\n#y"\n')
    assert error_of(path) == "x.yaml:3: town.map: row 2, column 2: unknown map symbol 'y'; " + (
        MAP_ALLOWED)


def test_map_without_entry_point(write):
    path = write("x.yaml", inline(TINY_MAP.replace("T", ".")))
    assert error_of(path) == "x.yaml:4: town.map: map has no entry point (T, P, B or F)"


def test_map_file_relative_to_scenario(write):
    write("scen/maps/m.txt", TINY_MAP)
    path = write("scen/x.yaml", "name: x\ntown:\n  map_file: maps/m.txt\n  cell_size_m: 5\n")
    scenario = load_scenario(path)
    assert scenario_source(scenario) == Path(path).resolve()
    town = build_town(scenario)
    assert (town.name, town.n_premises, town.cell_size_m) == ("m", 3, 5.0)


def test_map_file_error_names_map_file_line(write):
    write("scen/maps/m.txt", TINY_MAP.replace("#T...s#", "#T..qs#"))
    path = write("scen/x.yaml", "name: x\ntown:\n  map_file: maps/m.txt\n")
    assert error_of(path) == (
        "scen/maps/m.txt:2: town.map_file: column 5: unknown map symbol 'q'; " + MAP_ALLOWED)


def test_missing_map_file(write):
    path = write("scen/x.yaml", "name: x\n\ntown:\n  map_file: maps/nope.txt\n")
    assert error_of(path) == (
        "scen/x.yaml:4: town.map_file: map file scen/maps/nope.txt: file not found")


def test_default_town_is_middelstad(write):
    town = build_town(load_scenario(write("x.yaml", "name: x\n")))
    assert town.name == "middelstad"


def test_build_town_for_scenario_in_code(workdir):
    Path("m.txt").write_text(TINY_MAP, encoding="utf-8")
    scenario = Scenario(name="code", town=Town(map_file="m.txt"))
    assert scenario_source(scenario) is None
    assert build_town(scenario).n_premises == 3  # relative to the working directory
    missing = Scenario(name="code", town=Town(map_file="gone.txt"))
    expected = r"^town\.map_file: map file gone\.txt: file not found$"
    with pytest.raises(ScenarioError, match=expected):
        build_town(missing)


def test_town_cache_follows_changes(write):
    scenario = load_scenario(write("x.yaml", inline()))
    first = build_town(scenario)
    changed = scenario.model_copy(update={"town": Town(map=TINY_MAP, cell_size_m=20)})
    assert build_town(changed) is not first
    assert build_town(changed).cell_size_m == 20
    assert build_town(scenario) is first


# ----------------------------------------------------------- instruments (tagged lists)
@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("  - type: events_programme\n    start: 2020-01-06\n    budgt_eur_per_year: 5\n",
         "x.yaml:5: interventions[0].budgt_eur_per_year: unknown key; did you mean "
         "'budget_eur_per_year'?"),
        ("  - type: biz\n    start: 2020-01-06\n    levy_eur_per_m2_year: -1\n",
         "x.yaml:5: interventions[0].levy_eur_per_m2_year: must be >= 0 (got -1)"),
        ("  - type: biz\n    start: 2020-01-06\n  - start: 2020-01-06\n    type: tax_cut\n",
         "x.yaml:6: interventions[1].type: must be one of core_designation, vacancy_ordinance, "
         "biz, events_programme, culture_subsidy, public_space, starter_support, meanwhile_use, "
         "transformation_subsidy, centre_management (got 'tax_cut')"),
        ("  - start: 2020-01-06\n",
         "x.yaml:3: interventions[0].type: required key is missing; one of core_designation, "
         "vacancy_ordinance, biz, events_programme, culture_subsidy, public_space, "
         "starter_support, meanwhile_use, transformation_subsidy, centre_management"),
    ],
    ids=["unknown-key", "range", "unknown-type", "no-type"],
)
def test_instrument_errors_name_the_item_and_key(write, items, expected):
    assert error_of(write("x.yaml", "name: x\ninterventions:\n" + items)) == expected


def test_instrument_override_errors(write):
    path = write("x.yaml", "name: x\ninterventions:\n  - type: biz\n    start: 2020-01-06\n")
    assert load_scenario(path, ["interventions[0].levy_eur_per_m2_year=2"]).interventions[
        0].levy_eur_per_m2_year == 2
    assert error_of(path, ["interventions[0].turnout=2"]) == (
        "--set interventions[0].turnout: must be <= 1 (got 2)")

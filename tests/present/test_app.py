"""The app's model-building functions, without a browser (sim.present.app.live and
.render)."""

from __future__ import annotations

import datetime as dt
import io
import socket

import numpy as np
import pytest
from PIL import Image

from sim.cli.main import main
from sim.present.app.live import (
    ALL_INSTRUMENTS,
    LiveCentre,
    Settings,
    build_scenario,
    describe,
    event_log,
    levers,
    list_scenarios,
    load_base,
    with_and_without,
)
from sim.present.app.render import ChartPainter, MapPainter
from sim.present.app.runner import Frame, SessionModel
from tests.conftest import REPO

SMALL = """\
name: {name}
seed: 3
start: 2019-01-07
years: 2
warmup_years: 1
town:
  preset: kleinstad
population:
  agents: 1500
"""
LEVERS = """\
interventions:
  - type: events_programme
    start: 2019-06-03
    budget_eur_per_year: 100000
  - type: starter_support
    start: 2019-01-07
    enabled: false
shocks:
  - type: lockdown
    start: 2020-03-16
    end: 2020-06-01
"""


@pytest.fixture
def files(write):
    return write("scen/b.yaml", SMALL.format(name="b")), write(
        "scen/a.yaml", SMALL.format(name="a") + LEVERS)


def test_list_scenarios_is_every_yaml_file_sorted(files):
    assert [p.name for p in list_scenarios("scen")] == ["a.yaml", "b.yaml"]


def test_load_base_returns_a_copy(files):
    first = load_base(files[0])
    first.years = 9
    assert load_base(files[0]).years == 2


def test_the_online_growth_slider_sets_the_scenario_parameter(files):
    scenario = build_scenario(Settings(files[0], online_growth=1.7))
    assert scenario.economy.online_growth == 1.7
    assert build_scenario(Settings(files[0])).economy.online_growth == 1.0


def test_settings_make_the_scenario(files):
    settings = Settings(files[1], footfall_trend=-0.03,
                        switches={"interventions[0]": False, "interventions[1]": True},
                        levels={"interventions[0]": 50_000.0, "shocks[0]": 0.8})
    scenario = build_scenario(settings)
    assert scenario.economy.footfall_trend_per_year == -0.03
    assert [i.enabled for i in scenario.interventions] == [False, True]
    assert scenario.interventions[0].budget_eur_per_year == 50_000.0
    assert scenario.shocks[0].online_persistence == 0.8
    assert "switched off" in describe(scenario)[0]
    assert load_base(files[1]).interventions[0].enabled  # the file is untouched


def test_levers_cover_instruments_and_shocks_with_sensible_sliders(files):
    found = levers(load_base(files[1]))
    assert [(lv.key, lv.type, lv.field) for lv in found] == [
        ("interventions[0]", "events_programme", "budget_eur_per_year"),
        ("interventions[1]", "starter_support", "rent_share"),
        ("shocks[0]", "lockdown", "online_persistence"),
    ]
    assert found[0].low == 0 and found[0].high >= 100_000
    assert (found[1].low, found[1].high) == (0.0, 1.0)
    assert found[2].is_shock and not found[0].is_shock
    assert levers(load_base(files[0])) == []


def test_with_and_without_differ_only_in_the_chosen_lever(files):
    scenario = load_base(files[1])
    with_, without = with_and_without(scenario, "interventions[1]")
    assert with_.interventions[1].enabled and not without.interventions[1].enabled
    assert with_.interventions[0].enabled and without.interventions[0].enabled
    all_on, all_off = with_and_without(scenario, ALL_INSTRUMENTS)
    assert all(i.enabled for i in all_on.interventions)
    assert not any(i.enabled for i in all_off.interventions)
    assert all_off.shocks[0].enabled  # shocks are not instruments


def test_every_lever_says_what_the_dutch_record_knows_of_it():
    """Each instrument and shock of the shipped scenarios has its evidence or the model's
    assumption, in both languages: the app shows it beside a comparison of that lever."""
    from sim.present.evidence import known_of
    from sim.present.i18n import language

    en, nl = language("en"), language("nl")
    seen = set()
    for path in list_scenarios(REPO / "scenarios"):
        scenario = load_base(path)
        for item in [*scenario.interventions, *scenario.shocks]:
            said_en, said_nl = known_of(item, en), known_of(item, nl)
            assert said_en.startswith(f"{item.title()}: ") and "&amp;" not in said_en
            assert said_nl.startswith(f"{nl.title(item)}: ") and said_nl != said_en
            seen.add(item.type)
            if item.type == "vacancy_ordinance":
                assert "Source: nul20.nl" in said_en and "Bron: nul20.nl" in said_nl
    assert len(seen) == 14  # every instrument and shock type


def test_live_centre_starts_at_start_and_steps_a_week(files):
    model = LiveCentre(Settings(files[0]))
    assert model.date == dt.date(2019, 1, 7)
    assert model.runs[0].series("vacancy_rate") == []
    counters = model.runs[0].counters()
    assert counters["open"] + counters["vacant"] == model.runs[0].model.town.n_premises
    for _ in range(3):
        model.step()
    assert model.date == dt.date(2019, 1, 28)
    assert len(model.runs[0].series("vacancy_rate")) == 3
    assert model.running


def test_live_centre_stops_at_the_horizon(write):
    path = write("short.yaml", SMALL.format(name="s").replace("years: 2", "years: 1")
                 .replace("warmup_years: 1", "warmup_years: 0"))
    model = LiveCentre(Settings(path))
    for _ in range(52):
        model.step()
    assert not model.running
    model.step()  # a step past the horizon does nothing
    assert len(model.runs[0].series("vacancy_rate")) == 52


def test_closures_this_year_count_the_events_of_the_current_year(files):
    model = LiveCentre(Settings(files[0]))
    run = model.runs[0]
    for _ in range(60):
        model.step()
    year = run.model.date.year
    expected = sum(1 for e in event_log(run.model) if e[2] == "closure" and e[0][:4] == str(year))
    assert run.closures_this_year() == expected


def test_comparison_runs_the_same_seed_with_and_without(files):
    model = LiveCentre(Settings(files[1], compare="interventions[0]"))
    assert model.comparing
    assert [r.label for r in model.runs] == ["with Events programme",
                                             "without Events programme"]
    assert [r.model.seed for r in model.runs] == [model.seed_used] * 2
    first, second = (r.model.params for r in model.runs)
    assert first.interventions[0].enabled and not second.interventions[0].enabled
    model.step()
    assert model.runs[0].date == model.runs[1].date


def test_map_painter_colours_vacant_units(files):
    model = LiveCentre(Settings(files[0]))
    run = model.runs[0].model
    painter = MapPainter(run, pixels_per_cell=4)
    image = np.asarray(Image.open(io.BytesIO(painter.png())))
    assert image.shape[:2] == (run.town.height * 4, run.town.width * 4)
    vacant = np.flatnonzero(run.premises.vacant)
    assert vacant.size
    shown = [tuple(image[y * 4 + 1, x * 4 + 1][:3]) for x, y in run.town.premises_xy[vacant]]
    assert (0, 0, 0) in shown  # (the core's outline is drawn over some)


def _north_arrow_drawn(image: np.ndarray) -> bool:
    """Dark pixels on the arrow's shaft: 95% across, 7-13% down (sim.town.drawing)."""
    h, w = image.shape[:2]
    x = round(0.95 * w - 0.5)
    shaft = image[int(0.07 * h):int(0.13 * h), x - 1:x + 2, :3].astype(int)
    return bool((shaft.sum(axis=2) < 150).any())


def test_map_painter_draws_a_north_arrow_on_a_preset(files):
    run = LiveCentre(Settings(files[0])).runs[0].model
    painter = MapPainter(run, pixels_per_cell=8)
    assert painter.under_px is None  # a preset has no footprints to draw
    assert _north_arrow_drawn(np.asarray(Image.open(io.BytesIO(painter.png()))))


def test_map_painter_draws_an_imported_towns_footprints(oudestad_folder, write):
    from matplotlib.colors import to_rgb

    from sim.model.model import CityCentre
    from sim.present.app.render import BASE_COLOURS, GEOMETRY_COLOURS
    from sim.scenario.loading import load_scenario

    path = write("own.yaml", f"name: own\nyears: 1\nwarmup_years: 0\n"
                 f"town: {{dir: {oudestad_folder}}}\npopulation: {{agents: 300}}\n")
    run = CityCentre(load_scenario(path), seed=1)
    s = 8
    painter = MapPainter(run, pixels_per_cell=s)
    image = np.asarray(Image.open(io.BytesIO(painter.png())))[..., :3]
    town = run.town
    assert image.shape[:2] == (town.height * s, town.width * s)
    colour = np.round(np.array(to_rgb(GEOMETRY_COLOURS["building"])) * 255)
    blocked = np.round(np.array(to_rgb(BASE_COLOURS["blocked"])) * 255)
    # footprints fill part of the cells that are neither street, premises nor dwelling (most
    # of a building stands in its premises and dwelling cells), the open ground the rest
    ground = image[painter.under_px]
    share = (np.abs(ground - colour).sum(axis=1) <= 3).mean()
    assert 0.02 < share < 0.5
    assert (np.abs(ground - blocked).sum(axis=1) <= 3).mean() > 0.1
    # the street and premises cells are painted over the footprints
    x, y = town.premises_xy[0]
    centre = image[y * s + s // 2, x * s + s // 2]
    assert tuple(centre) == tuple(painter.palette[painter.codes()[0]])
    assert _north_arrow_drawn(image)


def test_chart_painter_draws_the_reported_weeks(files):
    model = LiveCentre(Settings(files[0]))
    charts = ChartPainter([(r.label, r.model) for r in model.runs], 400, 300)
    empty = charts.png()
    for _ in range(4):
        model.step()
    assert charts.points() == 4
    drawn = charts.png()
    assert drawn != empty
    assert Image.open(io.BytesIO(drawn)).size == (400, 300)


def test_the_charts_start_from_zero_and_seldom_draw_their_axes_again(files):
    """Charts with a floor start from it (zero), with room above the first weeks, so the
    axes of a playing session seldom grow: each time they do, the whole figure is drawn
    again, not only its lines."""
    model = LiveCentre(Settings(files[0]))
    charts = ChartPainter([(r.label, r.model) for r in model.runs], 400, 300)
    full_draws = []
    draw = charts.canvas.draw
    charts.canvas.draw = lambda: full_draws.append(model.runs[0].model.week) or draw()
    model.step()
    charts.png()
    first = {metric: ax.get_ylim() for ax, (metric, *_) in zip(charts.axes, charts.charts,
                                                                  strict=True)}
    while model.running:
        model.step()
        charts.png()
    assert len(full_draws) <= 2, full_draws  # the first, and at most one growth
    for metric in ("vacancy_rate", "footfall", "turnover"):
        assert first[metric][0] == 0.0 and first[metric][1] > 0.0


def test_a_classroom_session_draws_its_charts_at_most_every_few_seconds(files):
    """While playing in a classroom the map and counters change at every update, the charts
    (and their number of points) only when their interval has passed; a step draws them."""
    session = SessionModel(Settings(files[0]), map_width_px=300)
    first = session.advance(1, charts_every_s=3600)
    second = session.advance(1, charts_every_s=3600)
    assert second.counters[0]["date"] > first.counters[0]["date"]
    assert second.maps != first.maps or second.counters != first.counters
    assert (second.charts, second.points) == (first.charts, first.points)
    stepped = session.advance(1)
    assert stepped.points == first.points + 2 and stepped.charts != first.charts


def test_the_downloads_keep_their_data_and_give_the_pictures_on_screen():
    """A download's data is the same function at every update (solara's FileDownload starts
    work whenever its data change) and returns the picture on screen when it is asked."""
    from sim.present.app.page import OnScreen

    def frame(picture: bytes) -> Frame:
        return Frame(labels=["baseline"], counters=[{}], maps=[picture + b"-map"],
                     charts=picture + b"-charts", points=1, running=True)

    shown = OnScreen()
    get_map, get_charts = shown.map(0), shown.charts
    shown.frame = frame(b"week 1")
    assert (get_map(), get_charts()) == (b"week 1-map", b"week 1-charts")
    shown.frame = frame(b"week 2")
    assert shown.map(0) is get_map and shown.charts == get_charts
    assert (get_map(), get_charts()) == (b"week 2-map", b"week 2-charts")


def test_app_command_refuses_bad_input_with_one_line(write, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["app", "--scenarios", "empty"]) == 2
    assert "no scenario files" in capsys.readouterr().err
    write("ok/b.yaml", SMALL.format(name="b"))
    assert main(["app", "--scenarios", "ok", "--set", "population.agnts=5"]) == 2
    err = capsys.readouterr().err.strip()
    assert "population.agnts" in err and len(err.splitlines()) == 1
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--scenarios", "ok", "--port", str(port)]) == 2
    assert "cannot listen" in capsys.readouterr().err

"""The Solara page of ``binnenstad app``: Mesa's SolaraViz with the centre's own controls.

Served by ``solara run sim.present.app.page`` (see :mod:`sim.present.app.server`). Every
browser session renders its own :func:`Page`, so it has its own
:class:`~sim.present.app.live.Settings` and its own :class:`~sim.present.app.live.LiveCentre`.

Layout: the sidebar holds the scenario card (scenario picker, uncertainty sliders, instrument
switches and sliders, comparison choice) above SolaraViz's own controls (play, step, reset,
play interval = speed). The main area shows the counters, the map (two maps side by side when
comparing) and the charts.

The server reads its configuration from the environment variable ``BINNENSTAD_APP_CONFIG``
(JSON: ``scenarios`` folder, initial ``scenario`` file, ``overrides``), set by
``binnenstad app``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import solara
from mesa.visualization import SolaraViz
from mesa.visualization import solara_viz as _solara_viz

from sim.present.app.live import (
    ALL_INSTRUMENTS,
    DEFAULT_SCENARIOS,
    FOOTFALL_TREND_RANGE,
    ONLINE_GROWTH_RANGE,
    LiveCentre,
    Settings,
    build_scenario,
    choose_file,
    describe,
    levers,
    list_scenarios,
    session_error,
)
from sim.present.app.render import (
    BASE_COLOURS,
    OTHER_COLOURS,
    SECTOR_COLOURS,
    ChartPainter,
    MapPainter,
)

CONFIG_ENV = "BINNENSTAD_APP_CONFIG"
#: Milliseconds SolaraViz waits between steps while playing (its "Play Interval" slider).
PLAY_INTERVAL_MS = 21


def config() -> dict:
    """The server's configuration: scenarios folder, initial scenario, overrides."""
    data = json.loads(os.environ.get(CONFIG_ENV, "{}"))
    folder = Path(data.get("scenarios") or DEFAULT_SCENARIOS)
    files = list_scenarios(folder)
    initial = Path(data["scenario"]) if data.get("scenario") else None
    if initial is None:
        baseline = folder / "baseline.yaml"
        initial = baseline if baseline in files else (files[0] if files else None)
    return {"folder": folder, "files": files, "initial": initial,
            "overrides": tuple(data.get("overrides") or ())}


def _layout(num_components: int) -> list[dict]:
    """Initial grid of SolaraViz's components: counters across, then map and charts."""
    sizes = [(0, 0, 12, 3), (0, 3, 7, 18), (7, 3, 5, 18)]
    sizes += [(0, 21 + 8 * i, 12, 8) for i in range(max(0, num_components - 3))]
    return [{"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False}
            for i, (x, y, w, h) in enumerate(sizes[:num_components])]


# SolaraViz lays its components out two by two in half-width cells; this app needs a wide map.
_solara_viz.make_initial_grid_layout = _layout


def close_resourcez() -> bool:
    """Answer Solara's ``/resourcez`` page (threads, sessions, memory of the server) with 404.

    The page is served by the Solara server this module runs in; it is imported while the
    server starts, before it answers any request. Returns whether there was a server to close
    it in (not when this module is imported elsewhere, as by tests).
    """
    import sys

    server = sys.modules.get("solara.server.starlette")
    if server is None:
        return False
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    def not_found(request):
        return PlainTextResponse("Not Found", status_code=404)

    routes = server.app.router.routes
    for i, route in enumerate(routes):
        if getattr(route, "path", None) == "/resourcez":
            routes[i] = Route("/resourcez", endpoint=not_found)
    return True


close_resourcez()


class Painters:
    """The map and chart painters of one LiveCentre, made once and reused every update."""

    def __init__(self, model: LiveCentre) -> None:
        ref = max(float(r.model.footfall.baseline.max()) for r in model.runs)
        self.maps = [MapPainter(r.model, footfall_ref=ref,
                                pixels_per_cell=None if len(model.runs) == 1 else
                                max(2, int(360 // r.model.town.width)))
                     for r in model.runs]
        self.charts = ChartPainter([(r.label, r.model) for r in model.runs])


def painters(model: LiveCentre) -> Painters:
    """The painters of ``model`` (kept on the model, so a new model gets new ones)."""
    if model.painters is None:
        model.painters = Painters(model)
    return model.painters


# ------------------------------------------------------------------------ components
def Counters(model: LiveCentre):
    """Date, open and vacant units, closures this year (per run when comparing)."""
    with solara.Column(gap="4px") as main:
        for i, run in enumerate(model.runs):
            c = run.counters()
            suffix = "" if i == 0 else f"-{i}"
            with solara.Row(gap="24px", style={"align-items": "baseline", "flex-wrap": "wrap"}):
                if model.comparing:
                    solara.Text(run.label, style={"font-weight": "bold", "min-width": "14em"})
                solara.Text(f"Date {c['date'].isoformat()}", classes=[f"bs-date{suffix}"],
                            style={"font-size": "1.25em", "font-weight": "bold"})
                solara.Text(f"Open units {c['open']}", classes=[f"bs-open{suffix}"])
                solara.Text(f"Vacant units {c['vacant']} ({c['vacancy_rate']:.1%})",
                            classes=[f"bs-vacant{suffix}"])
                solara.Text(f"Closures this year {c['closures_this_year']}",
                            classes=[f"bs-closures{suffix}"])
        if not model.running:
            solara.Text("End of the scenario's horizon: press Reset to start again.")
    return main


def _swatch(colour: str, label: str):
    solara.HTML(tag="span", unsafe_innerHTML=(
        f'<span style="display:inline-block;width:12px;height:12px;background:{colour};'
        f'border:1px solid #999;margin:0 4px 0 10px;vertical-align:middle"></span>{label}'))


def MapView(model: LiveCentre):
    """The map of each run: sectors and vacancy, footfall heat, entry points, squares, core."""
    paint = painters(model)
    with solara.Column(gap="4px") as main:
        with solara.Row(gap="8px"):
            for run, painter in zip(model.runs, paint.maps, strict=True):
                with solara.Column(gap="2px"):
                    if model.comparing:
                        solara.Text(run.label, style={"font-weight": "bold"})
                    solara.Image(painter.png(), classes=["bs-map"])
        with solara.Row(gap="0px", style={"flex-wrap": "wrap", "font-size": "0.8em"}):
            for sector, colour in SECTOR_COLOURS.items():
                _swatch(colour, sector.replace("_", " "))
            for name, colour in OTHER_COLOURS.items():
                _swatch(colour, name)
            _swatch(BASE_COLOURS["square"], "square")
            _swatch(BASE_COLOURS["entry"], "entry point")
            _swatch(BASE_COLOURS["core"], "core boundary (dashed)")
            _swatch("#cc7722", "footfall (darker = busier)")
    return main


def Charts(model: LiveCentre):
    """Live charts of vacancy, footfall, turnover and collaboration (overlaid when comparing)."""
    paint = painters(model).charts
    with solara.Column(gap="2px") as main:
        solara.Image(paint.png(), classes=["bs-charts"])
        solara.Text(f"{paint.points()} weekly points", classes=["bs-points"],
                    style={"font-size": "0.8em"})
    return main


@solara.component
def ScenarioCard(settings: Settings, model: solara.Reactive, files: list[Path]):
    """Scenario picker, uncertainty sliders, instrument switches and the comparison choice.

    Every change rebuilds the model from the scenario's start with the new settings.
    """
    revision, set_revision = solara.use_state(0)
    error = solara.use_reactive("")

    folder = files[0].parent if files else None

    def rebuild():
        try:
            model.value = LiveCentre(settings)
            error.value = ""
        except Exception as exc:  # a bad scenario file: show it, keep the old model
            error.value = session_error(exc, folder)
        set_revision(revision + 1)

    def on_file(name: str):
        problem = choose_file(settings, files, name)  # a forged name is refused, not a path
        if problem:
            error.value = problem
            set_revision(revision + 1)
            return
        rebuild()

    def setter(update):
        def on_value(value):
            try:  # a value forged in the browser must not become a traceback there
                update(value)
            except Exception as exc:
                error.value = session_error(exc, folder)
                set_revision(revision + 1)
                return
            rebuild()
        return on_value

    scenario = build_scenario(settings)
    lever_list = levers(scenario)
    with solara.Card("Scenario"):
        solara.Select("Scenario file", values=[f.name for f in files],
                      value=settings.scenario_file.name, on_value=on_file)
        if scenario.description:
            solara.Text(scenario.description, style={"font-size": "0.85em"})
        solara.SliderFloat(
            "Online share growth (x)", value=settings.online_growth,
            min=ONLINE_GROWTH_RANGE[0], max=ONLINE_GROWTH_RANGE[1], step=0.1,
            on_value=setter(lambda v: setattr(settings, "online_growth", float(v))))
        solara.SliderFloat(
            "Footfall trend per year", value=scenario.economy.footfall_trend_per_year,
            min=FOOTFALL_TREND_RANGE[0], max=FOOTFALL_TREND_RANGE[1], step=0.001,
            on_value=setter(lambda v: setattr(settings, "footfall_trend", float(v))))
        if not lever_list:
            solara.Text("No instruments or shocks in this scenario.",
                        style={"font-size": "0.85em"})
        items = {lv.key: item for lv, item in zip(lever_list, _all_items(scenario),
                                                   strict=True)}
        for lever in lever_list:
            item = items[lever.key]
            kind = "Shock" if lever.is_shock else "Instrument"
            solara.Switch(
                label=f"{kind}: {lever.title}", value=bool(item.enabled),
                on_value=setter(lambda v, k=lever.key: settings.switches.__setitem__(k, v)),
                classes=["bs-lever"])
            if lever.field is not None:
                solara.SliderFloat(
                    f"  {lever.field.replace('_', ' ')}",
                    value=float(getattr(item, lever.field)), min=lever.low, max=lever.high,
                    step=lever.step,
                    on_value=setter(lambda v, k=lever.key: settings.levels.__setitem__(k, v)))
        choices = ["off"] + [lv.title + f" [{lv.key}]" for lv in lever_list]
        keys = [None] + [lv.key for lv in lever_list]
        if any(not lv.is_shock for lv in lever_list):
            choices.append("all instruments")
            keys.append(ALL_INSTRUMENTS)
        current = choices[keys.index(settings.compare)] if settings.compare in keys else "off"
        solara.Select("Compare with and without", values=choices, value=current,
                      on_value=setter(lambda v: setattr(settings, "compare",
                                                        keys[choices.index(v)])))
        lines = describe(model.value.scenario_run)
        with solara.Column(gap="2px", classes=["bs-scenario-summary"]):
            for line in lines or ["No instrument or shock: the centre on its own."]:
                solara.Text(line, style={"font-size": "0.8em"})
        if error.value:
            solara.Error(error.value)


def _all_items(scenario) -> list:
    return list(getattr(scenario, "interventions", []) or []) + list(
        getattr(scenario, "shocks", []) or [])


@solara.component
def Page():
    """One browser session: its own settings and model, SolaraViz around them."""
    conf = solara.use_memo(config, [])
    settings = solara.use_memo(
        lambda: Settings(conf["initial"], overrides=conf["overrides"]), [])
    first = solara.use_memo(lambda: LiveCentre(settings), [])
    model = solara.use_reactive(first)
    with solara.Sidebar():
        ScenarioCard(settings, model, conf["files"])
    SolaraViz(
        model,
        components=[(Counters, 0), (MapView, 0), (Charts, 0)],
        model_params={"settings": settings},
        play_interval=PLAY_INTERVAL_MS,
        name="binnenstad: the live city centre",
    )

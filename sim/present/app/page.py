"""The Solara page of ``binnenstad app``: the live centre for a screen at the front of a room.

Served by ``solara run sim.present.app.page`` (see :mod:`sim.present.app.server`). Every
browser session renders its own :func:`Page`, with its own
:class:`~sim.present.app.live.Settings` and its own model, held by a runner
(:mod:`sim.present.app.runner`): in this process, or with ``--classroom`` in a worker process,
so that 30 sessions step on every core without blocking the web server.

Layout: the sidebar holds the language, the lessons (docs/lessons.md in English,
docs/lessons.nl.md in Dutch) and the scenario card (scenario, uncertainty sliders with their
values, instrument switches and sliders labelled in words with units, the with/without
comparison). The main area has the controls (play/pause, step, reset, speed in weeks a second),
the counters, the map large (two maps at half the width each when comparing), the charts and
the downloads (map and charts as PNG, the run's weeks as CSV).

Playing advances the model in a task of its own: each update asks the runner for every week
the chosen speed has made due since play began (at least one; :mod:`sim.present.app.pace`) and
shows the pictures it returns, so a busy server draws less often but the simulated time keeps
its pace. In classroom mode the charts are drawn again at most every
:data:`CHARTS_EVERY_S` seconds while playing (the map and counters at every update). A session
nobody touched for ``pause_after_s`` seconds pauses; its model is dropped when the browser has
gone. The server's configuration comes from ``BINNENSTAD_APP_CONFIG`` (JSON, set by
``binnenstad app``).
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path

import solara
import solara.lab

from sim.present.app.controls import ScenarioCard
from sim.present.app.live import DEFAULT_SCENARIOS, Settings, list_scenarios, session_error
from sim.present.app.pace import Pace
from sim.present.app.render import BASE_COLOURS, HEAT_COLOURS, OTHER_COLOURS, SECTOR_COLOURS
from sim.present.app.runner import Frame, LocalRunner, PoolRunner
from sim.present.i18n import DEFAULT_LANGUAGE, LANGUAGES, Lang, language

CONFIG_ENV = "BINNENSTAD_APP_CONFIG"
#: Speeds offered, in simulated weeks a second (0: as fast as the server can).
SPEEDS = (1, 2, 5, 10, 0)
#: A session nobody touched for this long pauses (seconds).
PAUSE_AFTER_S = 15 * 60
#: In classroom mode a playing session's charts are drawn again at most this often (seconds);
#: the map and the counters at every update.
CHARTS_EVERY_S = 2.0
DOCS = Path(__file__).resolve().parents[3] / "docs"
LESSONS = {"en": DOCS / "lessons.md", "nl": DOCS / "lessons.nl.md"}


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


def config() -> dict:
    """The server's configuration: scenarios folder, initial scenario, overrides, language,
    classroom mode, workers, speed and idle pause."""
    data = json.loads(os.environ.get(CONFIG_ENV, "{}"))
    folder = Path(data.get("scenarios") or DEFAULT_SCENARIOS)
    files = list_scenarios(folder)
    initial = Path(data["scenario"]) if data.get("scenario") else None
    if initial is None:
        baseline = folder / "baseline.yaml"
        initial = baseline if baseline in files else (files[0] if files else None)
    classroom = bool(data.get("classroom"))
    return {"folder": folder, "files": files, "initial": initial,
            "overrides": tuple(data.get("overrides") or ()),
            "lang": data.get("lang") if data.get("lang") in LANGUAGES else DEFAULT_LANGUAGE,
            "classroom": classroom, "workers": data.get("workers"),
            "speed": int(data.get("speed") or (2 if classroom else 5)),
            "pause_after_s": float(data.get("pause_after_s") or PAUSE_AFTER_S)}


def _swatch(colour: str, label: str):
    solara.HTML(tag="span", unsafe_innerHTML=(
        f'<span style="display:inline-block;width:12px;height:12px;background:{colour};'
        f'border:1px solid #999;margin:0 4px 0 10px;vertical-align:middle"></span>'
        f"{html.escape(label)}"))


def Legend(t: Lang):
    """What the map's colours mean."""
    with solara.Row(gap="0px", style={"flex-wrap": "wrap", "font-size": "0.85em"},
                    classes=["bs-legend"]):
        for sector, colour in SECTOR_COLOURS.items():
            _swatch(colour, t.word("sector", sector))
        _swatch(OTHER_COLOURS["vacant"], t.tr("vacant"))
        _swatch(OTHER_COLOURS["culture"], t.tr("culture"))
        _swatch(OTHER_COLOURS["housing"], t.tr("homes (converted)"))
        _swatch(BASE_COLOURS["square"], t.tr("square"))
        _swatch(BASE_COLOURS["entry"], t.tr("entry point"))
        _swatch(BASE_COLOURS["core"], t.tr("core boundary (dashed)"))
        _swatch(HEAT_COLOURS[1], t.tr("passers-by (darker = busier)"))


def Counters(frame: Frame, t: Lang):
    """Date, open and vacant units, closures this year (per run when comparing)."""
    comparing = len(frame.labels) > 1
    with solara.Column(gap="4px"):
        for i, (label, c) in enumerate(zip(frame.labels, frame.counters, strict=True)):
            suffix = "" if i == 0 else f"-{i}"
            with solara.Row(gap="24px", style={"align-items": "baseline", "flex-wrap": "wrap"}):
                if comparing:
                    solara.Text(label, style={"font-weight": "bold", "min-width": "14em"})
                solara.Text(t.tr("Date {date}", date=c["date"].isoformat()),
                            classes=[f"bs-date{suffix}"],
                            style={"font-size": "1.3em", "font-weight": "bold"})
                solara.Text(t.tr("Open units {n}", n=c["open"]), classes=[f"bs-open{suffix}"])
                solara.Text(t.tr("Vacant units {n} ({rate})", n=c["vacant"],
                                 rate=t.percent(c["vacancy_rate"])),
                            classes=[f"bs-vacant{suffix}"])
                solara.Text(t.tr("Closures this year {n}", n=c["closures_this_year"]),
                            classes=[f"bs-closures{suffix}"])
        if not frame.running:
            solara.Text(t.tr("End of the scenario's horizon: press Reset to start again."))


def MapsAndCharts(frame: Frame, t: Lang):
    """The map (two side by side when comparing) and the charts."""
    comparing = len(frame.labels) > 1
    with solara.Row(gap="8px", style={"width": "100%"}):
        for label, png in zip(frame.labels, frame.maps, strict=True):
            with solara.Column(gap="2px", style={"flex": "1 1 0", "min-width": "0"}):
                if comparing:
                    solara.Text(label, style={"font-weight": "bold"})
                solara.Image(png, width="100%", classes=["bs-map"])
    Legend(t)
    solara.Image(frame.charts, classes=["bs-charts"])
    solara.Text(t.tr("{n} weekly points", n=frame.points), classes=["bs-points"],
                style={"font-size": "0.8em"})


class OnScreen:
    """The frame on screen, and the same functions at every update that return its pictures
    when a download is asked.

    ``solara.FileDownload`` starts a thread, and draws its button four times, whenever its
    data change: given the pictures themselves, it did so at every picture of a playing
    session, for nothing; given these functions, only when a download is asked."""

    def __init__(self) -> None:
        self.frame: Frame | None = None
        self._maps: dict = {}

    def map(self, i: int):
        """The function returning the ``i``-th map on screen (the same one every time)."""
        return self._maps.setdefault(i, lambda: self.frame.maps[i])

    def charts(self) -> bytes:
        """The charts on screen."""
        return self.frame.charts


def Downloads(frame: Frame, t: Lang, shown: OnScreen, csv):
    """The current figures as PNG and the run's weeks as CSV."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["bs-downloads"]):
        for i in range(len(frame.maps)):
            solara.FileDownload(shown.map(i), filename=f"binnenstad_map{'' if i == 0 else i}.png",
                                label=t.tr("Map (PNG)") if i == 0 else
                                t.tr("Second map (PNG)"), mime_type="image/png")
        solara.FileDownload(shown.charts, filename="binnenstad_charts.png",
                            label=t.tr("Charts (PNG)"), mime_type="image/png")
        solara.FileDownload(csv, filename="binnenstad_weeks.csv",
                            label=t.tr("Data of the run (CSV)"), mime_type="text/csv")


def Lessons(t: Lang):
    """The guided exercises, in the page's language."""
    path = LESSONS[t.code]
    with solara.Details(summary=t.tr("Lessons"), expand=False):
        if path.exists():
            solara.Markdown(path.read_text(encoding="utf-8"))
        else:
            solara.Text(t.tr("The lessons are in docs/lessons.md of the project."))


@solara.component
def Page():
    """One browser session: its settings, its model (through its runner) and the page."""
    conf = solara.use_memo(config, [])
    settings = solara.use_memo(
        lambda: Settings(conf["initial"], overrides=conf["overrides"]), [])
    runner = solara.use_memo(
        lambda: PoolRunner(conf["workers"]) if conf["classroom"] else LocalRunner(), [])
    lang = solara.use_reactive(conf["lang"])
    t = language(lang.value)
    frame = solara.use_reactive(None)
    error = solara.use_reactive("")
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(conf["speed"])
    touched = solara.use_memo(lambda: [time.monotonic()], [])
    shown = solara.use_memo(OnScreen, [])

    def close():
        return runner.close  # called when the session ends: its model is dropped

    solara.use_effect(close, [])

    def rebuild():
        playing.value = False
        touched[0] = time.monotonic()
        try:
            frame.value = runner.build(settings, lang.value)
            error.value = ""
        except Exception as exc:  # a bad scenario file: show it, keep the old model
            error.value = session_error(exc, conf["folder"])

    def first_build():
        """The session's first model, built after the page's first drawing, not during it:
        a build waits for its worker, and with a class opening at once some pages held that
        long failed to open (a javascript error, docs/classroom.md)."""
        if frame.value is None and not error.value:
            rebuild()

    solara.lab.use_task(first_build, dependencies=[], prefer_threaded=True)

    def play_loop():
        pace = Pace()
        charts_every = CHARTS_EVERY_S if conf["classroom"] else 0.0
        while playing.value:
            if time.monotonic() - touched[0] > conf["pause_after_s"]:
                playing.value = False  # nobody is watching: pause
                break
            try:
                update = runner.advance(pace.weeks(speed.value), charts_every)
            except Exception as exc:
                error.value = " ".join(str(exc).split())
                playing.value = False
                break
            frame.value = update
            if not update.running:
                playing.value = False
                break
            time.sleep(pace.wait())  # until the next week is due: the speed kept, not exceeded

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def toggle():
        touched[0] = time.monotonic()
        playing.value = not playing.value

    def step():
        touched[0] = time.monotonic()
        if not playing.value:
            try:
                frame.value = runner.advance(1)
            except Exception as exc:
                error.value = " ".join(str(exc).split())

    def on_lang(code: str):
        lang.value = code
        rebuild()

    with solara.Sidebar():
        solara.ToggleButtonsSingle(value=lang.value.upper(),
                                   values=[code.upper() for code in LANGUAGES],
                                   on_value=lambda code: on_lang(code.lower()),
                                   classes=["bs-lang"])
        Lessons(t)
        ScenarioCard(settings, conf["files"], t, rebuild,
                     frame.value.describe if frame.value else [],
                     lambda message: setattr(error, "value", message))
        if error.value:
            solara.Error(error.value, classes=["bs-error"])
    solara.Title("binnenstad")
    with solara.Column(gap="8px", style={"padding": "8px", "width": "100%"}):
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(t.tr("Pause") if playing.value else t.tr("Play"), on_click=toggle,
                          color="primary", classes=["bs-play"],
                          disabled=frame.value is None or not frame.value.running)
            solara.Button(t.tr("Step"), on_click=step, classes=["bs-step"],
                          disabled=playing.value or frame.value is None
                          or not frame.value.running)
            solara.Button(t.tr("Reset"), on_click=rebuild, classes=["bs-reset"])
            solara.Select(t.tr("Speed (weeks a second)"), value=speed.value,
                          values=list(SPEEDS), on_value=speed.set,
                          style={"max-width": "14em"}, classes=["bs-speed"])
            solara.Text(t.tr("0 = as fast as the server can"), style={"font-size": "0.8em"})
        if frame.value is None and not error.value:
            solara.Text(t.tr("Building the city centre..."), classes=["bs-building"])
        if frame.value is not None:
            Counters(frame.value, t)
            MapsAndCharts(frame.value, t)
            shown.frame = frame.value
            Downloads(frame.value, t, shown, runner.csv)

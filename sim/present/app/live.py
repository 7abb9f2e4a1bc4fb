"""What a browser session runs: its settings, the scenario they make, and the live model.

A session starts from a scenario file in ``scenarios/``. Its settings change that scenario in
three ways before the model is built:

- **uncertainties**: the background footfall trend (``economy.footfall_trend_per_year``) and
  the growth of online shopping (``economy.online_growth``: 1 is the scenario as written, 0
  freezes online shopping at its level at ``start``, 2 doubles its growth).
- **levers**: every instrument (``interventions``) and shock (``shocks``) in the scenario can be
  switched on or off (its ``enabled`` field), and its main intensity set (see
  :data:`MAIN_FIELD`).
- **comparison**: with one lever chosen, the app runs the same seed twice, with that lever on
  and off, side by side.

:class:`LiveCentre` is the Mesa model the app steps: one
:class:`~sim.model.model.CityCentre` (or two
in comparison mode), each warmed up when built, so the first step is the first reported week
(in comparison mode the warm-up weeks the two share are simulated once, :mod:`sim.runs.history`).
Called by :mod:`sim.present.app.page` and :mod:`sim.present.app.server` (the scenario list).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mesa import Model

from sim.model.model import CityCentre
from sim.runs.history import advance_shared
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario

#: Where a session finds its scenario files unless told otherwise.
DEFAULT_SCENARIOS = Path("scenarios")
#: Range of the online-growth multiplier slider.
ONLINE_GROWTH_RANGE = (0.0, 3.0)
#: Range of the footfall-trend slider (change per year).
FOOTFALL_TREND_RANGE = (-0.06, 0.03)
#: The field a lever's slider sets, by instrument or shock type. Types not listed get the
#: first numeric field of the instrument (see :func:`main_field`); ``None``: no slider.
MAIN_FIELD: dict[str, str | None] = {
    "core_designation": "core_walk_m",
    "vacancy_ordinance": "penalty_eur_per_m2",
    "biz": "levy_eur_per_m2_year",
    "events_programme": "budget_eur_per_year",
    "culture_subsidy": "budget_eur_per_year",
    "public_space": "attractiveness_gain",
    "starter_support": "rent_share",
    "meanwhile_use": "extra_users_per_year",
    "transformation_subsidy": "subsidy_share",
    "centre_management": "joint_actions_per_year",
    "lockdown": "online_persistence",
    "support_scheme": "fixed_cost_share",
    "visitor_gap": "half_life_years",
    "chain_bankruptcy": None,
}
#: Comparison choice meaning every instrument (not the shocks) at once.
ALL_INSTRUMENTS = "all"
_NOT_INTENSITY = {"start", "end", "enabled", "label", "type"}


# ------------------------------------------------------------------------- scenarios
def list_scenarios(folder: Path | str = DEFAULT_SCENARIOS) -> list[Path]:
    """Every scenario file (``*.yaml``) in ``folder``, sorted by name."""
    return sorted(Path(folder).glob("*.yaml"))


@lru_cache(maxsize=32)
def _load(path: str, mtime_ns: int, overrides: tuple[str, ...]) -> Scenario:
    return load_scenario(path, list(overrides))


def picker_labels(files: Sequence[Path], t) -> dict[str, str]:
    """What the scenario picker shows for each file -> the file's name: the scenario's title
    in the page's language (``t``, a :class:`sim.present.i18n.Lang`) with the file's name
    beside it (``Vacancy ordinance (vacancy_ordinance.yaml)``); the name alone for a file
    without a title or that does not load (choosing it then shows its error)."""
    labels = {}
    for path in files:
        try:
            scenario = _load(str(path), path.stat().st_mtime_ns, ())
        except Exception:  # shown when chosen, with its one-line message
            scenario = None
        title = t.scenario(scenario) if scenario is not None and scenario.title else ""
        labels[f"{title} ({path.name})" if title else path.name] = path.name
    return labels


def load_base(path: Path | str, overrides: Sequence[str] = ()) -> Scenario:
    """The scenario in ``path`` with ``--set`` overrides; cached until the file changes.

    Returns a copy, so callers may change it.

    Raises:
        sim.errors.ScenarioError: the file or an override is not valid.
    """
    path = Path(path)
    scenario = _load(str(path), path.stat().st_mtime_ns, tuple(overrides))
    return scenario.model_copy(deep=True)


# ---------------------------------------------------------------------------- levers
@dataclass(frozen=True)
class Lever:
    """An instrument or shock of a scenario that the app can switch and tune.

    Attributes:
        key: ``"interventions[0]"`` or ``"shocks[1]"``: where it sits in the scenario.
        type: its ``type`` (e.g. ``events_programme``).
        title: plain-language name.
        field: the field its slider sets, or None.
        low, high, step: slider range.
    """

    key: str
    type: str
    title: str
    field: str | None
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01

    @property
    def is_shock(self) -> bool:
        return self.key.startswith("shocks")


def _items(scenario: Scenario) -> list[tuple[str, object]]:
    out = []
    for section in ("interventions", "shocks"):
        for i, item in enumerate(getattr(scenario, section, None) or []):
            out.append((f"{section}[{i}]", item))
    return out


def _item(scenario: Scenario, key: str):
    return dict(_items(scenario))[key]


def main_field(item) -> str | None:
    """The field of an instrument or shock that its slider sets (see :data:`MAIN_FIELD`)."""
    kind = getattr(item, "type", "")
    if kind in MAIN_FIELD:
        return MAIN_FIELD[kind]
    for name, info in type(item).model_fields.items():
        if name not in _NOT_INTENSITY and info.annotation in (float, int):
            return name
    return None


def _bounds(item, name: str) -> tuple[float, float, float]:
    """Slider range of a numeric field: its schema bounds, capped near its value."""
    info = type(item).model_fields[name]
    low, high = 0.0, None
    for meta in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(meta, attr, None) is not None:
                low = float(getattr(meta, attr))
        for attr in ("le", "lt"):
            if getattr(meta, attr, None) is not None:
                high = float(getattr(meta, attr))
    value = float(getattr(item, name))
    cap = max(3.0 * abs(value), low + 1.0)
    if high is None or (high > 5.0 and high > cap):
        high = cap
    high = max(high, value)
    step = _nice_step((high - low) / 100.0)
    return low, high, step


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 0.01
    exp = math.floor(math.log10(raw))
    return float(10.0**exp) * min((m for m in (1, 2, 5, 10) if m * 10.0**exp >= raw),
                                   default=10)


def levers(scenario: Scenario) -> list[Lever]:
    """Every instrument and shock of ``scenario``, in file order, instruments first."""
    out = []
    for key, item in _items(scenario):
        name = main_field(item)
        title = item.title() if hasattr(item, "title") else item.type
        if name is None:
            out.append(Lever(key, item.type, title, None))
        else:
            out.append(Lever(key, item.type, title, name, *_bounds(item, name)))
    return out


def describe(scenario: Scenario) -> list[str]:
    """One plain-language line per instrument and shock (``describe()`` of each)."""
    return [item.describe() if hasattr(item, "describe") else str(item.type)
            for _, item in _items(scenario)]


# -------------------------------------------------------------------------- settings
@dataclass
class Settings:
    """What one browser session has chosen. Changing it and building a new
    :class:`LiveCentre` applies it.

    Attributes:
        scenario_file: the scenario file.
        overrides: ``--set`` overrides from the command line, applied to every file.
        online_growth: ``economy.online_growth``, the multiplier on online-share growth.
        footfall_trend: background footfall change per year; None keeps the scenario's.
        switches: lever key -> enabled; levers not listed keep the scenario's value.
        levels: lever key -> value of its main field; levers not listed keep theirs.
        compare: a lever key (or :data:`ALL_INSTRUMENTS`) to run with and without, or None.
        seed: replication seed; None uses the scenario's ``seed``.
    """

    scenario_file: Path
    overrides: tuple[str, ...] = ()
    online_growth: float = 1.0
    footfall_trend: float | None = None
    switches: dict[str, bool] = field(default_factory=dict)
    levels: dict[str, float] = field(default_factory=dict)
    compare: str | None = None
    seed: int | None = None

    def choose_scenario(self, path: Path | str) -> None:
        """Switch to another scenario file; levers, comparison and trend start afresh."""
        self.scenario_file = Path(path)
        self.switches.clear()
        self.levels.clear()
        self.compare = None
        self.footfall_trend = None


def choose_file(settings: Settings, files: Sequence[Path], name: object) -> str:
    """Switch ``settings`` to the scenario file the picker named, if it is one the picker
    offers; returns "" or, for anything else (a value forged in the browser), a message.
    The name never becomes a path: it is looked up among ``files``."""
    match = next((f for f in files if f.name == name), None) if isinstance(name, str) else None
    if match is None:
        return "unknown scenario file: choose one from the list"
    settings.choose_scenario(match)
    return ""


def session_error(exc: BaseException, folder: Path | str | None = None) -> str:
    """What a browser session is told when a change fails: a scenario's one-line error with
    the server's folder left out, or for anything else only its kind (the server keeps the
    details; a browser sees no traceback and no server path)."""
    from sim.errors import ScenarioError, printable

    if isinstance(exc, ScenarioError):
        text = str(exc)
        for prefix in {str(Path(folder).resolve()), str(folder)} if folder is not None else ():
            text = text.replace(prefix.rstrip("/") + "/", "")
        return text
    return (f"that change could not be made ({printable(type(exc).__name__)}); the settings "
            "are as before")


def build_scenario(settings: Settings) -> Scenario:
    """The scenario a session's settings make: file, overrides, uncertainties, levers."""
    scenario = load_base(settings.scenario_file, settings.overrides)
    if settings.footfall_trend is not None:
        scenario.economy.footfall_trend_per_year = float(settings.footfall_trend)
    scenario.economy.online_growth = float(settings.online_growth)
    items = dict(_items(scenario))
    for key, on in settings.switches.items():
        if key in items:
            items[key].enabled = bool(on)
    for key, value in settings.levels.items():
        if key in items and (name := main_field(items[key])) is not None:
            kind = type(items[key]).model_fields[name].annotation
            setattr(items[key], name, round(value) if kind is int else float(value))
    return scenario


def with_and_without(scenario: Scenario, choice: str) -> tuple[Scenario, Scenario]:
    """The scenario with the chosen lever switched on, and the same with it switched off.

    Args:
        choice: a lever key, or :data:`ALL_INSTRUMENTS` for every instrument (not shocks).
    """
    keys = ([k for k, _ in _items(scenario) if k.startswith("interventions")]
            if choice == ALL_INSTRUMENTS else [choice])
    with_ = scenario.model_copy(deep=True)
    without = scenario.model_copy(deep=True)
    for key in keys:
        _item(with_, key).enabled = True
        _item(without, key).enabled = False
    return with_, without


# ------------------------------------------------------------------------ live model
def event_log(model: CityCentre) -> list[tuple]:
    """Events so far: (date, step, event, premises, sector, cause) tuples."""
    return model.event_log


@dataclass
class Run:
    """One CityCentre the app shows, with its label."""

    label: str
    model: CityCentre
    _closure_year: int = 0
    _closures: int = 0
    _seen: int = 0

    @property
    def finished(self) -> bool:
        p = self.model.params
        return self.model.week >= p.warmup_weeks + p.weeks

    @property
    def date(self) -> dt.date:
        """The date up to which the run has been simulated: ``start`` before the first
        reported week, a week later after each step."""
        m = self.model
        return max(m.sim_start + dt.timedelta(weeks=m.week), m.params.start)

    def closures_this_year(self) -> int:
        """Closures reported in the calendar year of the last simulated week."""
        year = self.model.date.year
        if year != self._closure_year:
            self._closure_year, self._closures, self._seen = year, 0, 0
        events = self.model.event_log
        for event in events[self._seen:]:
            if event[2] == "closure" and event[0][:4] == str(year):
                self._closures += 1
        self._seen = len(events)
        return self._closures

    def counters(self) -> dict[str, object]:
        """Date, open (occupied) and vacant units, closures this year, vacancy rate."""
        m = self.model
        units = m.premises
        vacant = units.vacant if hasattr(type(units), "vacant") else ~units.open
        n_vacant = int(vacant.sum())
        n_units = int(units.retail.sum()) if hasattr(type(units), "retail") else vacant.size
        return {
            "date": self.date,
            "open": n_units - n_vacant,
            "vacant": n_vacant,
            "closures_this_year": self.closures_this_year(),
            "vacancy_rate": n_vacant / n_units if n_units else 0.0,
        }

    def series(self, metric: str) -> list[float]:
        """The weekly values of ``metric`` reported so far."""
        return self.model.datacollector.model_vars.get(metric, [])


class LiveCentre(Model):
    """The model SolaraViz steps: the session's scenario, once, or twice to compare.

    Each run is warmed up when built (the warm-up is not reported), so the first step is
    the scenario's first reported week and the date starts at ``start``.

    Args:
        settings: the session's choices; read once, when the model is built. SolaraViz's
            Reset builds a new LiveCentre from the same (possibly changed) settings.
    """

    def __init__(self, settings: Settings) -> None:
        scenario = build_scenario(settings)
        seed = scenario.seed if settings.seed is None else int(settings.seed)
        super().__init__(rng=seed)
        self.settings = settings
        self.painters = None  # the page's painters of these runs (sim.present.app.page)
        self.scenario_run = scenario
        self.seed_used = seed
        if settings.compare and (settings.compare == ALL_INSTRUMENTS
                                 or settings.compare in dict(_items(scenario))):
            with_, without = with_and_without(scenario, settings.compare)
            name = ("all instruments" if settings.compare == ALL_INSTRUMENTS
                    else _item(scenario, settings.compare).title())
            pairs = [(f"with {name}", with_), (f"without {name}", without)]
        else:
            pairs = [(scenario.name, scenario)]
        # warmed up, the weeks the two share simulated once (sim.runs.history)
        models = advance_shared([s for _, s in pairs], seed, scenario.warmup_weeks)
        self.runs = [Run(label, model) for (label, _), model in zip(pairs, models, strict=True)]

    @property
    def comparing(self) -> bool:
        """Whether two runs are shown side by side."""
        return len(self.runs) > 1

    @property
    def date(self) -> dt.date:
        """The date up to which the main run has been simulated (see :attr:`Run.date`)."""
        return self.runs[0].date

    def step(self) -> None:
        """One week of every run that has not reached its horizon."""
        for run in self.runs:
            if not run.finished:
                run.model.step()
        self.running = not all(run.finished for run in self.runs)

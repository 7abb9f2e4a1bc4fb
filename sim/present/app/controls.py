"""The scenario card of the app: scenario, uncertainties, instruments and the comparison.

Every control is labelled in words with its unit and shows its value in the label, so a class
reads the settings from the screen at the front of the room. With one lever compared with and
without, the card says what the Dutch record says of it, or that nothing quantified is known
(:func:`sim.present.evidence.known_of`). Every change rebuilds the model
from the scenario's start with the new settings (the page's ``rebuild``). Called by
:mod:`sim.present.app.page`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import solara

from sim.present.app.live import (
    ALL_INSTRUMENTS,
    FOOTFALL_TREND_RANGE,
    ONLINE_GROWTH_RANGE,
    Lever,
    Settings,
    build_scenario,
    choose_file,
    levers,
    picker_labels,
    session_error,
)
from sim.present.evidence import known_of
from sim.present.i18n import Lang

__all__ = ["ScenarioCard", "field_label"]


def field_label(field: str, t: Lang) -> str:
    """The name in words, with its unit, of the field a lever's slider sets."""
    labels = {
        "budget_eur_per_year": t.tr("budget (EUR a year)"),
        "core_walk_m": t.tr("size of the core (m walking from the busiest point)"),
        "penalty_eur_per_m2": t.tr("penalty for the owner (EUR per m2)"),
        "levy_eur_per_m2_year": t.tr("levy (EUR per m2 a year)"),
        "attractiveness_gain": t.tr("attractiveness gain (utility)"),
        "rent_share": t.tr("share of the rent paid"),
        "extra_users_per_year": t.tr("extra users a year"),
        "subsidy_share": t.tr("share of the conversion cost paid"),
        "joint_actions_per_year": t.tr("joint actions a year"),
        "online_persistence": t.tr("share of the online jump that stays"),
        "fixed_cost_share": t.tr("share of fixed costs paid"),
        "half_life_years": t.tr("years until half the visitor gap is closed"),
    }
    return labels.get(field, field.replace("_", " "))


def _value(field: str, value: float, t: Lang) -> str:
    if field.endswith("_share") or field == "online_persistence":
        return t.percent(value, 0)
    if "eur" in field:
        return t.eur(value) if value >= 100 else t.plain(value)
    return t.plain(value)


def _items(scenario) -> list:
    return [*(scenario.interventions or []), *(scenario.shocks or [])]


def _slider(label: str, **kwargs) -> None:
    """A slider with its label (words, unit and value) on a line of its own above the track:
    beside it, as Vuetify places it, a long label wrapped over the next slider and left the
    track a few pixels wide in the side bar."""
    with solara.Column(gap="0px", classes=["bs-slider"]):
        solara.Text(label, style={"font-size": "0.9em"})
        solara.SliderFloat("", thumb_label=True, **kwargs)


@solara.component
def ScenarioCard(settings: Settings, files: list[Path], t: Lang, rebuild: Callable[[], None],
                 lines: list[str], show_error: Callable[[str], None]):
    """Scenario picker, uncertainty sliders, instrument switches and the comparison choice.

    Args:
        settings: The session's settings (changed in place).
        files: The scenario files offered.
        t: The page's language.
        rebuild: Builds the model again from the settings.
        lines: The scenario's instruments and shocks in plain words, as run.
        show_error: Shows one line to the session (a forged file name or value).
    """
    revision, set_revision = solara.use_state(0)

    def changed():
        rebuild()
        set_revision(revision + 1)

    folder = files[0].parent if files else None
    labels = picker_labels(files, t)  # title (file name) -> file name

    def on_file(label: str):
        name = labels.get(label) if isinstance(label, str) else None
        problem = choose_file(settings, files, name)  # a forged name is refused, not a path
        if problem:
            show_error(problem)
            return
        changed()

    def setter(update):
        def on_value(value):
            try:  # a value forged in the browser must not become a traceback there
                update(value)
            except Exception as exc:
                show_error(session_error(exc, folder))
                return
            changed()
        return on_value

    scenario = build_scenario(settings)
    lever_list: list[Lever] = levers(scenario)
    with solara.Card(t.tr("Scenario"), classes=["bs-scenario"]):
        current = next((label for label, name in labels.items()
                        if name == settings.scenario_file.name), settings.scenario_file.name)
        solara.Select(t.tr("Choose a scenario"), values=list(labels), value=current,
                      on_value=on_file)
        if scenario.description:
            solara.Text(t.description(scenario.description), style={"font-size": "0.85em"})
        growth = settings.online_growth
        _slider(
            t.tr("Growth of online shopping: x{value} (1 = as in the scenario)",
                 value=t.plain(growth)),
            value=growth, min=ONLINE_GROWTH_RANGE[0], max=ONLINE_GROWTH_RANGE[1], step=0.1,
            on_value=setter(lambda v: setattr(settings, "online_growth", float(v))))
        trend = scenario.economy.footfall_trend_per_year
        _slider(
            t.tr("Footfall trend: {value} a year", value=t.signed(100 * trend, 1) + "%"),
            value=trend, min=FOOTFALL_TREND_RANGE[0], max=FOOTFALL_TREND_RANGE[1], step=0.001,
            on_value=setter(lambda v: setattr(settings, "footfall_trend", float(v))))
        if not lever_list:
            solara.Text(t.tr("No instruments or shocks in this scenario."),
                        style={"font-size": "0.85em"})
        items = {lv.key: item for lv, item in zip(lever_list, _items(scenario), strict=True)}
        for lever in lever_list:
            item = items[lever.key]
            kind = t.tr("Shock") if lever.is_shock else t.tr("Instrument")
            solara.Switch(
                label=f"{kind}: {t.title(item)}", value=bool(item.enabled),
                on_value=setter(lambda v, k=lever.key: settings.switches.__setitem__(k, v)),
                classes=["bs-lever"])
            if lever.field is not None:
                value = float(getattr(item, lever.field))
                _slider(
                    f"{field_label(lever.field, t)}: {_value(lever.field, value, t)}",
                    value=value, min=lever.low, max=lever.high, step=lever.step,
                    on_value=setter(lambda v, k=lever.key: settings.levels.__setitem__(k, v)))
        choices = [t.tr("off")] + [f"{t.title(items[lv.key])} [{lv.key}]" for lv in lever_list]
        keys = [None] + [lv.key for lv in lever_list]
        if any(not lv.is_shock for lv in lever_list):
            choices.append(t.tr("all instruments"))
            keys.append(ALL_INSTRUMENTS)
        current = choices[keys.index(settings.compare)] if settings.compare in keys else \
            choices[0]
        solara.Select(t.tr("Compare with and without"), values=choices, value=current,
                      on_value=setter(lambda v: setattr(settings, "compare",
                                                        keys[choices.index(v)])))
        if settings.compare in items and (known := known_of(items[settings.compare], t)):
            # the answer the comparison gives, next to what is known of it (issue 13)
            solara.Text(f"{t.tr('What the Dutch record says:')} {known}",
                        style={"font-size": "0.8em"}, classes=["bs-evidence"])
        with solara.Column(gap="2px", classes=["bs-scenario-summary"]):
            for line in lines or [t.tr("No instrument or shock: the centre on its own.")]:
                solara.Text(line, style={"font-size": "0.8em"})

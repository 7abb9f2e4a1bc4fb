"""Read scenario files: YAML to a validated :class:`~sim.scenario.schema.Scenario` and its
:class:`~sim.town.maps.Town`.

The entry points of the scenario layer: :func:`load_scenario` reads a file (through
:mod:`sim.scenario.yaml_lines`, with ``extends`` merged by :mod:`sim.scenario.extends` and
``--set`` applied by :mod:`sim.scenario.overrides`), validates it against the schema and builds
its town (:func:`build_town`). Every problem in what the user wrote becomes one
:class:`~sim.errors.ScenarioError` line that names the file, the line, the key and what is
allowed (worded by :mod:`sim.scenario.messages`)::

    scenarios/x.yaml:14: population.agents: must be > 0 (got -5)
    scenarios/x.yaml:23: town.map: column 7: unknown map symbol 'x'; allowed: ...
    --set population.agnts: unknown key; did you mean 'agents'?

Called by the command line, the Python API, the app, the model (``build_town``) and the runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from sim.errors import SET, ScenarioError
from sim.limits import MAX_MAP_BYTES, MAX_MAP_CELLS, MAX_PREMISES, MAX_ROUTE_ENTRIES
from sim.scenario.extends import load_resolved, scenario_parent
from sim.scenario.messages import origin, validation_error
from sim.scenario.overrides import apply_overrides, parse_override
from sim.scenario.schema import Scenario
from sim.scenario.yaml_lines import KeyPath, LineIndex, ReadError, load_yaml, read_text
from sim.town.maps import MapError, Town, load_preset, parse_map
from sim.town.townfile import load_town_dir

__all__ = [
    "LineIndex",
    "build_town",
    "display_path",
    "load_resolved",
    "load_scenario",
    "load_yaml",
    "parse_override",
    "scenario_from_dump",
    "scenario_parent",
    "scenario_source",
    "with_overrides",
]

DEFAULT_PRESET = "middelstad"


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Read, override, validate a scenario file and build its town.

    A file with a top-level ``extends: other.yaml`` is first merged over the file it extends
    (see :func:`load_resolved`); ``overrides`` apply after the merge.

    Args:
        path: The scenario YAML file; error messages name it as given.
        overrides: ``key.path=value`` strings applied before validation (``--set``).

    Returns:
        The validated scenario. Its source file is kept (see :func:`scenario_source`) so that
        ``town.map_file`` resolves against the scenario's folder, and its town is built and
        cached, so map errors surface here.

    Raises:
        ScenarioError: For anything wrong in the file, the overrides or the map.
    """
    label = str(path)
    data, lines = load_resolved(path)
    set_paths = apply_overrides(data, overrides)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, label, lines, set_paths) from exc
    scenario.set_source(Path(path).resolve())
    _build_town(scenario, label=label, lines=lines, set_paths=set_paths)
    return scenario


def with_overrides(scenario: Scenario, overrides: Sequence[str]) -> Scenario:
    """A copy of ``scenario`` with ``key.path=value`` overrides, validated like ``--set``.

    The copy keeps the source file of ``scenario`` (for ``town.map_file``).

    Raises:
        ScenarioError: With file ``--set`` for a bad override.
    """
    data = scenario.model_dump()
    set_paths = apply_overrides(data, overrides)
    try:
        changed = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, SET, LineIndex(), set_paths) from exc
    changed.set_source(scenario.source)
    _build_town(changed, label=SET, set_paths=set_paths)
    return changed


def scenario_source(scenario: Scenario) -> Path | None:
    """The absolute path of the file ``scenario`` was loaded from; None if built in code."""
    return scenario.source


def scenario_from_dump(data: dict, source: str | os.PathLike[str] | None) -> Scenario:
    """A scenario from its ``model_dump()`` (as a worker process receives it), with the file it
    was loaded from, so that its ``town.map_file`` resolves as in the process that loaded it."""
    scenario = Scenario.model_validate(data)
    scenario.set_source(Path(source) if source is not None else None)
    return scenario


def display_path(path: Path) -> str:
    """A path as errors and reports show it: relative to the working directory if below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def build_town(scenario: Scenario) -> Town:
    """The :class:`~sim.town.maps.Town` of a scenario: its preset, inline map or map file.

    ``town.map_file`` is relative to the scenario file's folder (the working directory for a
    scenario built in code). The town is cached on the scenario and rebuilt only if the town
    settings or the map file change.

    Raises:
        ScenarioError: For a map problem, naming the line and column, or a missing map file.
    """
    return _build_town(scenario)


def _build_town(
    scenario: Scenario,
    *,
    label: str | None = None,
    lines: LineIndex | None = None,
    set_paths: Sequence[KeyPath] = (),
) -> Town:
    cfg = scenario.town
    source = scenario.source
    base = source.parent if source is not None else Path.cwd()
    map_path = (base / cfg.map_file) if cfg.map_file is not None else None
    if cfg.dir is not None:
        map_path = base / cfg.dir / "town.yaml"  # the folder's town.yaml is written last
    stamp = None
    if map_path is not None:
        try:
            stat = map_path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
    key = (str(source), cfg.model_dump_json(), str(map_path), stamp)
    cached = scenario.cached_town(key)
    if cached is not None:
        return cached

    lines = lines if lines is not None else LineIndex()
    if label is None and source is not None:
        label = display_path(source)

    def fail(field: str, message: str, *, line: int | None = None) -> ScenarioError:
        """An error at ``town.<field>``: on ``line`` or the key's line, or in ``--set``."""
        file, key_line = origin(("town", field), label, lines, set_paths)
        line = line if line is not None and file != SET else key_line
        return ScenarioError(message, file=file, line=line, key_path=("town", field))

    kwargs = {"floor_area_m2": cfg.floor_area_m2.model_dump(), "cell_size_m": cfg.cell_size_m}
    if cfg.map is not None:
        if (problem := _map_too_large(cfg.map)) is not None:
            raise fail("map", problem)
        try:
            town = parse_map(cfg.map, name=scenario.name, **kwargs)
        except MapError as err:
            given_in, _ = origin(("town", "map"), label, lines, set_paths)
            first_row = lines.blocks.get(("town", "map")) if given_in != SET else None
            if err.line is not None and first_row is not None:
                raise fail("map", _at(err, row=False), line=first_row + err.line - 1) from err
            raise fail("map", _at(err, row=True)) from err
    elif cfg.dir is not None:
        shown = (os.path.normpath(os.path.join(os.path.dirname(label), cfg.dir))
                 if label is not None else display_path(base / cfg.dir))
        if not (base / cfg.dir / "town.yaml").is_file():
            what = "no such folder" if not (base / cfg.dir).exists() else "not a town folder"
            raise fail("dir", f"town folder {shown}: {what} (make one with 'binnenstad town "
                       "import', docs/own-town.md)")
        try:
            town = load_town_dir(base / cfg.dir)
        except ScenarioError as err:
            if err.file is None:
                raise fail("dir", f"town folder {shown}: {err.message}") from None
            raise
    elif map_path is not None:
        shown = (
            os.path.normpath(os.path.join(os.path.dirname(label), cfg.map_file))
            if label is not None
            else display_path(map_path)
        )
        try:
            text = read_text(map_path, MAX_MAP_BYTES)
        except ReadError as exc:
            if exc.line is not None:
                raise ScenarioError(
                    exc.message, file=shown, line=exc.line, key_path="town.map_file"
                ) from None
            raise fail("map_file", f"map file {shown}: {exc.message}") from None
        if (problem := _map_too_large(text)) is not None:
            raise fail("map_file", f"map file {shown}: {problem}")
        try:
            town = parse_map(text, name=Path(cfg.map_file).stem, **kwargs)
        except MapError as err:
            raise ScenarioError(
                _at(err, row=False), file=shown, line=err.line, key_path="town.map_file"
            ) from err
    else:
        preset = cfg.preset or DEFAULT_PRESET
        try:
            town = load_preset(preset, **kwargs)
        except MapError as err:
            raise fail("preset", f"built-in map {preset}: {_at(err, row=True)}") from err
    if town.n_premises > MAX_PREMISES:
        raise fail(_map_key(cfg), f"the map has {town.n_premises:,} premises; at most "
                   f"{MAX_PREMISES:,} are allowed")
    origins = len(town.entry_access) + len(town.home_zones(cfg.home_zone_cells)[1])
    entries = origins * len(town.walkable_xy)
    if entries > MAX_ROUTE_ENTRIES:
        raise fail("home_zone_cells", f"{origins:,} walking origins (entry points and home "
                   f"districts of {cfg.home_zone_cells} cells) x {len(town.walkable_xy):,} "
                   f"walkable cells need {entries:,} route entries; at most "
                   f"{MAX_ROUTE_ENTRIES:,}: use larger home districts or a smaller map")
    scenario.cache_town(key, town)
    return town


def _map_key(cfg) -> str:
    return "map" if cfg.map is not None else "map_file" if cfg.map_file is not None else "preset"


def _map_too_large(text: str) -> str | None:
    """Why a map text is too large to parse (rows x the longest row over
    :data:`~sim.limits.MAX_MAP_CELLS`), or None; checked before the map's arrays are made."""
    rows = text.splitlines()
    width = max((len(r) for r in rows), default=0)
    if len(rows) * width > MAX_MAP_CELLS:
        return (f"map of {width:,} x {len(rows):,} cells; at most {MAX_MAP_CELLS:,} cells "
                "(e.g. 1000 x 1000) are allowed")
    return None


def _at(err: MapError, *, row: bool) -> str:
    """A MapError's message prefixed by its place: ``column 7: ...`` or ``row 2, column 7: ...``."""
    place = []
    if row and err.line is not None:
        place.append(f"row {err.line}")
    if err.column is not None:
        place.append(f"column {err.column}")
    return f"{', '.join(place)}: {err.message}" if place else err.message

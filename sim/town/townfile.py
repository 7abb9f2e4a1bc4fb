"""Town folders: an imported town on disk, written by ``town import`` and loaded into a Town.

Owns the folder format (docs/own-town.md) and both directions: :func:`write_town_folder`
(called by the command line after :func:`sim.town.importer.import_town`) and
:func:`load_town_dir` (for whoever builds a scenario's town), and the folder's drawing geometry
with its grid for the maps (:func:`map_geometry`, drawn by :mod:`sim.town.drawing`). Loading
needs only numpy, yaml and the standard library, no geodata libraries.

A town folder::

    town.yaml            name, CRS (EPSG:28992), cell size, grid origin in RD metres, inputs
                         (file, layer, sha256, features read and used), settings, totals and
                         what was dropped (counts by reason); written last
    map.txt              the grid in the ASCII legend of sim.town.maps
    premises.csv         id, x, y, symbol, floor_m2, use, name, source_id, source_tag,
                         floor_source, in_core, moved_m
    dwellings.csv        x, y, households, persons, features
    entries.csv          id, x, y, kind, name, capacity, source_id
    counts.csv           name, label, x, y, source_id
    core.txt             (optional) the grid again: 1 inside the core boundary, 0 outside
    dropped.csv          file, layer, feature_id, reason
    geometry/*.geojson   buildings, streets, squares, area, core: GeoJSON in RD metres
    preview.png          the map at a glance

Rows of the tables are in the row-major order of their cells (``y`` then ``x``), the order of
the :class:`~sim.town.maps.Town` arrays. The map decides where premises, dwellings and entry
points are; the tables add what a symbol cannot say, and must agree with the map.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.errors import ScenarioError
from sim.files import atomic_write_bytes, atomic_write_text
from sim.town.maps import ENTRY_KINDS, MapError, Town, parse_map
from sim.town.uses import USES

__all__ = [
    "COLUMNS",
    "FORMAT",
    "MapGeometry",
    "load_town_dir",
    "map_geometry",
    "read_geometry",
    "write_town_folder",
]

FORMAT = "binnenstad-town/1"
COLUMNS = {
    "premises.csv": ("id", "x", "y", "symbol", "floor_m2", "use", "name", "source_id",
                     "source_tag", "floor_source", "in_core", "moved_m"),
    "dwellings.csv": ("x", "y", "households", "persons", "features"),
    "entries.csv": ("id", "x", "y", "kind", "name", "capacity", "source_id"),
    "counts.csv": ("name", "label", "x", "y", "source_id"),
    "dropped.csv": ("file", "layer", "feature_id", "reason"),
}
GEOMETRY_LAYERS = ("buildings", "streets", "squares", "area", "core")
_CRS_URN = "urn:ogc:def:crs:EPSG::28992"


# ----------------------------------------------------------------------------- writing
def _cell(value: Any) -> str:
    """A table value as text: '' for None/NaN, short floats, true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.1f}"
    return str(value)


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _geojson_text(name: str, features: list[dict[str, Any]]) -> str:
    """A FeatureCollection in RD metres (coordinates to the centimetre), one feature a line."""
    import shapely

    parts = []
    for feature in features:
        geom = shapely.transform(feature["geometry"], lambda c: np.round(c, 2))
        props = json.dumps(feature["properties"], ensure_ascii=False)
        parts.append(f'{{"type": "Feature", "properties": {props}, '
                     f'"geometry": {shapely.to_geojson(geom)}}}')
    head = (f'{{"type": "FeatureCollection", "name": {json.dumps(name)}, '
            f'"crs": {{"type": "name", "properties": {{"name": "{_CRS_URN}"}}}},\n'
            '"features": [\n')
    return head + ",\n".join(parts) + "\n]}\n"


def write_town_folder(imported, out_dir: str | Path, *, preview: bool = True) -> Path:
    """Write an :class:`~sim.town.importer.ImportedTown` as a town folder.

    Every file is written atomically and ``town.yaml`` last (an old one is removed first), so
    an interrupted import never leaves a folder that looks complete. The folder is loaded back
    before ``town.yaml`` is written, so a folder with a ``town.yaml`` always loads.

    Args:
        imported: The import result.
        out_dir: The folder (created if needed; files of an earlier import are replaced).
        preview: Also draw ``preview.png``.

    Returns:
        The folder.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "town.yaml").unlink(missing_ok=True)
    for layer in GEOMETRY_LAYERS:
        path = out / "geometry" / f"{layer}.geojson"
        if layer in imported.geometry:
            atomic_write_text(path, _geojson_text(layer, imported.geometry[layer]))
        else:
            path.unlink(missing_ok=True)
    atomic_write_text(out / "map.txt", imported.map_text())
    tables = {"premises.csv": imported.premises, "dwellings.csv": imported.dwellings,
              "entries.csv": imported.entries, "counts.csv": imported.counts,
              "dropped.csv": [{"file": d.file, "layer": d.layer, "feature_id": d.feature,
                               "reason": d.reason} for d in imported.dropped]}
    for file, rows in tables.items():
        atomic_write_text(out / file, _csv_text(COLUMNS[file], rows))
    if imported.core_mask is not None:
        atomic_write_text(out / "core.txt", "".join(
            "".join("1" if v else "0" for v in row) + "\n" for row in imported.core_mask))
    else:
        (out / "core.txt").unlink(missing_ok=True)
    cfg = _town_yaml(imported)
    town = _load(out, cfg, label=str(out / "town.yaml"))
    if preview:
        from sim.town.preview import render_preview

        atomic_write_bytes(out / "preview.png", render_preview(town, read_geometry(out)))
    atomic_write_text(out / "town.yaml", yaml.safe_dump(cfg, sort_keys=False,
                                                        allow_unicode=True, width=100))
    return out


def _town_yaml(imported) -> dict[str, Any]:
    g = imported.grid
    reasons: dict[str, int] = {}
    for d in imported.dropped:
        if d.feature:
            key = f"{d.layer}: {d.reason.split(' (')[0]}"
            reasons[key] = reasons.get(key, 0) + 1
    floor = sum(r["floor_m2"] for r in imported.premises)
    return {
        "format": FORMAT,
        "name": imported.name,
        "crs": "EPSG:28992",
        "cell_size_m": g.cell_size_m,
        "origin_rd_m": {"x": float(g.x0), "y": float(g.y0)},
        "size_cells": {"width": g.width, "height": g.height},
        "files": {
            "map": "map.txt", "premises": "premises.csv", "dwellings": "dwellings.csv",
            "entries": "entries.csv", "counts": "counts.csv",
            "core": "core.txt" if imported.core_mask is not None else None,
            "dropped": "dropped.csv",
            "geometry": {k: f"geometry/{k}.geojson" for k in GEOMETRY_LAYERS
                         if k in imported.geometry},
            "preview": "preview.png",
        },
        "totals": {
            "premises": len(imported.premises),
            "floor_m2": round(float(floor), 1),
            "dwelling_cells": len(imported.dwellings),
            "households": round(float(sum(r["households"] for r in imported.dwellings)), 1),
            "entries": len(imported.entries),
            "counting_points": len(imported.counts),
        },
        "settings": imported.settings,
        "inputs": imported.inputs,
        "dropped": dict(sorted(reasons.items())),
    }


# ----------------------------------------------------------------------------- loading
def load_town_dir(folder: str | Path, *, name: str | None = None) -> Town:
    """Load a town folder into a :class:`~sim.town.maps.Town`.

    The map gives the cells; the tables give per-premises floor areas, initial uses, names and
    source ids, households per dwelling cell, entry names and capacities, named counting
    points and the core boundary (the optional fields of ``Town``).

    Args:
        folder: The town folder (with ``town.yaml``).
        name: The town's name; ``town.yaml``'s if None.

    Raises:
        ScenarioError: One line naming the file, the line and what is wrong.
    """
    folder = Path(folder)
    path = folder / "town.yaml"
    label = str(path)
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(
            "no such file: not a town folder (make one with 'binnenstad town import')",
            file=label,
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ScenarioError(f"not valid YAML: {getattr(err, 'problem', err)}", file=label,
                            line=None if mark is None else mark.line + 1) from None
    if not isinstance(cfg, dict) or cfg.get("format") != FORMAT:
        raise ScenarioError(f"format must be {FORMAT!r}", file=label, key_path="format")
    return _load(folder, cfg, label=label, name=name)


def _need(cfg: dict[str, Any], key: str, kind: type | tuple[type, ...], label: str):
    value = cfg.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        what = "number" if isinstance(kind, tuple) else {"dict": "mapping"}.get(
            kind.__name__, kind.__name__)
        raise ScenarioError(f"missing or not a {what}", file=label, key_path=key)
    return value


def _listed_files_exist(folder: Path, cfg: dict[str, Any], label: str) -> None:
    """Every optional file that ``town.yaml`` lists (counting points, core, drawing layers) is
    in the folder: without them a run would quietly lose its named counting points, its core
    or its footprints."""
    files = cfg.get("files")
    if not isinstance(files, dict):
        return
    geometry = files.get("geometry")
    listed = [("counts", files.get("counts")), ("core", files.get("core"))] + [
        (f"geometry.{layer}", path) for layer, path in
        (geometry.items() if isinstance(geometry, dict) else ())]
    for key, path in listed:
        if isinstance(path, str) and path and not (folder / path).is_file():
            raise ScenarioError(f"lists {path}, which is not in the town folder (import the "
                                "town again with 'binnenstad town import')", file=label,
                                key_path=f"files.{key}")


def _load(folder: Path, cfg: dict[str, Any], *, label: str, name: str | None = None) -> Town:
    _listed_files_exist(folder, cfg, label)
    cell = float(_need(cfg, "cell_size_m", (int, float), label))
    origin = _need(cfg, "origin_rd_m", dict, label)
    town_name = name or str(_need(cfg, "name", str, label))
    map_path = folder / "map.txt"
    try:
        text = map_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("no such file", file=str(map_path)) from None
    try:
        town = parse_map(text, name=town_name, cell_size_m=cell)
    except MapError as err:
        column = f"column {err.column}: " if err.column is not None else ""
        raise ScenarioError(column + err.message, file=str(map_path), line=err.line) from None

    prem = _table(folder / "premises.csv", town.premises_xy, "premises")
    floor = np.array([_float(r, "floor_m2", positive=True) for r in prem])
    use = np.array([_choice(r, "use", USES) for r in prem], dtype="<U13")
    extra: dict[str, Any] = {
        "premises_floor_m2": floor, "premises_use": use,
        "premises_name": np.array([r.value("name") for r in prem], dtype=object),
        "premises_source_id": np.array([r.value("source_id") for r in prem], dtype=object),
        "premises_in_core": np.array([_choice(r, "in_core", ("true", "false")) == "true"
                                      for r in prem], dtype=bool),
        "origin_rd_m": (float(origin.get("x", math.nan)), float(origin.get("y", math.nan))),
        "folder": str(folder),
    }
    dwell = _table(folder / "dwellings.csv", town.dwelling_xy, "dwelling cell")
    extra["dwelling_households"] = np.array([_float(r, "households") for r in dwell])
    extra["dwelling_persons"] = np.array([_float(r, "persons", missing=True) for r in dwell])
    ent = _table(folder / "entries.csv", town.entry_xy, "entry point")
    for r, kind in zip(ent, town.entry_kind.tolist(), strict=True):
        if _choice(r, "kind", ENTRY_KINDS) != kind:
            raise r.error("kind", f"is {r.value('kind')!r} but the map has a {kind} here")
    extra["entry_name"] = np.array([r.value("name") for r in ent], dtype=object)
    extra["entry_capacity"] = np.array([_float(r, "capacity", missing=True) for r in ent])
    counts_path = folder / "counts.csv"
    if counts_path.exists():
        points, labels = {}, {}
        for r in _rows(counts_path):
            x, y = _int(r, "x"), _int(r, "y")
            index = int(town.walkable_index[y, x]) if (0 <= y < town.height
                                                       and 0 <= x < town.width) else -1
            if index < 0:
                raise r.error("x", f"cell ({x}, {y}) is not a walkable cell of map.txt")
            cname = r.value("name")
            if not cname or cname in points:
                raise r.error("name", f"must be a unique non-empty name (got {cname!r})")
            points[cname] = index
            labels[cname] = r.value("label") or cname
        extra["counting_points"] = points
        extra["counting_point_labels"] = labels
    core_path = folder / "core.txt"
    if core_path.exists():
        rows = core_path.read_text(encoding="utf-8").splitlines()
        mask = np.array([[c == "1" for c in row] for row in rows], dtype=bool)
        if mask.shape != (town.height, town.width):
            raise ScenarioError(f"must have {town.height} rows of {town.width} cells like "
                                "map.txt", file=str(core_path))
        extra["core_mask"] = mask
    return replace(town, **extra)


class _Row:
    """A table row that knows its file and line, for one-line errors."""

    def __init__(self, path: Path, line: int, data: dict[str, str]):
        self.path, self.line, self.data = path, line, data

    def value(self, column: str) -> str:
        return (self.data.get(column) or "").strip()

    def error(self, column: str, message: str) -> ScenarioError:
        return ScenarioError(message, file=str(self.path), line=self.line, key_path=column)


def _rows(path: Path) -> list[_Row]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("no such file", file=str(path)) from None
    reader = csv.DictReader(io.StringIO(text))
    wanted = COLUMNS.get(path.name, ())
    missing = [c for c in wanted if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError(f"missing columns {', '.join(missing)}; expected "
                            f"{', '.join(wanted)}", file=str(path), line=1)
    return [_Row(path, reader.line_num, row) for row in reader]


def _table(path: Path, xy: np.ndarray, what: str) -> list[_Row]:
    """The rows of ``path`` in the order of the map's cells ``xy``; one row per cell."""
    by_cell: dict[tuple[int, int], _Row] = {}
    for r in _rows(path):
        key = (_int(r, "x"), _int(r, "y"))
        if key in by_cell:
            raise r.error("x", f"a second row for cell {key}")
        by_cell[key] = r
    order = [by_cell.pop(tuple(c), None) for c in xy.tolist()]
    if by_cell:
        r = next(iter(by_cell.values()))
        raise r.error("x", f"cell ({_int(r, 'x')}, {_int(r, 'y')}) is not a {what} in map.txt")
    if any(r is None for r in order):
        x, y = xy[next(i for i, r in enumerate(order) if r is None)].tolist()
        raise ScenarioError(f"no row for the {what} at cell ({x}, {y}) of map.txt",
                            file=str(path))
    return order  # type: ignore[return-value]


def _int(r: _Row, column: str) -> int:
    try:
        return int(r.value(column))
    except ValueError:
        raise r.error(column, f"must be a whole number (got {r.value(column)!r})") from None


def _float(r: _Row, column: str, *, positive: bool = False, missing: bool = False) -> float:
    text = r.value(column)
    if text == "" and missing:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise r.error(column, f"must be a number (got {text!r})") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise r.error(column, f"must be {'> 0' if positive else '>= 0'} (got {text!r})")
    return value


def _choice(r: _Row, column: str, allowed: tuple[str, ...]) -> str:
    value = r.value(column)
    if value not in allowed:
        raise r.error(column, f"must be one of {', '.join(allowed)} (got {value!r})")
    return value


def read_geometry(folder: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The drawing geometry of a town folder: layer -> GeoJSON features (RD metres).

    Pure JSON: coordinates are nested lists as in GeoJSON; missing layers are absent.
    """
    out = {}
    for layer in GEOMETRY_LAYERS:
        path = Path(folder) / "geometry" / f"{layer}.geojson"
        if path.exists():
            out[layer] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return out


@dataclass(frozen=True)
class MapGeometry:
    """The drawing geometry of an imported town and where its grid lies.

    Attributes:
        layers: Layer (``buildings``, ``streets``, ``squares``, ``area``, ``core``) -> GeoJSON
            features in RD metres (:func:`sim.town.townfile.read_geometry`).
        origin_rd_m: RD coordinates of the north-west corner of cell (0, 0).
        cell_size_m: Edge of a cell in metres.
    """

    layers: dict[str, list[dict[str, Any]]]
    origin_rd_m: tuple[float, float]
    cell_size_m: float

    def to_cells(self, xy: np.ndarray) -> np.ndarray:
        """RD metres -> the coordinates of an ``imshow`` of the grid: cell (x, y) is centred
        on (x, y) and row 0 is the north edge (cell (x, y) covers RD X from x0 + x * s to
        x0 + (x + 1) * s and Y from y0 - (y + 1) * s to y0 - y * s)."""
        x0, y0 = self.origin_rd_m
        s = self.cell_size_m
        return np.column_stack([(xy[:, 0] - x0) / s - 0.5, (y0 - xy[:, 1]) / s - 0.5])


def map_geometry(town: Town) -> MapGeometry | None:
    """The geometry of a town loaded from a town folder; None for a preset or an ASCII map
    (or a folder without geometry)."""
    if town.folder is None or town.origin_rd_m is None:
        return None
    if not all(math.isfinite(v) for v in town.origin_rd_m):
        return None
    layers = read_geometry(town.folder)
    if not layers.get("buildings") and not layers.get("streets"):
        return None
    return MapGeometry(layers, town.origin_rd_m, town.cell_size_m)

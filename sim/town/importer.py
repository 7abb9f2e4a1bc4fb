"""``binnenstad town import``: from a municipality's geodata files to a town folder.

Owns the order of the import: which file and layer supplies each role, the study area,
clipping, floor areas of premises given as points, rasterising and placing
(:mod:`sim.town.rasterise`), and the tables, geometry and summary of the result. Writing and
loading the folder is :mod:`sim.town.townfile`; the command line (:mod:`sim.cli`) calls
:func:`import_town` and prints :func:`summary_text`.

Needs the optional ``geo`` extra (through :mod:`sim.town.geo`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box

from sim.errors import GeoDataError, ScenarioError
from sim.town import geo, places
from sim.town.geo import Dropped, Layer, Records
from sim.town.maps import ENTRY_KINDS, ENTRY_SYMBOLS, Town, parse_map
from sim.town.rasterise import Grid, frontage_mask, network_mask, place, rasterise_streets
from sim.town.uses import USES, symbol_for_floor_m2

__all__ = ["ImportSpec", "ImportedTown", "import_town", "summary_text"]

DEFAULT_AREA_MARGIN_M = 50.0  # around premises, entries and counts when no study area is given


@dataclass
class ImportSpec:
    """What to import and how.

    Args:
        sources: Files whose roles follow from their kind (an OSM file's tags) or their layer
            names (see :func:`sim.town.geo.layer_roles`).
        roles: Role -> ``FILE`` or ``FILE:LAYER``, overriding ``sources``.
        name: The town's name; the first source's file name if None.
        cell_size_m: Edge of a cell (m).
        bbox: Study area ``(minx, miny, maxx, maxy)`` in RD metres, if no ``area`` layer.
        snap_m: Largest distance from a feature to its cell (m).
        min_bike_capacity: Smallest bike park that counts as an entry point (bikes).
    """

    sources: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    cell_size_m: float = 10.0
    bbox: tuple[float, float, float, float] | None = None
    snap_m: float = 30.0
    min_bike_capacity: int = 50


@dataclass
class ImportedTown:
    """The result of an import, ready to be written as a town folder.

    Tables are lists of rows (dicts) in the row-major order of their cells, the order of the
    :class:`~sim.town.maps.Town` arrays. ``geometry`` holds GeoJSON-like features per layer
    (``buildings``, ``streets``, ``squares``, ``core``, ``area``) with shapely geometries.
    """

    name: str
    grid: Grid
    symbols: np.ndarray
    premises: list[dict[str, Any]]
    dwellings: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    counts: list[dict[str, Any]]
    core_mask: np.ndarray | None
    dropped: list[Dropped]
    inputs: list[dict[str, Any]]
    settings: dict[str, Any]
    geometry: dict[str, list[dict[str, Any]]]
    town: Town

    def map_text(self) -> str:
        """The ASCII map (legend of :mod:`sim.town.maps`)."""
        return "".join("".join(row) + "\n" for row in self.symbols)


# ------------------------------------------------------------------------------- roles
def _split_role(text: str) -> tuple[str, str | None]:
    """``FILE`` or ``FILE:LAYER`` (a path that exists is always a whole file name)."""
    if Path(text).exists() or ":" not in text:
        return text, None
    file, layer = text.rsplit(":", 1)
    return file, layer or None


def resolve_roles(spec: ImportSpec) -> dict[str, Layer]:
    """The file and layer of each role, from the sources and the explicit role options."""
    layers: dict[str, Layer] = {}
    for source in spec.sources:
        for role, layer in geo.layer_roles(source).items():
            layers.setdefault(role, layer)
    for role, text in spec.roles.items():
        if role not in geo.ROLES:
            raise ValueError(f"unknown role {role!r}")
        file, layer = _split_role(text)
        layers[role] = Layer(role, file, layer)
    for role in ("streets", "premises"):
        if role not in layers:
            raise ScenarioError(
                f"no {role} given: pass an OSM file or a GeoPackage with a '{role}' layer, "
                f"or --{role} FILE[:LAYER]", file="town import",
            )
    return layers


# ----------------------------------------------------------------------------- import
def import_town(spec: ImportSpec) -> ImportedTown:
    """Build a town from geodata (rules in :mod:`sim.town.rasterise` and :mod:`sim.town.geo`).

    Raises:
        GeoDataError: Bad geodata (file, layer, feature).
        ScenarioError: A missing required input.
    """
    geo.clear_cache()
    layers = resolve_roles(spec)
    dropped: list[Dropped] = []
    lines, squares = geo.streets(layers["streets"], dropped)
    same = ("squares" in layers and (layers["squares"].file, layers["squares"].layer)
            == (layers["streets"].file, layers["streets"].layer))
    if "squares" in layers and not same:
        _, more = geo.streets(layers["squares"], dropped)
        squares = _concat(squares, more)
        squares.n_read = more.n_read  # the squares layer's own features, for the provenance
    premises = geo.premises(layers["premises"], dropped)
    buildings = geo.buildings(layers["buildings"]) if "buildings" in layers else None
    dwellings = places.dwellings(layers["dwellings"], dropped) if "dwellings" in layers else None
    entries = (places.entries(layers["entries"], dropped, spec.min_bike_capacity)
               if "entries" in layers else None)
    counts = places.counts(layers["counts"]) if "counts" in layers else None
    core = places.polygon(layers["core"]) if "core" in layers else None

    if "area" in layers:
        area, area_text = places.polygon(layers["area"]), _layer_text(layers["area"])
    elif spec.bbox is not None:
        area, area_text = box(*spec.bbox), "bbox " + ",".join(f"{v:g}" for v in spec.bbox)
    else:
        pts = [g for r in (premises, entries, counts) if r is not None for g in r.geometry]
        if not pts:
            raise GeoDataError("no premises", file=layers["premises"].file,
                               layer=layers["premises"].label)
        area = box(*shapely.union_all(np.array(pts, dtype=object)).bounds).buffer(
            DEFAULT_AREA_MARGIN_M, join_style="mitre")
        area_text = f"bounds of premises, entry and counting points + {DEFAULT_AREA_MARGIN_M:g} m"

    # clip to the study area
    lines = _clip(lines, area, keep=geo.is_linear)
    squares = _clip(squares, area, keep=geo.is_polygonal)
    if len(lines) + len(squares) == 0:
        streets_layer = layers["streets"]
        raise GeoDataError(
            "no walkable streets in the study area (lines with a highway value such as "
            "pedestrian, footway, residential; or squares)",
            file=streets_layer.file, layer=streets_layer.label,
        )
    premises = _inside(premises, area, dropped)
    entries = _inside(entries, area, dropped) if entries is not None else None
    dwellings = _inside(dwellings, area, dropped) if dwellings is not None else None
    counts = _inside(counts, area, dropped) if counts is not None else None
    if buildings is not None:
        buildings = _clip(buildings, area, keep=geo.is_polygonal)
    _fill_floor_areas(premises, buildings)

    grid = Grid.over(area.bounds, spec.cell_size_m)
    kind, cells_of_line = rasterise_streets(lines.geometry, squares.geometry, grid)
    inside_area = shapely.contains_xy(area, *grid.all_centres().transpose(2, 0, 1))
    network = network_mask(kind > 0)
    cut_off = (kind > 0) & ~network
    if cut_off.any():
        n_cut = int(cut_off.sum())
        for fid, cells in zip(lines.ids, cells_of_line, strict=True):
            if len(cells) and cut_off[cells[:, 1], cells[:, 0]].all():
                dropped.append(Dropped(lines.layer.file, lines.layer.label, fid,
                                       "street not connected to the main street network"))
        dropped.append(Dropped(lines.layer.file, lines.layer.label, "",
                               f"{n_cut} street cells apart from the main network left out"))

    # entry points, counting points, premises, dwellings
    if entries is None or len(entries) == 0:
        raise GeoDataError(
            "no entry point (station, car park, bus stop or bike park) in the study area: give "
            "--entries FILE[:LAYER]",
            file=(layers.get("entries") or layers["streets"]).file,
            layer=(layers.get("entries") or layers["streets"]).label,
        )
    ent = place(entries.geometry, network, grid, snap_m=spec.snap_m, exclusive=True,
                what="street cell")
    _report(entries, ent.reason, dropped)
    if (ent.cell[:, 0] < 0).all():
        raise GeoDataError(
            f"no entry point lies within {spec.snap_m:g} m of the street network",
            file=entries.layer.file, layer=entries.layer.label,
        )
    entry_mask = np.zeros_like(network)
    placed_entries = ent.cell[ent.cell[:, 0] >= 0]
    entry_mask[placed_entries[:, 1], placed_entries[:, 0]] = True
    cnt = None
    if counts is not None:
        cnt = place(counts.geometry, network & ~entry_mask, grid, snap_m=spec.snap_m,
                    exclusive=True, what="street cell")
        _report(counts, cnt.reason, dropped)
    frontage = frontage_mask(network, ~network & inside_area)
    prem = place(premises.geometry, frontage, grid, snap_m=spec.snap_m, exclusive=True,
                 what="frontage cell")
    _report(premises, prem.reason, dropped)
    if (prem.cell[:, 0] < 0).all():
        raise GeoDataError(
            f"no premises lies within {spec.snap_m:g} m of the street network",
            file=premises.layer.file, layer=premises.layer.label,
        )
    premises_mask = np.zeros_like(network)
    ok = prem.cell[:, 0] >= 0
    premises_mask[prem.cell[ok, 1], prem.cell[ok, 0]] = True
    dwl = None
    if dwellings is not None:
        dwl = place([_as_point(g) for g in dwellings.geometry], frontage & ~premises_mask, grid,
                    snap_m=spec.snap_m, exclusive=False, what="frontage cell")
        _report(dwellings, dwl.reason, dropped)
    core_mask = None
    if core is not None:
        core_mask = shapely.contains_xy(core, *grid.all_centres().transpose(2, 0, 1))

    # the map
    symbols = np.full((grid.height, grid.width), "#", dtype="<U1")
    symbols[network & (kind == 1)] = "."
    symbols[network & (kind == 2)] = ":"
    entry_rows = _entry_rows(entries, ent, symbols)
    count_rows = _count_rows(counts, cnt, symbols) if counts is not None else []
    premises_rows = _premises_rows(premises, prem, symbols, core_mask)
    dwelling_rows = _dwelling_rows(dwellings, dwl, symbols) if dwellings is not None else []
    name = spec.name or Path((spec.sources or [layers["premises"].file])[0]).stem.split(".")[0]
    town = parse_map("".join("".join(r) + "\n" for r in symbols), name=name,
                     cell_size_m=grid.cell_size_m)
    if town.n_premises != len(premises_rows):  # the map must say what the tables say
        raise AssertionError(f"map has {town.n_premises} premises, table {len(premises_rows)}")

    geometry = _geometry(lines, squares, buildings, premises, core, area, cells_of_line, town,
                         grid)
    inputs = [_input_row(role, layer, n_read, n_used)
              for role, layer, n_read, n_used in _usage(layers, lines, squares, premises,
                                                        buildings, dwellings, entries, counts)]
    settings = {"cell_size_m": grid.cell_size_m, "snap_m": spec.snap_m,
                "min_bike_capacity": spec.min_bike_capacity, "study_area": area_text}
    return ImportedTown(name, grid, symbols, premises_rows, dwelling_rows, entry_rows,
                        count_rows, core_mask, dropped, inputs, settings, geometry, town)


def _layer_text(layer: Layer) -> str:
    return f"{layer.file}" + (f":{layer.layer}" if layer.layer else "")


def _concat(a: Records, b: Records) -> Records:
    out = Records(a.layer, a.ids + b.ids, a.geometry + b.geometry, a.attrs + b.attrs)
    out.n_read = a.n_read + b.n_read
    return out


def _clip(records: Records, area, *, keep) -> Records:
    """The parts of each geometry inside the study area (features wholly outside go)."""
    out = Records(records.layer)
    out.n_read = records.n_read
    arr = np.array(records.geometry, dtype=object)
    if len(arr) == 0:
        return out
    clipped = shapely.intersection(arr, area)
    for fid, geom, attrs in zip(records.ids, clipped, records.attrs, strict=True):
        if geom.is_empty:
            continue
        if geom.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(geom) if keep(p)]
            if not parts:
                continue
            geom = shapely.union_all(np.array(parts, dtype=object))
        if keep(geom):
            out.add(fid, geom, **attrs)
    return out


def _inside(records: Records, area, dropped: list[Dropped]) -> Records:
    """Features whose centre lies in the study area; the others are reported."""
    out = Records(records.layer)
    out.n_read = records.n_read
    if len(records) == 0:
        return out
    centre = shapely.centroid(np.array(records.geometry, dtype=object))
    inside = shapely.contains(area, centre) | shapely.touches(area, centre)
    for fid, geom, attrs, ok in zip(records.ids, records.geometry, records.attrs, inside,
                                    strict=True):
        if ok:
            out.add(fid, geom, **attrs)
        else:
            dropped.append(Dropped(records.layer.file, records.layer.label, fid,
                                   "outside the study area"))
    return out


def _fill_floor_areas(premises: Records, buildings: Records | None) -> None:
    """Floor areas of premises given as points without one: their building's footprint, shared
    by the premises inside it; else the median of the known areas (``assumed``)."""
    missing = [i for i, a in enumerate(premises.attrs) if a["floor_m2"] is None]
    if not missing:
        return
    if buildings is not None and len(buildings):
        tree = shapely.STRtree(np.array(buildings.geometry, dtype=object))
        pts = np.array([premises.geometry[i] for i in missing], dtype=object)
        hit_p, hit_b = tree.query(pts, predicate="within")
        # the first building (in file order) of each point; shared by its points
        first: dict[int, int] = {}
        for p, b in sorted(zip(hit_p.tolist(), hit_b.tolist(), strict=True)):
            first.setdefault(p, b)
        per_building = Counter(first.values())
        for p, b in first.items():
            attrs = premises.attrs[missing[p]]
            attrs["floor_m2"] = float(buildings.geometry[b].area) / per_building[b]
            attrs["floor_source"] = "building" if per_building[b] == 1 else "building share"
    known = [a["floor_m2"] for a in premises.attrs if a["floor_m2"] is not None]
    fallback = float(np.median(known)) if known else 100.0
    for a in premises.attrs:
        if a["floor_m2"] is None:
            a["floor_m2"], a["floor_source"] = fallback, "assumed"


def _as_point(geom):
    return geom if geom.geom_type == "Point" else geom.representative_point()


def _report(records: Records, reasons: list[str | None], dropped: list[Dropped]) -> None:
    for fid, reason in zip(records.ids, reasons, strict=True):
        if reason is not None:
            dropped.append(Dropped(records.layer.file, records.layer.label, fid, reason))


def _order(cells: np.ndarray) -> np.ndarray:
    """Indices of placed features in row-major order of their cells."""
    placed = np.flatnonzero(cells[:, 0] >= 0)
    return placed[np.lexsort((cells[placed, 0], cells[placed, 1]))]


def _entry_rows(entries: Records, ent, symbols: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for n, i in enumerate(_order(ent.cell), start=1):
        x, y = (int(v) for v in ent.cell[i])
        a = entries.attrs[i]
        symbols[y, x] = ENTRY_SYMBOLS[ENTRY_KINDS.index(a["kind"])]
        rows.append({"id": f"e{n}", "x": x, "y": y, "kind": a["kind"], "name": a["name"],
                     "capacity": a["capacity"], "source_id": entries.ids[i]})
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _count_rows(counts: Records, cnt, symbols: np.ndarray) -> list[dict[str, Any]]:
    rows, seen = [], set()
    placed = [i for i in range(len(counts)) if cnt.cell[i, 0] >= 0]  # the source's order
    for n, i in enumerate(placed, start=1):
        x, y = (int(v) for v in cnt.cell[i])
        label = counts.attrs[i]["name"]
        name = _slug(label) or f"count_{n}"
        if name in seen:
            name = f"{name}_{n}"
        seen.add(name)
        if n <= 9:  # the map marks the first nine as digits; counts.csv has them all
            symbols[y, x] = str(n)
        rows.append({"name": name, "label": label or name, "x": x, "y": y,
                     "source_id": counts.ids[i]})
    return rows


def _premises_rows(premises: Records, prem, symbols, core_mask) -> list[dict[str, Any]]:
    rows = []
    for n, i in enumerate(_order(prem.cell), start=1):
        x, y = (int(v) for v in prem.cell[i])
        a = premises.attrs[i]
        symbol = symbol_for_floor_m2(a["floor_m2"])
        symbols[y, x] = symbol
        assert a["use"] in USES
        rows.append({
            "id": f"p{n}", "x": x, "y": y, "symbol": symbol, "floor_m2": a["floor_m2"],
            "use": a["use"], "name": a["name"], "source_id": premises.ids[i],
            "source_tag": a["tag"], "floor_source": a["floor_source"],
            "in_core": bool(core_mask[y, x]) if core_mask is not None else False,
            "moved_m": float(prem.moved_m[i]),
        })
    return rows


def _dwelling_rows(dwellings: Records, dwl, symbols) -> list[dict[str, Any]]:
    by_cell: dict[tuple[int, int], dict[str, Any]] = {}
    for i in range(len(dwellings)):
        if dwl.cell[i, 0] < 0:
            continue
        x, y = (int(v) for v in dwl.cell[i])
        a = dwellings.attrs[i]
        row = by_cell.setdefault((y, x), {"x": x, "y": y, "households": 0.0, "persons": 0.0,
                                          "persons_known": True, "features": 0})
        row["households"] += a["households"]
        row["features"] += 1
        if a["persons"] is None:
            row["persons_known"] = False
        else:
            row["persons"] += a["persons"]
    rows = []
    for key in sorted(by_cell):
        row = by_cell[key]
        symbols[row["y"], row["x"]] = "h"
        rows.append({"x": row["x"], "y": row["y"], "households": row["households"],
                     "persons": row["persons"] if row["persons_known"] else None,
                     "features": row["features"]})
    return rows


def _geometry(lines, squares, buildings, premises, core, area, cells_of_line, town, grid):
    """Features for drawing: footprints, streets (with premises along each named street)."""
    access_xy = {tuple(xy) for xy in town.walkable_xy[town.premises_access].tolist()}
    along: Counter[str] = Counter()
    cells_by_name: dict[str, set[tuple[int, int]]] = {}
    for cells, attrs in zip(cells_of_line, lines.attrs, strict=True):
        if attrs["name"]:
            cells_by_name.setdefault(attrs["name"], set()).update(map(tuple, cells.tolist()))
    for street, cells in cells_by_name.items():
        along[street] = len(cells & access_xy)
    streets = [{"geometry": g, "properties": {"id": fid, "name": a["name"], "kind": a["kind"],
                                              "premises_along": along.get(a["name"], 0)}}
               for fid, g, a in zip(lines.ids, lines.geometry, lines.attrs, strict=True)]
    sq = [{"geometry": g, "properties": {"id": fid, "name": a["name"]}}
          for fid, g, a in zip(squares.ids, squares.geometry, squares.attrs, strict=True)]
    blds = []
    if buildings is not None:
        blds = [{"geometry": g, "properties": {"id": fid, "building": a["building"],
                                               "name": a["name"]}}
                for fid, g, a in zip(buildings.ids, buildings.geometry, buildings.attrs,
                                     strict=True)]
    blds += [{"geometry": g, "properties": {"id": fid, "building": "premises",
                                            "name": a["name"]}}
             for fid, g, a in zip(premises.ids, premises.geometry, premises.attrs, strict=True)
             if geo.is_polygonal(g)]
    out = {"buildings": blds, "streets": streets, "squares": sq,
           "area": [{"geometry": area, "properties": {"name": "study area"}}]}
    if core is not None:
        out["core"] = [{"geometry": core, "properties": {"name": "core"}}]
    return out


def _usage(layers, lines, squares, premises, buildings, dwellings, entries, counts):
    used = {"streets": lines, "squares": squares, "premises": premises, "buildings": buildings,
            "dwellings": dwellings, "entries": entries, "counts": counts}
    for role in geo.ROLES:
        if role not in layers and not (role == "squares" and "streets" in layers):
            continue
        layer = layers.get(role) or layers["streets"]
        rec = used.get(role)
        yield role, layer, (rec.n_read if rec is not None else None), (
            len(rec) if rec is not None else None)


def _input_row(role: str, layer: Layer, n_read, n_used) -> dict[str, Any]:
    digest = hashlib.sha256(Path(layer.file).read_bytes()).hexdigest()
    row = {"role": role, "file": layer.file, "layer": layer.layer, "sha256": digest}
    if n_read is not None:
        row["features_read"] = int(n_read)
        row["features_used"] = int(n_used)
    return row


# ----------------------------------------------------------------------------- summary
def _reason_group(reason: str) -> str:
    return reason.split(" (")[0]


def summary_text(town: ImportedTown, out_dir: Path | None = None) -> str:
    """A one-screen summary: premises by use, floor area, dwellings, entries, cells, drops."""
    lines = []
    g = town.grid
    walk = int(np.isin(town.symbols, list(".:TPBF123456789")).sum())
    lines.append(f"{town.name}: {g.width} x {g.height} cells of {g.cell_size_m:g} m "
                 f"({walk} walkable), origin RD {g.x0:.0f}, {g.y0:.0f}")
    floor = sum(r["floor_m2"] for r in town.premises)
    lines.append(f"premises: {len(town.premises)}, floor area {floor:,.0f} m2")
    by_use = Counter(r["use"] for r in town.premises)
    area_by_use = Counter()
    for r in town.premises:
        area_by_use[r["use"]] += r["floor_m2"]
    for use in USES:
        if by_use[use]:
            lines.append(f"  {use:<14} {by_use[use]:>5}  {area_by_use[use]:>10,.0f} m2")
    moved = [r["moved_m"] for r in town.premises if r["moved_m"] > g.cell_size_m]
    if moved:
        lines.append(f"  {len(moved)} placed more than a cell from their address "
                     f"(at most {max(moved):.0f} m)")
    assumed = sum(r["floor_source"] == "assumed" for r in town.premises)
    if assumed:
        lines.append(f"  {assumed} without a floor area or building: the median area assumed")
    hh = sum(r["households"] for r in town.dwellings)
    lines.append(f"dwellings: {len(town.dwellings)} cells, {hh:,.0f} households")
    kinds = Counter(r["kind"] for r in town.entries)
    lines.append("entry points: " + (", ".join(f"{kinds[k]} {k}" for k in ENTRY_KINDS
                                               if kinds[k]) or "none"))
    lines.append(f"counting points: {len(town.counts)}"
                 + (f" ({', '.join(r['label'] for r in town.counts)})" if town.counts else ""))
    if town.core_mask is not None:
        in_core = sum(r["in_core"] for r in town.premises)
        lines.append(f"core: {int(town.core_mask.sum())} cells, {in_core} premises inside")
    groups = Counter((d.layer, _reason_group(d.reason)) for d in town.dropped if d.feature)
    lines.append(f"dropped: {sum(groups.values())} features" + (":" if groups else ""))
    for (layer, reason), n in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {n:>5}  {layer}: {reason}")
    for d in town.dropped:
        if not d.feature:
            lines.append(f"  note   {d.layer}: {d.reason}")
    if out_dir is not None:
        lines.append(f"town folder: {out_dir} (preview: {out_dir / 'preview.png'})")
    return "\n".join(lines) + "\n"


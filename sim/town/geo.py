"""Reading a municipality's geodata for ``binnenstad town import``: files, layers and roles.

Owns everything that touches geodata libraries (geopandas, pyogrio, shapely, pyproj, osmnx;
the optional ``geo`` extra, imported when this module is): opening files, checking and
reprojecting coordinates to RD New (EPSG:28992), and turning each layer's features into the
plain records of one *role* (streets, squares, premises, buildings, dwellings, entry points,
counting points, core boundary, study area). Called by :mod:`sim.town.importer`; the
rasterising in :mod:`sim.town.rasterise` works on the records it returns.

Sources:

* OpenStreetMap XML (``.osm``) is read offline by osmnx's ``features_from_xml``; one file
  supplies streets, squares, premises, buildings, dwellings and entry points by their tags.
* Any vector file GDAL reads (GeoPackage, GeoJSON, Shapefile, ...) through pyogrio; a layer's
  role is given by the user (``--premises file.gpkg:layer``) or by its name (a layer called
  ``streets``, ``premises``, ... or the BAG's ``verblijfsobject`` and ``pand``).

Attribute conventions per role (OSM tag names work in every vector layer too) are listed in
docs/own-town.md; the use of premises follows :mod:`sim.town.uses`.

Bad geodata raises :class:`sim.errors.GeoDataError`: one line with the file, the layer and the
feature id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from sim.errors import GeoDataError
from sim.town.uses import USES, use_from_bag, use_from_osm

__all__ = [
    "CRS",
    "OSM_SUFFIXES",
    "ROLES",
    "Dropped",
    "Layer",
    "Records",
    "is_linear",
    "is_polygonal",
    "layer_roles",
    "read_layer",
]

CRS = "EPSG:28992"  # RD New (Amersfoort / RD New), metres
OSM_SUFFIXES = (".osm", ".xml")
ROLES = ("streets", "squares", "premises", "buildings", "dwellings", "entries", "counts",
         "core", "area")
#: Layer names that give a layer its role when the user does not (lower case).
LAYER_NAMES = {
    **{role: (role,) for role in ROLES},
    "premises": ("premises", "verblijfsobject"),
    "dwellings": ("dwellings", "verblijfsobject"),
    "buildings": ("buildings", "pand"),
}
#: Roles an OSM file supplies by its tags.
OSM_ROLES = ("streets", "squares", "premises", "buildings", "dwellings", "entries")

#: ``highway=*`` values that are walkable streets. Roads with car traffic (primary ..
#: residential, service) are walkable at their pavements: at about 10 m a cell, both pavements
#: and the carriageway fall in one row of cells, so they rasterise like pedestrian streets.
WALKABLE_HIGHWAYS = frozenset({
    "pedestrian", "footway", "living_street", "path", "steps", "residential", "service",
    "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link", "primary",
    "primary_link", "cycleway", "track", "street", "road",
})
#: Building values whose homes count as dwellings when no ``building:flats`` says how many.
RESIDENTIAL_BUILDINGS = frozenset({
    "apartments", "residential", "house", "terrace", "detached", "semidetached_house",
    "dormitory", "bungalow",
})
ONE_HOME = frozenset({"house", "detached", "semidetached_house", "bungalow"})
#: Gross floor area per home when only a building's footprint and storeys are known (m2).
GROSS_M2_PER_HOME = 90.0
DEFAULT_LEVELS = 3  # storeys of an apartment block without ``building:levels``
_YES = frozenset({"yes", "true", "1", "ja", "y"})
_ID_COLUMNS = ("id", "osm_id", "identificatie", "fid", "feature_id")


@dataclass
class Dropped:
    """A feature left out of the town, and why."""

    file: str
    layer: str
    feature: str
    reason: str


@dataclass
class Layer:
    """One role's input: the file as the user named it and the layer inside it."""

    role: str
    file: str
    layer: str | None = None  # None: the file's only layer, or an OSM file

    @property
    def is_osm(self) -> bool:
        return Path(self.file).suffix.lower() in OSM_SUFFIXES

    @property
    def label(self) -> str:
        """How errors and the provenance name this layer."""
        return self.layer or (self.role if self.is_osm else Path(self.file).stem)


@dataclass
class Records:
    """One role's features in RD metres: geometries and their attributes, in a fixed order."""

    layer: Layer
    ids: list[str] = field(default_factory=list)
    geometry: list[Any] = field(default_factory=list)  # shapely geometries
    attrs: list[dict[str, Any]] = field(default_factory=list)
    n_read: int = 0

    def add(self, feature_id: str, geom, **attrs) -> None:
        self.ids.append(feature_id)
        self.geometry.append(geom)
        self.attrs.append(attrs)

    def __len__(self) -> int:
        return len(self.ids)


# ----------------------------------------------------------------------------- files
_cache: dict[tuple[str, str | None], gpd.GeoDataFrame] = {}


def layer_roles(file: str) -> dict[str, Layer]:
    """The roles a file supplies by itself: by tags for OSM, by layer names otherwise.

    Raises:
        GeoDataError: If the file is missing or not geodata.
    """
    _exists(file)
    if Path(file).suffix.lower() in OSM_SUFFIXES:
        return {role: Layer(role, file) for role in OSM_ROLES}
    names = [str(n) for n in _list_layers(file)]
    found: dict[str, Layer] = {}
    for role in ROLES:
        for name in names:
            if name.lower() in LAYER_NAMES[role] and role not in found:
                found[role] = Layer(role, file, name)
    if "dwellings" not in found and "buildings" in found:
        # OSM-like buildings (with a ``building`` attribute) hold homes too
        fields = pyogrio.read_info(file, layer=found["buildings"].layer)["fields"]
        if "building" in [str(f) for f in fields]:
            found["dwellings"] = Layer("dwellings", file, found["buildings"].layer)
    if not found:
        raise GeoDataError(
            f"no layer named after a role ({', '.join(ROLES)}; or the BAG's verblijfsobject, "
            f"pand); its layers are {', '.join(names)}: name the role, e.g. "
            f"--premises {file}:{names[0]}",
            file=file,
        )
    return found


def _exists(file: str) -> None:
    if not Path(file).is_file():
        raise GeoDataError("no such file", file=file)


def _list_layers(file: str) -> list[str]:
    try:
        return [str(row[0]) for row in pyogrio.list_layers(file)]
    except (DataSourceError, DataLayerError, OSError) as err:
        raise GeoDataError(
            "not a geodata file GDAL can read (GeoPackage, GeoJSON, Shapefile, OSM XML ...): "
            f"{_short(err)}", file=file,
        ) from None


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 160 else text[:157] + "..."


def read_layer(layer: Layer) -> gpd.GeoDataFrame:
    """A layer's features in RD New with a ``feature_id`` column, in a fixed order.

    OSM XML is read once per file and shared by its roles.

    Raises:
        GeoDataError: Missing file, not geodata, unknown layer, or no coordinate reference
            system.
    """
    key = (layer.file, None if layer.is_osm else layer.layer)
    if key not in _cache:
        _cache[key] = _read_osm(layer) if layer.is_osm else _read_vector(layer)
    return _cache[key]


def clear_cache() -> None:
    """Forget files read before (a new import reads them again)."""
    _cache.clear()


def _read_osm(layer: Layer) -> gpd.GeoDataFrame:
    import xml.sax

    from osmnx.features import features_from_xml

    _exists(layer.file)
    try:
        gdf = features_from_xml(layer.file)
    except (xml.sax.SAXException, ValueError, KeyError) as err:
        raise GeoDataError(f"not OpenStreetMap XML: {_short(err)}", file=layer.file) from None
    except Exception as err:  # osmnx raises its own types for unusable input
        if type(err).__module__.startswith(("osmnx", "xml")):
            raise GeoDataError(
                f"not OpenStreetMap XML: {_short(err)}", file=layer.file
            ) from None
        raise
    if len(gdf) == 0:
        return gpd.GeoDataFrame({"feature_id": []}, geometry=[], crs=CRS)
    index = gdf.index.to_frame(index=False)
    gdf = gdf.reset_index(drop=True)
    gdf["feature_id"] = [f"{e}/{i}" for e, i in zip(index["element"], index["id"], strict=True)]
    return gdf.to_crs(CRS)


def _read_vector(layer: Layer) -> gpd.GeoDataFrame:
    _exists(layer.file)
    names = _list_layers(layer.file)
    name = layer.layer
    if name is None:
        if len(names) != 1:
            raise GeoDataError(
                f"has {len(names)} layers ({', '.join(names)}): name one, e.g. "
                f"--{layer.role} {layer.file}:{names[0]}", file=layer.file,
            )
        name = names[0]
    elif name not in names:
        raise GeoDataError(
            f"no layer {name!r}; its layers are {', '.join(names)}", file=layer.file
        )
    try:
        gdf = gpd.read_file(layer.file, layer=name, engine="pyogrio", fid_as_index=True)
    except (DataSourceError, DataLayerError, OSError, ValueError) as err:
        raise GeoDataError(f"cannot read: {_short(err)}", file=layer.file, layer=name) from None
    if gdf.crs is None:
        raise GeoDataError(
            "has no coordinate reference system (CRS): set it, e.g. "
            "ogr2ogr -a_srs EPSG:28992 out.gpkg in.gpkg, or save it with its .prj",
            file=layer.file, layer=name,
        )
    ids = None
    for col in _ID_COLUMNS:
        if col in gdf.columns and gdf[col].notna().all() and gdf[col].is_unique:
            ids = [_id_text(v) for v in gdf[col]]
            break
    if ids is None:
        ids = [str(int(i)) for i in gdf.index]
    gdf = gdf.reset_index(drop=True)
    gdf["feature_id"] = ids
    return gdf.to_crs(CRS)


def _id_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -------------------------------------------------------------------------- attributes
def text_of(row: dict[str, Any], *keys: str) -> str | None:
    """The first non-empty attribute among ``keys`` as text."""
    for key in keys:
        value = row.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if value is pd.NA:
            continue
        text = str(value).strip()
        if text:
            return text
    return None


def number_of(row: dict[str, Any], keys: tuple[str, ...], where: dict[str, str]) -> float | None:
    """The first attribute among ``keys`` as a number >= 0; a GeoDataError if not a number."""
    text = text_of(row, *keys)
    if text is None:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise GeoDataError(
            f"{keys[0]} must be a number >= 0 (got {text!r})", **where
        ) from None
    if not value >= 0 or math.isinf(value):
        raise GeoDataError(f"{keys[0]} must be a number >= 0 (got {text!r})", **where)
    return value


def rows_of(gdf: gpd.GeoDataFrame):
    """(feature id, geometry, attributes) of each feature with a non-empty geometry."""
    columns = [c for c in gdf.columns if c not in ("geometry", "feature_id")]
    values = gdf[columns].to_dict("records") if columns else [{}] * len(gdf)
    for fid, geom, attrs in zip(gdf["feature_id"], gdf.geometry, values, strict=True):
        if geom is None or geom.is_empty:
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        yield str(fid), geom, attrs


def is_polygonal(geom) -> bool:
    return geom.geom_type in ("Polygon", "MultiPolygon")


def is_linear(geom) -> bool:
    return geom.geom_type in ("LineString", "MultiLineString", "LinearRing")


def where_of(layer: Layer, fid: str | None = None) -> dict[str, str]:
    return {"file": layer.file, "layer": layer.label, "feature": fid}


# ------------------------------------------------------------------------------- roles
def streets(layer: Layer, dropped: list[Dropped]) -> tuple[Records, Records]:
    """Walkable street lines and square polygons of a streets (or squares) layer.

    With a ``highway`` attribute (OSM, or a vector file with OSM tags), lines whose value is in
    :data:`WALKABLE_HIGHWAYS` are streets and polygons with ``highway=pedestrian|footway``,
    ``area:highway=*`` or ``place=square`` are squares; ``foot=no`` and other highways
    (motorways, roads under construction) are left out. Without it every line is a street and
    every polygon a square.

    Returns:
        ``(lines, squares)``; lines carry ``name`` and ``kind`` (the highway value or
        ``street``), squares ``name``.
    """
    gdf = read_layer(layer)
    lines, squares = Records(layer), Records(Layer("squares", layer.file, layer.layer))
    tagged = "highway" in gdf.columns or layer.is_osm
    for fid, geom, row in rows_of(gdf):
        highway = text_of(row, "highway")
        name = text_of(row, "name") or ""
        if tagged:
            is_square = is_polygonal(geom) and (
                highway in ("pedestrian", "footway") or text_of(row, "place") == "square"
                or text_of(row, "area:highway") is not None
            )
            if highway is None and not is_square:
                continue  # not a street at all (a shop, a building)
            if (text_of(row, "foot") or "") == "no" or (
                not is_square and highway not in WALKABLE_HIGHWAYS
            ):
                if highway is not None and is_linear(geom):
                    dropped.append(Dropped(layer.file, layer.label, fid,
                                           f"highway={highway} is not walkable"))
                continue
        else:
            is_square = is_polygonal(geom)
        if is_square:
            squares.add(fid, geom, name=name)
        elif is_linear(geom):
            lines.add(fid, geom, name=name, kind=highway or "street")
        elif is_polygonal(geom):  # a closed way drawn as an area: walk its outline
            lines.add(fid, geom.boundary, name=name, kind=highway or "street")
    lines.n_read = squares.n_read = len(gdf)
    return lines, squares


def premises(layer: Layer, dropped: list[Dropped]) -> Records:
    """Premises with their use, name and floor area if the source gives one.

    The use comes from a ``use`` (or ``sector``) attribute with values in
    :data:`sim.town.uses.USES`, else from the BAG's ``gebruiksdoel``, else from OSM tags
    (:func:`sim.town.uses.use_from_osm`). A ``vacant`` (or ``leegstand``) attribute that is
    yes/true/1 marks the premises vacant. Floor area: ``floor_m2`` or the BAG's
    ``oppervlakte``; else the footprint of a polygon (left to the caller for points).

    Raises:
        GeoDataError: An unknown use or BAG use, a bad number, or a layer without any use
            attribute.
    """
    gdf = read_layer(layer)
    out = Records(layer)
    out.n_read = len(gdf)
    cols = set(gdf.columns)
    if {"use", "sector"} & cols:
        how = "use"
    elif "gebruiksdoel" in cols:
        how = "bag"
    elif {"shop", "amenity", "leisure", "tourism"} & cols or layer.is_osm:
        how = "osm"
    else:
        raise GeoDataError(
            "no attribute that gives a premises' use: use (one of "
            f"{', '.join(USES)}), gebruiksdoel (BAG) or OSM tags shop/amenity",
            file=layer.file, layer=layer.label,
        )
    for fid, geom, row in rows_of(gdf):
        where = where_of(layer, fid)
        if how == "use":
            use = (text_of(row, "use", "sector") or "").lower()
            if use not in USES:
                raise GeoDataError(
                    f"unknown use {use!r}; allowed: {', '.join(USES)}", **where
                )
            tag = f"use={use}"
        elif how == "bag":
            doel = text_of(row, "gebruiksdoel") or ""
            kind, unknown = use_from_bag(doel)
            if unknown or not doel:
                raise GeoDataError(
                    f"unknown gebruiksdoel {(unknown or [doel])[0]!r}; allowed: the BAG's "
                    "woonfunctie, winkelfunctie, bijeenkomstfunctie, kantoorfunctie, ...",
                    **where,
                )
            if kind != "premises":
                if kind == "other":
                    dropped.append(Dropped(layer.file, layer.label, fid,
                                           f"gebruiksdoel {doel} is not a shop or meeting place"))
                continue
            status = (text_of(row, "status") or "").lower()
            if status and "in gebruik" not in status:
                dropped.append(Dropped(layer.file, layer.label, fid, f"BAG status {status}"))
                continue
            use, tag = "unknown", f"gebruiksdoel={doel}"
        else:
            found = use_from_osm(row)
            if found is None:
                continue
            use, tag = found
        if (text_of(row, "vacant", "leegstand") or "").lower() in _YES:
            use = "vacant"
        if not (geom.geom_type == "Point" or is_polygonal(geom)):
            geom = geom.centroid if is_linear(geom) else geom
        floor = number_of(row, ("floor_m2", "oppervlakte"), where)
        source = "attribute"
        if (floor is None or floor <= 0) and is_polygonal(geom):
            floor, source = float(geom.area), "footprint"
        elif floor is not None and floor <= 0:
            floor = None
        out.add(fid, geom, use=use, tag=tag, name=text_of(row, "name") or "",
                floor_m2=floor, floor_source=source if floor is not None else "")
    return out


def buildings(layer: Layer) -> Records:
    """Building footprints (polygons), with ``building``, ``flats`` and ``levels`` if known."""
    gdf = read_layer(layer)
    out = Records(layer)
    out.n_read = len(gdf)
    tagged = "building" in gdf.columns or layer.is_osm
    for fid, geom, row in rows_of(gdf):
        if not is_polygonal(geom):
            continue
        kind = text_of(row, "building")
        if tagged and (kind is None or kind == "no"):
            continue
        where = where_of(layer, fid)
        out.add(fid, geom, building=kind or "yes", name=text_of(row, "name") or "",
                flats=number_of(row, ("building:flats", "flats"), where),
                levels=number_of(row, ("building:levels", "levels"), where))
    return out

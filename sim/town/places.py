"""Dwellings, entry points, counting points and boundaries from geodata, for ``binnenstad town
import``: the roles of :mod:`sim.town.geo` that are points and polygons rather than streets
and premises. Called by :mod:`sim.town.importer`; reading and conventions as in
:mod:`sim.town.geo`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from sim.errors import GeoDataError
from sim.town.geo import (
    DEFAULT_LEVELS,
    GROSS_M2_PER_HOME,
    ONE_HOME,
    RESIDENTIAL_BUILDINGS,
    Dropped,
    Layer,
    Records,
    is_polygonal,
    number_of,
    read_layer,
    rows_of,
    text_of,
    where_of,
)
from sim.town.maps import ENTRY_KINDS
from sim.town.uses import use_from_bag


def dwellings(layer: Layer, dropped: list[Dropped]) -> Records:
    """Homes: households (and persons, if known) at a point or building.

    A BAG layer (``gebruiksdoel``): every verblijfsobject with ``woonfunctie`` and no shop or
    meeting-place use is one household. A layer with ``building`` (OSM): residential
    buildings (:data:`RESIDENTIAL_BUILDINGS`) and any building with ``building:flats``; the
    households are ``building:flats``, else one for a house, else footprint x storeys /
    :data:`GROSS_M2_PER_HOME` (``estimated``). Any other layer: each feature is one household,
    or ``households`` if given. ``persons`` (or ``inwoners``) is read where present.
    """
    gdf = read_layer(layer)
    out = Records(layer)
    out.n_read = len(gdf)
    cols = set(gdf.columns)
    for fid, geom, row in rows_of(gdf):
        where = where_of(layer, fid)
        persons = number_of(row, ("persons", "inwoners"), where)
        if "gebruiksdoel" in cols:
            kind, unknown = use_from_bag(text_of(row, "gebruiksdoel") or "")
            if kind != "dwelling" or unknown:
                continue  # premises and other uses: the premises role reports them
            households, source = number_of(row, ("households",), where) or 1.0, "address"
        elif "building" in cols or layer.is_osm:
            kind = text_of(row, "building")
            flats = number_of(row, ("building:flats", "flats"), where)
            if kind is None or not is_polygonal(geom):
                continue
            if flats is not None:
                if flats == 0:
                    continue
                households, source = flats, "building:flats"
            elif kind in ONE_HOME:
                households, source = 1.0, "house"
            elif kind in RESIDENTIAL_BUILDINGS:
                levels = number_of(row, ("building:levels", "levels"), where) or DEFAULT_LEVELS
                households = max(1.0, round(geom.area * levels / GROSS_M2_PER_HOME))
                source = "estimated"
            else:
                continue
        else:
            households = number_of(row, ("households", "huishoudens"), where)
            households, source = (1.0, "feature") if households is None else (households,
                                                                              "attribute")
        out.add(fid, geom, households=float(households), persons=persons, source=source)
    return out


def entries(layer: Layer, dropped: list[Dropped], min_bike_capacity: int) -> Records:
    """Entry points: ``kind`` (station, car_park, bus_stop, bike_park), name and capacity.

    The kind is a ``kind`` attribute, else from OSM tags: ``railway=station`` (or
    ``public_transport=station`` with ``train=yes``) is a station, ``highway=bus_stop`` a bus
    stop, ``amenity=parking`` a car park, ``amenity=bicycle_parking`` a bike park. Private car
    parks, street-side parking and bike racks for fewer than ``min_bike_capacity`` bikes (not a
    *fietsenstalling*) are left out. Capacity is ``capacity`` (or ``capaciteit``).

    Raises:
        GeoDataError: An unknown ``kind`` or a bad capacity.
    """
    gdf = read_layer(layer)
    out = Records(layer)
    out.n_read = len(gdf)
    has_kind = "kind" in gdf.columns
    for fid, geom, row in rows_of(gdf):
        where = where_of(layer, fid)
        capacity = number_of(row, ("capacity", "capaciteit"), where)
        if has_kind:
            kind = (text_of(row, "kind") or "").lower()
            if kind not in ENTRY_KINDS:
                raise GeoDataError(
                    f"unknown entry kind {kind!r}; allowed: {', '.join(ENTRY_KINDS)}", **where
                )
            if kind == "bike_park" and (capacity or 0) < min_bike_capacity:
                dropped.append(Dropped(
                    layer.file, layer.label, fid,
                    f"bike rack for fewer than {min_bike_capacity} bikes (not a fietsenstalling)"))
                continue
        else:
            kind = _osm_entry_kind(row)
            if kind is None:
                continue
            access = (text_of(row, "access") or "").lower()
            parking = (text_of(row, "parking") or "").lower()
            if kind == "car_park" and (access in ("private", "no")
                                       or parking in ("street_side", "lane", "on_kerb")):
                dropped.append(Dropped(layer.file, layer.label, fid,
                                       "car park is private or street-side parking"))
                continue
            if kind == "bike_park" and (capacity or 0) < min_bike_capacity:
                dropped.append(Dropped(
                    layer.file, layer.label, fid,
                    f"bike rack for fewer than {min_bike_capacity} bikes (not a fietsenstalling)"))
                continue
        out.add(fid, geom, kind=kind, name=text_of(row, "name") or "", capacity=capacity)
    return out


def _osm_entry_kind(row: dict[str, Any]) -> str | None:
    if text_of(row, "railway") in ("station", "halt") or (
        text_of(row, "public_transport") == "station" and text_of(row, "train") == "yes"
    ):
        return "station"
    if text_of(row, "highway") == "bus_stop":
        return "bus_stop"
    amenity = text_of(row, "amenity")
    if amenity == "parking":
        return "car_park"
    if amenity == "bicycle_parking":
        return "bike_park"
    return None


def counts(layer: Layer) -> Records:
    """Counting points (*passanten* counts): points with a ``name`` (or ``naam``)."""
    gdf = read_layer(layer)
    out = Records(layer)
    out.n_read = len(gdf)
    for fid, geom, row in rows_of(gdf):
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        out.add(fid, point, name=text_of(row, "name", "naam") or "")
    return out


def polygon(layer: Layer) -> Any:
    """The union of a layer's polygons (core boundary, study area).

    Raises:
        GeoDataError: If the layer has no polygon.
    """
    gdf = read_layer(layer)
    polys = [g for _, g, _ in rows_of(gdf) if is_polygonal(g)]
    if not polys:
        raise GeoDataError("has no polygon", file=layer.file, layer=layer.label)
    return shapely.union_all(np.array(polys, dtype=object))

"""The real geometry of an imported town on a matplotlib map, shared by every map that draws it.

Owns what the maps of a town have in common: the building footprints, squares and street lines
of a town folder's geometry under a map (:func:`draw_geometry`; the geometry and its grid come
from :func:`sim.town.townfile.map_geometry`, plain JSON, so no geodata library is needed at run
time), the names of the main streets (:func:`label_main_streets`) and a north arrow
(:func:`north_arrow`). Called by
:mod:`sim.town.preview` (the import's preview, drawn in RD metres), :mod:`sim.present.plots`
(the report's maps) and :mod:`sim.present.app.render` (the app's map), both drawn in cells.
Uses matplotlib's object API only (no global state, no display).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection

__all__ = [
    "BUILDING_EDGE",
    "BUILDING_FILL",
    "draw_geometry",
    "label_main_streets",
    "main_streets",
    "north_arrow",
    "paths",
    "rings",
]

#: Building footprints: a light warm grey with a darker outline, lighter than the quietest
#: street of a footfall map (#e4e4e4) and without a hue of the premises or vacancy colours.
BUILDING_FILL = "#efece6"
BUILDING_EDGE = "#b9b3a8"
_SQUARE_FILL = "#f1ead2"
_STREET_LINE = "#9a958c"

#: RD metres (n, 2) -> the coordinates of the map being drawn (n, 2).
Transform = Callable[[np.ndarray], np.ndarray]


def rings(geometry: dict[str, Any]) -> list[np.ndarray]:
    """Exterior rings of a GeoJSON (Multi)Polygon as (n, 2) arrays."""
    if geometry["type"] == "Polygon":
        return [np.asarray(geometry["coordinates"][0], dtype=float)]
    if geometry["type"] == "MultiPolygon":
        return [np.asarray(p[0], dtype=float) for p in geometry["coordinates"]]
    return []


def paths(geometry: dict[str, Any]) -> list[np.ndarray]:
    """Lines of a GeoJSON (Multi)LineString as (n, 2) arrays."""
    if geometry["type"] == "LineString":
        return [np.asarray(geometry["coordinates"], dtype=float)]
    if geometry["type"] == "MultiLineString":
        return [np.asarray(p, dtype=float) for p in geometry["coordinates"]]
    return []


def _identity(xy: np.ndarray) -> np.ndarray:
    return xy


def draw_geometry(ax, layers: dict[str, list[dict[str, Any]]], to_xy: Transform = _identity,
                  *, zorder: float = 0.5, building_fill: str = BUILDING_FILL,
                  building_edge: str = BUILDING_EDGE) -> None:
    """Building footprints (light grey, outlined), squares and street lines, meant to lie
    under the cells of a map (``zorder`` below the map's image, which is drawn at 0)."""
    squares = [to_xy(r) for f in layers.get("squares", []) for r in rings(f["geometry"])]
    ax.add_collection(PolyCollection(squares, facecolors=_SQUARE_FILL, edgecolors="none",
                                     zorder=zorder - 0.3), autolim=False)
    buildings = [to_xy(r) for f in layers.get("buildings", []) for r in rings(f["geometry"])]
    ax.add_collection(PolyCollection(buildings, facecolors=building_fill,
                                     edgecolors=building_edge, linewidths=0.4,
                                     zorder=zorder - 0.2), autolim=False)
    lines = [to_xy(p) for f in layers.get("streets", []) for p in paths(f["geometry"])]
    ax.add_collection(LineCollection(lines, colors=_STREET_LINE, linewidths=0.6,
                                     zorder=zorder - 0.1), autolim=False)


def main_streets(streets: list[dict[str, Any]], n: int) -> list[tuple[str, np.ndarray]]:
    """The ``n`` main named streets and the longest piece of each (RD metres): those with
    the most premises along them (the import counts them), the longest first among equals."""
    best: dict[str, tuple[int, float, float, np.ndarray]] = {}
    for f in streets:
        name = f["properties"].get("name") or ""
        along = int(f["properties"].get("premises_along") or 0)
        if not name or along == 0:
            continue
        for p in paths(f["geometry"]):
            length = float(np.hypot(*np.diff(p, axis=0).T).sum())
            _, total, longest, piece = best.get(name, (0, 0.0, -1.0, p))
            if length > longest:
                longest, piece = length, p
            best[name] = (along, total + length, longest, piece)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:n]
    return [(name, piece) for name, (_, _, _, piece) in ranked]


def label_main_streets(ax, streets: list[dict[str, Any]], n: int, to_xy: Transform = _identity,
                       *, fontsize: float = 6, zorder: float = 4) -> list[str]:
    """Write the names of the ``n`` main streets (:func:`main_streets`) along the middle of
    their longest piece; returns the names written.

    The angle comes from the RD coordinates (north up, as every map here is drawn with equal
    aspect), so it is right whatever ``to_xy`` does to the y axis.
    """
    written = []
    for name, p in main_streets(streets, n):
        seg = np.hypot(*np.diff(p, axis=0).T)
        if not seg.size or seg.sum() == 0:
            continue
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        i = int(np.clip(np.searchsorted(cum, cum[-1] / 2) - 1, 0, len(seg) - 1))
        (xa, ya), (xb, yb) = p[i], p[i + 1]
        angle = math.degrees(math.atan2(yb - ya, xb - xa))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        (x, y), = to_xy(np.array([[(xa + xb) / 2, (ya + yb) / 2]]))
        ax.text(x, y, name, fontsize=fontsize, rotation=angle, rotation_mode="anchor",
                ha="center", va="center", color="#222222", zorder=zorder, clip_on=True,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7))
        written.append(name)
    return written


def north_arrow(ax, *, x: float = 0.95, y: float = 0.86, length: float = 0.08,
                fontsize: float = 8, zorder: float = 5) -> None:
    """An arrow pointing north with an N below it, at (``x``, ``y``) in axes fractions.

    Every map of the project is drawn north up (row 0 of the grid is the north edge).
    """
    ax.annotate("N", xy=(x, y + length), xytext=(x, y), xycoords="axes fraction",
                textcoords="axes fraction", ha="center", va="top", fontsize=fontsize,
                fontweight="bold", zorder=zorder,
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1.2))

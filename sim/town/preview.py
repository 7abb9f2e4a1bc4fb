"""The preview of an imported town: its cells over the real geometry, as a PNG.

Owns one picture, drawn by :func:`sim.town.townfile.write_town_folder` as ``preview.png`` so a
planner can check an import at a glance: building footprints and streets in RD metres, the
cells the model sees (streets, squares, premises coloured by use, dwellings), entry points,
counting points, the core boundary, the names of the main streets, a scale bar and a north
arrow. Uses matplotlib's object API only (no global state, no display).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.town.drawing import label_main_streets, north_arrow, paths, rings
from sim.town.maps import Town

__all__ = ["USE_COLOURS", "render_preview"]

#: Colour of each premises use (sector colours as in the app's map).
USE_COLOURS = {
    "comparison": "#4e79a7",
    "daily": "#59a14f",
    "food_beverage": "#e15759",
    "services": "#b07aa1",
    "leisure": "#76b7b2",
    "vacant": "#111111",
    "unknown": "#bab0ac",
}
_ENTRY_MARKERS = {"station": ("s", "#1f3b73"), "car_park": ("P", "#1f3b73"),
                  "bus_stop": ("^", "#1f3b73"), "bike_park": ("D", "#1f3b73")}
MAIN_STREET_LABELS = 8  # named streets with most premises along them get a label


def render_preview(town: Town, geometry: dict[str, list[dict[str, Any]]]) -> bytes:
    """Draw the town (loaded from a town folder) over its geometry.

    Args:
        town: A town with ``origin_rd_m`` (loaded by :func:`sim.town.townfile.load_town_dir`).
        geometry: Layer -> GeoJSON features (:func:`sim.town.townfile.read_geometry`).

    Returns:
        PNG bytes, the same for the same town (no time stamp in the file).
    """
    x0, y0 = town.origin_rd_m if town.origin_rd_m is not None else (0.0, 0.0)
    s = town.cell_size_m
    w_m, h_m = town.width * s, town.height * s
    scale = 9.0 / max(w_m, h_m)
    fig = Figure(figsize=(max(4.0, w_m * scale) + 2.6, max(3.0, h_m * scale) + 0.8))
    ax = fig.add_axes((0.02, 0.04, 0.74, 0.9))
    ax.set_aspect("equal")
    ax.set_xlim(x0, x0 + w_m)
    ax.set_ylim(y0 - h_m, y0)
    ax.set_xticks([])
    ax.set_yticks([])

    def centres(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x0 + (xy[:, 0] + 0.5) * s, y0 - (xy[:, 1] + 0.5) * s

    def cells(xy: np.ndarray) -> list[np.ndarray]:
        cx, cy = centres(xy)
        h = s / 2
        return [np.array([[x - h, y - h], [x + h, y - h], [x + h, y + h], [x - h, y + h]])
                for x, y in zip(cx, cy, strict=True)]

    # the cells the model walks on, under everything else
    walk = town.walkable_xy
    sq = town.walkable_is_square
    ax.add_collection(PolyCollection(cells(walk[~sq]), facecolors="#e8e4da", edgecolors="none"))
    ax.add_collection(PolyCollection(cells(walk[sq]), facecolors="#efe3bd", edgecolors="none"))
    ax.add_collection(PolyCollection(cells(town.dwelling_xy), facecolors="#c9c3b6",
                                     edgecolors="none"))
    uses = (town.premises_use if town.premises_use is not None
            else np.full(town.n_premises, "unknown"))
    ax.add_collection(PolyCollection(cells(town.premises_xy),
                                     facecolors=[USE_COLOURS[u] for u in uses.tolist()],
                                     edgecolors="white", linewidths=0.3, alpha=0.9))
    # the real geometry on top, thin, so the cells' fit to it shows
    outlines = [r for f in geometry.get("buildings", []) for r in rings(f["geometry"])]
    ax.add_collection(PolyCollection(outlines, facecolors="none", edgecolors="#6b6b6b",
                                     linewidths=0.3))
    lines = [p for f in geometry.get("streets", []) for p in paths(f["geometry"])]
    ax.add_collection(LineCollection(lines, colors="#2b2b2b", linewidths=0.5, alpha=0.6))
    for layer, style in (("core", dict(color="#6a1b9a", linestyle="--", linewidth=1.2)),
                         ("area", dict(color="#999999", linestyle=":", linewidth=0.8))):
        for f in geometry.get(layer, []):
            for r in rings(f["geometry"]):
                ax.plot(r[:, 0], r[:, 1], **style)

    for kind, (marker, colour) in _ENTRY_MARKERS.items():
        xy = town.entry_xy[town.entry_kind == kind]
        if len(xy):
            cx, cy = centres(xy)
            ax.scatter(cx, cy, marker=marker, s=60, c=colour, edgecolors="white", zorder=5)
    labels = dict(town.counting_point_labels or {})
    for n, (name, index) in enumerate(town.counting_points.items(), start=1):
        cx, cy = centres(town.walkable_xy[[index]])
        ax.scatter(cx, cy, marker="o", s=90, c="#d62728", edgecolors="white", zorder=6)
        ax.text(cx[0], cy[0], str(n), color="white", fontsize=6, ha="center", va="center",
                zorder=7)
        labels.setdefault(name, name)
    label_main_streets(ax, geometry.get("streets", []), MAIN_STREET_LABELS)
    _scale_bar(ax, x0, y0, w_m, h_m)
    north_arrow(ax)

    handles = [Patch(color=USE_COLOURS[u], label=f"{u} ({int((uses == u).sum())})")
               for u in USE_COLOURS if (uses == u).any()]
    handles += [Patch(color="#c9c3b6", label=f"dwellings ({len(town.dwelling_xy)} cells)"),
                Patch(color="#e8e4da", label="street cells"),
                Patch(color="#efe3bd", label="square cells")]
    handles += [Line2D([], [], marker=m, color="none", markerfacecolor=c, markersize=7,
                       label=k.replace("_", " ")) for k, (m, c) in _ENTRY_MARKERS.items()
                if (town.entry_kind == k).any()]
    if town.counting_points:
        handles.append(Line2D([], [], marker="o", color="none", markerfacecolor="#d62728",
                              markersize=7, label="counting points"))
    if "core" in geometry:
        handles.append(Line2D([], [], color="#6a1b9a", linestyle="--", label="core"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.77, 0.94), fontsize=7,
               frameon=False)
    if town.counting_points:
        text = "\n".join(f"{n}  {labels[name]}" for n, name in
                         enumerate(town.counting_points, start=1))
        fig.text(0.78, 0.06, "counting points\n" + text, fontsize=6.5, va="bottom")
    floor = float(town.premises_floor_m2.sum())
    ax.set_title(f"{town.name}: {town.n_premises} premises, {floor:,.0f} m2, "
                 f"{town.width} x {town.height} cells of {s:g} m", fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return buf.getvalue()


def _scale_bar(ax, x0: float, y0: float, w_m: float, h_m: float) -> None:
    """A scale bar: a round length near a fifth of the width."""
    target = w_m / 5
    step = 10 ** math.floor(math.log10(target))
    bar = max(v * step for v in (1, 2, 5) if v * step <= target)
    bx, by = x0 + 0.04 * w_m, y0 - 0.95 * h_m
    ax.plot([bx, bx + bar], [by, by], color="black", linewidth=2, solid_capstyle="butt")
    ax.text(bx + bar / 2, by + 0.012 * h_m, f"{bar:g} m", ha="center", va="bottom", fontsize=7)

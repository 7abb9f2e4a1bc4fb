"""Rasterising geodata in RD metres onto the town's grid of cells, and placing every feature.

Owns the rules that turn street lines, squares, premises, dwellings, entry points and counting
points (the records of :mod:`sim.town.geo`) into the symbols of an ASCII map
(:mod:`sim.town.maps`) and the tables of a town folder. Called by :mod:`sim.town.importer`.
Works on shapely geometries and numpy arrays; no file is read here.

The grid: cell ``(x, y)`` covers RD ``X`` in ``[x0 + x*s, x0 + (x+1)*s)`` and ``Y`` in
``(y0 - (y+1)*s, y0 - y*s]``, with ``(x0, y0)`` the north-west corner of the study area's bounds
rounded outwards to whole multiples of the cell size ``s``, so that row 0 is the north edge as
in a map.

Rules, each chosen so the existing map parser reads the result:

* Streets: every cell a street line passes through is walkable (an exact traversal, so a line
  gives a 4-connected row of cells and two lines that meet share a cell). Squares: cells
  whose centre lies inside the polygon, and the cells its outline passes through.
* The network is the largest 4-connected piece of walkable cells; smaller pieces (a car park's
  own lane, a footpath cut by the study area) are left out and reported.
* Entry points take the nearest network cell (to the point, or to the polygon of a car park);
  counting points the nearest network cell that is not an entry point. Each cell holds one.
* Premises take the nearest *frontage* cell: a cell that is not walkable and touches (north,
  east, south, west) a network cell, so that every premises is reachable. Premises closest
  to a free frontage cell choose first; a premises whose own cell is taken moves to the next
  nearest free one, and the distance it moved is recorded. Two premises never share a cell.
* Dwellings take the nearest frontage cell not used by premises; several dwellings may share a
  cell, whose households add up.
* Anything farther than ``snap_m`` from its nearest allowed cell is left out and reported with
  its feature id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from scipy import ndimage
from scipy.spatial import cKDTree

__all__ = ["Grid", "Placement", "network_mask", "place", "rasterise_streets"]


@dataclass(frozen=True)
class Grid:
    """The cells over the study area.

    Attributes:
        x0, y0: RD coordinates (m) of the north-west corner of cell (0, 0).
        cell_size_m: Edge of a cell.
        width, height: Size in cells.
    """

    x0: float
    y0: float
    cell_size_m: float
    width: int
    height: int

    @classmethod
    def over(cls, bounds: tuple[float, float, float, float], cell_size_m: float) -> Grid:
        """The grid that covers ``(minx, miny, maxx, maxy)``, corners on cell multiples."""
        minx, miny, maxx, maxy = bounds
        s = float(cell_size_m)
        x0 = math.floor(minx / s) * s
        y0 = math.ceil(maxy / s) * s
        width = max(1, math.ceil((maxx - x0) / s))
        height = max(1, math.ceil((y0 - miny) / s))
        return cls(x0, y0, s, width, height)

    def cell_of(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) int cell ``[x, y]`` of (n, 2) RD points, clipped to the grid."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        cx = np.floor((xy[:, 0] - self.x0) / self.cell_size_m).astype(np.int64)
        cy = np.floor((self.y0 - xy[:, 1]) / self.cell_size_m).astype(np.int64)
        return np.stack([np.clip(cx, 0, self.width - 1), np.clip(cy, 0, self.height - 1)], 1)

    def centre(self, cells: np.ndarray) -> np.ndarray:
        """(n, 2) RD centres of (n, 2) cells ``[x, y]``."""
        cells = np.asarray(cells).reshape(-1, 2)
        s = self.cell_size_m
        return np.stack([self.x0 + (cells[:, 0] + 0.5) * s, self.y0 - (cells[:, 1] + 0.5) * s], 1)

    def all_centres(self) -> np.ndarray:
        """(height, width, 2) RD centres of every cell."""
        ys, xs = np.mgrid[0 : self.height, 0 : self.width]
        c = self.centre(np.stack([xs.ravel(), ys.ravel()], 1))
        return c.reshape(self.height, self.width, 2)


def line_cells(geom, grid: Grid) -> np.ndarray:
    """(n, 2) unique cells ``[x, y]`` a line (or lines) passes through, 4-connected per part.

    The line is cut into pieces shorter than a quarter cell; where two consecutive points lie
    in diagonal cells, the cell the line crosses between them is added (the one whose border
    the piece crosses first), so the cells of one line form a 4-connected path.
    """
    s = grid.cell_size_m
    parts = shapely.get_parts(shapely.segmentize(geom, s / 4.0))
    parts = parts[shapely.get_type_id(parts) == 1] if len(parts) else parts  # LineStrings
    if len(parts) == 0:
        return np.zeros((0, 2), np.int64)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    cells = grid.cell_of(coords)
    same = part[1:] == part[:-1]
    a, b = cells[:-1][same], cells[1:][same]
    pa, pb = coords[:-1][same], coords[1:][same]
    diag = (a[:, 0] != b[:, 0]) & (a[:, 1] != b[:, 1])
    extra = np.zeros((0, 2), np.int64)
    if diag.any():
        a, b, pa, pb = a[diag], b[diag], pa[diag], pb[diag]
        x_line = grid.x0 + np.maximum(a[:, 0], b[:, 0]) * s
        y_line = grid.y0 - np.maximum(a[:, 1], b[:, 1]) * s
        with np.errstate(divide="ignore", invalid="ignore"):
            tx = (x_line - pa[:, 0]) / (pb[:, 0] - pa[:, 0])
            ty = (y_line - pa[:, 1]) / (pb[:, 1] - pa[:, 1])
        x_first = tx < ty  # crosses the column border first: (x of b, y of a)
        extra = np.where(x_first[:, None], np.stack([b[:, 0], a[:, 1]], 1),
                         np.stack([a[:, 0], b[:, 1]], 1))
    return np.unique(np.concatenate([cells, extra]), axis=0)


def polygon_cells(geom, grid: Grid, centres: np.ndarray) -> np.ndarray:
    """(n, 2) cells whose centre lies in the polygon, or that its outline passes through."""
    minx, miny, maxx, maxy = geom.bounds
    lo = grid.cell_of(np.array([[minx, maxy]]))[0]
    hi = grid.cell_of(np.array([[maxx, miny]]))[0]
    sub = centres[lo[1] : hi[1] + 1, lo[0] : hi[0] + 1]
    inside = shapely.contains_xy(geom, sub[..., 0], sub[..., 1])
    ys, xs = np.nonzero(inside)
    filled = np.stack([xs + lo[0], ys + lo[1]], 1)
    return np.unique(np.concatenate([filled, line_cells(geom.boundary, grid)]), axis=0)


def rasterise_streets(lines: list, squares: list, grid: Grid) -> tuple[np.ndarray, list]:
    """Walkable cells: 0 blocked, 1 street, 2 square, as a (height, width) int8 array.

    Returns:
        ``(kind, cells_of_line)``: the array and, per street line, its (n, 2) cells.
    """
    kind = np.zeros((grid.height, grid.width), np.int8)
    per_line = [line_cells(g, grid) for g in lines]
    for cells in per_line:
        kind[cells[:, 1], cells[:, 0]] = 1
    centres = grid.all_centres()
    for g in squares:
        cells = polygon_cells(g, grid, centres)
        kind[cells[:, 1], cells[:, 0]] = 2
    return kind, per_line


def network_mask(walkable: np.ndarray) -> np.ndarray:
    """The largest 4-connected piece of ``walkable`` (ties: the piece met first row by row)."""
    labels, n = ndimage.label(walkable)
    if n == 0:
        return np.zeros_like(walkable, dtype=bool)
    sizes = np.bincount(labels.ravel())[1:]
    return labels == int(np.argmax(sizes)) + 1


def frontage_mask(network: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Cells in ``free`` with a network cell north, east, south or west of them."""
    touch = np.zeros_like(network)
    touch[1:, :] |= network[:-1, :]
    touch[:-1, :] |= network[1:, :]
    touch[:, 1:] |= network[:, :-1]
    touch[:, :-1] |= network[:, 1:]
    return touch & free


@dataclass
class Placement:
    """Where each feature went: its cell, or why it was left out.

    Attributes:
        cell: (n, 2) int ``[x, y]`` per feature; -1 where left out.
        moved_m: (n,) distance from the feature (a point, or the nearest edge of a polygon) to
            its cell's centre (m); NaN if left out.
        reason: per feature, None if placed, else why not.
    """

    cell: np.ndarray
    moved_m: np.ndarray
    reason: list[str | None] = field(default_factory=list)


def place(
    geoms: list[Any],
    allowed: np.ndarray,
    grid: Grid,
    *,
    snap_m: float,
    exclusive: bool,
    what: str,
) -> Placement:
    """Put each geometry on its nearest allowed cell (rules in the module docstring).

    Args:
        geoms: Points or polygons in RD metres.
        allowed: (height, width) bool cells that may hold them.
        grid: The grid.
        snap_m: Largest distance from a geometry to its cell's centre.
        exclusive: One feature per cell: features closest to a free cell choose first.
        what: Name of the cells for the reasons ("street cell", "frontage cell").

    Returns:
        The placement, in the order of ``geoms``.
    """
    n = len(geoms)
    cell = np.full((n, 2), -1, np.int64)
    moved = np.full(n, np.nan)
    reason: list[str | None] = [None] * n
    cand_yx = np.argwhere(allowed)
    if n == 0:
        return Placement(cell, moved, reason)
    if len(cand_yx) == 0:
        return Placement(cell, moved, [f"no {what} in the study area"] * n)
    cand_cells = cand_yx[:, ::-1]
    cand_xy = grid.centre(cand_cells)
    cand_pts = shapely.points(cand_xy)
    tree = cKDTree(cand_xy)
    arr = np.array(geoms, dtype=object)
    centroid = shapely.get_coordinates(shapely.centroid(arr))
    b = shapely.bounds(arr)
    reach = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) + snap_m

    options: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(n):
        idx = np.array(sorted(tree.query_ball_point(centroid[i], reach[i])), dtype=np.int64)
        if len(idx):
            dist = shapely.distance(arr[i], cand_pts[idx])
            keep = dist <= snap_m + 1e-9
            idx, dist = idx[keep], dist[keep]
            # nearest to the geometry, then to its centre, then the first cell row by row
            to_centre = np.hypot(*(cand_xy[idx] - centroid[i]).T)
            order = np.lexsort((idx, np.round(to_centre, 6), np.round(dist, 6)))
            idx, dist = idx[order], dist[order]
        else:
            dist = np.zeros(0)
        options.append((idx, dist))

    first = np.array([o[1][0] if len(o[1]) else np.inf for o in options])
    taken = np.zeros(len(cand_xy), dtype=bool)
    for i in np.lexsort((np.arange(n), first)) if exclusive else range(n):
        idx, dist = options[i]
        if len(idx) == 0:
            if math.isfinite(snap_m):
                d = tree.query(centroid[i])[0]
                reason[i] = f"no {what} within {snap_m:g} m (nearest {d:.0f} m away)"
            continue
        free = np.flatnonzero(~taken[idx]) if exclusive else np.array([0])
        if len(free) == 0:
            reason[i] = (f"every {what} within {snap_m:g} m is taken by another feature "
                         "(try a smaller --cell-size)")
            continue
        j = idx[free[0]]
        if exclusive:
            taken[j] = True
        cell[i] = cand_cells[j]
        moved[i] = float(dist[free[0]])
    return Placement(cell, moved, reason)

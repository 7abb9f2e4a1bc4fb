"""The town: an ASCII map of a city centre (binnenstad) parsed into arrays.

A map is plain text, one character per cell of ``cell_size_m`` x ``cell_size_m`` metres.
Row ``y = 0`` is the first (non-empty) line of the text, column ``x = 0`` the first character of a
line.

Legend:

==========  ===========================================================================
symbol      meaning
==========  ===========================================================================
``#``, ␣    blocked: building without public function, water, wall (space = blocked)
``.``       street (walkable)
``:``       square (walkable public space; market and event location)
``s``       premises, small unit (default 60 m2)
``m``       premises, medium unit (default 150 m2)
``L``       premises, large unit (default 400 m2)
``A``       premises, anchor: department store or supermarket (default 1,200 m2)
``h``       dwellings: a block of homes (households per cell is a scenario parameter)
``T``       entry point: station (walkable)
``P``       entry point: car park (walkable)
``B``       entry point: bus stop (walkable)
``F``       entry point: bike park, *fietsenstalling* (walkable)
``1``-``9`` counting point on a street (walkable), named ``count_1`` .. ``count_9``,
            like the Locatus *passanten* counts
==========  ===========================================================================

Walking happens on a 4-neighbour (von Neumann) grid of walkable cells: diagonal moves would let
pedestrians cut between two diagonally touching street cells through a building corner.

Premises and dwellings are not walkable. Each must touch (4-neighbour) at least one walkable
cell, its *access cell*, where its visitors or residents enter the street network. If several
neighbours are walkable the access cell is chosen deterministically: first a neighbour in a part
of the network that contains an entry point, then a street/entry/counting cell before a square
cell, then the order north, east, south, west.

Rows of unequal length are padded with blocked cells. Completely empty lines before the first and
after the last map line are ignored, but line numbers in errors refer to the line in the given
text (1-based), as do columns.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

# scipy is imported where it is used, not here: ``binnenstad validate`` parses every map and
# importing scipy.sparse and scipy.spatial would take most of its half-second budget (issue 17).
if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = [
    "DEFAULT_FLOOR_AREA_M2",
    "ENTRY_KINDS",
    "PRESETS",
    "MapError",
    "Town",
    "home_zones",
    "load_preset",
    "parse_map",
]

ENTRY_KINDS = ("station", "car_park", "bus_stop", "bike_park")  # T, P, B, F
ENTRY_SYMBOLS = "TPBF"
PREMISES_SYMBOLS = "smLA"
DEFAULT_FLOOR_AREA_M2 = {"s": 60.0, "m": 150.0, "L": 400.0, "A": 1200.0}
PRESETS = ("kleinstad", "middelstad", "grootstad")

BLOCKED = "#"
STREET = "."
SQUARE = ":"
DWELLING = "h"
COUNT_DIGITS = "123456789"
WALKABLE_SYMBOLS = STREET + SQUARE + ENTRY_SYMBOLS + COUNT_DIGITS
ALLOWED_SYMBOLS = frozenset(BLOCKED + " " + WALKABLE_SYMBOLS + PREMISES_SYMBOLS + DWELLING)
_ALLOWED_TEXT = "# . : s m L A h T P B F 1-9 and space"

# Neighbour offsets (dx, dy) in the tie-break order north, east, south, west.
_NESW = ((0, -1), (1, 0), (0, 1), (-1, 0))


class MapError(ValueError):
    """A map problem at a 1-based line and column of the map text.

    Args:
        message: What is wrong and what is accepted.
        line: 1-based line in the given map text, or None if the problem has no single place.
        column: 1-based column, or None.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, eq=False)
class Town:
    """A parsed map. All coordinates are cells: ``x`` = column, ``y`` = row (0 = first map line).

    Attributes:
        name: Preset name or "custom".
        width, height: Map size in cells.
        cell_size_m: Edge length of a cell in metres.
        symbols: (height, width) '<U1' map symbols; blocked cells (space, padding) are ``#``.
        walkable_xy: (C, 2) int32 ``[x, y]`` of walkable cells, row-major order.
        walkable_index: (height, width) int32 index into ``walkable_xy``, -1 where not walkable.
        walkable_is_square: (C,) bool, True for square (``:``) cells.
        adjacency: (C, C) csr_array of 0/1 int8, 4-neighbour links between walkable cells
            (built on first use from ``walkable_index``).
        premises_xy: (P, 2) int32 ``[x, y]`` of premises, row-major order.
        premises_symbol: (P,) '<U1' one of ``s m L A``.
        premises_floor_m2: (P,) float64 floor area in m2.
        premises_access: (P,) int32 walkable index of the access cell.
        dwelling_xy: (H, 2) int32 ``[x, y]`` of dwelling cells, row-major order.
        dwelling_access: (H,) int32 walkable index of the access cell.
        entry_xy: (E, 2) int32 ``[x, y]`` of entry points, row-major order.
        entry_kind: (E,) '<U9' values from ``ENTRY_KINDS``.
        entry_access: (E,) int32 walkable index of the entry cell itself.
        counting_points: ``"count_3"`` -> walkable index, sorted by digit.

    A town imported from geodata (a *town folder*, :func:`sim.town.townfile.load_town_dir`)
    also has the following; a town parsed from a map leaves them None.

    Attributes:
        premises_use: (P,) '<U13' initial use: a sector (``comparison``, ``daily``,
            ``food_beverage``, ``services``, ``leisure``), ``vacant`` or ``unknown``.
        premises_name: (P,) str names ('' if unknown).
        premises_source_id: (P,) str id of the source feature (``node/42``, a BAG id).
        premises_in_core: (P,) bool, inside the core boundary (all False without one).
        dwelling_households: (H,) float64 households living in each dwelling cell.
        dwelling_persons: (H,) float64 persons per dwelling cell, NaN where unknown.
        entry_name: (E,) str names of the entry points.
        entry_capacity: (E,) float64 capacity (car or bike places), NaN where unknown.
        core_mask: (height, width) bool cells inside the core boundary, or None.
        counting_point_labels: counting-point name -> the name as the source gave it.
        origin_rd_m: RD coordinates (m, EPSG:28992) of the north-west corner of cell (0, 0).
        folder: The town folder the town was loaded from (its geometry/ draws the map).
    """

    name: str
    width: int
    height: int
    cell_size_m: float
    symbols: np.ndarray
    walkable_xy: np.ndarray
    walkable_index: np.ndarray
    walkable_is_square: np.ndarray
    premises_xy: np.ndarray
    premises_symbol: np.ndarray
    premises_floor_m2: np.ndarray
    premises_access: np.ndarray
    dwelling_xy: np.ndarray
    dwelling_access: np.ndarray
    entry_xy: np.ndarray
    entry_kind: np.ndarray
    entry_access: np.ndarray
    counting_points: dict[str, int]
    premises_use: np.ndarray | None = None
    premises_name: np.ndarray | None = None
    premises_source_id: np.ndarray | None = None
    premises_in_core: np.ndarray | None = None
    dwelling_households: np.ndarray | None = None
    dwelling_persons: np.ndarray | None = None
    entry_name: np.ndarray | None = None
    entry_capacity: np.ndarray | None = None
    core_mask: np.ndarray | None = None
    counting_point_labels: dict[str, str] | None = None
    origin_rd_m: tuple[float, float] | None = None
    folder: str | None = None

    @functools.cached_property
    def adjacency(self) -> sp.csr_array:
        """(C, C) csr_array of 0/1 int8: 4-neighbour links between walkable cells, built on
        first use (routing needs it, ``validate`` does not)."""
        import scipy.sparse as sp

        a, b = _links(self.walkable_index)
        n = self.n_walkable
        adjacency = sp.csr_array(
            (np.ones(2 * len(a), dtype=np.int8), (np.concatenate([a, b]), np.concatenate([b, a]))),
            shape=(n, n),
        )
        adjacency.sort_indices()
        return adjacency

    @property
    def n_walkable(self) -> int:
        """Number of walkable cells C."""
        return len(self.walkable_xy)

    @property
    def n_premises(self) -> int:
        """Number of premises P."""
        return len(self.premises_xy)

    def premises_neighbour_counts(self, radius_cells: int) -> np.ndarray:
        """How many premises lie within ``radius_cells`` of each premises (Chebyshev: a square
        window; itself excluded): the row sums of :meth:`premises_neighbours`, with numpy
        alone (a summed-area table of the premises' cells), so that ``binnenstad validate``
        balances a town without importing scipy.

        Returns:
            (P,) int64 counts.
        """
        r = int(radius_cells)
        x, y = self.premises_xy[:, 0].astype(np.int64), self.premises_xy[:, 1].astype(np.int64)
        if len(x) == 0:
            return np.zeros(0, dtype=np.int64)
        # premises at padded (y + r + 1, x + r + 1): a zero row and column lead the table
        cells = np.zeros((int(y.max()) + 2 * r + 2, int(x.max()) + 2 * r + 2), dtype=np.int64)
        np.add.at(cells, (y + r + 1, x + r + 1), 1)
        table = cells.cumsum(axis=0).cumsum(axis=1)
        y1, x1 = y + 2 * r + 1, x + 2 * r + 1  # the window's last row and column, padded
        inside = table[y1, x1] - table[y, x1] - table[y1, x] + table[y, x]
        return inside - 1

    def premises_neighbours(self, radius_cells: int, metric: str = "chebyshev") -> sp.csr_array:
        """Premises within ``radius_cells`` of each other (self excluded).

        Args:
            radius_cells: Maximum distance in cells (inclusive).
            metric: ``"chebyshev"`` (square window) or ``"manhattan"`` (diamond).

        Returns:
            (P, P) symmetric csr_array of 0/1 int8.
        """
        p_norm = {"chebyshev": np.inf, "manhattan": 1}.get(metric)
        if p_norm is None:
            raise ValueError(f"unknown metric {metric!r}; allowed: chebyshev, manhattan")
        import scipy.sparse as sp
        from scipy.spatial import cKDTree

        n = self.n_premises
        pairs = cKDTree(self.premises_xy).query_pairs(
            r=radius_cells + 1e-9, p=p_norm, output_type="ndarray"
        )
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        data = np.ones(len(rows), dtype=np.int8)
        return sp.csr_array((data, (rows, cols)), shape=(n, n))

    def home_zones(self, zone_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """See :func:`home_zones`."""
        return home_zones(self, zone_cells)


def home_zones(town: Town, zone_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Group dwellings into square districts of ``zone_cells`` x ``zone_cells`` map cells.

    Each district's residents start walking from one street cell, its *origin*: among the access
    cells of the district's dwellings, the one closest (Euclidean) to the mean position of those
    dwellings (ties: lowest walkable index).

    Args:
        town: The parsed town.
        zone_cells: District edge length in cells (>= 1).

    Returns:
        ``(zone_of_dwelling, zone_origin)``: (H,) int32 zone number of each dwelling and (Z,)
        int32 walkable index of each zone's origin. Zones are the non-empty districts, numbered in
        row-major order of districts.
    """
    if zone_cells < 1:
        raise ValueError(f"zone_cells must be >= 1, got {zone_cells}")
    xy = town.dwelling_xy
    if len(xy) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    n_cols = -(-town.width // zone_cells)
    district = (xy[:, 1] // zone_cells) * n_cols + xy[:, 0] // zone_cells
    _, zone = np.unique(district, return_inverse=True)
    zone = zone.astype(np.int32)
    n_zones = int(zone.max()) + 1
    counts = np.bincount(zone, minlength=n_zones)
    mean_x = np.bincount(zone, weights=xy[:, 0], minlength=n_zones) / counts
    mean_y = np.bincount(zone, weights=xy[:, 1], minlength=n_zones) / counts
    acc = town.dwelling_access
    acc_xy = town.walkable_xy[acc]
    d2 = (acc_xy[:, 0] - mean_x[zone]) ** 2 + (acc_xy[:, 1] - mean_y[zone]) ** 2
    # Sort by (zone, distance, walkable index); the first row of each zone is its origin.
    order = np.lexsort((acc, d2, zone))
    first = np.ones(len(order), dtype=bool)
    first[1:] = zone[order][1:] != zone[order][:-1]
    origin = acc[order][first].astype(np.int32)
    return zone, origin


def _links(walkable_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 4-neighbour links between walkable cells, each once: (L,) walkable indices of the
    west or north end and (L,) of the east or south end, right-hand links first."""
    walkable = walkable_index >= 0
    right = walkable[:, :-1] & walkable[:, 1:]
    down = walkable[:-1, :] & walkable[1:, :]
    a = np.concatenate([walkable_index[:, :-1][right], walkable_index[:-1, :][down]])
    b = np.concatenate([walkable_index[:, 1:][right], walkable_index[1:, :][down]])
    return a, b


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the undirected graph on ``n`` nodes with links ``a[i]-b[i]``.

    Hooks every component's root to the smallest root it links to and jumps pointers until each
    node points at its root, in whole-array steps (a few rounds for a street network). numpy
    only: scipy's ``connected_components`` would cost ``validate`` its import.

    Returns:
        (n,) int64: for every node the smallest node of its component.
    """
    label = np.arange(n)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while True:
        la, lb = label[a], label[b]
        differ = la != lb
        if not differ.any():
            return label
        # Both ends are roots here (label[root] == root): hook the larger to the smaller.
        np.minimum.at(label, np.maximum(la[differ], lb[differ]),
                      np.minimum(la[differ], lb[differ]))
        while True:  # every node to its root; labels only decrease, so this ends
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


def _grid_from_text(text: str) -> tuple[np.ndarray, int]:
    """Return the (height, width) symbol grid and the 0-based text line of grid row 0."""
    lines = text.splitlines()
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    last = len(lines)
    while last > first and not lines[last - 1].strip():
        last -= 1
    lines = [ln.rstrip("\r\n") for ln in lines[first:last]]
    if not lines:
        raise MapError("map is empty: it has no non-empty line")
    width = max(len(ln) for ln in lines)
    grid = np.full((len(lines), width), BLOCKED, dtype="<U1")
    for y, ln in enumerate(lines):
        if ln:
            grid[y, : len(ln)] = list(ln)
    return grid, first


def parse_map(
    text: str,
    *,
    name: str = "custom",
    floor_area_m2: Mapping[str, float] | None = None,
    cell_size_m: float = 10.0,
) -> Town:
    """Parse an ASCII map (see the module legend) into a :class:`Town`.

    Args:
        text: The map text.
        name: Name stored on the town.
        floor_area_m2: Floor area per premises symbol (``s m L A``); missing symbols use
            ``DEFAULT_FLOOR_AREA_M2``.
        cell_size_m: Edge length of one cell in metres (> 0).

    Returns:
        The parsed town.

    Raises:
        MapError: With the 1-based line and column of the problem where it has one: unknown symbol,
            empty map, duplicate counting-point digit, no entry point, no premises, a premises or
            dwelling without a walkable neighbour or not connected to any entry point.
        ValueError: For a bad ``floor_area_m2`` or ``cell_size_m``.
    """
    areas = dict(DEFAULT_FLOOR_AREA_M2)
    if floor_area_m2 is not None:
        unknown = set(floor_area_m2) - set(PREMISES_SYMBOLS)
        if unknown:
            raise ValueError(f"floor_area_m2 keys must be among s, m, L, A; got {sorted(unknown)}")
        areas.update({k: float(v) for k, v in floor_area_m2.items()})
    if any(not v > 0 for v in areas.values()):
        raise ValueError(f"floor areas must be > 0 m2, got {areas}")
    if not cell_size_m > 0:
        raise ValueError(f"cell_size_m must be > 0, got {cell_size_m}")

    grid, line0 = _grid_from_text(text)

    def where(y: int, x: int) -> dict[str, int]:
        return {"line": int(y) + line0 + 1, "column": int(x) + 1}

    allowed = np.isin(grid, sorted(ALLOWED_SYMBOLS))
    if not allowed.all():
        y, x = np.argwhere(~allowed)[0]
        raise MapError(
            f"unknown map symbol {str(grid[y, x])!r}; allowed: {_ALLOWED_TEXT}", **where(y, x)
        )
    grid[grid == " "] = BLOCKED
    height, width = grid.shape

    # Counting points: each digit at most once.
    counting_yx = np.argwhere(np.isin(grid, list(COUNT_DIGITS)))
    seen: set[str] = set()
    for y, x in counting_yx:
        digit = str(grid[y, x])
        if digit in seen:
            raise MapError(f"counting point {digit} appears more than once", **where(y, x))
        seen.add(digit)

    entry_mask = np.isin(grid, list(ENTRY_SYMBOLS))
    if not entry_mask.any():
        raise MapError("map has no entry point (T, P, B or F)")
    premises_mask = np.isin(grid, list(PREMISES_SYMBOLS))
    if not premises_mask.any():
        raise MapError("map has no premises (s, m, L or A)")

    # Walkable cells and their 4-neighbour graph.
    walkable = np.isin(grid, list(WALKABLE_SYMBOLS))
    walkable_yx = np.argwhere(walkable)
    n_walk = len(walkable_yx)
    walkable_index = np.full((height, width), -1, dtype=np.int32)
    walkable_index[walkable] = np.arange(n_walk, dtype=np.int32)
    walkable_xy = walkable_yx[:, ::-1].astype(np.int32)
    is_square = grid[walkable] == SQUARE

    component = components(n_walk, *_links(walkable_index))
    entry_components = np.unique(component[walkable_index[entry_mask]])
    connected = np.isin(component, entry_components)

    # Neighbour walkable index in N, E, S, W order for every cell, -1 where none.
    padded = np.full((height + 2, width + 2), -1, dtype=np.int32)
    padded[1:-1, 1:-1] = walkable_index
    neighbour = np.stack(
        [padded[1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width] for dx, dy in _NESW], axis=-1
    )

    def access_cells(mask: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
        yx = np.argwhere(mask)
        nb = neighbour[mask]  # (n, 4)
        ok = nb >= 0
        none = ~ok.any(axis=1)
        if none.any():
            y, x = yx[np.argmax(none)]
            raise MapError(
                f"{kind} {str(grid[y, x])!r} is not reachable from any street: none of its four "
                "neighbours (north, east, south, west) is walkable",
                **where(y, x),
            )
        safe = np.where(ok, nb, 0)
        # Higher score wins; argmax takes the first (N, E, S, W) among equals.
        score = ok * (1 + 2 * connected[safe] + (~is_square[safe]))
        best = np.argmax(score, axis=1)
        access = nb[np.arange(len(nb)), best]
        bad = ~connected[access]
        if bad.any():
            y, x = yx[np.argmax(bad)]
            raise MapError(
                f"{kind} {str(grid[y, x])!r} is not connected to any entry point (T, P, B or F): "
                "its street is cut off from them",
                **where(y, x),
            )
        return yx[:, ::-1].astype(np.int32), access.astype(np.int32)

    premises_xy, premises_access = access_cells(premises_mask, "premises")
    premises_symbol = grid[premises_mask].astype("<U1")
    premises_floor = np.array([areas[s] for s in premises_symbol], dtype=np.float64)
    dwelling_mask = grid == DWELLING
    if dwelling_mask.any():
        dwelling_xy, dwelling_access = access_cells(dwelling_mask, "dwelling")
    else:
        dwelling_xy, dwelling_access = np.zeros((0, 2), np.int32), np.zeros(0, np.int32)

    entry_yx = np.argwhere(entry_mask)
    entry_kind = np.array(
        [ENTRY_KINDS[ENTRY_SYMBOLS.index(s)] for s in grid[entry_mask]], dtype="<U9"
    )
    counting_points = {
        f"count_{grid[y, x]}": int(walkable_index[y, x])
        for y, x in sorted(counting_yx.tolist(), key=lambda yx: grid[yx[0], yx[1]])
    }

    return Town(
        name=name,
        width=int(width),
        height=int(height),
        cell_size_m=float(cell_size_m),
        symbols=grid,
        walkable_xy=walkable_xy,
        walkable_index=walkable_index,
        walkable_is_square=is_square,
        premises_xy=premises_xy,
        premises_symbol=premises_symbol,
        premises_floor_m2=premises_floor,
        premises_access=premises_access,
        dwelling_xy=dwelling_xy,
        dwelling_access=dwelling_access,
        entry_xy=entry_yx[:, ::-1].astype(np.int32),
        entry_kind=entry_kind,
        entry_access=walkable_index[entry_mask].astype(np.int32),
        counting_points=counting_points,
    )


def load_preset(name: str, **kwargs) -> Town:
    """Load a built-in town map from ``sim/towns/<name>.txt``.

    Args:
        name: One of ``PRESETS``.
        **kwargs: Passed to :func:`parse_map` (``floor_area_m2``, ``cell_size_m``).

    Raises:
        ValueError: For an unknown preset name.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown town preset {name!r}; allowed: {', '.join(PRESETS)}")
    preset = resources.files("sim.town").joinpath("presets", f"{name}.txt")
    text = preset.read_text(encoding="utf-8")
    return parse_map(text, name=name, **kwargs)

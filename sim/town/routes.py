"""The walking routes of a town as the model uses them: origins, doors, paths and distances.

Visitors start at an *origin*: an entry point (station, car park, bus stop, bike park) or the
street cell of a home district. They walk the shortest route to a *door*: the access cell of a
premises or an event site on a square. :class:`Routes` builds the origins, the doors, the
compressed shortest-path trees between them (:mod:`sim.town.routing`), the walking distance
from every origin to every premises, and which premises are each other's neighbours.

Built once by :class:`sim.model.model.CityCentre`; read by the residents (destination choice),
the footfall (passers-by along the routes), the shops (neighbours) and the venues (events).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sim.town.flows import accumulate_to_destinations
from sim.town.legs import nearest_premises
from sim.town.maps import Town, home_zones
from sim.town.routing import shortest_path_trees


def event_sites(town: Town) -> np.ndarray:
    """Walkable cells where public events take place: the most central cell of each square
    (``:`` area); without squares, the street cell with the most premises around it."""
    squares = town.symbols == ":"
    labels, n = ndimage.label(squares)
    sites = []
    for k in range(1, n + 1):
        ys, xs = np.nonzero(labels == k)
        d = (xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2
        i = int(np.argmin(d))
        sites.append(int(town.walkable_index[ys[i], xs[i]]))
    if not sites:
        per_cell = np.bincount(town.premises_access, minlength=len(town.walkable_xy))
        sites.append(int(np.argmax(per_cell)))
    return np.array(sites, dtype=np.int32)


#: Cells a counting line reaches to each side of its counting point.
COUNTING_REACH = 3


def counting_line(town: Town, cell: int) -> np.ndarray:
    """Walkable cells a counting camera at ``cell`` sees: the line across the street through
    it, the shorter of the cell's contiguous horizontal and vertical runs of walkable cells
    (the street's width), like a Locatus counting line; at most :data:`COUNTING_REACH` cells
    to each side (on a square, a line of that length)."""
    x, y = (int(v) for v in town.walkable_xy[cell])
    index = town.walkable_index

    def run(dx: int, dy: int) -> list[int]:
        cells = []
        for sign in (-1, 1):
            cx, cy = x + sign * dx, y + sign * dy
            for _ in range(COUNTING_REACH):
                if not (0 <= cx < town.width and 0 <= cy < town.height and index[cy, cx] >= 0):
                    break
                cells.append(int(index[cy, cx]))
                cx, cy = cx + sign * dx, cy + sign * dy
        return cells

    across = min(run(0, 1), run(1, 0), key=len)  # vertical run if the street runs east-west
    return np.array(sorted([cell, *across]), dtype=np.int64)


#: Directions in which the outermost walkable cell is a walk-in point, and the least distance
#: (cells) between walk-in points.
WALK_IN_DIRECTIONS = 16
WALK_IN_SPACING = 6


def walk_ins(town: Town, directions: int = WALK_IN_DIRECTIONS) -> np.ndarray:
    """Walkable indices of the points where people who live around the centre walk or cycle
    in: in each of ``directions`` compass directions, the outermost walkable cell (the largest
    projection on the direction; ties to the one nearest the centre line), so the points lie
    around the edge of the street network whatever its shape. Points near another or near an
    entry point are left out."""
    xy = town.walkable_xy.astype(float)
    centre = xy.mean(axis=0)
    rel = xy - centre
    points: list[int] = []
    for k in range(directions):
        angle = 2 * np.pi * k / directions
        d = np.array([np.cos(angle), np.sin(angle)])
        along = rel @ d
        across = np.abs(rel @ np.array([-d[1], d[0]]))
        best = np.flatnonzero(along >= along.max() - 0.5)
        points.append(int(best[np.argmin(across[best])]))
    kept: list[int] = []
    taken = town.walkable_xy[town.entry_access] if town.entry_access.size else np.zeros((0, 2))
    for p in points:  # at least WALK_IN_SPACING cells from the others and from entry points
        near = np.vstack([taken, town.walkable_xy[kept]]) if kept else taken
        if near.size and np.abs(near - town.walkable_xy[p]).max(axis=1).min() < WALK_IN_SPACING:
            continue
        kept.append(p)
    return np.array(kept, dtype=np.int32)


class Routes:
    """Origins (entry points, then home districts) and shortest walking routes from each.

    Args:
        town: the parsed town.
        home_zone_cells: edge of a home district in cells (``town.home_zone_cells``).
        neighbour_radius_cells: premises within this many cells are neighbours.

    Attributes:
        zone_of_dwelling: (H,) home district of each dwelling cell.
        n_entries: number of entry points E, the map's (station, car parks, bus stops, bike
            parks) and the walk-ins at its edge; origins ``0 .. E-1`` are entry points.
        entry_kind: (E,) the kind of each entry point (``walk_in`` for the walk-ins).
        n_origins: number of origins O (entry points and home districts).
        event_sites: walkable cells of the event sites (centres of squares).
        trees: shortest-path trees from every origin to every door.
        n_doors: number of doors D (destinations of the trees).
        door: (P,) the door (column in the trees' destinations) of each premises.
        site_door: the door of each event site.
        distance_m: (O, P) walking distance from each origin to each premises.
        neighbours: (P, P) 0/1 sparse matrix of neighbouring premises.
        neighbour_slots: (P,) number of neighbours of each premises.
        units_along_door: (O, P) premises along the route from each origin to each door.
        legs: the nearest premises of each premises and the routes to them (tours).
        leg_m: (P, M) walking distance of each leg (door to door).
        counting_lines: the cells across the street at each counting point.
    """

    def __init__(self, town: Town, home_zone_cells: int, neighbour_radius_cells: int) -> None:
        self.zone_of_dwelling, zone_origin = home_zones(town, home_zone_cells)
        walk_in = walk_ins(town)
        entries = np.concatenate([town.entry_access, walk_in]).astype(np.int32)
        self.entry_kind = np.concatenate([town.entry_kind.astype("<U9"),
                                          np.full(walk_in.size, "walk_in", dtype="<U9")])
        self.n_entries = len(entries)
        origins = np.concatenate([entries, zone_origin]).astype(np.int32)
        self.event_sites = event_sites(town)
        destinations = np.unique(np.concatenate([town.premises_access, self.event_sites]))
        self.trees = shortest_path_trees(town.adjacency, origins, destinations)
        self.site_door = np.searchsorted(destinations, self.event_sites)
        # column of each premises' door in the (origin, destination) walker counts
        self.door = np.searchsorted(destinations, town.premises_access)
        self.n_doors = destinations.size
        steps = self.trees.dist_steps[:, town.premises_access]
        # walking to the unit's door: one more cell
        self.distance_m = (steps + 1).astype(float) * town.cell_size_m
        self.n_origins = len(origins)
        self.n_cells = town.adjacency.shape[0]
        self.neighbours = town.premises_neighbours(neighbour_radius_cells)
        self.neighbour_slots = np.asarray(self.neighbours.sum(axis=1)).ravel().astype(float)
        self.units_per_cell = np.bincount(town.premises_access, minlength=self.n_cells)
        self.units_along_door = accumulate_to_destinations(
            self.trees, self.units_per_cell.astype(float))[:, self.door]
        self.legs = nearest_premises(town.adjacency, town.premises_access)
        self.counting_lines = {name: counting_line(town, cell)
                               for name, cell in town.counting_points.items()}
        self.leg_m = self.legs.steps * town.cell_size_m

    @property
    def n_zones(self) -> int:
        """Number of home districts (origins after the entry points)."""
        return self.n_origins - self.n_entries

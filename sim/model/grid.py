"""The model's Mesa grid over the town map (built by :class:`sim.model.model.CityCentre`)."""

from __future__ import annotations

import copyreg
import weakref
from typing import Any

from mesa.discrete_space import Cell, OrthogonalVonNeumannGrid
from mesa.discrete_space.property_layer import create_property_accessors


class TownGrid(OrthogonalVonNeumannGrid):
    """Mesa's 4-neighbour grid (``OrthogonalVonNeumannGrid``), linked and copied faster.

    The same cells with the same links, keys and link order as Mesa builds them. Mesa links a
    new grid's cells one :meth:`Cell.connect` at a time, each clearing the (still empty)
    neighbourhood caches and making a new key tuple; on the 300 x 200 ``grootstad`` map that
    is 239,000 links and most of the grid's set-up time. Here each cell's links are written
    to its ``connections`` directly, with one shared key tuple per direction.

    A pickled grid (a model copied for shared history, :mod:`sim.runs.history`) keeps its
    size, property layers and random generator but not its cells: they are built again when
    it is loaded, and a cell is pickled as a reference to the grid and its coordinate with the
    agents it holds. Mesa pickles every cell with its links and makes a class for each cell
    when loading, which took most of the time of copying a model (0.7 s of middelstad's).
    """

    #: Link keys (row, column offsets) in Mesa's order for a von Neumann grid.
    _OFFSETS = ((-1, 0), (0, -1), (0, 1), (1, 0))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pickle_cells_by_reference()

    def _pickle_cells_by_reference(self) -> None:
        # Mesa makes a cell class for each grid; its cells learn their grid from it (weakly:
        # copyreg keeps the class for good)
        self.cell_klass.town_grid = weakref.ref(self)
        copyreg.pickle(self.cell_klass, _reduce_cell)

    def _connect_cells_2d(self) -> None:
        n_rows, n_cols = self.dimensions
        torus = self.torus
        rows = [[self._cells[r, c] for c in range(n_cols)] for r in range(n_rows)]
        up, left, right, down = self._OFFSETS
        for r, row in enumerate(rows):  # row by row, each cell's links in Mesa's key order
            above = rows[r - 1] if r > 0 or torus else None
            below = rows[(r + 1) % n_rows] if r < n_rows - 1 or torus else None
            for c, cell in enumerate(row):
                links = cell.connections
                if above is not None:
                    links[up] = above[c]
                if c > 0 or torus:
                    links[left] = row[c - 1]
                if c < n_cols - 1 or torus:
                    links[right] = row[(c + 1) % n_cols]
                if below is not None:
                    links[down] = below[c]

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the cells (and the cached collection of them)."""
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_cells", "_celllist", "all_cells", "cell_klass")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """The cells built and linked again as :meth:`__init__` builds them (without agents;
        each cell that holds agents gets them back from its own pickle)."""
        self.__dict__.update(state)
        layers = self._mesa_property_layers.values()
        self.cell_klass = type("GridCell", (Cell,), {
            "_mesa_properties": {layer.name for layer in layers}, "__slots__": ()})
        for layer in layers:
            setattr(self.cell_klass, layer.name, create_property_accessors(
                layer.data, docstring=f"accessor for {layer.name}"))
        self._pickle_cells_by_reference()
        self._cells = {(r, c): self.cell_klass((r, c), capacity=self.capacity, random=self.random)
                       for r in range(self.dimensions[0]) for c in range(self.dimensions[1])}
        self._celllist = list(self._cells.values())
        self._connect_cells()


def _cell_at(grid: TownGrid, coordinate: tuple[int, int]) -> Any:
    """The cell of a loaded grid at ``coordinate`` (unpickling a cell)."""
    return grid[coordinate]


def _reduce_cell(cell: Any) -> tuple:
    """A cell pickled as its grid's cell at its coordinate, with its agents (the model sets
    no other state of a grid cell: its position and properties are Mesa's defaults)."""
    return _cell_at, (type(cell).town_grid(), cell.coordinate), (
        None, {"_agents": cell.agents})

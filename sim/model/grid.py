"""The model's Mesa grid over the town map (built by :class:`sim.model.model.CityCentre`)."""

from __future__ import annotations

from mesa.discrete_space import OrthogonalVonNeumannGrid


class TownGrid(OrthogonalVonNeumannGrid):
    """Mesa's 4-neighbour grid (``OrthogonalVonNeumannGrid``), linked faster.

    The same cells with the same links, keys and link order as Mesa builds them. Mesa links a
    new grid's cells one :meth:`Cell.connect` at a time, each clearing the (still empty)
    neighbourhood caches and making a new key tuple; on the 300 x 200 ``grootstad`` map that
    is 239,000 links and most of the grid's set-up time. Here each cell's links are written
    to its ``connections`` directly, with one shared key tuple per direction.
    """

    #: Link keys (row, column offsets) in Mesa's order for a von Neumann grid.
    _OFFSETS = ((-1, 0), (0, -1), (0, 1), (1, 0))

    def _connect_cells_2d(self) -> None:
        n_rows, n_cols = self.dimensions
        cells, torus = self._cells, self.torus
        for cell in self.all_cells:
            row, col = cell.coordinate
            links = cell.connections
            for key in self._OFFSETS:
                r, c = row + key[0], col + key[1]
                if torus:
                    r, c = r % n_rows, c % n_cols
                if 0 <= r < n_rows and 0 <= c < n_cols:
                    links[key] = cells[r, c]

"""The model's Mesa grid (sim.model.grid): Mesa's von Neumann grid, linked faster."""

import random

import numpy as np
import pytest
from mesa.discrete_space import OrthogonalVonNeumannGrid

from sim.model.grid import TownGrid


@pytest.mark.parametrize("torus", [False, True])
@pytest.mark.parametrize("size", [(7, 5), (1, 3), (2, 2)])
def test_town_grid_is_mesas_von_neumann_grid(size, torus):
    """The faster linking builds exactly Mesa's grid: cells, link keys, order and targets."""
    mesa_grid = OrthogonalVonNeumannGrid(size, torus=torus, random=random.Random(1))
    grid = TownGrid(size, torus=torus, random=random.Random(1))
    assert isinstance(grid, OrthogonalVonNeumannGrid)
    assert list(grid._cells) == list(mesa_grid._cells)
    for coord, cell in mesa_grid._cells.items():
        ours = grid[coord]
        assert [(k, c.coordinate) for k, c in ours.connections.items()] == [
            (k, c.coordinate) for k, c in cell.connections.items()
        ]
        assert {c.coordinate for c in ours.neighborhood} == {
            c.coordinate for c in cell.neighborhood
        }
    assert np.array_equal(grid.empty.data, mesa_grid.empty.data)

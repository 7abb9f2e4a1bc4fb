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


@pytest.mark.parametrize("torus", [False, True])
def test_a_pickled_grid_is_the_same_grid_with_its_agents_in_their_cells(torus):
    """A copy (shared history) has Mesa's links again, each agent in the copy's own cell
    of the same coordinate, in the same order, and the same emptiness; the original is
    untouched."""
    import pickle

    from mesa import Model
    from mesa.discrete_space import CellAgent

    model = Model(rng=3)
    grid = TownGrid((6, 4), torus=torus, random=model.random)
    agents = [CellAgent(model) for _ in range(5)]
    for agent, coord in zip(agents, [(0, 0), (2, 3), (2, 3), (5, 1), (3, 2)], strict=True):
        agent.cell = grid[coord]
    grid_copy, agents_copy = pickle.loads(pickle.dumps((grid, agents)))
    assert list(grid_copy._cells) == list(grid._cells)
    for coord, cell in grid._cells.items():
        ours = grid_copy[coord]
        assert ours is not cell
        assert [(k, c.coordinate) for k, c in ours.connections.items()] == [
            (k, c.coordinate) for k, c in cell.connections.items()]
        assert all(c is grid_copy[c.coordinate] for c in ours.connections.values())
        assert [a.unique_id for a in ours.agents] == [a.unique_id for a in cell.agents]
    for agent, copied in zip(agents, agents_copy, strict=True):
        assert copied.cell is grid_copy[agent.cell.coordinate]
        assert copied in copied.cell.agents
    assert np.array_equal(grid_copy.empty.data, grid.empty.data)
    assert not grid_copy[(2, 3)].empty and grid_copy[(1, 1)].empty
    agents_copy[0].cell = grid_copy[(1, 1)]  # moving in the copy leaves the original alone
    assert agents[0].cell is grid[(0, 0)] and grid[(1, 1)].empty

"""Tests for the maps of sim.present.plots: an imported town's map draws its building
footprints under the cells, names its main streets and has a north arrow and a scale bar; a
preset's map keeps its cells and gains the north arrow."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.text import Annotation
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from sim.present import plots
from sim.town.drawing import main_streets
from sim.town.maps import load_preset
from sim.town.townfile import load_town_dir, map_geometry


def _maps(town, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Footfall on the walkable cells, open/vacant premises and a vacant share, made up."""
    rng = np.random.default_rng(seed)
    footfall = np.full((town.height, town.width), np.nan)
    wx, wy = town.walkable_xy.T
    footfall[wy, wx] = rng.lognormal(6.0, 1.5, len(wx))
    occupancy = np.full((town.height, town.width), np.nan)
    px, py = town.premises_xy.T
    occupancy[py, px] = (rng.random(len(px)) > 0.2).astype(float)
    return footfall, occupancy, np.where(np.isfinite(occupancy), 1.0 - occupancy, np.nan)


def _north_arrows(ax) -> list[Annotation]:
    return [a for a in ax.texts if isinstance(a, Annotation) and a.get_text() == "N"]


def _footprints(ax) -> list[PolyCollection]:
    """Polygon collections drawn under the cells' image (zorder below 0)."""
    return [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_zorder() < 0]


def test_an_imported_towns_map_draws_its_footprints_streets_and_north(oudestad_folder):
    town = load_town_dir(oudestad_folder)
    geometry = map_geometry(town)
    footfall, occupancy, share = _maps(town)
    pair = ("base", "other")
    fig = plots.map_comparison({n: footfall for n in pair}, {n: occupancy for n in pair},
                               {n: share for n in pair}, 0, 1, town.cell_size_m, "Oudestad",
                               geometry=geometry)
    buildings = len(geometry.layers["buildings"])
    streets = {f["properties"]["name"] for f in geometry.layers["streets"]}
    main = [name for name, _ in main_streets(geometry.layers["streets"],
                                             plots.MAP_STREET_LABELS)]
    top, bottom = fig.axes[0], fig.axes[2]
    for ax in (top, bottom):
        # every footprint, under the cells; the frame is the grid's, not the footprints'
        assert buildings in [len(c.get_paths()) for c in _footprints(ax)]
        assert ax.get_xlim() == (-0.5, town.width - 0.5)
        assert ax.get_ylim() == (town.height - 0.5, -0.5)  # row 0, the north edge, on top
        assert len(_north_arrows(ax)) == 1
        assert any(isinstance(a, AnchoredSizeBar) for a in ax.artists)
    # the main streets are named on the footfall panels, not on the vacancy panels
    labels = {t.get_text() for t in top.texts} & streets
    assert labels == set(main) and len(labels) == plots.MAP_STREET_LABELS
    assert not {t.get_text() for t in bottom.texts} & streets
    # the footfall cells are drawn over the footprints
    assert top.images[0].get_zorder() > max(c.get_zorder() for c in _footprints(top))
    assert fig.get_suptitle() == "Oudestad"
    plots.png_bytes(fig)  # draws without an error


def test_a_presets_map_keeps_its_cells_and_gains_a_north_arrow():
    town = load_preset("kleinstad")
    footfall, occupancy, _ = _maps(town)
    fig = plots.map_figure(footfall, occupancy, "kleinstad", town.cell_size_m)
    ax = fig.axes[0]
    assert len(_north_arrows(ax)) == 1
    assert not _footprints(ax)
    assert np.array_equal(np.isfinite(ax.images[0].get_array().filled(np.nan)),
                          np.isfinite(footfall))
    assert plots.png_bytes(fig).startswith(b"\x89PNG")

"""Fast pictures for the live app: the map as an RGBA grid, the charts as one reused figure.

Both come out as PNG bytes. The map is drawn with numpy (no plotting library): a precomputed
base layer (streets, squares, buildings, the core boundary, entry points) with the footfall
heat and the premises painted on top every update. The charts are one matplotlib figure that
is built once per model; an update only moves the lines' data. Together they take a few tens
of milliseconds on ``middelstad`` (see ``benchmarks/bench_app.py``). Called by
:mod:`sim.present.app.page`.
"""

from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from PIL import Image
from scipy import ndimage

from sim.model.model import METRICS, CityCentre
from sim.scenario.fields import SECTORS
from sim.town.routing import shortest_path_trees

#: Colour of each sector of a trading shop (index = sector code).
SECTOR_COLOURS = {
    "comparison": "#4e79a7",
    "daily": "#59a14f",
    "food_beverage": "#e15759",
    "services": "#b07aa1",
    "leisure": "#76b7b2",
}
OTHER_COLOURS = {
    "vacant": "#111111",
    "culture": "#ff9da7",
    "housing": "#9c755f",
}
BASE_COLOURS = {
    "blocked": "#d9d6cf",
    "dwelling": "#c9c3b6",
    "street": "#fbfbf8",
    "square": "#efe3bd",
    "entry": "#1f3b73",
    "core": "#6a1b9a",
}
#: Footfall heat on the streets: from the street colour to this colour at the busiest cell.
HEAT_COLOURMAP = "YlOrBr"
#: Charts in the order shown, if the model reports the metric: (metric, title, scale, unit).
CHARTS = (
    ("vacancy_rate", "Vacancy", 100.0, "% of units"),
    ("footfall", "Footfall", 1e-3, "thousand passers-by / week"),
    ("turnover", "Turnover", 1e-3, "EUR thousand / week"),
    ("collaboration", "Collaboration", 1.0, "stock"),
)
USE_CULTURE, USE_HOUSING = 2, 3  # sim.model.model UnitState.use codes, when the model has them


def _rgb(colour: str) -> np.ndarray:
    return (np.array(to_rgba(colour)[:3]) * 255).astype(np.uint8)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an (H, W, 3) uint8 image as PNG (fast compression)."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


class MapPainter:
    """Paints a CityCentre's map: sectors and vacancy, footfall heat, entries, squares, core.

    Built once per model; :meth:`png` paints the current state.

    Args:
        model: the run to paint.
        pixels_per_cell: size of a map cell in pixels; by default about 720 pixels wide.
        footfall_ref: footfall painted at full heat; by default the busiest cell of the
            model's baseline, so colours stay comparable over time and between runs.
    """

    def __init__(self, model: CityCentre, pixels_per_cell: int | None = None,
                 footfall_ref: float | None = None) -> None:
        town = model.town
        self.model = model
        self.scale = pixels_per_cell or int(np.clip(720 // town.width, 3, 12))
        self.shape = (town.height, town.width)
        symbols = town.symbols
        base = np.empty((*self.shape, 3), np.uint8)
        base[:] = _rgb(BASE_COLOURS["blocked"])
        base[symbols == "h"] = _rgb(BASE_COLOURS["dwelling"])
        wx, wy = town.walkable_xy.T
        base[wy, wx] = _rgb(BASE_COLOURS["street"])
        sq = town.walkable_is_square
        base[wy[sq], wx[sq]] = _rgb(BASE_COLOURS["square"])
        self.base = base
        self.street_rgb = base[wy, wx].astype(float)
        self.walk_xy = (wy, wx)
        self.prem_xy = (town.premises_xy[:, 1], town.premises_xy[:, 0])
        self.ref = max(footfall_ref or float(np.max(model.footfall.baseline)), 1.0)
        cmap = matplotlib.colormaps[HEAT_COLOURMAP]
        self.heat_lut = (cmap(np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(float)
        n_sectors = len(SECTORS)
        palette = [_rgb(SECTOR_COLOURS.get(s, "#bab0ac")) for s in SECTORS]
        palette += [_rgb(OTHER_COLOURS["vacant"])]  # index n_sectors: vacant
        palette += [_rgb(OTHER_COLOURS["culture"]), _rgb(OTHER_COLOURS["housing"])]
        self.palette = np.array(palette, np.uint8)
        self.vacant_code = n_sectors
        self.overlay_mask, self.overlay_rgb = self._overlay(model)

    def _core_mask(self, model: CityCentre) -> np.ndarray:
        """(H, W) cells within the core walking distance of the busiest point, with the
        blocks between core streets filled in."""
        town = model.town
        trees = shortest_path_trees(town.adjacency, np.array([model.busiest_cell], np.int32))
        walk_m = trees.dist_steps[0] * town.cell_size_m
        limit = model.params.town.core_walk_m
        mask = np.zeros(self.shape, bool)
        wx, wy = town.walkable_xy.T
        near = (walk_m >= 0) & (walk_m <= limit)
        mask[wy[near], wx[near]] = True
        px, py = town.premises_xy.T
        mask[py[model.premises.core], px[model.premises.core]] = True
        mask = ndimage.binary_closing(mask, structure=np.ones((5, 5), bool), iterations=1)
        return ndimage.binary_fill_holes(mask)

    def _overlay(self, model: CityCentre) -> tuple[np.ndarray, np.ndarray]:
        """Pixel mask and colours of what is drawn over everything: core outline, entries."""
        s = self.scale
        h, w = self.shape
        mask = np.zeros((h * s, w * s), bool)
        rgb = np.zeros((h * s, w * s, 3), np.uint8)
        core = np.kron(self._core_mask(model), np.ones((s, s), bool)).astype(bool)
        edge = core & ~ndimage.binary_erosion(core, iterations=max(1, s // 4))
        yy, xx = np.nonzero(edge)
        dashed = ((xx + yy) // (2 * s)) % 3 != 2
        mask[yy[dashed], xx[dashed]] = True
        rgb[yy[dashed], xx[dashed]] = _rgb(BASE_COLOURS["core"])
        for x, y in model.town.entry_xy:
            x0, y0 = max(int(x) * s - s // 2, 0), max(int(y) * s - s // 2, 0)
            x1, y1 = min((int(x) + 1) * s + s // 2, w * s), min((int(y) + 1) * s + s // 2, h * s)
            mask[y0:y1, x0:x1] = True
            rgb[y0:y1, x0:x1] = 255
            rgb[y0 + 1:y1 - 1, x0 + 1:x1 - 1] = _rgb(BASE_COLOURS["entry"])
        return mask, rgb

    def codes(self) -> np.ndarray:
        """(P,) palette index of every premises: sector, vacant, culture or housing."""
        units = self.model.premises
        code = np.where(units.open, units.sector, self.vacant_code).astype(np.int16)
        use = getattr(units, "use", None)
        if use is not None:
            code[use == USE_CULTURE] = self.vacant_code + 1
            code[use == USE_HOUSING] = self.vacant_code + 2
        return code

    def rgb(self) -> np.ndarray:
        """(H*s, W*s, 3) uint8 picture of the current state."""
        cells = self.base.copy()
        footfall = np.nan_to_num(self.model.footfall.smooth, nan=0.0)
        # square root: quiet streets stay pale, the busy ones stand out
        level = np.sqrt(np.clip(footfall / self.ref, 0.0, 1.0))
        heat = self.heat_lut[(level * 255).astype(np.int16)]
        alpha = level[:, None]
        cells[self.walk_xy] = (self.street_rgb * (1 - alpha) + heat * alpha).astype(np.uint8)
        cells[self.prem_xy] = self.palette[self.codes()]
        s = self.scale
        big = np.repeat(np.repeat(cells, s, axis=0), s, axis=1)
        big[self.overlay_mask] = self.overlay_rgb[self.overlay_mask]
        return big

    def png(self) -> bytes:
        """The current state as PNG bytes."""
        return png_bytes(self.rgb())


def chart_metrics(metrics: tuple[str, ...] = METRICS) -> list[tuple[str, str, float, str]]:
    """The charts of :data:`CHARTS` whose metric the model reports."""
    return [chart for chart in CHARTS if chart[0] in metrics]


class ChartPainter:
    """Live charts of the reported metrics, one line per run (overlaid when comparing).

    The figure and its lines are made once; :meth:`png` updates the lines' data and draws.

    Args:
        runs: (label, model) of each run; the first is drawn solid, the others dashed.
        width_px, height_px: size of the picture.
    """

    STYLES = (("#1f4e79", "-"), ("#c0504d", "--"), ("#7f7f7f", ":"))

    def __init__(self, runs: list[tuple[str, CityCentre]], width_px: int = 560,
                 height_px: int = 460) -> None:
        self.runs = runs
        self.charts = chart_metrics()
        params = runs[0][1].params
        start = params.start
        end = start.replace(year=start.year + params.years)
        dpi = 80
        # a fixed layout: constrained layout would cost more than the drawing itself
        self.fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        n = len(self.charts)
        cols = 2 if n > 1 else 1
        rows = max(1, math.ceil(n / cols))
        axes = self.fig.subplots(rows, cols, squeeze=False).ravel()
        self.fig.subplots_adjust(left=0.09, right=0.98, bottom=0.07, top=0.93, wspace=0.25,
                                 hspace=0.35)
        self.lines: list[list] = []
        for ax, (_, title, _, unit) in zip(axes, self.charts, strict=False):
            ax.set_title(f"{title} ({unit})", fontsize=10, loc="left")
            ax.set_xlim(date2num(start), date2num(end))
            locator = AutoDateLocator(maxticks=5)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            row = []
            for (label, _), (colour, style) in zip(runs, self.STYLES, strict=False):
                (line,) = ax.plot([], [], color=colour, ls=style, lw=1.8, label=label,
                                  animated=True)
                row.append(line)
            self.lines.append(row)
        for ax in axes[n:]:
            ax.set_visible(False)
        if len(runs) > 1 and n:
            axes[0].legend(loc="upper left", fontsize=8)
        self.axes = axes[:n]
        self._dates: list[list[float]] = [[] for _ in runs]
        self._fitted: set = set()
        self._background = None

    def _x(self, i: int, model: CityCentre) -> list[float]:
        dates = model.datacollector.model_vars.get("date", [])
        cache = self._dates[i]
        if len(cache) > len(dates):  # a different model; start again
            cache.clear()
        for text in dates[len(cache):]:
            cache.append(date2num(np.datetime64(text)))
        return cache

    def points(self) -> int:
        """Weekly points in the first run's lines."""
        return len(self.runs[0][1].datacollector.model_vars.get("date", []))

    def _fit(self, ax, values: list[np.ndarray]) -> bool:
        """Widen the y-range of ``ax`` when the data leave it; True if it changed.

        Ranges only grow (with a margin), so most updates keep the drawn axes and only the
        lines are drawn again.
        """
        finite = [v[np.isfinite(v)] for v in values]
        finite = [v for v in finite if v.size]
        if not finite:
            return False
        lo = min(float(v.min()) for v in finite)
        hi = max(float(v.max()) for v in finite)
        cur_lo, cur_hi = ax.get_ylim()
        if ax in self._fitted and cur_lo <= lo and hi <= cur_hi:
            return False
        if ax in self._fitted:
            lo, hi = min(lo, cur_lo), max(hi, cur_hi)
        span = max(hi - lo, 0.05 * max(abs(hi), abs(lo)), 1e-6)
        ax.set_ylim(lo - 0.15 * span, hi + 0.15 * span)
        self._fitted.add(ax)
        return True

    def rgb(self) -> np.ndarray:
        """Update every line and draw; (H, W, 3) uint8."""
        changed = self._background is None
        for row, (metric, _, scale, _), ax in zip(self.lines, self.charts, self.axes,
                                                  strict=True):
            ys = []
            for i, (_, model) in enumerate(self.runs):
                x = self._x(i, model)
                y = np.asarray(model.datacollector.model_vars.get(metric, []), float) * scale
                row[i].set_data(x[: y.size], y)
                ys.append(y)
            changed |= self._fit(ax, ys)
        if changed:  # draw the axes without the lines once, and keep that picture
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        for ax, row in zip(self.axes, self.lines, strict=True):
            for line in row:
                ax.draw_artist(line)
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()

    def png(self) -> bytes:
        """The charts as PNG bytes."""
        return png_bytes(self.rgb())

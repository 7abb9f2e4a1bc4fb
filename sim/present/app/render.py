"""Fast pictures for the live app: the map as an RGBA grid, the charts as one reused figure.

Both come out as PNG bytes. The map is painted with numpy every update: a precomputed base
layer (streets, squares, buildings, the core boundary, entry points) with the footfall heat and
the premises painted on top. What does not change is drawn once with matplotlib when the
painter is made: an imported town's building footprints and street lines (shown in the cells
that are neither street nor premises) and, over everything, the names of its main streets, a
scale bar and a north arrow (:mod:`sim.town.drawing`; presets get the scale bar and arrow).
The charts are one matplotlib figure that is built once per model; an update only moves the
lines' data. Together they take a few tens of milliseconds on ``middelstad`` (see
``benchmarks/bench_app.py``). Called by :mod:`sim.present.app.page`.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from PIL import Image
from scipy import ndimage

from sim.model.model import METRICS, CityCentre
from sim.present.i18n import Lang, language
from sim.present.plots import scale_bar
from sim.scenario.fields import SECTORS
from sim.town.drawing import draw_geometry, label_main_streets, north_arrow
from sim.town.routing import shortest_path_trees
from sim.town.townfile import map_geometry

#: Colour of each sector of a trading shop (index = sector code): the colour-blind-safe
#: palette of Okabe & Ito (2008), so that sectors stay apart for every reader.
SECTOR_COLOURS = {
    "comparison": "#0072B2",
    "daily": "#009E73",
    "food_beverage": "#E69F00",
    "services": "#56B4E9",
    "leisure": "#CC79A7",
}
OTHER_COLOURS = {
    "vacant": "#000000",
    "culture": "#F0E442",
    "housing": "#ffffff",
}
BASE_COLOURS = {
    "blocked": "#d9d6cf",
    "dwelling": "#c9c3b6",
    "street": "#f4f4f4",
    "square": "#efe3bd",
    "entry": "#1f3b73",
    "core": "#D55E00",
}
#: An imported town's buildings over the open ground between them (the ``blocked`` colour):
#: darker than it, as the cells' dwellings are, so the near-white streets stand out from both.
GEOMETRY_COLOURS = {"building": "#c9c3b6", "building_edge": "#a39d90"}
#: Street names written on the app's map of an imported town.
APP_STREET_LABELS = 6
#: Footfall on the streets: from a light grey (quiet streets stay visible) to a mid grey at the
#: busiest cell, darker than any street and lighter than a vacant (black) unit, and no hue
#: that a sector uses.
HEAT_COLOURS = ("#ececec", "#5a5a5a")
#: Charts in the order shown, if the model reports the metric: (metric, scale, lowest and
#: highest value of the axis, None: from the data). Titles with units: :func:`chart_titles`.
CHARTS = (
    ("vacancy_rate", 100.0, 0.0, None),
    ("footfall", 1e-3, 0.0, None),
    ("turnover", 1e-3, 0.0, None),
    ("collaboration", 1.0, 0.0, 1.0),
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
        t: the language of the scale bar's number (English if not given).
    """

    def __init__(self, model: CityCentre, pixels_per_cell: int | None = None,
                 footfall_ref: float | None = None, t: Lang | None = None) -> None:
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
        cmap = LinearSegmentedColormap.from_list("heat", HEAT_COLOURS)
        self.heat_lut = (cmap(np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(float)
        n_sectors = len(SECTORS)
        palette = [_rgb(SECTOR_COLOURS.get(s, "#bab0ac")) for s in SECTORS]
        palette += [_rgb(OTHER_COLOURS["vacant"])]  # index n_sectors: vacant
        palette += [_rgb(OTHER_COLOURS["culture"]), _rgb(OTHER_COLOURS["housing"])]
        self.palette = np.array(palette, np.uint8)
        self.vacant_code = n_sectors
        self.overlay_mask, self.overlay_rgb = self._overlay(model)
        self._drawn(town, symbols, t or language("en"))

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

    def _figure(self, transparent: bool):
        """A figure of exactly the map's pixels with one axes in cell coordinates (row 0 at
        the top), at 72 dpi so that a point is a pixel."""
        h, w = self.shape
        s = self.scale
        fig = Figure(figsize=(w * s / 72, h * s / 72), dpi=72)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        if transparent:
            fig.patch.set_alpha(0.0)
        else:
            fig.patch.set_facecolor(BASE_COLOURS["blocked"])
        return canvas, ax

    def _pixels(self, canvas: FigureCanvasAgg) -> np.ndarray:
        """(H*s, W*s, 4) float RGBA of a drawn figure, cut or padded to the map's pixels."""
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba(), dtype=float) / 255.0
        h, w = self.shape[0] * self.scale, self.shape[1] * self.scale
        out = np.zeros((h, w, 4))
        out[: min(h, rgba.shape[0]), : min(w, rgba.shape[1])] = rgba[:h, :w]
        return out

    def _drawn(self, town, symbols: np.ndarray, t: Lang) -> None:
        """Draw once what stays: an imported town's footprints and streets (``under``, shown
        where a cell is neither street, premises nor dwelling) and the street names, scale bar
        and north arrow (``over``, blended onto every picture)."""
        geometry = map_geometry(town)
        self.under_px: tuple[np.ndarray, np.ndarray] | None = None
        self.under_rgb: np.ndarray | None = None
        if geometry is not None:
            canvas, ax = self._figure(transparent=False)
            draw_geometry(ax, geometry.layers, geometry.to_cells, zorder=1,
                          building_fill=GEOMETRY_COLOURS["building"],
                          building_edge=GEOMETRY_COLOURS["building_edge"])
            rgb = self._pixels(canvas)[..., :3] * 255
            blocked = np.ones(self.shape, bool)
            blocked[symbols == "h"] = False
            blocked[town.walkable_xy[:, 1], town.walkable_xy[:, 0]] = False
            blocked[town.premises_xy[:, 1], town.premises_xy[:, 0]] = False
            s = self.scale
            self.under_px = np.nonzero(np.kron(blocked, np.ones((s, s), bool)))
            self.under_rgb = rgb[self.under_px].astype(np.uint8)
        canvas, ax = self._figure(transparent=True)
        if geometry is not None:
            label_main_streets(ax, geometry.layers.get("streets", []), APP_STREET_LABELS,
                               geometry.to_cells, fontsize=max(8, min(11, self.scale - 1)))
        scale_bar(ax, town.cell_size_m, town.width, t, fontsize=11)
        north_arrow(ax, fontsize=11)
        rgba = self._pixels(canvas)
        self.over_px = np.nonzero(rgba[..., 3] > 0)
        self.over_alpha = rgba[self.over_px][:, 3:]
        self.over_rgb = rgba[self.over_px][:, :3] * 255 * self.over_alpha

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
        if self.under_px is not None:
            big[self.under_px] = self.under_rgb
        big[self.overlay_mask] = self.overlay_rgb[self.overlay_mask]
        # over_rgb is the drawing's colour times its alpha (Agg's RGBA is straight alpha)
        below = big[self.over_px].astype(float)
        big[self.over_px] = np.clip(self.over_rgb + below * (1 - self.over_alpha), 0,
                                    255).astype(np.uint8)
        return big

    def png(self) -> bytes:
        """The current state as PNG bytes."""
        return png_bytes(self.rgb())


def chart_metrics(metrics: tuple[str, ...] = METRICS) -> list[tuple]:
    """The charts of :data:`CHARTS` whose metric the model reports."""
    return [chart for chart in CHARTS if chart[0] in metrics]


def chart_titles(t: Lang) -> dict[str, str]:
    """Each chart's title in words, with its unit."""
    return {
        "vacancy_rate": t.tr("Vacancy (% of premises)"),
        "footfall": t.tr("Passers-by (thousands a week, mean of the counting points)"),
        "turnover": t.tr("Turnover (EUR thousand a week)"),
        "collaboration": t.tr("Collaboration (stock, 0 to 1)"),
    }


class ChartPainter:
    """Live charts of the reported metrics, one line per run (overlaid when comparing).

    The figure and its lines are made once; :meth:`png` updates the lines' data and draws.

    Args:
        runs: (label, model) of each run; the first is drawn solid, the others dashed.
        width_px, height_px: size of the picture.
    """

    STYLES = (("#1f4e79", "-"), ("#c0504d", "--"), ("#7f7f7f", ":"))
    #: A chart with a floor starts from it to this many times the first weeks' highest
    #: value: a chart's axes that grew took a full draw (100-460 ms at the classroom's 900
    #: pixels, against 4-17 for the lines alone), 9 times in a session's first 130 weeks
    #: when the range hugged the first points (docs/classroom.md).
    HEADROOM = 1.5

    def __init__(self, runs: list[tuple[str, CityCentre]], width_px: int = 560,
                 height_px: int = 460, t: Lang | None = None) -> None:
        self.runs = runs
        self.charts = chart_metrics()
        titles = chart_titles(t or language("en"))
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
        self._fitted: set = set()
        for ax, (metric, _, low, high) in zip(axes, self.charts, strict=False):
            ax.set_title(titles[metric], fontsize=9, loc="left")
            if low is not None and high is not None:
                ax.set_ylim(low, high)
                self._fitted.add(ax)
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

    def _fit(self, ax, values: list[np.ndarray], low: float | None = None) -> bool:
        """Widen the y-range of ``ax`` when the data leave it; True if it changed.

        Ranges only grow (with a margin, never below ``low``), so most updates keep the drawn
        axes and only the lines are drawn again. A side the data left grows by 40% of the span,
        not 15%, so a trend that keeps going needs a new axis (a full draw, ~100 ms against ~4
        for the lines) less often: 8 instead of 11-14 times in a 6-year run.
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
        if ax not in self._fitted and low is not None and hi > low:
            # the first range: from the floor (zero) to half as much again as the first
            # weeks, so a fall shows against zero and the axes seldom grow
            ax.set_ylim(low, low + self.HEADROOM * (hi - low))
            self._fitted.add(ax)
            return True
        below = above = 0.15
        if ax in self._fitted:
            below, above = (0.4 if lo < cur_lo else 0.15), (0.4 if hi > cur_hi else 0.15)
            lo, hi = min(lo, cur_lo), max(hi, cur_hi)
        span = max(hi - lo, 0.05 * max(abs(hi), abs(lo)), 1e-6)
        bottom = lo - below * span
        ax.set_ylim(bottom if low is None else max(low, bottom), hi + above * span)
        self._fitted.add(ax)
        return True

    def rgb(self) -> np.ndarray:
        """Update every line and draw; (H, W, 3) uint8."""
        changed = self._background is None
        for row, (metric, scale, low, _), ax in zip(self.lines, self.charts, self.axes,
                                                    strict=True):
            ys = []
            for i, (_, model) in enumerate(self.runs):
                x = self._x(i, model)
                y = np.asarray(model.datacollector.model_vars.get(metric, []), float) * scale
                row[i].set_data(x[: y.size], y)
                ys.append(y)
            changed |= self._fit(ax, ys, low)
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

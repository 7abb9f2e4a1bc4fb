"""Make the project's own test towns: a compact historic centre as OSM XML and as a GeoPackage.

No downloaded data: every street, building, shop and car park is drawn here from a seeded
random generator, so the files are the same on every machine. The town ("Oudestad", in RD New
coordinates, EPSG:28992) has what a Dutch historic centre has:

* irregular medieval streets: a jittered, warped grid with some links missing, inside a ring
  road (the *singel*) on the line of the old walls, gates out to it, alleys (*stegen*);
* a market square (*Markt*) in the middle and a station square outside the ring;
* shops, horeca, services and culture along the central streets, some vacant, some sharing a
  building, flats above some of them; homes in the streets further out;
* a station, bus stops, car parks with their capacity, a bike park (*fietsenstalling*) and one
  bike rack too small to count; a trunk road outside the ring that nobody walks on;
* counting points on the main streets, a core boundary (*kernwinkelgebied*) and the study area.

The same features are written twice: ``<name>.osm`` (OSM XML, coordinates in WGS84 with nine
decimals so they return to RD to a tenth of a millimetre) and ``<name>.gpkg`` (layers streets,
squares, buildings, premises, entries, counts, core, area in RD metres). The OSM file holds no
counting points, core or study area (OSM has none of those); importing it takes them from the
GeoPackage.

Usage::

    python tests/data/make_towns.py              # tests/data/oudestad.{osm,gpkg} (150 premises)
    python tests/data/make_towns.py --premises 1500 --name grootoud --out /tmp/towns

Needs the ``geo`` extra (geopandas, shapely, pyproj).
"""

from __future__ import annotations

import argparse
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString, Point, Polygon

HERE = Path(__file__).resolve().parent
CENTRE = (190_000.0, 440_000.0)  # RD metres; a made-up place between real towns
CRS = "EPSG:28992"

ROOTS = ["Kerk", "Molen", "Bisschop", "Hoog", "Wal", "Pol", "Berg", "Smeden", "Bakker", "Vis",
         "Kalver", "Hof", "Spijker", "Papen", "Broeder", "Zand", "Golt", "Assen", "Bagijnen",
         "Rijkman", "Enge", "Koorn", "Boter", "Kaas", "Schoen", "Zadel", "Klooster", "Gast",
         "Brouwer", "Lombard", "Munt", "Pelser", "Wijn", "Linnen", "Kramer", "Hoedemaker"]
PREFIXES = ["", "Lange ", "Korte ", "Grote ", "Kleine ", "Nieuwe ", "Oude "]
FAMILY = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
          "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Brouwer", "Dekker",
          "Kok", "Schouten", "Post", "Kuiper", "Willems", "Vermeulen", "van den Berg", "Hoekstra"]
#: Per sector: (OSM key, value, name pattern) to draw from.
KINDS = {
    "comparison": [("shop", "clothes", "Mode {f}"), ("shop", "shoes", "Schoenen {f}"),
                   ("shop", "books", "Boekhandel {f}"), ("shop", "gift", "Cadeau {f}"),
                   ("shop", "jewelry", "Juwelier {f}"), ("shop", "optician", "Optiek {f}"),
                   ("shop", "toys", "Speelgoed {f}"), ("shop", "sports", "Sport {f}"),
                   ("shop", "electronics", "Elektro {f}"), ("shop", "houseware", "Wonen {f}"),
                   ("shop", "bicycle", "Fietsen {f}"), ("shop", "fabric", "Stoffen {f}")],
    "daily": [("shop", "bakery", "Bakkerij {f}"), ("shop", "butcher", "Slagerij {f}"),
              ("shop", "greengrocer", "Groente {f}"), ("shop", "cheese", "Kaashandel {f}"),
              ("shop", "chemist", "Drogisterij {f}"), ("shop", "florist", "Bloemen {f}"),
              ("shop", "convenience", "Buurtwinkel {f}"), ("amenity", "pharmacy", "Apotheek")],
    "food_beverage": [("amenity", "cafe", "Café {f}"), ("amenity", "restaurant", "Eethuis {f}"),
                      ("amenity", "bar", "Bar {f}"), ("amenity", "pub", "Kroeg {f}"),
                      ("amenity", "fast_food", "Snackbar {f}"),
                      ("amenity", "ice_cream", "IJssalon {f}")],
    "services": [("shop", "hairdresser", "Kapsalon {f}"), ("shop", "beauty", "Salon {f}"),
                 ("shop", "travel_agency", "Reisbureau {f}"), ("amenity", "bank", "Bank"),
                 ("shop", "dry_cleaning", "Stomerij {f}"), ("shop", "copyshop", "Print {f}")],
    "leisure": [("amenity", "cinema", "Filmhuis"), ("amenity", "theatre", "Schouwburg"),
                ("amenity", "arts_centre", "Kunstcentrum"), ("tourism", "museum", "Museum"),
                ("leisure", "fitness_centre", "Sportschool {f}")],
}
#: The model's default sector mix (sim.scenario.schema), and the share of vacant premises.
MIX = {"comparison": 0.36, "daily": 0.14, "food_beverage": 0.24, "services": 0.16,
       "leisure": 0.10}
VACANT_SHARE = 0.10


@dataclass
class Feature:
    """One feature: an id like ``node/12`` or ``way/7``, a geometry in RD and its tags."""

    role: str
    geometry: object
    tags: dict[str, str]
    osm_id: str = ""


@dataclass
class TownData:
    name: str
    features: list[Feature] = field(default_factory=list)
    counts: list[tuple[str, Point]] = field(default_factory=list)
    core: Polygon | None = None
    area: Polygon | None = None
    premises_floor_m2: float = 0.0  # footprint area given to premises, for the tests


def _curve(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, bend: float) -> LineString:
    """A street from a to b that bends a little, as old streets do."""
    d = b - a
    normal = np.array([-d[1], d[0]]) / (np.hypot(*d) or 1.0)
    pts = [a]
    for t in (0.33, 0.67):
        pts.append(a + t * d + normal * rng.uniform(-bend, bend) * np.hypot(*d))
    pts.append(b)
    return LineString(np.round(np.array(pts), 2))


def _lot(line: LineString, s0: float, width: float, depth: float, setback: float,
         side: int) -> Polygon | None:
    """A building lot along ``line`` from distance s0 to s0 + width, on one side."""
    p0, p1 = line.interpolate(s0), line.interpolate(s0 + width)
    d = np.array([p1.x - p0.x, p1.y - p0.y])
    length = np.hypot(*d)
    if length < 0.5 * width:
        return None
    d /= length
    n = side * np.array([-d[1], d[0]])
    a = np.array([p0.x, p0.y]) + n * setback
    b = np.array([p1.x, p1.y]) + n * setback
    return Polygon(np.round([a, b, b + n * depth, a + n * depth], 2))


def make_town(n_premises: int = 150, *, seed: int = 7, name: str = "oudestad",
              radius_m: float | None = None) -> TownData:
    """Draw a historic centre with ``n_premises`` premises (see the module docstring).

    The walls' radius grows by 10% until the streets have room for every premises.
    """
    rng = np.random.default_rng(seed)
    town = TownData(name=name)
    cx, cy = CENTRE
    spacing = 58.0
    radius = radius_m or 150.0 * math.sqrt(n_premises / 150.0)
    # 1. street nodes: a jittered, warped grid inside the old walls
    k = int(radius // spacing) + 2
    nodes, index = [], {}
    for i in range(-k, k + 1):
        for j in range(-k, k + 1):
            p = np.array([i, j], float) * spacing
            p += rng.uniform(-0.2, 0.2, 2) * spacing
            p += 0.1 * spacing * np.array([math.sin(p[1] / 90.0), math.cos(p[0] / 110.0)])
            if np.hypot(*p) < radius or (i, j) == (0, 0):
                index[(i, j)] = len(nodes)
                nodes.append(p + np.array([cx, cy]))
    nodes = np.array(nodes)
    # 2. links between neighbours, some missing (kept only if the streets stay connected)
    links = [(index[a], index[(a[0] + di, a[1] + dj)]) for a in sorted(index)
             for di, dj in ((1, 0), (0, 1)) if (a[0] + di, a[1] + dj) in index]
    keep = np.ones(len(links), bool)
    for e in rng.permutation(len(links))[: int(0.18 * len(links))]:
        keep[e] = False
        rows = [links[i][0] for i in np.flatnonzero(keep)]
        cols = [links[i][1] for i in np.flatnonzero(keep)]
        graph = coo_array((np.ones(len(rows)), (rows, cols)), shape=(len(nodes),) * 2)
        if connected_components(graph, directed=False)[0] > 1:
            keep[e] = True
    links = [links[i] for i in np.flatnonzero(keep)]
    key_of = {v: kk for kk, v in index.items()}
    row_name = {j: f"{PREFIXES[(j * 3) % 7]}{ROOTS[(j + 5) % len(ROOTS)]}straat"
                for j in range(-k, k + 1)}
    col_name = {i: f"{PREFIXES[(i * 5 + 2) % 7]}{ROOTS[(i + 17) % len(ROOTS)]}straat"
                for i in range(-k, k + 1)}

    # 3. the market square around the central node
    centre = nodes[index[(0, 0)]]
    half = np.array([26.0, 19.0]) * max(1.0, math.sqrt(n_premises / 400.0))
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    market = Polygon(np.round(centre + corners + rng.uniform(-3, 3, (4, 2)), 2))
    town.features.append(Feature("square", market, {"highway": "pedestrian", "area": "yes",
                                                    "place": "square", "name": "Markt"}))

    streets: list[tuple[LineString, dict[str, str]]] = []
    core_r = 0.55 * radius
    for a, b in links:
        (ia, ja), (_, jb) = key_of[a], key_of[b]
        line = _curve(nodes[a], nodes[b], rng, 0.07)
        mid = np.hypot(*(np.array(line.interpolate(0.5, normalized=True).coords[0]) - CENTRE))
        street = row_name[ja] if ja == jb else col_name[ia]
        alley = rng.random() < 0.12 and mid > 0.3 * radius
        if alley:
            street = street.replace("straat", "steeg")
        kind = ("footway" if alley else "pedestrian" if mid < core_r
                else "living_street" if mid < 0.8 * radius else "residential")
        streets.append((line, {"highway": kind, "name": street}))
    # 4. the ring road on the old walls, and gates out to it
    ring_r = radius + 0.45 * spacing
    angles = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    ring = np.stack([cx + ring_r * np.cos(angles), cy + ring_r * np.sin(angles)], 1)
    ring = np.round(ring + rng.uniform(-4, 4, ring.shape), 2)
    ring_line = LineString(np.vstack([ring, ring[:1]]))
    streets.append((ring_line, {"highway": "secondary", "name": "Singel"}))
    gates = ["Brinkpoort", "Noorderpoort", "Oosterpoort", "Zandpoort", "Zuiderpoort",
             "Waterpoort", "Westerpoort", "Bergpoort"]
    for g, angle in enumerate(np.linspace(0, 2 * math.pi, 8, endpoint=False)):
        direction = np.array([math.cos(angle), math.sin(angle)])
        outer = int(np.argmax((nodes - CENTRE) @ direction))
        target = np.array(ring_line.interpolate(ring_line.project(
            Point(CENTRE + direction * ring_r))).coords[0])
        streets.append((_curve(nodes[outer], target, rng, 0.03),
                        {"highway": "tertiary", "name": gates[g]}))
    # 5. station, station square and the road to it; a trunk road nobody walks on
    st_dir = np.array([math.cos(0.7), math.sin(0.7)])
    ring_pt = np.array(ring_line.interpolate(ring_line.project(
        Point(CENTRE + st_dir * ring_r))).coords[0])
    station = ring_pt + st_dir * 110.0
    plein = Polygon(np.round(station + np.array([[-25, -22], [25, -22], [25, 6], [-25, 6]]), 2))
    town.features.append(Feature("square", plein, {"highway": "pedestrian", "area": "yes",
                                                   "name": "Stationsplein"}))
    streets.append((LineString(np.round([ring_pt, station - [0, 22]], 2)),
                    {"highway": "tertiary", "name": "Stationsweg"}))
    trunk_y = cy - ring_r - 70.0
    streets.append((LineString([(cx - ring_r - 60, trunk_y), (cx + ring_r + 60, trunk_y)]),
                    {"highway": "trunk", "name": "Rijksweg", "foot": "no"}))
    for line, tags in streets:
        town.features.append(Feature("street", line, tags))

    # 6. lots along the streets: premises near the market first, homes further out
    lines = [ln for ln, t in streets if t["highway"] not in ("trunk",)]
    street_zone = shapely.union_all([ln.buffer(2.4) for ln in lines] + [market.buffer(0.5),
                                                                        plein.buffer(0.5)])
    buckets: dict[tuple[int, int], list[Polygon]] = {}

    def cells_of(poly: Polygon):
        minx, miny, maxx, maxy = poly.bounds
        for bx in range(int(minx // 50), int(maxx // 50) + 1):
            for by in range(int(miny // 50), int(maxy // 50) + 1):
                yield bx, by

    def free(poly: Polygon) -> bool:
        """A lot that overlaps no street, square or earlier lot."""
        if not poly.is_valid or poly.intersects(street_zone):
            return False
        return not any(poly.intersects(o) for c in cells_of(poly) for o in buckets.get(c, ()))

    def take(poly: Polygon) -> None:
        for c in cells_of(poly):
            buckets.setdefault(c, []).append(poly)

    # sides of the market first (shops face the square), then streets by distance
    sides = []
    ring_m = list(market.exterior.coords)
    for a, b in itertools.pairwise(ring_m):
        sides.append((0.0, LineString([a, b]), 1, "Markt"))
    for ln, t in streets:
        if t["highway"] in ("trunk", "secondary", "tertiary"):
            continue
        mid = np.hypot(*(np.array(ln.interpolate(0.5, normalized=True).coords[0]) - CENTRE))
        sides.append((mid, ln, 1, t["name"]))
        sides.append((mid, ln, -1, t["name"]))
    sides.sort(key=lambda s: (s[0], s[3], s[2]))
    order = sorted(MIX)
    shares = np.array([MIX[s] for s in order])
    n_made = 0
    shop_sides = int(0.6 * len(sides))  # the rest, further out, are homes
    for side_no, (dist, line, side, street) in enumerate(sides):
        # the market's outline runs anticlockwise: its outside is on the right (-1)
        side_here = -1 if street == "Markt" else side
        s = 6.0 if street == "Markt" else 7.0
        end = line.length - (2.0 if street == "Markt" else 7.0)
        is_shop_street = n_made < n_premises and side_no < shop_sides
        while s < end:
            if is_shop_street and n_made < n_premises:
                big = rng.random() < 0.03
                width = rng.uniform(24, 30) if big else rng.uniform(10.5, 13.5)
                depth = rng.uniform(26, 34) if big else rng.uniform(12, 22)
                shared = not big and rng.random() < 0.12
                if shared:
                    width = rng.uniform(19, 23)
            else:
                big, shared = False, False
                width, depth = rng.uniform(16, 28), rng.uniform(10, 16)
            if s + width > end:
                break
            setback = 3.0 if street == "Markt" else 4.0
            lot = None
            for scale in (1.0, 0.75, 0.5, 0.35):  # shallower lots where the block is narrow
                lot = _lot(line, s, width, depth * scale, setback, side_here)
                if lot is not None and free(lot):
                    break
                lot = None
            if lot is None:
                s += 3.0
                continue
            s += width + rng.uniform(0.3, 1.5)
            take(lot)
            if is_shop_street and n_made < n_premises:
                n_shops = 2 if shared else 1
                n_shops = min(n_shops, n_premises - n_made)
                btags = {"building": "retail"}
                if rng.random() < 0.35:
                    btags["building:flats"] = str(int(rng.integers(1, 4)))
                town.features.append(Feature("building", lot, btags))
                town.premises_floor_m2 += lot.area
                front = np.array(lot.exterior.coords[:2])
                inward = np.array(lot.exterior.coords[3]) - front[0]
                inward /= np.hypot(*inward)
                for q in range(n_shops):
                    t = (q + 0.5) / n_shops
                    pt = front[0] + t * (front[1] - front[0]) + inward * 2.0
                    town.features.append(Feature("premises", Point(np.round(pt, 2)),
                                                 _premises_tags(rng, order, shares, big, dist,
                                                                radius)))
                n_made += n_shops
            else:
                kind = "terrace" if rng.random() < 0.4 else "apartments"
                btags = {"building": kind}
                if kind == "apartments" and rng.random() < 0.5:
                    btags["building:flats"] = str(int(rng.integers(4, 13)))
                elif kind == "apartments":
                    btags["building:levels"] = str(int(rng.integers(2, 5)))
                town.features.append(Feature("building", lot, btags))

    if n_made < n_premises:
        return make_town(n_premises, seed=seed, name=name, radius_m=radius * 1.1)

    # 7. entry points
    town.features.append(Feature("entry", Point(np.round(station + np.array([0, 14]), 2)),
                                 {"railway": "station", "public_transport": "station",
                                  "train": "yes", "name": name.capitalize()}))
    town.features.append(Feature("entry", Point(np.round(station + np.array([-18, -18]), 2)),
                                 {"highway": "bus_stop", "name": f"{name.capitalize()}, Station"}))
    n_parks = 1 + round(math.sqrt(n_premises / 40.0))
    for p in range(n_parks):
        angle = 2.3 + p * 2 * math.pi / n_parks
        d = np.array([math.cos(angle), math.sin(angle)])
        at = np.array(
            ring_line.interpolate(ring_line.project(Point(CENTRE + d * ring_r))).coords[0])
        c = at + d * 38.0
        poly = Polygon(np.round(c + np.array([[-30, -22], [30, -22], [30, 22], [-30, 22]]), 2))
        cap = int(rng.integers(18, 45)) * 10
        town.features.append(Feature("entry", poly, {
            "amenity": "parking", "parking": "multi-storey" if p % 2 else "surface",
            "capacity": str(cap), "name": f"P {gates[(p * 3) % 8]}"}))
        if p == 0:
            town.features.append(Feature("entry", Point(np.round(at - d * 2 + [6, 6], 2)),
                                         {"highway": "bus_stop", "name": f"{gates[0]}"}))
    bike = centre + np.array([half[0] * 0.5, -half[1] + 4.0])
    town.features.append(Feature("entry", Point(np.round(bike, 2)), {
        "amenity": "bicycle_parking", "capacity": str(int(rng.integers(40, 80)) * 10),
        "covered": "yes", "name": "Fietsenstalling Markt"}))
    rack = np.round(centre + np.array([-half[0] + 3, 3.0]), 2)
    town.features.append(Feature("entry", Point(rack), {"amenity": "bicycle_parking",
                                                         "capacity": "12"}))

    # 8. counting points on the busiest streets (edges nearest the market), core, area
    main = sorted((ln.distance(Point(centre)), t["name"], i)
                  for i, (ln, t) in enumerate(streets) if t["highway"] == "pedestrian")
    seen, n_counts = set(), min(9, 2 + n_premises // 60)
    for _, street, i in main:
        ln = streets[i][0]
        if street in seen or len(town.counts) >= n_counts:
            continue
        seen.add(street)
        pt = ln.interpolate(0.5, normalized=True)
        town.counts.append((street, Point(np.round(pt.coords[0], 2))))
    inner = [f.geometry for f in town.features if f.role == "premises"]
    inner.sort(key=lambda p: p.distance(Point(centre)))
    hull = shapely.MultiPoint(inner[: max(8, int(0.6 * len(inner)))]).convex_hull
    town.core = shapely.Polygon(np.round(np.array(hull.buffer(15.0, quad_segs=2)
                                                  .exterior.coords), 2))
    everything = shapely.union_all([f.geometry for f in town.features if f.role != "street"]
                                   + [ring_line])
    minx, miny, maxx, maxy = everything.bounds
    town.area = shapely.box(round(minx - 30, 2), round(miny - 30, 2), round(maxx + 30, 2),
                            round(maxy + 30, 2))
    _number(town)
    return town


def _premises_tags(rng, order, shares, big, dist, radius) -> dict[str, str]:
    vacant = rng.random() < VACANT_SHARE * (0.6 + dist / max(radius, 1.0))
    if big:
        return ({"shop": "department_store", "name": f"Warenhuis {rng.choice(FAMILY)}"}
                if rng.random() < 0.5 else
                {"shop": "supermarket", "name": f"Supermarkt {rng.choice(FAMILY)}"})
    if vacant:
        was = rng.choice([v for _, v, _ in KINDS["comparison"]])
        return {"disused:shop": str(was)} if rng.random() < 0.5 else {"shop": "vacant"}
    if rng.random() < 0.02:
        return {"shop": "yes", "name": f"Winkel {rng.choice(FAMILY)}"}
    sector = order[int(rng.choice(len(order), p=shares))]
    key, value, pattern = KINDS[sector][int(rng.integers(len(KINDS[sector])))]
    return {key: value, "name": pattern.format(f=rng.choice(FAMILY))}


def _number(town: TownData) -> None:
    """OSM ids: nodes for point features, ways for lines and polygons, in drawing order."""
    n_node, n_way = 100, 1000
    for f in town.features:
        if f.geometry.geom_type == "Point":
            n_node += 1
            f.osm_id = f"node/{n_node}"
        else:
            n_way += 1
            f.osm_id = f"way/{n_way}"


# ------------------------------------------------------------------------------ writers
def osm_xml(town: TownData) -> str:
    """The town as OSM XML: shared nodes for shared vertices, WGS84 to nine decimals."""
    to_wgs = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    node_ids: dict[tuple[float, float], int] = {}
    vertex_nodes: list[tuple[int, float, float]] = []
    next_id = [10_000]

    def node_for(xy) -> int:
        key = (round(float(xy[0]), 2), round(float(xy[1]), 2))
        if key not in node_ids:
            next_id[0] += 1
            node_ids[key] = next_id[0]
            lon, lat = to_wgs.transform(*key)
            vertex_nodes.append((next_id[0], lon, lat))
        return node_ids[key]

    def tags_xml(tags: dict[str, str], indent: str) -> str:
        return "".join(f"{indent}<tag k={quoteattr(k)} v={quoteattr(v)}/>\n"
                       for k, v in tags.items())

    point_nodes, ways = [], []
    for f in town.features:
        ident = int(f.osm_id.split("/")[1])
        if f.geometry.geom_type == "Point":
            lon, lat = to_wgs.transform(f.geometry.x, f.geometry.y)
            point_nodes.append(f'  <node id="{ident}" lat="{lat:.9f}" lon="{lon:.9f}">\n'
                               + tags_xml(f.tags, "    ") + "  </node>\n")
            continue
        coords = (list(f.geometry.exterior.coords) if f.geometry.geom_type == "Polygon"
                  else list(f.geometry.coords))
        refs = [node_for(c) for c in coords]
        nds = "".join(f'    <nd ref="{r}"/>\n' for r in refs)
        ways.append(f'  <way id="{ident}">\n' + nds + tags_xml(f.tags, "    ") + "  </way>\n")
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           '<osm version="0.6" generator="binnenstad tests/data/make_towns.py">\n']
    out += point_nodes
    out += [f'  <node id="{i}" lat="{lat:.9f}" lon="{lon:.9f}"/>\n' for i, lon, lat in vertex_nodes]
    out += ways
    out.append("</osm>\n")
    return "".join(out)


def layers(town: TownData) -> dict[str, gpd.GeoDataFrame]:
    """The town as GeoPackage layers in RD metres (OSM tags as columns, entries with ``kind``)."""
    def frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)

    by_role: dict[str, list[Feature]] = {}
    for f in town.features:
        by_role.setdefault(f.role, []).append(f)
    keys = {"street": ["highway", "name", "foot"], "square": ["highway", "area", "place", "name"],
            "building": ["building", "building:flats", "building:levels"],
            "premises": ["shop", "amenity", "leisure", "tourism", "disused:shop", "name"]}
    out = {}
    for role, layer in (("street", "streets"), ("square", "squares"), ("building", "buildings"),
                        ("premises", "premises")):
        rows = [{"osm_id": f.osm_id, **{k: f.tags.get(k) for k in keys[role]}}
                for f in by_role[role]]
        out[layer] = frame(rows, [f.geometry for f in by_role[role]])
    rows = []
    for f in by_role["entry"]:
        t = f.tags
        kind = ("station" if "railway" in t else "bus_stop" if t.get("highway") == "bus_stop"
                else "car_park" if t.get("amenity") == "parking" else "bike_park")
        rows.append({"osm_id": f.osm_id, "kind": kind, "name": t.get("name"),
                     "capacity": float(t["capacity"]) if "capacity" in t else None})
    out["entries"] = frame(rows, [f.geometry for f in by_role["entry"]])
    out["counts"] = frame([{"name": n} for n, _ in town.counts], [p for _, p in town.counts])
    out["core"] = frame([{"name": "kernwinkelgebied"}], [town.core])
    out["area"] = frame([{"name": "study area"}], [town.area])
    return out


def write(town: TownData, out_dir: Path) -> tuple[Path, Path]:
    """Write ``<name>.osm`` and ``<name>.gpkg`` into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    osm = out_dir / f"{town.name}.osm"
    osm.write_text(osm_xml(town), encoding="utf-8")
    gpkg = out_dir / f"{town.name}.gpkg"
    gpkg.unlink(missing_ok=True)
    for layer, gdf in layers(town).items():
        gdf.to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio")
    return osm, gpkg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--premises", type=int, default=150, help="about how many premises")
    parser.add_argument("--name", default="oudestad")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    town = make_town(args.premises, seed=args.seed, name=args.name)
    for path in write(town, args.out):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()

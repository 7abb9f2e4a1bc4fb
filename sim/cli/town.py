"""The ``town`` command: ``town import`` builds a town folder from a municipality's geodata."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sim.cli.common import (
    EXIT_OK,
    PROG,
    Formatter,
    UsageError,
    debug_flag,
    positive_int,
)


def add_town(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "town",
        help="build a town from a municipality's geodata (town import)",
        description="Work with towns. 'town import' builds a town folder from geodata files "
        "(OpenStreetMap XML, GeoPackage, GeoJSON, Shapefile): see docs/own-town.md.",
        formatter_class=Formatter,
    )
    actions = parser.add_subparsers(dest="town_command", metavar="ACTION", title="actions")
    imp = actions.add_parser(
        "import",
        help="build a town folder from geodata files",
        description="Build a town from geodata and write a town folder: town.yaml, map.txt, "
        "premises.csv, dwellings.csv, entries.csv, counts.csv, dropped.csv, geometry/*.geojson "
        "and preview.png; print a summary. Each SOURCE supplies the roles it can: an OSM file "
        "(.osm) its streets, squares, premises, buildings, dwellings and entry points by their "
        "tags; a GeoPackage the layers named streets, squares, premises, buildings, dwellings, "
        "entries, counts, core, area (or the BAG's verblijfsobject and pand). A role option "
        "(FILE or FILE:LAYER) names the source of one role. Needs the optional extra 'geo'.",
        epilog="examples:\n"
        "  binnenstad town import tests/data/oudestad.gpkg --out towns/oudestad\n"
        "  binnenstad town import tests/data/oudestad.osm --counts tests/data/oudestad.gpkg:counts "
        "\\\n      --core tests/data/oudestad.gpkg:core --area tests/data/oudestad.gpkg:area "
        "--out towns/oudestad\n"
        "  binnenstad town import centrum.osm --premises bag.gpkg:verblijfsobject "
        "--dwellings bag.gpkg:verblijfsobject \\\n      --bbox 208200,473600,209400,474500 "
        "--out towns/mijnstad\n\n"
        "exit status: 0 ok, 2 bad geodata (one line: file, layer, feature)",
        formatter_class=Formatter,
    )
    debug_flag(imp)
    imp.add_argument("sources", nargs="*", metavar="SOURCE",
                     help="geodata files whose roles follow from their tags or layer names")
    for role, text in (
        ("streets", "streets and squares (lines; polygons are squares)"),
        ("squares", "squares and pedestrian areas (polygons)"),
        ("premises", "premises: points or polygons with a use"),
        ("buildings", "building footprints (floor areas of premises given as points)"),
        ("dwellings", "dwellings: BAG addresses or residential buildings"),
        ("entries", "entry points: station, car parks, bus stops, bike parks"),
        ("counts", "counting points (points with a name)"),
        ("core", "core boundary polygon (kernwinkelgebied)"),
        ("area", "study area polygon"),
    ):
        imp.add_argument(f"--{role}", metavar="FILE[:LAYER]", help=text)
    imp.add_argument("--out", "-o", type=Path, required=True, metavar="DIR",
                     help="the town folder to write")
    imp.add_argument("--name", default=None, help="the town's name (default: the first file's)")
    imp.add_argument("--cell-size", type=metres_between(2.0, 50.0), default=10.0, metavar="M",
                     help="edge of a cell in metres, 2-50 (default: 10, about a shop front)")
    imp.add_argument("--bbox", type=bbox, default=None, metavar="XMIN,YMIN,XMAX,YMAX",
                     help="study area in RD metres (EPSG:28992) if no --area")
    imp.add_argument("--snap", type=metres_between(1.0, 500.0), default=30.0, metavar="M",
                     help="largest distance from a feature to its cell (default: 30)")
    imp.add_argument("--min-bike-capacity", type=positive_int, default=50, metavar="N",
                     help="smallest bike park that counts as an entry point (default: 50)")
    imp.add_argument("--no-preview", action="store_true", help="do not draw preview.png")
    imp.set_defaults(town_handler=cmd_town_import)
    return parser


def metres_between(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a number of metres (got {text!r})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be between {low:g} and {high:g} m (got {value:g})")
        return value

    return parse


def bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not (values[0] < values[2] and values[1] < values[3]):
        raise argparse.ArgumentTypeError(
            f"must be XMIN,YMIN,XMAX,YMAX in RD metres with XMIN < XMAX, YMIN < YMAX "
            f"(got {text!r})")
    return values  # type: ignore[return-value]


def cmd_town(args: argparse.Namespace) -> int:
    handler = getattr(args, "town_handler", None)
    if handler is None:
        raise UsageError(f"choose an action: import (see '{PROG} town --help')")
    return handler(args)


def cmd_town_import(args: argparse.Namespace) -> int:
    try:
        from sim.town.importer import ImportSpec, import_town, summary_text
        from sim.town.townfile import write_town_folder
    except ImportError as err:
        raise UsageError(f"town import needs the optional extra 'geo': pip install "
                         f"-e '.[geo]' ({err})") from None
    roles = {role: getattr(args, role) for role in (
        "streets", "squares", "premises", "buildings", "dwellings", "entries", "counts", "core",
        "area") if getattr(args, role) is not None}
    if not args.sources and not roles:
        raise UsageError("give geodata files: SOURCE ... or --streets/--premises FILE")
    spec = ImportSpec(sources=list(args.sources), roles=roles, name=args.name,
                      cell_size_m=args.cell_size, bbox=args.bbox, snap_m=args.snap,
                      min_bike_capacity=args.min_bike_capacity)
    from sim.files import check_out_dir, folder_lock

    check_out_dir(args.out)
    imported = import_town(spec)
    with folder_lock(args.out, "town import"):
        out = write_town_folder(imported, args.out, preview=not args.no_preview)
    sys.stdout.write(summary_text(imported, out))
    return EXIT_OK

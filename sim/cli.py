"""The ``binnenstad`` command line: check scenario files and run them.

Each subcommand is a pair of functions: ``_add_<name>(subparsers)`` declares its arguments and
``_cmd_<name>(args) -> int`` does the work; :data:`COMMANDS` lists them in help order. Add
``compare``, ``schema``, ``show``, ``experiment``, ``app`` or ``town`` the same way.

Exit status: 0 success, 1 internal error (a bug), 2 bad input (scenario, map or command line),
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from sim import __version__
from sim.errors import ScenarioError
from sim.kernels import parallel

PROG = "binnenstad"
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A bad command line; printed as ``binnenstad: error: ...``."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, raised rather than printed."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


_Formatter = argparse.RawDescriptionHelpFormatter  # keep the layout of the examples


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {value})")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1 (got {value})")
    return value


def _debug_flag(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's unset flag must not hide one given before the subcommand.
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show the full traceback of errors",
    )


# ---------------------------------------------------------------------------- validate
def _add_validate(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "validate",
        help="check scenario files and their maps",
        description="Check scenario files: YAML syntax, every key and value against the schema, "
        "and the town map. Prints one line per file: 'ok' with the size of the town, or the "
        "first problem as FILE:LINE: key.path: what is wrong.",
        epilog="examples:\n"
        "  binnenstad validate scenarios/baseline.yaml\n"
        "  binnenstad validate scenarios/*.yaml\n\n"
        "exit status: 0 if every file is valid, 2 otherwise",
        formatter_class=_Formatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    return parser


def _cmd_validate(args: argparse.Namespace) -> int:
    from sim.scenario.loading import build_town, load_scenario

    status = EXIT_OK
    for file in args.files:
        try:
            scenario = load_scenario(file)
            town = build_town(scenario)
        except ScenarioError as err:
            if getattr(args, "debug", False):
                traceback.print_exc()
            print(err, file=sys.stderr)
            status = EXIT_USAGE
            continue
        print(
            f"{file}: ok (scenario {scenario.name}, {town.n_premises} premises, "
            f"{len(town.dwelling_xy)} dwelling{'' if len(town.dwelling_xy) == 1 else 's'})"
        )
    return status


# --------------------------------------------------------------------------------- run
def _add_run(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "run",
        help="run a scenario and write its outputs",
        description="Run a scenario for its warm-up and horizon, once or as seeded "
        "replications, and write the outputs (tables, figures, the scenario as run) to a "
        "folder.",
        epilog="examples:\n"
        "  binnenstad run scenarios/baseline.yaml\n"
        "  binnenstad run scenarios/baseline.yaml --replications 20 --seed 1 --out results/b20\n"
        "  binnenstad run scenarios/baseline.yaml --set population.agents=2000 "
        "--set years=2\n\n"
        "--set takes key.path=value with the value written as in YAML; list items by number:\n"
        "  --set economy.online_share.daily[0].share=0.1",
        formatter_class=_Formatter,
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "--replications", "-r", type=_positive_int, default=1, metavar="N",
        help="number of seeded replications, >= 1 (default: 1)",
    )
    parser.add_argument(
        "--seed", type=_seed, default=None, metavar="S",
        help="master seed; replications derive their seeds from it (default: the scenario's "
        "seed)",
    )
    parser.add_argument(
        "--out", "-o", type=Path, default=None, metavar="DIR",
        help="output folder (default: results/<scenario name>/)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a scenario value; may be repeated",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.runs.output import write_run
    from sim.scenario.loading import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    out_dir = args.out if args.out is not None else Path("results") / scenario.name
    written = write_run(
        scenario, out_dir, replications=args.replications, seed=args.seed,
        progress=not args.quiet,
    )
    print(f"{scenario.name}: outputs in {written}")
    return EXIT_OK


# -------------------------------------------------------------------------- experiment
def _add_experiment(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "experiment",
        help="run a parameter sweep, replication study or sensitivity analysis",
        description="Run an experiment file (experiments/*.yaml): every design point of its "
        "uncertainties and levers, times its replications. Each run is stored as one Parquet "
        "file the moment it finishes; results.parquet, results.csv and the analyses "
        "(sensitivity indices, sweep figures) are written at the end. See "
        "docs/experiments.md.",
        epilog="examples:\n"
        "  binnenstad experiment experiments/morris_baseline.yaml --workers 2\n"
        "  binnenstad experiment experiments/morris_baseline.yaml --resume\n"
        "  binnenstad experiment experiments/x.yaml --scheduler tcp://10.0.0.5:8786\n\n"
        "exit status: 0 every run done, 1 some runs failed (recorded in manifest.json) or an "
        "internal error, 2 bad input, 130 interrupted (rerun with --resume)",
        formatter_class=_Formatter,
    )
    parser.add_argument("spec", metavar="SPEC", help="experiment YAML file")
    parser.add_argument(
        "--out", "-o", type=Path, default=None, metavar="DIR",
        help="experiment folder, the run store (default: results/experiments/<name>/)",
    )
    parser.add_argument(
        "--workers", "-w", type=_positive_int, default=None, metavar="N",
        help="local worker processes, one run each at a time (default: one per CPU core; "
        "1 runs in this process)",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786 (needs the 'cluster' extra); "
        "--workers is then ignored",
    )
    parser.add_argument(
        "--resume", action="store_true",
        help="continue an experiment in DIR: keep every stored run, run only the rest",
    )
    parser.add_argument(
        "--retry-failed", action="store_true",
        help="with --resume, also run the runs that failed before",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def _cmd_experiment(args: argparse.Namespace) -> int:
    import os

    from sim.runs.experiments import load_experiment, run_experiment

    if args.retry_failed and not args.resume:
        raise UsageError("--retry-failed needs --resume")
    exp = load_experiment(args.spec)
    out_dir = args.out if args.out is not None else Path("results") / "experiments" / exp.spec.name
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    counts = run_experiment(
        exp, out_dir, workers=workers, scheduler=args.scheduler, resume=args.resume,
        retry_failed=args.retry_failed, progress=not args.quiet,
    )
    print(f"{exp.spec.name}: {counts['done']} runs done, {counts['failed']} failed; "
          f"results in {out_dir}")
    return EXIT_OK if counts["failed"] == 0 else EXIT_INTERNAL


def _add_collect(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "collect",
        help="assemble an experiment's results and analyses from its stored runs",
        description="Assemble results.parquet and results.csv (one row per run and outcome "
        "time) and the analyses from the runs stored in an experiment folder, complete or "
        "not.",
        epilog="example:\n  binnenstad collect results/experiments/morris_baseline",
        formatter_class=_Formatter,
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="experiment folder")
    parser.add_argument("--no-analysis", action="store_true", help="only the results tables")
    return parser


def _cmd_collect(args: argparse.Namespace) -> int:
    from sim.runs.store import collect

    results, counts = collect(args.folder, analyse=not args.no_analysis)
    print(f"{args.folder}: {len(results)} rows from {counts['done']} runs "
          f"({counts['failed']} failed, {counts['pending']} not run)")
    return EXIT_OK


# ----------------------------------------------------------------------------- compare
def _add_compare(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "compare",
        help="compare scenarios with a baseline: paired replications, effects, report",
        description="Run a baseline ('do nothing') and one or more scenarios, each N times "
        "with paired seeds: replication i of every scenario uses the same seed and random "
        "streams, so differences come from the intervention, not from chance. Writes "
        "timeseries.csv, summary.csv (median and 90% interval per scenario and metric at 1, 3, "
        "5 years and the horizon, and the paired effect against the baseline), "
        "cost_effectiveness.csv, figures/, a self-contained report.html and, last, "
        "manifest.json.",
        epilog="examples:\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml "
        "scenarios/biz.yaml -r 50 --out results/agenda\n"
        "  binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml -r 5 "
        "--set years=2 --set population.agents=3000\n\n"
        "--set applies to every scenario (the baseline too).\n"
        "Results are identical for any --workers; the progress bar counts runs.",
        formatter_class=_Formatter,
    )
    parser.add_argument("baseline", metavar="BASELINE", help="the baseline scenario file")
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                        help="scenario files to compare with the baseline")
    parser.add_argument(
        "--replications", "-r", type=_positive_int, default=30, metavar="N",
        help="replications per scenario, >= 1 (default: 30)",
    )
    parser.add_argument(
        "--seed", type=_seed, default=None, metavar="S",
        help="master seed of the paired replications (default: the baseline's seed)",
    )
    parser.add_argument(
        "--out", "-o", type=Path, default=None, metavar="DIR",
        help="output folder (default: results/compare/)",
    )
    parser.add_argument(
        "--workers", "-w", type=_positive_int, default=None, metavar="N",
        help="worker processes (default: all cores); results do not depend on it",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a value in every scenario; may be repeated",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser


def _cmd_compare(args: argparse.Namespace) -> int:
    import datetime as dt

    from sim.runs.compare import clear_outputs, run_comparison, write_comparison
    from sim.scenario.loading import load_scenario

    baseline = load_scenario(args.baseline, args.overrides)
    scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]
    out_dir = args.out if args.out is not None else Path("results") / "compare"
    started = dt.datetime.now(dt.UTC)
    clear_outputs(out_dir)  # an interrupted comparison must not leave an old one looking new
    comparison = run_comparison(
        baseline, scenarios, replications=args.replications, seed=args.seed,
        workers=args.workers, progress=not args.quiet, overrides=args.overrides,
    )
    report = write_comparison(comparison, out_dir, started=started)
    print(f"report: {report}")
    return EXIT_OK


# ------------------------------------------------------------------------------ schema
def _add_schema(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "schema",
        help="write the JSON Schema (or Markdown reference) of scenario files",
        description="Write the JSON Schema of scenario files, for editors that complete and "
        "check YAML while typing (see README.md), or with --markdown the scenario reference "
        "(docs/scenarios.md): every key with its default, unit, range and source.",
        epilog="examples:\n"
        "  binnenstad schema > scenario.schema.json\n"
        "  binnenstad schema --out docs/scenario.schema.json\n"
        "  binnenstad schema --markdown --out docs/scenarios.md",
        formatter_class=_Formatter,
    )
    parser.add_argument("--markdown", action="store_true",
                        help="the Markdown reference instead of the JSON Schema")
    parser.add_argument("--out", "-o", type=Path, default=None, metavar="FILE",
                        help="write to FILE instead of standard output")
    return parser


def _cmd_schema(args: argparse.Namespace) -> int:
    from sim.scenario.reference import json_schema_text, markdown

    text = markdown() if args.markdown else json_schema_text()
    if args.out is None:
        sys.stdout.write(text)
    else:
        from sim.files import atomic_write_text

        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    return EXIT_OK


# -------------------------------------------------------------------------------- show
def _add_show(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "show",
        help="print a scenario fully resolved, and how it differs from the file it extends",
        description="Print the scenario as the model sees it: after `extends` and --set, with "
        "every default filled in, as YAML. Then, as YAML comments, every setting in which it "
        "differs from the file it extends.",
        epilog="examples:\n"
        "  binnenstad show scenarios/agenda.yaml\n"
        "  binnenstad show scenarios/baseline.yaml --set years=2 > my.yaml",
        formatter_class=_Formatter,
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a scenario value; may be repeated",
    )
    return parser


def _cmd_show(args: argparse.Namespace) -> int:
    from sim.scenario.reference import show_text

    sys.stdout.write(show_text(args.scenario, args.overrides))
    return EXIT_OK


# --------------------------------------------------------------------------------- app
def _add_app(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "app",
        help="the live city centre in the browser (Mesa SolaraViz)",
        description="Start the browser app: the map of the centre, live charts and counters, "
        "a scenario picker, sliders for the main uncertainties, switches for the "
        "instruments and a with/without comparison. Each browser tab gets its own model. "
        "Needs the optional extra 'app' (pip install 'binnenstad[app]'). Lessons for "
        "classes: docs/lessons.md.",
        epilog="examples:\n"
        "  binnenstad app                      # then open http://127.0.0.1:8765/\n"
        "  binnenstad app --port 9000 --scenario scenarios/corona.yaml\n"
        "  binnenstad app --set population.agents=6000   # a lighter model for old laptops\n\n"
        "The server listens on 127.0.0.1 (this computer only) unless --host says otherwise.\n"
        "exit status: 0 when the server stops, 2 bad input (scenario, folder, address)",
        formatter_class=_Formatter,
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this computer only)")
    parser.add_argument("--port", type=_port, default=8765, help="TCP port (default: 8765)")
    parser.add_argument(
        "--scenarios", type=Path, default=Path("scenarios"), metavar="DIR",
        help="folder whose scenario files (*.yaml) the picker offers (default: scenarios)",
    )
    parser.add_argument(
        "--scenario", type=Path, default=None, metavar="FILE",
        help="scenario shown first (default: baseline.yaml in the folder, else the first)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a value in every scenario the app loads; may be repeated",
    )
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535 (got {value})")
    return value


def _cmd_app(args: argparse.Namespace) -> int:
    try:
        from sim.present.app.server import AppError, serve
    except ImportError as err:
        raise UsageError(f"the app needs the optional extra 'app': pip install "
                         f"'binnenstad[app]' ({err})") from None
    try:
        serve(args.host, args.port, args.scenarios, args.scenario, args.overrides)
    except AppError as err:
        raise UsageError(str(err)) from None
    return EXIT_OK


# -------------------------------------------------------------------------------- town
def _add_town(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "town",
        help="build a town from a municipality's geodata (town import)",
        description="Work with towns. 'town import' builds a town folder from geodata files "
        "(OpenStreetMap XML, GeoPackage, GeoJSON, Shapefile): see docs/own-town.md.",
        formatter_class=_Formatter,
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
        formatter_class=_Formatter,
    )
    _debug_flag(imp)
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
    imp.add_argument("--cell-size", type=_metres_between(2.0, 50.0), default=10.0, metavar="M",
                     help="edge of a cell in metres, 2-50 (default: 10, about a shop front)")
    imp.add_argument("--bbox", type=_bbox, default=None, metavar="XMIN,YMIN,XMAX,YMAX",
                     help="study area in RD metres (EPSG:28992) if no --area")
    imp.add_argument("--snap", type=_metres_between(1.0, 500.0), default=30.0, metavar="M",
                     help="largest distance from a feature to its cell (default: 30)")
    imp.add_argument("--min-bike-capacity", type=_positive_int, default=50, metavar="N",
                     help="smallest bike park that counts as an entry point (default: 50)")
    imp.add_argument("--no-preview", action="store_true", help="do not draw preview.png")
    imp.set_defaults(town_handler=_cmd_town_import)
    return parser


def _metres_between(low: float, high: float) -> Callable[[str], float]:
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


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not (values[0] < values[2] and values[1] < values[3]):
        raise argparse.ArgumentTypeError(
            f"must be XMIN,YMIN,XMAX,YMAX in RD metres with XMIN < XMAX, YMIN < YMAX "
            f"(got {text!r})")
    return values  # type: ignore[return-value]


def _cmd_town(args: argparse.Namespace) -> int:
    handler = getattr(args, "town_handler", None)
    if handler is None:
        raise UsageError(f"choose an action: import (see '{PROG} town --help')")
    return handler(args)


def _cmd_town_import(args: argparse.Namespace) -> int:
    try:
        from sim.town.importer import ImportSpec, import_town, summary_text
        from sim.town.townfile import write_town_folder
    except ImportError as err:
        raise UsageError(f"town import needs the optional extra 'geo': pip install "
                         f"'binnenstad[geo]' ({err})") from None
    roles = {role: getattr(args, role) for role in (
        "streets", "squares", "premises", "buildings", "dwellings", "entries", "counts", "core",
        "area") if getattr(args, role) is not None}
    if not args.sources and not roles:
        raise UsageError("give geodata files: SOURCE ... or --streets/--premises FILE")
    spec = ImportSpec(sources=list(args.sources), roles=roles, name=args.name,
                      cell_size_m=args.cell_size, bbox=args.bbox, snap_m=args.snap,
                      min_bike_capacity=args.min_bike_capacity)
    imported = import_town(spec)
    out = write_town_folder(imported, args.out, preview=not args.no_preview)
    sys.stdout.write(summary_text(imported, out))
    return EXIT_OK


# ------------------------------------------------------------------------------ parser
Command = tuple[Callable[..., argparse.ArgumentParser], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, Command] = {
    "validate": (_add_validate, _cmd_validate),
    "run": (_add_run, _cmd_run),
    "compare": (_add_compare, _cmd_compare),
    "show": (_add_show, _cmd_show),
    "schema": (_add_schema, _cmd_schema),
    "experiment": (_add_experiment, _cmd_experiment),
    "collect": (_add_collect, _cmd_collect),
    "app": (_add_app, _cmd_app),
    "town": (_add_town, _cmd_town),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand in :data:`COMMANDS`."""
    parser = _Parser(
        prog=PROG,
        description="binnenstad: an agent-based model of a Dutch city centre's shops, visitors "
        "and vacancy (Mesa). Scenarios are YAML files; see README.md and docs/ODD.md.",
        epilog="examples:\n"
        "  binnenstad validate scenarios/*.yaml\n"
        "  binnenstad run scenarios/baseline.yaml --replications 20\n"
        "  binnenstad run --help\n\n"
        "exit status: 0 ok, 1 internal error, 2 bad input, 130 interrupted",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _debug_flag(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for add, handler in COMMANDS.values():
        command = add(sub)
        _debug_flag(command)
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` if None.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:  # --help, --version
            return exit_.code if isinstance(exit_.code, int) else EXIT_OK
        debug = getattr(args, "debug", False)
        if args.command is None:
            raise UsageError(f"choose a command: {', '.join(COMMANDS)} (see '{PROG} --help')")
        parallel.threads()  # a bad BINNENSTAD_THREADS fails here, not in every worker's run
        return args.handler(args)
    except UsageError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ScenarioError as err:
        if debug:
            traceback.print_exc()
        print(err, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:
        if debug:
            traceback.print_exc()
        detail = " ".join(str(err).split())
        print(
            f"{PROG}: internal error: {type(err).__name__}: {detail} "
            "(rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL

"""Speed of ``binnenstad town import``: prints one JSON line per town and source format.

Makes the project's test towns of about 30, 150 and 1,500 premises (tests/data/make_towns.py)
in a temporary folder and imports each as a GeoPackage and as OSM XML (counting points, core
and study area from the GeoPackage, as docs/own-town.md shows), in a fresh interpreter per
import so that each figure includes what a user waits for:

* ``seconds``: the whole command (``binnenstad town import ...``), interpreter start and the
  import of the geodata libraries included;
* ``import_seconds``: reading, rasterising, placing and writing the town folder (preview
  included), measured inside the process.

Goal (issue 14): the 150-premises town in under 10 s. Needs the ``geo`` extra.

Usage: ``python benchmarks/bench_import.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (30, 150, 1500)

CHILD = """
import sys, time, json
t0 = time.perf_counter()
from sim.town.importer import ImportSpec, import_town
from sim.town.townfile import write_town_folder
t1 = time.perf_counter()
spec = ImportSpec(**json.loads(sys.argv[1]))
town = import_town(spec)
write_town_folder(town, sys.argv[2])
t2 = time.perf_counter()
print(json.dumps({"library_seconds": round(t1 - t0, 2), "import_seconds": round(t2 - t1, 2),
                  "premises": len(town.premises), "cells": int(town.grid.width *
                  town.grid.height)}))
"""


def _generator():
    """The project's test-town generator, ``tests/data/make_towns.py`` (imported as
    ``tests.data.make_towns`` from the repository)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.data import make_towns

    return make_towns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="imports per town and format")
    args = parser.parse_args()
    gen = _generator()
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            town = gen.make_town(n, name=f"town{n}")
            osm, gpkg = gen.write(town, Path(tmp))
            specs = {
                "gpkg": {"sources": [str(gpkg)]},
                "osm": {"sources": [str(osm)], "roles": {
                    "counts": f"{gpkg}:counts", "core": f"{gpkg}:core",
                    "area": f"{gpkg}:area"}},
            }
            for fmt, spec in specs.items():
                runs = []
                for r in range(args.repeat):
                    out = Path(tmp) / f"out{n}_{fmt}_{r}"
                    t0 = time.perf_counter()
                    proc = subprocess.run(
                        [sys.executable, "-c", CHILD, json.dumps(spec), str(out)],
                        check=True, capture_output=True, text=True, cwd=ROOT)
                    wall = time.perf_counter() - t0
                    runs.append({**json.loads(proc.stdout.strip().splitlines()[-1]),
                                 "seconds": round(wall, 2)})
                best = min(runs, key=lambda x: x["seconds"])
                print(json.dumps({
                    "town": f"{n} premises", "format": fmt, "premises": best["premises"],
                    "cells": best["cells"],
                    "seconds_min": best["seconds"],
                    "seconds_max": max(x["seconds"] for x in runs),
                    "import_seconds_min": min(x["import_seconds"] for x in runs),
                    "library_seconds_min": min(x["library_seconds"] for x in runs),
                    "goal_s": 10.0 if n == 150 else None,
                }), flush=True)


if __name__ == "__main__":
    main()

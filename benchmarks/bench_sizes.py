"""Towns of any size start the baseline within the calibration ranges (issue 14): prints a table.

Makes the project's test towns of about 30, 150 and 1,500 premises
(``tests/data/make_towns.py``), imports each from its GeoPackage as ``binnenstad town import``
does, and runs ``scenarios/baseline.yaml`` on it (``town: {dir: ...}``, every other parameter
the baseline's) with a few seeded replications; middelstad, the calibrated town, is the
reference. For each town: premises, agents, the mean vacancy over the reported horizon (mean
and range over the replications), shop closures a year and the footfall trend
(:func:`sim.runs.calibration.indicators`, the calibration's measures), against the ranges of
``docs/validation/targets.yaml``: vacancy 8-14%, closures 2-5% a year, footfall -0.5 to -2% a
year. Also prints, per town at set-up, the balancing's visit and rent scales.

A figure for the docs (docs/own-town.md, "Towns of any size"), not a test: the 1,500-premises
town takes about 15 s a replication. Needs the ``geo`` extra.

Usage: ``python benchmarks/bench_sizes.py [--replications 3] [--sizes 30 150 1500]
[--no-middelstad] [--years Y]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZES = (30, 150, 1500)


def _generator():
    """The project's test-town generator, ``tests/data/make_towns.py`` (imported as
    ``tests.data.make_towns`` from the repository)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.data import make_towns

    return make_towns


def _scenario(folder: Path | None, overrides: list[str]):
    from sim.api import load, vary

    base = load(ROOT / "scenarios" / "baseline.yaml")
    if folder is None:
        return vary(base, "middelstad", overrides)
    return vary(base, folder.name, [f"town.dir={folder}", *overrides])


def _row(label: str, scenario, replications: int) -> dict:
    from sim.model.model import CityCentre
    from sim.runs.calibration import TARGETS, indicators
    from sim.runs.output import replication_seeds, run_replication

    model = CityCentre(scenario, seed=1)
    balance = model.residents.balance
    start = {"premises": int(model.premises.floor_m2.size),
             "floor_m2": round(float(model.premises.floor_m2.sum())),
             "agents": len(model.residents.agents),
             "visit_scale": [round(float(s), 2) for s in balance.visit_scale],
             "rent_scale": round(float(model.premises.rent_scale), 2)}
    seeds = replication_seeds(scenario.seed, replications)
    t0 = time.perf_counter()
    per_rep = [indicators(run_replication(scenario, i, s).timeseries.assign(replication=i))
               for i, s in enumerate(seeds)]
    seconds = (time.perf_counter() - t0) / replications
    out = {"town": label, **start, "replications": replications,
           "seconds_per_replication": round(seconds, 1)}
    for key, (low, high) in TARGETS.items():
        values = np.array([p[key] for p in per_rep])
        out[key] = round(float(values.mean()), 4)
        out[f"{key}_min"] = round(float(values.min()), 4)
        out[f"{key}_max"] = round(float(values.max()), 4)
        out[f"{key}_ok"] = bool(low <= values.mean() <= high)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--no-middelstad", action="store_true")
    parser.add_argument("--set", nargs="*", default=[], help="KEY.PATH=VALUE overrides")
    parser.add_argument("--keep", type=Path, help="import the towns into this folder (reused)")
    args = parser.parse_args()
    from sim.town.importer import ImportSpec, import_town
    from sim.town.townfile import write_town_folder

    gen = _generator()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for n in args.sizes:
            folder = base / f"t{n}"
            if not (folder / "town.yaml").exists():
                town = gen.make_town(n, name=f"t{n}")
                _, gpkg = gen.write(town, base / f"src{n}")
                write_town_folder(import_town(ImportSpec(sources=[str(gpkg)])), folder)
            rows.append(_row(f"{n} premises", _scenario(folder, args.set), args.replications))
            print(json.dumps(rows[-1]), flush=True)
        if not args.no_middelstad:
            rows.append(_row("middelstad", _scenario(None, args.set), args.replications))
            print(json.dumps(rows[-1]), flush=True)
    print()
    print("| town | premises | agents | vacancy mean (range) | closures a year | "
          "footfall a year | replications |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['town']} | {r['premises']} | {r['agents']:,} | "
              f"{r['vacancy_rate']:.1%} ({r['vacancy_rate_min']:.1%}-"
              f"{r['vacancy_rate_max']:.1%}) | {r['closure_rate_per_year']:.1%} | "
              f"{r['footfall_trend_per_year']:+.1%} | {r['replications']} |")


if __name__ == "__main__":
    main()

"""How fast the live app updates: model step plus drawing the map and the charts.

Prints one JSON line. For ``middelstad`` (the baseline, 12,000 residents) it times, over the
first year of the reported horizon, each update of a playing app in the server: one model week,
the map painted (:class:`sim.present.app.render.MapPainter`) and the charts drawn
(:class:`sim.present.app.render.ChartPainter`), as PNG bytes. The goal is at least 5 updates a
second
(at most 200 ms an update). The browser adds sending the pictures and SolaraViz's play interval
(21 ms by default).

    python benchmarks/bench_app.py [--compare] [--weeks N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from sim.present.app.live import LiveCentre, Settings
from sim.present.app.render import ChartPainter, MapPainter

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--compare", action="store_true",
                        help="two runs (with and without every instrument), as in comparison "
                        "mode")
    args = parser.parse_args()
    settings = Settings(Path(args.scenario), compare="all" if args.compare else None)
    t0 = time.perf_counter()
    model = LiveCentre(settings)
    build_s = time.perf_counter() - t0
    maps = [MapPainter(r.model) for r in model.runs]
    charts = ChartPainter([(r.label, r.model) for r in model.runs])
    step_ms, draw_ms = [], []
    for _ in range(args.weeks):
        t0 = time.perf_counter()
        model.step()
        t1 = time.perf_counter()
        for m in maps:
            m.png()
        charts.png()
        t2 = time.perf_counter()
        step_ms.append(1e3 * (t1 - t0))
        draw_ms.append(1e3 * (t2 - t1))
    total = [a + b for a, b in zip(step_ms, draw_ms, strict=True)]
    print(json.dumps({
        "scenario": args.scenario, "runs": len(model.runs), "weeks": args.weeks,
        "build_and_warmup_s": round(build_s, 2),
        "step_ms_median": round(statistics.median(step_ms), 1),
        "draw_ms_median": round(statistics.median(draw_ms), 1),
        "update_ms_median": round(statistics.median(total), 1),
        "update_ms_p95": round(sorted(total)[int(0.95 * (len(total) - 1))], 1),
        "updates_per_s": round(1e3 / statistics.mean(total), 1),
    }))


if __name__ == "__main__":
    main()

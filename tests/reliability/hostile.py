"""A corpus of hostile inputs, run through the command line in one process (issue 18).

Run as ``python hostile.py FOLDER``: writes every hostile file into FOLDER (devices and FIFOs
are named, not written), runs each case through :func:`sim.cli.main.main` in this process
with a 10 s alarm, and prints one JSON line per case (its name, exit status, stderr lines and
seconds), then one with the process's peak memory. ``test_fuzz.py`` runs it in a fresh process
so that the peak memory is this corpus's alone.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

TINY_MAP = "#######\n#T...s#\n#.hmm.#\n#######\n"
BOMB = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9) if p else ', '.join(['lol'] * 9)}]\n"
               for p, c in zip(["", *"abcdefgh"], "abcdefghi", strict=True))


class Alarm(BaseException):
    """A case ran past its 10 s."""


def scenario(body: str = "", name: str = "x") -> str:
    return f"name: {name}\nyears: 1\nwarmup_years: 0\ntown:\n  preset: kleinstad\n{body}"


def experiment(design: str, params: str, extra: str = "") -> str:
    return ("name: hostile\nscenario: base.yaml\noutcomes: [vacancy_rate]\n"
            f"uncertainties:\n{params}\ndesign: {design}\n{extra}")


def dense_map(width: int, height: int, premises_every: int) -> str:
    """A connected grid: streets on every third row and every tenth column, premises (every
    ``premises_every``-th cell) and dwellings between them."""
    rows = []
    for y in range(height):
        row = []
        for x in range(width):
            if y % 3 == 0 or x % 10 == 0:
                row.append(".")
            elif y % 3 == 1:
                row.append("s" if x % premises_every == 0 else "h")
            else:
                row.append("#")
        rows.append("".join(row))
    rows[0] = "T" + rows[0][1:]
    return "\n".join(rows) + "\n"


def build(folder: Path) -> list[tuple[str, list[str]]]:
    """Write the corpus into ``folder``; the cases as (name, argv)."""
    def put(name: str, text: str | bytes) -> str:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
        return str(path)

    fifo = folder / "fifo.yaml"
    os.mkfifo(fifo)
    (folder / "a_folder.yaml").mkdir()
    with open(folder / "sparse.yaml", "wb") as fh:  # 50 MB that reads as zeros
        fh.truncate(50 * 2**20)
    put("base.yaml", scenario())
    put("tiny.yaml", "name: tiny\ntown:\n  map: |\n" + "".join(
        f"    {row}\n" for row in TINY_MAP.splitlines()))
    put("other_town.yaml", scenario(name="other").replace("kleinstad", "middelstad"))
    keys = "".join(f"k{i}: 1\n" for i in range(90_000))  # 0.9 MB: 180,000 YAML nodes
    cases: list[tuple[str, list[str]]] = [
        # --- files that are not files, or too large
        ("validate /dev/zero", ["validate", "/dev/zero"]),
        ("validate /dev/urandom", ["validate", "/dev/urandom"]),
        ("validate a FIFO", ["validate", str(fifo)]),
        ("validate a folder", ["validate", str(folder / "a_folder.yaml")]),
        ("validate a 50 MB file", ["validate", str(folder / "sparse.yaml")]),
        ("validate 90,000 keys", ["validate", put("keys.yaml", "name: x\n" + keys)]),
        ("validate 2 MB of keys", ["validate", put("keys2.yaml", keys * 2)]),
        ("a 1 MB description", ["validate", put("plain.yaml", "name: x\ndescription: "
                                                + "ab " * 340_000 + "\n")]),
        ("1 MB of comments", ["validate", put("comments.yaml", "name: x\n"
                                              + ("# " + "c" * 60 + "\n") * 16_000)]),
        ("billion laughs", ["validate", put("bomb.yaml", "name: x\n" + BOMB)]),
        ("nested 100,000 deep", ["validate", put("deep.yaml", "name: x\nd: " + "[" * 100_000)]),
        ("recursive alias", ["validate", put("rec.yaml", "name: x\ndescription: &a [*a]\n")]),
        ("extends /dev/zero", ["validate", put("ext_zero.yaml", "extends: /dev/zero\n")]),
        ("extends a FIFO", ["validate", put("ext_fifo.yaml", f"extends: {fifo}\n")]),
        ("extends itself", ["validate", put("ext_self.yaml", "extends: ext_self.yaml\n")]),
        ("extends /etc/passwd", ["validate", put("ext_pw.yaml", "extends: /etc/passwd\n")]),
        ("map_file /dev/urandom", ["validate", put("map_rand.yaml", "name: x\ntown:\n  "
                                                   "map_file: /dev/urandom\n")]),
        ("map_file a FIFO", ["validate", put("map_fifo.yaml", f"name: x\ntown:\n  map_file: "
                                             f"{fifo}\n")]),
        ("map_file 50 MB", ["validate", put("map_big.yaml", "name: x\ntown:\n  map_file: "
                                            "sparse.yaml\n")]),
        ("map of 1500 x 1500", ["validate", put("map_cells.yaml", "name: x\ntown:\n  map_file: "
                                                + put("cells.txt", ("." * 1500 + "\n") * 1500)
                                                + "\n")]),
        ("map of 15,000 premises", ["validate", put("map_prem.yaml", "name: x\ntown:\n  "
                                                    "map_file: " + put("prem.txt", dense_map(
                                                        300, 150, 1)) + "\n")]),
        ("home districts of one cell", ["validate", put("zones.yaml", "name: x\ntown:\n  "
                                                        "home_zone_cells: 1\n  map_file: "
                                                        + put("zones.txt", dense_map(
                                                            1000, 300, 13)) + "\n")]),
        # --- nonsense values
        ("years: true", ["validate", put("bool.yaml", scenario().replace("years: 1",
                                                                          "years: true"))]),
        ("name: !!binary", ["validate", put("binary.yaml", "name: !!binary aGVsbG8=\n")]),
        ("!!set", ["validate", put("set.yaml", "name: x\ndescription: !!set {a, b}\n")]),
        ("a 5000-digit number", ["validate", put("digits.yaml", "name: x\nseed: "
                                                 + "9" * 5000 + "\n")]),
        ("seed 2**70", ["validate", put("seed.yaml", f"name: x\nseed: {2**70}\n")]),
        ("NaN gross margin", ["validate", put("nan.yaml", scenario(
            "economy:\n  shops:\n    gross_margin: {comparison: .nan}\n"))]),
        ("inf rent", ["validate", put("inf.yaml", scenario(
            "economy:\n  rent:\n    level: .inf\n"))]),
        ("1e999 spend", ["validate", put("e999.yaml", scenario(
            "economy:\n  shops:\n    spend_per_visit_eur: {comparison: 25, daily: 1e999, "
            "food_beverage: 14.5, services: 10.5, leisure: 12}\n"))]),
        ("-3 initial venues", ["validate", put("venues.yaml", scenario(
            "culture:\n  initial_venues: {theatre: -3}\n"))]),
        ("start in year 1", ["validate", put("year1.yaml", scenario("start: 0001-01-01\n"))]),
        ("start in year 9999", ["validate", put("year9999.yaml", scenario("start: 9999-01-04\n"))]),
        ("reversed intervention", ["validate", put("rev_int.yaml", scenario(
            "interventions:\n  - type: events_programme\n    start: 2020-01-06\n"
            "    end: 2019-01-07\n"))]),
        ("reversed lockdown", ["validate", put("rev_lock.yaml", scenario(
            "shocks:\n  - type: lockdown\n    start: 2020-03-16\n    end: 2020-01-01\n"))]),
        ("reversed funding", ["validate", put("rev_fund.yaml", scenario(
            "funding:\n  - name: f\n    start: 2021-01-01\n    end: 2020-01-01\n"))]),
        ("funding names no instrument", ["validate", put("fund_unknown.yaml", scenario(
            "funding:\n  - name: f\n    start: 2020-01-01\n    end: 2021-01-01\n"
            "    instruments: [bizz]\n"))]),
        ("online path out of order", ["validate", put("online.yaml", scenario(
            "economy:\n  online_share:\n    daily: [{year: 2025, share: 0.1}, "
            "{year: 2019, share: 0.2}]\n"))]),
        ("all-zero sector mix", ["validate", put("mix.yaml", scenario(
            "economy:\n  shops:\n    sector_mix: {comparison: 0, daily: 0, food_beverage: 0, "
            "services: 0, leisure: 0}\n"))]),
        ("ESC in a key", ["validate", put("esc.yaml", "name: x\n\"\\e[31mred\": 1\n")]),
        # --- the command line
        ("a NUL in a path", ["validate", "x\x00.yaml"]),
        ("run -r 1000000000", ["run", str(folder / "base.yaml"), "-r", "1000000000"]),
        ("run --out a file", ["run", str(folder / "tiny.yaml"), "-q", "--out",
                              str(folder / "base.yaml")]),
        ("schema --out a folder", ["schema", "--out", str(folder / "a_folder.yaml")]),
        ("show --set a NUL", ["show", str(folder / "base.yaml"), "--set", "name=a\x00b"]),
        ("compare two towns", ["compare", str(folder / "base.yaml"),
                               str(folder / "other_town.yaml"), "-r", "1", "-q"]),
        # --- experiments
        ("experiment /dev/zero", ["experiment", "/dev/zero"]),
        ("experiment a FIFO", ["experiment", str(fifo)]),
        ("experiment /etc/passwd", ["experiment", "/etc/passwd"]),
        ("grid of 1000 x 1000 x 1000", ["experiment", put("grid.yaml", experiment(
            "{type: grid}",
            "  economy.rent.level: {min: 0.5, max: 1.5, steps: 1000}\n"
            "  economy.footfall_trend_per_year: {min: -0.04, max: 0.0, steps: 1000}\n"
            "  economy.online_growth: {min: 0.0, max: 2.0, steps: 1000}\n"))]),
        ("sobol of 1,048,576 samples", ["experiment", put("sobol.yaml", experiment(
            "{type: sobol, samples: 1048576}",
            "  economy.rent.level: {min: 0.5, max: 1.5}\n"))]),
        ("replications x points", ["experiment", put("reps.yaml", experiment(
            "{type: lhs, samples: 100}", "  economy.rent.level: {min: 0.5, max: 1.5}\n",
            "replications: 100000\n"))]),
        ("list design of laughs", ["experiment", put("listbomb.yaml", BOMB + experiment(
            "{type: list, points: *i}", "  economy.rent.level: {min: 0.5, max: 1.5}\n"))]),
        ("list point of a list", ["experiment", put("listvalue.yaml", experiment(
            "{type: list, points: [{economy.rent.level: [1, 2]}]}",
            "  economy.rent.level: {min: 0.5, max: 1.5}\n"))]),
        ("NaN in a range", ["experiment", put("nanrange.yaml", experiment(
            "{type: lhs, samples: 4}", "  economy.rent.level: {min: .nan, max: 1.5}\n"))]),
        # --- run stores
        ("collect a forged run id", ["collect", put("forged/manifest.json", json.dumps(
            {"runs": [{"id": "../../victim/important", "point": 0, "replication": 0}]}))
            .rsplit("/", 1)[0]]),
        ("collect an absolute run id", ["collect", put("absolute/manifest.json", json.dumps(
            {"runs": [{"id": str(folder / "victim"), "point": 0, "replication": 0}]}))
            .rsplit("/", 1)[0]]),
        ("collect a broken manifest", ["collect", put("broken/manifest.json", "{\"runs\": [")
                                       .rsplit("/", 1)[0]]),
        ("collect a manifest of numbers", ["collect", put("numbers/manifest.json", "[1, 2]")
                                           .rsplit("/", 1)[0]]),
        ("collect a FIFO manifest", ["collect", _fifo_store(folder)]),
        ("collect no folder", ["collect", str(folder / "nowhere")]),
    ]
    put("victim.parquet", b"precious")
    put("victim/important.parquet", b"precious")
    return cases


def _fifo_store(folder: Path) -> str:
    store = folder / "fifo_store"
    store.mkdir()
    os.mkfifo(store / "manifest.json")
    return str(store)


def main(folder: Path) -> None:
    from sim.cli.main import main as cli

    def alarm(signum, frame):
        raise Alarm

    signal.signal(signal.SIGALRM, alarm)
    os.chdir(folder)
    for name, argv in build(folder):
        err = io.StringIO()
        start = time.perf_counter()
        signal.alarm(10)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = cli(argv)
        except Alarm:
            code = "timeout"
        finally:
            signal.alarm(0)
        print(json.dumps({"case": name, "code": code, "stderr": err.getvalue().splitlines(),
                          "seconds": round(time.perf_counter() - start, 2),
                          "peak_mb": round(_peak_mb(), 1)}), flush=True)
    print(json.dumps({"peak_mb": round(_peak_mb(), 1)}), flush=True)


def _peak_mb() -> float:
    """This process's peak resident memory so far, MB: VmHWM of its own memory map (not
    ``ru_maxrss``, which Linux carries over from the parent that forked it, before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main(Path(sys.argv[1]))

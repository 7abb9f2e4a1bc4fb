"""The run store of an experiment: one Parquet file per run, a manifest, the tidy dataset.

Layout of an experiment folder::

    manifest.json          spec, design, every point and seed, each run's status
    runs/<id>.parquet      one finished run's tidy rows (id: sha256 of scenario, point,
                           seed and package version)
    runs/<id>.failed.json  a failed run's error
    results.parquet        every finished run's rows, in (point, replication) order
    results.csv            the same for spreadsheet users
    analysis/              sensitivity indices, sweep and replication tables and figures
                           (written by sim.present.analysis)

Every file is written under a temporary name and renamed into place (:mod:`sim.files`), so a
run file that exists is complete; temporary files (``.*.tmp``) are never read and are
removed when an experiment resumes. The run files are the truth: ``--resume`` trusts them,
not the manifest, which may lag a few seconds behind after a crash. Called by
:mod:`sim.runs.experiments` (the runs), the command line (``collect``) and
:mod:`sim.present.analysis` (the manifest and the results).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sim import __version__
from sim.errors import ScenarioError
from sim.files import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

    from sim.runs.design import Experiment
    from sim.runs.tasks import RunOutcome

__all__ = ["RunStore", "collect"]

MANIFEST = "manifest.json"
RESULTS_PARQUET = "results.parquet"
RESULTS_CSV = "results.csv"


class RunStore:
    """The folder of one experiment.

    Args:
        root: The experiment folder (created if missing).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs = self.root / "runs"

    # ---------------------------------------------------------------- run files
    def result_path(self, run_id: str) -> Path:
        return self.runs / f"{run_id}.parquet"

    def failure_path(self, run_id: str) -> Path:
        return self.runs / f"{run_id}.failed.json"

    def has_manifest(self) -> bool:
        return (self.root / MANIFEST).is_file()

    def clean_partial(self) -> int:
        """Remove temporary files left by an interrupted write; return how many."""
        removed = 0
        if self.runs.is_dir():
            for tmp in self.runs.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
                removed += 1
        return removed

    def status(self, run_id: str) -> str:
        """``done`` (a readable result file), ``failed`` or ``pending``."""
        path = self.result_path(run_id)
        if path.is_file():
            if _readable(path):
                return "done"
            path.unlink(missing_ok=True)  # cannot happen with atomic writes; never trust it
        if self.failure_path(run_id).is_file():
            return "failed"
        return "pending"

    def error(self, run_id: str) -> str:
        try:
            return json.loads(self.failure_path(run_id).read_text())["error"]
        except (OSError, ValueError, KeyError):
            return ""

    def record(self, outcome: RunOutcome) -> None:
        """Store one finished run the moment it finishes: its rows, or its error."""
        if outcome.ok:
            atomic_write_bytes(self.result_path(outcome.run_id), outcome.data)
            self.failure_path(outcome.run_id).unlink(missing_ok=True)
        else:
            atomic_write_text(self.failure_path(outcome.run_id),
                              json.dumps({"error": outcome.error}) + "\n")

    # ----------------------------------------------------------------- manifest
    def write_manifest(self, exp: Experiment, statuses: dict[str, str], *,
                       started: str, finished: bool = False,
                       seconds: dict[str, float] | None = None) -> None:
        """Write ``manifest.json``: the spec, the design, every point and run with its status
        (and, where known, the seconds the run took in its worker)."""
        seconds = seconds or {}
        runs = []
        for t in exp.tasks:
            entry = {"id": t.run_id, "point": t.point, "replication": t.replication,
                     "seed": t.seed, "status": statuses.get(t.run_id, "pending")}
            if entry["status"] == "failed":
                entry["error"] = self.error(t.run_id)
            if t.run_id in seconds and entry["status"] != "pending":
                entry["seconds"] = round(seconds[t.run_id], 3)
            runs.append(entry)
        counts = {s: sum(r["status"] == s for r in runs) for s in ("done", "failed", "pending")}
        manifest = {
            "experiment": exp.spec.name,
            "spec_file": str(exp.path),
            "spec": exp.spec.model_dump(mode="json"),
            "package": "binnenstad",
            "version": __version__,
            "scenario": exp.base,
            "design": {
                "type": exp.design,
                "settings": exp.spec.design,
                "parameters": [
                    {"name": p.name, "kind": p.kind, "integer": p.integer,
                     **p.spec.model_dump(exclude_none=True)}
                    for p in exp.parameters
                ],
                "sample": exp.sample,
                "analyses": exp.analyses,
            },
            "points": [{"point": i, "label": exp.labels[i], "values": v}
                       for i, v in enumerate(exp.points)],
            "runs": runs,
            "counts": counts,
            "started": started,
            "updated": dt.datetime.now(dt.UTC).isoformat(),
            "complete": finished and counts["pending"] == 0,
        }
        atomic_write_text(self.root / MANIFEST, json.dumps(manifest, indent=1) + "\n")

    def run_seconds(self) -> dict[str, float]:
        """Seconds of the runs a previous session recorded in ``manifest.json`` (none if it
        has no manifest or an unreadable one)."""
        try:
            runs = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))["runs"]
            return {r["id"]: float(r["seconds"]) for r in runs if "seconds" in r}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def read_results(self) -> pd.DataFrame:
        """The tidy dataset ``results.parquet`` that :func:`collect` wrote."""
        import pyarrow.parquet as pq

        return pq.read_table(self.root / RESULTS_PARQUET).to_pandas()

    def read_manifest(self) -> dict:
        path = self.root / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ScenarioError("not an experiment folder (no manifest.json)",
                                file=str(self.root)) from None
        except ValueError as exc:
            raise ScenarioError(f"manifest.json is not valid JSON: {exc}",
                                file=str(self.root)) from None


def _readable(path: Path) -> bool:
    """True if a Parquet file has a valid footer (a complete file)."""
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
        return True
    except Exception:
        return False


def collect(root: Path) -> tuple[pd.DataFrame, dict]:
    """Assemble ``results.parquet`` and ``results.csv`` from the run files of an experiment.

    Rows come in (point, replication) order, whatever order the runs finished in, so the
    dataset is the same byte for byte however and wherever the runs were executed. The
    analyses (``analysis/``) are written from it by :mod:`sim.present.analysis`.

    Args:
        root: The experiment folder.

    Returns:
        ``(results, counts)``: the tidy DataFrame and the number of runs done, failed and
        pending.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = RunStore(root)
    manifest = store.read_manifest()
    frames, counts = [], {"done": 0, "failed": 0, "pending": 0}
    for run in sorted(manifest["runs"], key=lambda r: (r["point"], r["replication"])):
        status = store.status(run["id"])
        counts[status] += 1
        if status == "done":
            frames.append(pq.read_table(store.result_path(run["id"])).to_pandas())
    if frames:
        results = pd.concat(frames, ignore_index=True)
    else:
        results = pd.DataFrame()
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(results, preserve_index=False), buf)
    atomic_write_bytes(store.root / RESULTS_PARQUET, buf.getvalue())
    atomic_write_text(store.root / RESULTS_CSV, results.to_csv(index=False, lineterminator="\n"))
    return results, counts


class Throttle:
    """True at most once every ``seconds`` (for manifest refreshes during a run)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last = time.monotonic()

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self.last >= self.seconds:
            self.last = now
            return True
        return False

"""The run store of an experiment: one Parquet file per run, a manifest, the tidy dataset.

Layout of an experiment folder::

    manifest.json          spec, design, every point and seed, each run's status, the code's
                           fingerprint; ``complete`` only once the results below are written
    runs/<id>.parquet      one finished run's tidy rows (id: sha256 of scenario, point,
                           seed and package version)
    runs/<id>.check.json   its sha256, size and the fingerprint of the code that made it,
                           written after it: a run without one is not done
    runs/<id>.failed.json  a failed run's error (and the code's fingerprint)
    results.parquet        every finished run's rows, in (point, replication) order
    results.csv            the same for spreadsheet users
    analysis/              sensitivity indices, sweep and replication tables and figures
                           (written by sim.present.analysis)

Every file is written under a temporary name and renamed into place (:mod:`sim.files`), so a
run file that exists is complete; temporary files (``.*.tmp``) are never read and are
removed when an experiment resumes. The run files are the truth: ``--resume`` trusts them,
not the manifest, which may lag a few seconds behind after a crash, but only if their checksum
holds (a damaged file is run again) and the code that made them is this code (runs of two
models are never mixed: :func:`check_same_code`). Run ids from ``manifest.json`` become file
names only if they are run ids (64 hex digits), so a forged manifest cannot reach outside
``runs/``. Writers hold the folder's lock (:func:`sim.files.folder_lock`). Called by
:mod:`sim.runs.experiments` (the runs), the command line (``collect``) and
:mod:`sim.present.analysis` (the manifest and the results).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim import __version__
from sim.errors import ScenarioError, format_key_path
from sim.files import (
    UnreadableInput,
    atomic_write_bytes,
    atomic_write_text,
    folder_lock,
    read_input,
)
from sim.fingerprint import code_fingerprint, short
from sim.limits import MAX_MANIFEST_BYTES, MAX_SMALL_JSON_BYTES

if TYPE_CHECKING:
    import pandas as pd

    from sim.runs.design import Experiment
    from sim.runs.tasks import RunOutcome

__all__ = ["RUN_ID", "RunStore", "check_same_code", "collect"]

MANIFEST = "manifest.json"
RESULTS_PARQUET = "results.parquet"
RESULTS_CSV = "results.csv"
#: What a run id is (the hex sha256 of :func:`sim.runs.design.run_id`).
RUN_ID = re.compile(r"[0-9a-f]{64}")


class _ManifestRun(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(pattern=RUN_ID.pattern)
    point: int = Field(ge=0)
    replication: int = Field(ge=0)


class _Manifest(BaseModel):
    """What :func:`collect` needs of ``manifest.json`` (the rest is kept as it is)."""

    model_config = ConfigDict(extra="allow")

    runs: list[_ManifestRun]
    code: str | None = None


class RunStore:
    """The folder of one experiment.

    Args:
        root: The experiment folder (created if missing).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs = self.root / "runs"

    # ---------------------------------------------------------------- run files
    def _path(self, run_id: str, suffix: str) -> Path:
        if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
            raise ScenarioError(f"not a run id: {run_id!r}; the manifest is damaged or was not "
                                "written by binnenstad", file=str(self.root / MANIFEST))
        return self.runs / f"{run_id}{suffix}"

    def result_path(self, run_id: str) -> Path:
        return self._path(run_id, ".parquet")

    def check_path(self, run_id: str) -> Path:
        return self._path(run_id, ".check.json")

    def failure_path(self, run_id: str) -> Path:
        return self._path(run_id, ".failed.json")

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
        """``done`` (a result file whose checksum holds), ``damaged`` (a result file whose
        checksum does not hold: never read), ``failed``, ``pending``, or ``foreign`` (made by
        other code)."""
        data = self.read_result(run_id)
        if isinstance(data, bytes):
            return "done"
        if data is not None:
            return data
        failure = self._json(self.failure_path(run_id))
        if failure is not None:
            return "failed" if failure.get("code", code_fingerprint()) == code_fingerprint() \
                else "foreign"
        return "pending"

    def read_result(self, run_id: str) -> bytes | str | None:
        """A done run's Parquet bytes, checked against its checksum; ``"damaged"`` or
        ``"foreign"`` if they fail the check or come from other code; None if not done (no
        result, or no checksum yet: the run was cut off between the two writes)."""
        path = self.result_path(run_id)
        check = self._json(self.check_path(run_id))
        if check is None or not path.is_file():
            return None
        if check.get("code") != code_fingerprint():
            return "foreign"
        try:
            data = read_input(path, int(check.get("bytes", 0)))
        except (UnreadableInput, ValueError, TypeError):
            return "damaged"
        if hashlib.sha256(data).hexdigest() != check.get("sha256"):
            return "damaged"
        return data

    def discard(self, run_id: str) -> None:
        """Remove a run's files (a damaged result, before it is run again)."""
        for path in (self.check_path(run_id), self.result_path(run_id)):
            path.unlink(missing_ok=True)

    def error(self, run_id: str) -> str:
        failure = self._json(self.failure_path(run_id)) or {}
        return str(failure.get("error", ""))

    def record(self, outcome: RunOutcome) -> None:
        """Store one finished run the moment it finishes: its rows and then their checksum,
        or its error."""
        if outcome.ok:
            self.check_path(outcome.run_id).unlink(missing_ok=True)
            atomic_write_bytes(self.result_path(outcome.run_id), outcome.data)
            check = {"sha256": hashlib.sha256(outcome.data).hexdigest(),
                     "bytes": len(outcome.data), "code": code_fingerprint()}
            atomic_write_text(self.check_path(outcome.run_id), json.dumps(check) + "\n")
            self.failure_path(outcome.run_id).unlink(missing_ok=True)
        else:
            atomic_write_text(self.failure_path(outcome.run_id),
                              json.dumps({"error": outcome.error, "code": code_fingerprint()})
                              + "\n")

    @staticmethod
    def _json(path: Path) -> dict | None:
        try:
            value = json.loads(read_input(path, MAX_SMALL_JSON_BYTES))
        except (UnreadableInput, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def clear_results(self) -> None:
        """Remove the dataset of an earlier collect: until it is written again it would not
        match the runs (the manifest says ``complete`` only after it is)."""
        for name in (RESULTS_CSV, RESULTS_PARQUET):
            (self.root / name).unlink(missing_ok=True)

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
            "code": code_fingerprint(),
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
            runs = self.read_manifest()["runs"]
            return {r["id"]: float(r["seconds"]) for r in runs if "seconds" in r}
        except (ScenarioError, ValueError, KeyError, TypeError):
            return {}

    def read_results(self) -> pd.DataFrame:
        """The tidy dataset ``results.parquet`` that :func:`collect` wrote."""
        import pyarrow.parquet as pq

        return pq.read_table(self.root / RESULTS_PARQUET).to_pandas()

    def read_manifest(self) -> dict:
        """``manifest.json``, checked to hold a list of runs with their ids, points and
        replications (ScenarioError, one line, if it does not)."""
        path = self.root / MANIFEST
        if not path.exists() and not path.is_symlink():
            raise ScenarioError("not an experiment folder (no manifest.json)",
                                file=str(self.root))
        try:
            data = json.loads(read_input(path, MAX_MANIFEST_BYTES))
        except UnreadableInput as exc:
            raise ScenarioError(exc.message, file=str(path)) from None
        except ValueError as exc:
            raise ScenarioError(f"not valid JSON ({exc}); the manifest is damaged: run the "
                                "experiment again into a new folder", file=str(path)) from None
        try:
            _Manifest.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = err["loc"]
            if not loc:
                what = "the top level: must be a JSON object with a list of runs"
            elif loc[-1] == "id":
                what = f"{format_key_path(loc)}: is not a run id (64 hex digits)"
            else:
                what = f"{format_key_path(loc)}: {err['msg'][:1].lower()}{err['msg'][1:]}"
            raise ScenarioError(f"{what}; the manifest is damaged or was not written by "
                                "binnenstad", file=str(path)) from None
        return data


def check_same_code(manifest: dict | None, root: Path, command: str) -> None:
    """Refuse to continue an experiment made by other code: its runs and new ones would be of
    two models in one dataset. ``manifest`` None: a run file of the folder was made by other
    code (whatever its manifest says).

    Raises:
        ScenarioError: One line saying how to start a new folder.
    """
    ours = code_fingerprint()
    theirs = manifest.get("code") if manifest is not None else None
    if theirs == ours:
        return
    if manifest is None:
        made = "holds runs made by other code"
    elif isinstance(theirs, str):
        made = f"made by other code (fingerprint {short(theirs)}, this code is {short(ours)})"
    else:
        made = "made by a version of binnenstad that did not record its code"
    raise ScenarioError(
        f"{made}: {command} would mix runs of two models. Run the experiment again into a new "
        "folder (binnenstad experiment SPEC --out NEW_FOLDER), or use the code that made it",
        file=str(root))


def collect(root: Path) -> tuple[pd.DataFrame, dict]:
    """Assemble ``results.parquet`` and ``results.csv`` from the run files of an experiment.

    Rows come in (point, replication) order, whatever order the runs finished in, so the
    dataset is the same byte for byte however and wherever the runs were executed. A run file
    whose checksum fails is left out (counted as ``damaged``; ``experiment --resume`` runs it
    again). The analyses (``analysis/``) are written from it by :mod:`sim.present.analysis`.

    Args:
        root: The experiment folder.

    Returns:
        ``(results, counts)``: the tidy DataFrame and the number of runs done, failed,
        pending and damaged.

    Raises:
        ScenarioError: No or a damaged manifest, a folder made by other code, or a folder
            another command writes now.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = RunStore(root)
    manifest = store.read_manifest()
    check_same_code(manifest, store.root, "collect")
    with folder_lock(store.root, "collect", create=False):
        frames, counts = [], {"done": 0, "failed": 0, "pending": 0, "damaged": 0}
        for run in sorted(manifest["runs"], key=lambda r: (r["point"], r["replication"])):
            data = store.read_result(run["id"])
            if isinstance(data, bytes):
                counts["done"] += 1
                frames.append(pq.read_table(pa.BufferReader(data)).to_pandas())
                continue
            status = store.status(run["id"]) if data is None else data
            if status == "foreign":
                check_same_code(None, store.root, "collect")
            counts[status] += 1
        results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(results, preserve_index=False), buf)
        store.clear_results()
        atomic_write_bytes(store.root / RESULTS_PARQUET, buf.getvalue())
        atomic_write_text(store.root / RESULTS_CSV,
                          results.to_csv(index=False, lineterminator="\n"))
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

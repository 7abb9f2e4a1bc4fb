"""The run store against forged manifests, kills, flipped bits and changed code (issue 18,
items 2, 3, 11 and 12).

- Run ids from manifest.json are checked to be run ids before any file operation: a forged
  ``../../victim/important`` is refused and the victim stays (it was deleted).
- ``complete: true`` comes only after results.parquet, results.csv and the analyses exist; the
  results of an earlier collect are gone as soon as an experiment (re)starts.
- A flipped byte in a stored run is found by its checksum: collect leaves it out and says so,
  ``--resume`` runs it again and the dataset equals the uninterrupted one.
- A folder made by other code (another fingerprint) is refused by ``--resume`` and ``collect``
  with a line saying how to start a new folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import sim.runs.store
from sim.cli.main import main
from sim.errors import ScenarioError
from sim.fingerprint import code_fingerprint
from sim.runs.experiments import load_experiment, run_experiment
from sim.runs.store import RunStore, collect
from tests.conftest import EXPERIMENT_BASE

SPEC = """\
name: safety
scenario: base.yaml
seed: 4
replications: 2
uncertainties:
  economy.rent.level: {values: [0.8, 1.2]}
outcomes: [vacancy_rate]
design: {type: grid}
analyses: [sweep]
"""
RUNS = 4


def spec(folder: Path) -> Path:
    (folder / "base.yaml").write_text(EXPERIMENT_BASE)
    (folder / "exp.yaml").write_text(SPEC)
    return folder / "exp.yaml"


def dataset(folder: Path) -> tuple[bytes, bytes]:
    return (folder / "results.parquet").read_bytes(), (folder / "results.csv").read_bytes()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("safety")
    counts = run_experiment(load_experiment(spec(folder)), folder / "out", progress=False)
    assert counts["done"] == RUNS
    return folder / "out"


@pytest.fixture
def copy(reference, tmp_path) -> Path:
    shutil.copytree(reference, tmp_path / "copy")
    spec(tmp_path)
    return tmp_path / "copy"


def stderr_line(capsys) -> str:
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    return err[0]


# ------------------------------------------------------------------------ item 2
@pytest.mark.parametrize("forged", ["../../victim/important", "/tmp/../victim", "..",
                                    "a" * 63 + "/", "A" * 64, ""])
def test_a_forged_run_id_never_becomes_a_path(copy, capsys, forged):
    victim = copy.parent / "victim"
    victim.mkdir()
    (victim / "important.parquet").write_bytes(b"precious")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["runs"][0]["id"] = forged
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert main(["collect", str(copy)]) == 2
    assert "runs[0].id: is not a run id (64 hex digits)" in stderr_line(capsys)
    assert (victim / "important.parquet").read_bytes() == b"precious"
    with pytest.raises(ScenarioError, match="not a run id"):
        RunStore(copy).result_path(forged)


def test_a_manifest_that_is_not_one_is_a_line(copy, capsys):
    for text in ("{", "[]", '{"runs": {}}', '{"runs": [{"id": 3}]}', '{"runs": [{}]}'):
        (copy / "manifest.json").write_text(text)
        assert main(["collect", str(copy)]) == 2
        assert str(copy / "manifest.json") in stderr_line(capsys)


# ------------------------------------------------------------------------ item 3
def test_the_manifest_says_complete_only_after_results_and_analyses(tmp_path):
    out = tmp_path / "out"
    seen = {}

    def analyses(root: Path, results) -> None:
        manifest = json.loads((root / "manifest.json").read_text())
        seen["complete"] = manifest["complete"]
        seen["results"] = (root / "results.parquet").is_file() and (root / "results.csv").is_file()
        raise KeyboardInterrupt  # killed while the analyses are written

    with pytest.raises(KeyboardInterrupt):
        run_experiment(load_experiment(spec(tmp_path)), out, progress=False, analyses=analyses)
    assert seen == {"complete": False, "results": True}
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
    # resumed, it completes without running anything again
    assert run_experiment(load_experiment(spec(tmp_path)), out, resume=True,
                          progress=False)["done"] == RUNS
    assert json.loads((out / "manifest.json").read_text())["complete"] is True


def test_results_of_an_earlier_collect_are_gone_when_an_experiment_restarts(copy, monkeypatch):
    import sim.runs.output

    (copy / "results.csv").write_text("stale,12 rows\n")
    victim = json.loads((copy / "manifest.json").read_text())["runs"][1]["id"]
    RunStore(copy).discard(victim)  # one run to do again

    def killed(*args):  # the resumed run is interrupted before the dataset is written
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.runs.output, "run_replication", killed)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(load_experiment(copy.parent / "exp.yaml"), copy, resume=True,
                       progress=False)
    assert not (copy / "results.csv").exists() and not (copy / "results.parquet").exists()
    assert json.loads((copy / "manifest.json").read_text())["complete"] is False


# ----------------------------------------------------------------------- item 11
def test_a_flipped_byte_is_found_left_out_and_run_again(copy, reference, capsys):
    run = json.loads((copy / "manifest.json").read_text())["runs"][2]["id"]
    path = copy / "runs" / f"{run}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # one bit inside a data page
    path.write_bytes(bytes(data))
    assert main(["collect", str(copy), "--no-analysis"]) == 0
    out = capsys.readouterr().out
    assert f"from {RUNS - 1} runs" in out and "1 damaged: rerun with" in out
    assert RunStore(copy).status(run) == "damaged"
    counts = run_experiment(load_experiment(copy.parent / "exp.yaml"), copy, resume=True,
                            progress=False)
    assert counts == {"done": RUNS, "failed": 0, "pending": 0, "damaged": 1}
    assert dataset(copy) == dataset(reference)


def test_every_run_file_has_its_checksum_and_code(reference):
    import hashlib

    for check in (reference / "runs").glob("*.check.json"):
        info = json.loads(check.read_text())
        data = check.with_name(check.name.replace(".check.json", ".parquet")).read_bytes()
        assert info == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                        "code": code_fingerprint()}


# ----------------------------------------------------------------------- item 12
def test_resume_and_collect_refuse_a_folder_made_by_other_code(copy, capsys, monkeypatch):
    assert json.loads((copy / "manifest.json").read_text())["code"] == code_fingerprint()
    monkeypatch.setattr(sim.runs.store, "code_fingerprint", lambda: "f" * 64)
    assert main(["experiment", str(copy.parent / "exp.yaml"), "--out", str(copy), "--resume",
                 "-q"]) == 2
    line = stderr_line(capsys)
    assert line.startswith(f"{copy}: made by other code (fingerprint {code_fingerprint()[:12]}, "
                           "this code is ffffffffffff): --resume would mix runs of two models")
    assert "--out NEW_FOLDER" in line
    assert main(["collect", str(copy)]) == 2
    assert "collect would mix runs of two models" in stderr_line(capsys)


def test_a_run_file_of_other_code_is_refused_even_under_a_matching_manifest(copy, capsys):
    run = json.loads((copy / "manifest.json").read_text())["runs"][0]["id"]
    check = copy / "runs" / f"{run}.check.json"
    check.write_text(json.dumps({**json.loads(check.read_text()), "code": "0" * 64}))
    with pytest.raises(ScenarioError, match="holds runs made by other code"):
        collect(copy)
    assert main(["experiment", str(copy.parent / "exp.yaml"), "--out", str(copy), "--resume",
                 "-q"]) == 2
    assert "holds runs made by other code" in stderr_line(capsys)


def test_runs_and_comparisons_record_the_fingerprint(tmp_path, capsys):
    (tmp_path / "tiny.yaml").write_text(
        "name: tiny\nyears: 1\nwarmup_years: 0\ntown: {preset: kleinstad}\n"
        "population: {agents: 300}\n")
    assert main(["run", str(tmp_path / "tiny.yaml"), "-q", "--out", str(tmp_path / "r")]) == 0
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["code"] == \
        code_fingerprint()
    assert len(code_fingerprint()) == 64

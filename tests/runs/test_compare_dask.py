"""`binnenstad compare --scheduler`: a comparison on a Dask LocalCluster gives the same files as
one in this process, and a failing run stops it with its own error."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.runs.compare import run_comparison
from sim.scenario.loading import load_scenario, scenario_from_dump

distributed = pytest.importorskip("distributed")


def output_files(folder: Path) -> dict[str, bytes]:
    """Every file of a comparison but its manifest (which has the times), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield cluster, client


def test_compare_on_a_local_cluster_equals_serial(compare_files, cluster, tmp_path, capsys):
    local, _ = cluster
    args = ["compare", str(compare_files["base"]), str(compare_files["rent"]), "-r", "3",
            "--seed", "4", "--set", "years=1", "-q"]
    assert main([*args, "--workers", "1", "--out", str(tmp_path / "serial")]) == 0
    assert main([*args, "--scheduler", local.scheduler_address,
                 "--out", str(tmp_path / "dask")]) == 0
    capsys.readouterr()
    serial, dask = output_files(tmp_path / "serial"), output_files(tmp_path / "dask")
    assert {"timeseries.csv", "summary.csv", "cost_effectiveness.csv", "report.html",
            "figures/effect_vacancy_rate.png", "figures/map_cheaper_rent.png"} <= set(serial)
    assert serial.keys() == dask.keys()
    for name in serial:
        assert serial[name] == dask[name], name


def test_a_failing_run_on_dask_stops_the_comparison_with_its_error(compare_files, cluster):
    _, client = cluster
    base = load_scenario(compare_files["base"], ["years=1"])
    data = base.model_dump()
    data["name"] = "broken"
    data["town"] |= {"preset": None, "map_file": "missing.txt"}
    broken = scenario_from_dump(data, "/nonexistent/x.yaml")  # its map is read in the worker
    with pytest.raises(ScenarioError, match=r"missing\.txt"):
        run_comparison(base, [broken], replications=2, scheduler=client, progress=False)


def test_missing_scheduler_is_a_one_line_error(compare_files, tmp_path, capsys, monkeypatch):
    from sim.runs import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    status = main(["compare", str(compare_files["base"]), str(compare_files["same"]), "-r", "1",
                   "--scheduler", "tcp://127.0.0.1:9", "-q", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("cannot reach the Dask scheduler tcp://127.0.0.1:9")
    assert err.count("\n") == 1

"""Outputs of `binnenstad run`: files, columns, figures, the manifest last, reproducibility."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.kernels.streams import replication_seeds
from sim.model.model import EVENT_KINDS, METRICS
from sim.present.run import result_line, write_run
from sim.runs import output
from sim.scenario.schema import Scenario


def tiny(**extra) -> Scenario:
    return Scenario.model_validate({
        "name": "tiny", "seed": 3, "years": 1, "warmup_years": 0,
        "town": {"preset": "kleinstad", "core_walk_m": 150}, "population": {"agents": 2000},
        **extra,
    })


def test_run_writes_every_output_and_the_manifest_last(tmp_path):
    out = write_run(tiny(), tmp_path / "out", replications=2, progress=False)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {"timeseries.csv", "events.csv", "premises.csv", "manifest.json",
                     "figures/vacancy_rate.png", "figures/footfall.png", "figures/map_end.png"}
    frame = pd.read_csv(out / "timeseries.csv")
    for column in ("scenario", "replication", "seed", "step", "date", *METRICS):
        assert column in frame.columns
    assert len(frame) == 2 * 52
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replication_seeds"] == replication_seeds(3, 2)
    assert manifest["scenario"]["name"] == "tiny"
    assert sorted(frame["seed"].unique()) == sorted(manifest["replication_seeds"])
    premises = pd.read_csv(out / "premises.csv")
    assert set(premises["location_class"]) <= {"A1", "A2", "B", "C"}
    assert premises["core"].any() and not premises["core"].all()
    events = pd.read_csv(out / "events.csv")
    assert {"opening", "closure"} <= set(events["event"]) <= set(EVENT_KINDS)
    closures = events[events["event"] == "closure"].groupby("replication").size()
    assert closures.sum() == frame["closures"].sum()


def test_same_seed_same_bytes_different_seed_different_bytes(tmp_path):
    a = write_run(tiny(), tmp_path / "a", progress=False)
    b = write_run(tiny(), tmp_path / "b", progress=False)
    c = write_run(tiny(), tmp_path / "c", seed=4, progress=False)
    assert (a / "timeseries.csv").read_bytes() == (b / "timeseries.csv").read_bytes()
    assert (a / "timeseries.csv").read_bytes() != (c / "timeseries.csv").read_bytes()


def test_a_crashed_run_leaves_no_manifest(tmp_path, monkeypatch):
    out = write_run(tiny(), tmp_path / "out", progress=False)
    assert (out / "manifest.json").exists()

    def crash(*args, **kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(output, "run_replication", crash)
    with pytest.raises(RuntimeError):
        write_run(tiny(), out, progress=False)
    assert not (out / "manifest.json").exists()  # old files are no longer vouched for


def test_the_result_line_says_what_the_run_found(tmp_path):
    """One replication: its own numbers; several: the medians and the vacancy's 90% range."""
    one = write_run(tiny(years=2), tmp_path / "one", progress=False)
    frame = pd.read_csv(one / "timeseries.csv")
    last = frame.iloc[-1]
    footfall = frame[frame["step"] > 52]["footfall"].mean()
    assert result_line(one) == (
        f"tiny: at the horizon ({last['date']}) {100 * last['vacancy_rate']:.1f}% vacant "
        f"({last['vacant_units']:,.0f} of {last['open_units'] + last['vacant_units']:,.0f} "
        f"premises), {footfall:,.0f} passers-by a week at a counting point in the last year, "
        f"{frame['closures'].sum():,.0f} closures in 2 years")
    out = write_run(tiny(), tmp_path / "three", replications=3, progress=False)
    three = result_line(out)
    assert "premises; 90% of 3 replications: " in three and three.endswith("in 1 year")
    # the median rate, and the units it gives of the median stock: the three agree
    frame = pd.read_csv(out / "timeseries.csv")
    last = frame[frame["step"] == frame["step"].max()]
    rate = last["vacancy_rate"].median()
    stock = (last["open_units"] + last["vacant_units"]).median()
    assert f"{100 * rate:.1f}% vacant (about {rate * stock:,.0f} of {stock:,.0f} premises" in three

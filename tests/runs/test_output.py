"""Running replications: atomic writes and replication seeds (the files of `binnenstad run` are
tested in tests/present/test_run.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import files
from sim.kernels.streams import replication_seeds


def test_a_failing_write_leaves_no_file_under_its_final_name(tmp_path, monkeypatch):
    target = tmp_path / "result.csv"

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write_text(target, "a,b\n1,2\n")
    assert list(tmp_path.iterdir()) == []


def test_replication_seeds_come_from_seed_sequence_spawn():
    seeds = replication_seeds(42, 3)
    children = np.random.SeedSequence(42).spawn(3)
    assert seeds == [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
                     for c in children]
    assert len(set(seeds)) == 3

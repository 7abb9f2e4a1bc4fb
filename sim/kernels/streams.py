"""Seeds and named random streams.

Every random process in the model (initialisation, trips, destination choice, exits,
entries, ...) draws from its own ``numpy.random.Generator``. A stream is derived from the
replication seed and a stable hash of its name, so adding a new stream, or an intervention
that consumes more draws from one stream, never reshuffles the draws of the others: paired
scenario comparisons keep common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Integer seeds of replications 0..n-1 from ``SeedSequence(seed).spawn(n)``.

    Each child sequence is reduced to one 63-bit integer so that a replication can be rerun
    on its own (``--seed`` of a single run is the master seed; the recorded replication seed
    goes straight into the model).
    """
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for a replication seed (stable across versions)."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))

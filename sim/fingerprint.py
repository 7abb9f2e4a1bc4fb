"""The fingerprint of the model's code: which code made a run.

The package version stays the same while the model changes under it, so it cannot tell runs of
the old and the new model apart. :func:`code_fingerprint` hashes the source of the package
itself (every ``.py`` file and the preset maps under ``sim/``, by path and content), so any
change of the code, committed or not, gives another fingerprint. Runs, comparisons and
experiments record it in their manifests and run files; ``experiment --resume`` and ``collect``
refuse to mix runs of two fingerprints (:mod:`sim.runs.store`). Below every layer.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["code_fingerprint", "short"]

_PACKAGE = Path(__file__).resolve().parent
_SUFFIXES = {".py", ".txt"}  # the source and the preset maps (sim/town/presets)


@functools.cache
def code_fingerprint() -> str:
    """sha256 (hex) of the package's source files: their paths relative to ``sim/`` and
    their bytes, in path order. Computed once per process (about 10 ms)."""
    digest = hashlib.sha256()
    files = sorted(p for p in _PACKAGE.rglob("*")
                   if p.suffix in _SUFFIXES and p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        data = path.read_bytes()
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def short(fingerprint: str) -> str:
    """The first 12 hex digits, as messages show a fingerprint."""
    return str(fingerprint)[:12]

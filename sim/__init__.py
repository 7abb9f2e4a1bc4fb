"""binnenstad: an agent-based model of a Dutch city centre's shops, visitors and vacancy.

This package's ``__init__`` imports nothing heavy: every command of the command line starts
here, and ``binnenstad --help`` or ``validate`` must answer within half a second (issue 17).
``__version__`` is therefore looked up on first use (:mod:`importlib.metadata` alone takes
about 0.1 s to import).
"""

from __future__ import annotations

import functools


@functools.cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("binnenstad")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""binnenstad: an agent-based model of a Dutch city centre's shops, visitors and vacancy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("binnenstad")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

"""Public exceptions of access15.

Every message says what was wrong *and* what to do about it, in one line, so the command line can
show it as is. Each class also subclasses the matching builtin so callers may catch either.
"""

from __future__ import annotations

__all__ = [
    "Access15Error",
    "DataDownloadError",
    "InputError",
    "NetworkError",
    "SolverError",
]


class Access15Error(Exception):
    """Base class of every error raised on purpose by access15."""


class InputError(Access15Error, ValueError):
    """A user input (file, column, coordinate, option) is missing or wrong."""


class NetworkError(Access15Error, RuntimeError):
    """The road network cannot be built or routed (e.g. no roads for the mode in the area)."""


class DataDownloadError(Access15Error, ConnectionError):
    """Online data (Overpass, Nominatim) could not be fetched and is not cached."""


class SolverError(Access15Error, RuntimeError):
    """A site-selection model could not be solved."""

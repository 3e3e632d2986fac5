"""Public exceptions and warnings of access15.

Every message says what was wrong *and* what to do about it, in one line, so the command line can
show it as is. Each error class also subclasses the matching builtin so callers may catch either.
:class:`DataWarning` marks a data problem that was tolerated (and is also listed in the run's
diagnostics).
"""

from __future__ import annotations

__all__ = [
    "Access15Error",
    "DataDownloadError",
    "DataWarning",
    "InputError",
    "NetworkError",
    "OutputError",
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


class OutputError(Access15Error, OSError):
    """The outputs could not be written (e.g. the disk is full); the output folder is unchanged."""


class SolverError(Access15Error, RuntimeError):
    """A site-selection model could not be solved."""


class DataWarning(UserWarning):
    """A data problem that was tolerated: the run goes on, and the problem is in its diagnostics.

    E.g. a few population cells holding NaN, or a facility listed twice. Turn it into an error
    with ``warnings.simplefilter("error", access15.DataWarning)``.
    """

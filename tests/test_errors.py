"""access15.errors: every error is an Access15Error and the matching builtin."""

from __future__ import annotations

import warnings

import pytest

import access15 as ax
from access15 import errors
from access15.errors import (
    Access15Error,
    DataDownloadError,
    DataWarning,
    InputError,
    NetworkError,
    OutputError,
    SolverError,
)

BUILTIN = {
    InputError: ValueError,
    NetworkError: RuntimeError,
    DataDownloadError: ConnectionError,
    OutputError: OSError,
    SolverError: RuntimeError,
}


def test_the_public_names_are_the_errors_and_the_warning():
    assert sorted(errors.__all__) == [
        "Access15Error",
        "DataDownloadError",
        "DataWarning",
        "InputError",
        "NetworkError",
        "OutputError",
        "SolverError",
    ]
    assert set(BUILTIN) | {Access15Error, DataWarning} == {
        getattr(errors, n) for n in errors.__all__
    }
    for name in errors.__all__:
        assert getattr(ax, name) is getattr(errors, name)


def test_base_is_a_plain_exception():
    assert Access15Error.__bases__ == (Exception,)
    assert not issubclass(Access15Error, (ValueError, RuntimeError, ConnectionError))


@pytest.mark.parametrize(("cls", "builtin"), list(BUILTIN.items()))
def test_each_error_is_access15_and_its_builtin(cls, builtin):
    assert cls.__bases__ == (Access15Error, builtin)
    with pytest.raises(builtin, match=r"^what was wrong; what to do$"):
        raise cls("what was wrong; what to do")
    with pytest.raises(Access15Error) as e:
        raise cls("x")
    assert type(e.value) is cls
    assert str(e.value) == "x"


def test_errors_do_not_catch_each_other():
    for cls in BUILTIN:
        for other in BUILTIN:
            assert issubclass(cls, other) == (cls is other)
    assert not issubclass(InputError, RuntimeError)
    assert not issubclass(NetworkError, ValueError)
    assert not issubclass(DataDownloadError, (ValueError, RuntimeError))
    assert issubclass(DataDownloadError, OSError)  # ConnectionError is an OSError


def test_data_warning_is_a_user_warning_not_an_error():
    assert DataWarning.__bases__ == (UserWarning,)
    assert not issubclass(DataWarning, Access15Error)
    with pytest.warns(UserWarning, match="tolerated"):
        warnings.warn("tolerated", DataWarning, stacklevel=1)

"""Fixtures of the dataset tests: the sample county's draft, built once per session."""

from __future__ import annotations

import pytest

from access15.datasets._build import build
from access15.datasets._draft import Draft


@pytest.fixture(scope="session")
def draft() -> Draft:
    """The sample county (seed 15, as in data/) in local metres; tests must not change it."""
    return build(15)

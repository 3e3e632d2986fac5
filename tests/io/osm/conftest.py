"""Fixtures of the OSM reader tests: the tiny county as OSM XML that osmnx accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_tiny_osm


@pytest.fixture
def tiny_xml(tmp_path: Path) -> Path:
    """The tiny county without its dangling node reference (osmnx refuses clipped ways)."""
    p = write_tiny_osm(tmp_path / "tiny.osm")
    p.write_text(p.read_text(encoding="utf-8").replace('<nd ref="9"/>', ""), encoding="utf-8")
    return p

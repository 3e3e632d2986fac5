"""The package keeps its layering: imports point down, private names stay home.

The rules and the graph live in ``tools/layout.py`` (``python tools/layout.py`` prints them).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_TOOL = Path(__file__).resolve().parents[1] / "tools" / "layout.py"


@pytest.fixture(scope="module")
def layout():
    spec = importlib.util.spec_from_file_location("access15_layout", _TOOL)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["access15_layout"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_every_module_has_a_layer(layout):
    for name in layout.modules():
        layout.layer(name)  # raises KeyError naming the module otherwise


def test_no_upward_import(layout):
    up = layout.upward(layout.edges())
    assert not up, [f"{e.src}:{e.line} -> {e.dst}" for e in up]


def test_no_private_name_crosses_a_module(layout):
    assert layout.private_crossings(layout.edges()) == []


def test_checker_sees_an_upward_and_a_private_import(layout):
    # the checker itself can fail: a made-up edge from io up to siting, and a private name
    fake = [
        layout.Edge("access15.io.areas", "access15.siting", ("solve",), 1, False),
        layout.Edge("access15.pipeline", "access15.access", ("_zone_of_points",), 2, False),
        layout.Edge("access15.cli", "access15.siting._kernels", (), 3, False),
    ]
    assert [e.src for e in layout.upward(fake)] == ["access15.io.areas"]
    assert len(layout.private_crossings(fake)) == 2


def test_no_library_module_over_800_lines(layout):
    long = {
        name: n
        for name, path in layout.modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert not long, long

"""access15.datasets._geometry: polyline and noise helpers (metres)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import LineString, Point

from access15.datasets._geometry import (
    Noise,
    arclen,
    at,
    bezier,
    catmull_rom,
    crossings,
    heading,
    largest_gap,
    meander,
    normals,
    resample,
    span,
    sub,
    tangent,
)

L = np.array([[0.0, 0.0], [300.0, 0.0], [300.0, 400.0]])  # 700 m, a right turn


def test_arclen_at_and_sub() -> None:
    cum = arclen(L)
    assert cum.tolist() == [0.0, 300.0, 700.0]
    assert at(L, [150.0, 500.0]).tolist() == [[150.0, 0.0], [300.0, 200.0]]
    part = sub(L, 100.0, 400.0, cum)
    assert part.tolist() == [[100.0, 0.0], [300.0, 0.0], [300.0, 100.0]]


def test_tangent_normals_and_heading() -> None:
    assert tangent(L, 100.0).tolist() == pytest.approx([1.0, 0.0])
    assert tangent(L, 600.0).tolist() == pytest.approx([0.0, 1.0])
    straight = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    assert normals(straight) == pytest.approx(np.array([[0.0, 1.0]] * 3))  # left of travel
    assert heading(np.array([0.0, 2.0])) == pytest.approx(math.pi / 2)


def test_resample_keeps_the_ends_and_the_spacing() -> None:
    r = resample(L, 50.0)
    assert r[0].tolist() == L[0].tolist()
    assert r[-1].tolist() == L[-1].tolist()
    assert len(r) == 15  # 700 m / 50 m + 1
    assert arclen(r)[-1] <= 700.0


def test_catmull_rom_passes_through_its_control_points() -> None:
    ctrl = np.array([[0.0, 0.0], [1000.0, 500.0], [2000.0, 0.0], [3000.0, 800.0]])
    c = catmull_rom(ctrl, 40.0)
    for p in ctrl:
        assert float(np.hypot(*(c - p).T).min()) < 1e-9
    assert float(np.diff(arclen(c)).max()) < 60.0


def test_bezier_ends() -> None:
    b = bezier(np.array([0.0, 0.0]), np.array([50.0, 100.0]), np.array([100.0, 0.0]), n=5)
    assert b[0].tolist() == [0.0, 0.0]
    assert b[-1].tolist() == [100.0, 0.0]
    assert b[2].tolist() == [50.0, 50.0]


def test_largest_gap() -> None:
    assert largest_gap([]) == 0.0
    assert largest_gap([0.0]) == pytest.approx(math.pi)  # opposite a single road
    assert largest_gap([0.0, math.pi / 2]) == pytest.approx(5 * math.pi / 4)


def test_crossings_and_span() -> None:
    line = LineString(L)
    river = LineString([(-10.0, 200.0), (400.0, 200.0)])
    assert crossings(line, river) == pytest.approx([500.0])
    assert crossings(line, LineString([(0, 10), (10, 10)])) == []
    cum = arclen(L)
    area = river.buffer(80.0)
    lo, hi = span(L, cum, 500.0, 30.0, area)  # widened until clear of the area
    assert lo <= 420.0
    assert hi >= 580.0
    assert not area.contains(Point(at(L, lo, cum)[0]))


def test_meander_keeps_the_ends_and_is_seeded() -> None:
    c = resample(np.array([[0.0, 0.0], [5000.0, 0.0]]), 25.0)
    a = meander(c, np.random.default_rng(1), np.full(len(c), 200.0), (1000.0, 2000.0))
    b = meander(c, np.random.default_rng(1), np.full(len(c), 200.0), (1000.0, 2000.0))
    assert np.array_equal(a, b)
    assert a[0].tolist() == c[0].tolist()
    assert a[-1].tolist() == c[-1].tolist()
    assert 20.0 < float(np.abs(a[:, 1]).max()) < 1000.0


def test_noise_is_smooth_with_unit_variance() -> None:
    f = Noise(np.random.default_rng(0), (2000.0, 5000.0), 12)
    x, y = np.meshgrid(np.linspace(0, 50_000, 200), np.linspace(0, 50_000, 200))
    v = f(x, y)
    assert v.shape == x.shape
    assert 0.5 < float(v.std()) < 1.5
    assert abs(float(f(0.0, 0.0)) - float(f(1.0, 0.0))) < 0.01

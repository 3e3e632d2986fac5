"""Polyline and noise helpers of the sample-county generator (local coordinates, metres)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import LineString, Point

FloatArray = npt.NDArray[np.float64]
Key = tuple[int, int]  # an undirected edge: (smaller vertex id, larger vertex id)


def arclen(p: FloatArray) -> FloatArray:
    """Return the cumulative length along polyline ``p``, metres (first value 0)."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])


def at(
    p: FloatArray, s: FloatArray | float | list[float], cum: FloatArray | None = None
) -> FloatArray:
    """Return the points at arc lengths ``s`` (metres) along polyline ``p``."""
    c = arclen(p) if cum is None else cum
    s_arr = np.atleast_1d(np.asarray(s, dtype=float))
    return np.column_stack([np.interp(s_arr, c, p[:, 0]), np.interp(s_arr, c, p[:, 1])])


def sub(p: FloatArray, s0: float, s1: float, cum: FloatArray) -> FloatArray:
    """Return the part of polyline ``p`` between arc lengths ``s0 < s1`` (metres)."""
    inner = (cum > s0) & (cum < s1)
    return np.vstack([at(p, s0, cum), p[inner], at(p, s1, cum)])


def tangent(p: FloatArray, s: float, cum: FloatArray | None = None, h: float = 60.0) -> FloatArray:
    """Return the unit tangent of ``p`` at arc length ``s`` (difference over ``h`` metres)."""
    c = arclen(p) if cum is None else cum
    a, b = at(p, [max(s - h, 0.0), min(s + h, float(c[-1]))], c)
    return (b - a) / np.hypot(*(b - a))


def normals(p: FloatArray) -> FloatArray:
    """Return the unit left normals of a smooth polyline at its vertices."""
    d = np.gradient(p, axis=0)
    d /= np.hypot(d[:, 0], d[:, 1])[:, None]
    return np.column_stack([-d[:, 1], d[:, 0]])


def resample(p: FloatArray, spacing: float) -> FloatArray:
    """Resample polyline ``p`` every ~``spacing`` metres, keeping both end points exactly."""
    c = arclen(p)
    out = at(p, np.linspace(0.0, c[-1], max(1, round(c[-1] / spacing)) + 1), c)
    out[0], out[-1] = p[0], p[-1]
    return out


def catmull_rom(ctrl: FloatArray, step: float) -> FloatArray:
    """Return an interpolating Catmull-Rom spline through ``ctrl``, sampled every ~``step`` m."""
    q = np.vstack([2 * ctrl[0] - ctrl[1], ctrl, 2 * ctrl[-1] - ctrl[-2]])
    parts = []
    for i in range(1, len(q) - 2):
        p0, p1, p2, p3 = q[i - 1], q[i], q[i + 1], q[i + 2]
        n = max(2, math.ceil(float(np.hypot(*(p2 - p1))) / step))
        t = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
        parts.append(
            0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                   + (3 * p1 - p0 - 3 * p2 + p3) * t**3)
        )  # fmt: skip
    parts.append(ctrl[-1][None, :])
    return np.vstack(parts)


def bezier(p0: FloatArray, k: FloatArray, p1: FloatArray, n: int = 60) -> FloatArray:
    """Return a quadratic Bézier curve from ``p0`` to ``p1`` with control point ``k``."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * k + t**2 * p1


def heading(d: FloatArray) -> float:
    """Return the direction of vector ``d``, radians counter-clockwise from east."""
    return math.atan2(float(d[1]), float(d[0]))


def largest_gap(angles: list[float]) -> float:
    """Return the direction (radians) in the middle of the largest gap between ``angles``."""
    if not angles:
        return 0.0
    a = sorted(x % (2 * math.pi) for x in angles)
    gaps = [(a[(i + 1) % len(a)] - a[i]) % (2 * math.pi) or 2 * math.pi for i in range(len(a))]
    i = int(np.argmax(gaps))
    return a[i] + gaps[i] / 2


def crossings(line: LineString, other: Any) -> list[float]:
    """Return the arc lengths (metres) along ``line`` where it crosses ``other``."""
    inter = line.intersection(other)
    points = [inter] if isinstance(inter, Point) else list(getattr(inter, "geoms", []))
    return sorted(float(line.project(p)) for p in points if isinstance(p, Point))


def span(
    curve: FloatArray, cum: FloatArray, s: float, half: float, area: Any
) -> tuple[float, float]:
    """Return arc lengths around a crossing at ``s``: ``half`` metres or more, clear of ``area``."""
    lo, hi = s - half, s + half
    while lo > 0 and area.contains(Point(at(curve, lo, cum)[0])):
        lo -= 20.0
    while hi < cum[-1] and area.contains(Point(at(curve, hi, cum)[0])):
        hi += 20.0
    return lo, hi


def meander(
    curve: FloatArray, rng: np.random.Generator, amp: FloatArray, wavelength: tuple[float, float]
) -> FloatArray:
    """Offset a smooth polyline sideways by a random sum of sines (``amp`` metres per vertex)."""
    s = arclen(curve)
    off = np.zeros(len(curve))
    n = 8
    for _ in range(n):
        lam = rng.uniform(*wavelength)
        off += rng.normal() * np.sin(2 * math.pi * s / lam + rng.uniform(0, 2 * math.pi))
    ramp = np.clip(np.minimum(s, s[-1] - s) / 800.0, 0.0, 1.0)
    return curve + normals(curve) * (off * math.sqrt(2.0 / n) * amp * ramp)[:, None]


class Noise:
    """Smooth 2-D random field: a sum of random plane waves with roughly unit variance.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    wavelength : tuple of float
        Range of the wavelengths, metres.
    n : int
        Number of plane waves.
    """

    def __init__(self, rng: np.random.Generator, wavelength: tuple[float, float], n: int = 12):
        lam = rng.uniform(*wavelength, n)
        ang = rng.uniform(0.0, 2 * math.pi, n)
        self._kx = 2 * math.pi / lam * np.cos(ang)
        self._ky = 2 * math.pi / lam * np.sin(ang)
        self._ph = rng.uniform(0.0, 2 * math.pi, n)
        self._norm = math.sqrt(2.0 / n)

    def __call__(self, x: FloatArray | float, y: FloatArray | float) -> FloatArray:
        """Return the field at (``x``, ``y``), metres (broadcast like numpy)."""
        xa = np.asarray(x, dtype=float)[..., None]
        ya = np.asarray(y, dtype=float)[..., None]
        return np.sin(xa * self._kx + ya * self._ky + self._ph).sum(axis=-1) * self._norm

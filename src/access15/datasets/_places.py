"""Names, people and health facilities of the sample county, and its township polygons.

Township seats get names and populations, villages names and people, hamlets people; the
county hospital (a building polygon by the seat's main crossroads), one health centre per
township (the two biggest townships get a central health centre) and clinics in most plain
and fewer mountain villages, numbered township by township.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from access15.datasets._draft import Draft
from access15.datasets._geometry import FloatArray, heading, largest_gap
from access15.datasets._names import Names


def name_places(d: Draft) -> None:
    """Name the townships and villages; give them people."""
    rng = d.rng
    names = Names(rng)
    seat = d.towns[0]
    seat.zh, seat.en = "城关", "Chengguan"
    seat.population = float(rng.uniform(105_000, 125_000))
    others = sorted(d.towns[1:], key=lambda t: (-round(t.center[1], -3), t.center[0]))
    for k, t in enumerate([seat, *others]):
        t.zone_id = f"T{k + 1:02d}"
    for t in others:
        t.kind = "乡" if t.mountain > 0.5 and rng.random() < 0.6 else "镇"
        t.zh, t.en = names.township()
        lo, hi = (6_500, 11_500) if t.on_main_road else (4_000, 8_000)
        if t.mountain > 0.5:
            lo, hi = 3_000, 5_000
        t.population = float(rng.uniform(lo, hi))
    for v in d.villages:
        d.village_names[v] = names.village()
        if d.m(d.g.p(v)) > 0.5:
            d.pop_of[v] = float(np.clip(rng.lognormal(math.log(380.0), 0.4), 200, 950))
        else:
            d.pop_of[v] = float(np.clip(rng.lognormal(math.log(640.0), 0.45), 250, 1950))
    for v in d.hamlets:
        mountain = d.m(d.g.p(v)) > 0.5
        d.pop_of[v] = float(rng.uniform(15, 80) if mountain else rng.uniform(25, 120))


def place_facilities(d: Draft) -> None:
    """Place the county hospital, township health centres and village clinics."""
    rng = d.rng
    g = d.g
    seat = d.towns[0]
    u = np.array([math.cos(seat.angle), math.sin(seat.angle)])
    v = np.array([-u[1], u[0]])
    c = g.p(seat.center_vertex) + (u + v) * seat.spacing * 0.5  # by the main crossroads
    d.hospital = [
        c + sx * 58.0 * u + sy * 42.0 * v for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    central = sorted(d.towns[1:], key=lambda t: -t.population)[:2]
    for t in d.towns:
        u = np.array([math.cos(t.angle), math.sin(t.angle)])
        v = np.array([-u[1], u[0]])
        if t.index == 0:  # the seat's own health centre, away from the hospital
            k = (-3, 2) if (-3, 2) in t.grid else sorted(t.grid)[len(t.grid) // 3]
            p = g.p(t.grid[k]) + (u - v) * t.spacing * 0.3
        else:
            p = g.p(t.center_vertex) + (v - u) / math.sqrt(2) * rng.uniform(45, 80)
        big = t in central
        d.facilities.append({
            "xy": p, "tier": 2, "ref": t.zone_id,
            "name": t.full_zh + ("中心卫生院" if big else "卫生院"),
            "name_en": t.en + (" Central" if big else "") + " Township Health Centre",
            "amenity": "hospital" if big else "clinic",
            "healthcare": "hospital" if big else "clinic",
        })  # fmt: skip
    # village clinics: in most plain villages, fewer mountain villages
    has = [rng.random() < (0.84 if d.m(g.p(x)) < 0.5 else 0.33) for x in d.villages]
    for i in range(len(has)):  # keep the count within 160..290
        if sum(has) >= 160:
            break
        has[i] = True
    for i in range(len(has) - 1, -1, -1):
        if sum(has) <= 290:
            break
        has[i] = False
    zone_of = _zone_of(d, np.asarray([g.xy[x] for x in d.villages]))
    adj = g.adjacency()
    with_clinic = sorted((z, x) for z, x, h in zip(zone_of, d.villages, has, strict=True) if h)
    for n, (_z, x) in enumerate(with_clinic):
        angles = [heading(g.geom(x, w)[1] - g.p(x)) for w in adj.get(x, [])]
        h = largest_gap(angles)  # off the road, between the roads
        zh, en = d.village_names[x]
        d.facilities.append({
            "xy": g.p(x) + rng.uniform(25, 75) * np.array([math.cos(h), math.sin(h)]),
            "tier": 1, "ref": f"V{n + 1:03d}", "name": zh + "卫生室", "name_en": en + " Clinic",
            "amenity": "doctors", "healthcare": "doctor",
        })  # fmt: skip


def township_polygons(d: Draft) -> list[Polygon | MultiPolygon]:
    """Return the Voronoi cells of the township seats, clipped to the county."""
    county = d.land.county
    pts = shapely.MultiPoint([t.center for t in d.towns])
    cells = shapely.voronoi_polygons(pts, extend_to=county.buffer(20_000.0))
    return [
        next(c for c in cells.geoms if c.contains(Point(t.center))).intersection(county)
        for t in d.towns
    ]


def _zone_of(d: Draft, pts: FloatArray) -> list[str]:
    polys = township_polygons(d)
    return [
        next(
            (t.zone_id for t, poly in zip(d.towns, polys, strict=True) if poly.contains(Point(p))),
            "",
        )
        for p in pts
    ]

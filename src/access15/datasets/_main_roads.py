"""Main roads of the sample county and the towns on them.

The G60 expressway (two one-way carriageways, bridges and diamond interchanges), national road
G320 (``trunk``), provincial road S231 (``primary``) and county road X001 (``secondary``, with
a bridge), the county seat and the township seats with their street grids. Where a main road
crosses the river it gets a bridge edge, where it crosses the expressway an underpass.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from access15.datasets._draft import Draft
from access15.datasets._geometry import (
    FloatArray,
    arclen,
    at,
    bezier,
    catmull_rom,
    crossings,
    heading,
    meander,
    normals,
    resample,
    span,
    sub,
    tangent,
)
from access15.datasets._graph import Chain, Town, WaySpec, straight
from access15.datasets._plan import (
    BRIDGE_HALF,
    CARRIAGEWAY_OFFSET,
    FREE_TOWNS_KM,
    MOTORWAY_KM,
    NODE_SPACING,
    PRIMARY_KM,
    PRIMARY_TOWNS_KM,
    RAMP_ON_CROSSROAD,
    RAMP_ON_MOTORWAY,
    SEAT_KM,
    TRUNK_KM,
    TRUNK_TOWNS_KM,
    UNDERPASS_HALF,
    XSOUTH_KM,
)
from access15.datasets._towns import TownPlan, build_town


def _curve(
    d: Draft, ctrl_km: list[tuple[float, float]], meander_m: float, protect: list[FloatArray]
) -> FloatArray:
    """Return a smooth main-road centre line through ``ctrl_km``, winding in the mountains.

    The line meanders up to ~``meander_m`` metres sideways where the land is mountainous and
    runs straight within ~1 km of the ``protect`` points (towns).
    """
    c = catmull_rom(np.asarray(ctrl_km) * 1000.0, 30.0)
    amp = meander_m * d.land.mountain(c[:, 0], c[:, 1]) + 40.0
    for q in protect:
        amp *= np.clip((np.hypot(*(c - q).T) - 900.0) / 900.0, 0.0, 1.0)
    return resample(meander(c, d.rng, amp, (1_400.0, 3_500.0)), 25.0)


def _clip(d: Draft, curve: FloatArray, margin: float) -> FloatArray:
    """Return the part of ``curve`` inside the county grown by ``margin`` metres."""
    inside = shapely.contains_xy(d.land.county.buffer(margin), curve[:, 0], curve[:, 1])
    idx = np.flatnonzero(inside)
    return curve[idx[0] : idx[-1] + 1]


def _town_on(
    d: Draft,
    curve: FloatArray,
    p_km: tuple[float, float],
    spacing: float,
    radii: tuple[float, float],
    avoid: Any,
    protect: int = 0,
) -> Town:
    """Add a town centred on ``curve`` near ``p_km``, its grid aligned with the road."""
    cum = arclen(curve)
    s = float(cum[np.argmin(np.hypot(*(curve - np.asarray(p_km) * 1000.0).T))])
    centre = at(curve, s, cum)[0]
    angle = heading(tangent(curve, s, cum))
    plan = TownPlan(centre, angle, spacing, radii, d.m(centre), True, protect)
    town = build_town(d.g, d.rng, len(d.towns), plan, avoid)
    d.towns.append(town)
    return town


def build_main_roads(d: Draft) -> None:
    """Add the motorway, the national and provincial roads, one county road and the towns."""
    rng = d.rng
    town_pts = [np.asarray(p) * 1000.0 for p in TRUNK_TOWNS_KM + PRIMARY_TOWNS_KM]
    trunk = _clip(d, _curve(d, TRUNK_KM, 520.0, town_pts), 300.0)
    primary = _clip(d, _curve(d, PRIMARY_KM, 600.0, town_pts), 300.0)
    xsouth = _curve(d, XSOUTH_KM, 300.0, [np.asarray(XSOUTH_KM[0]) * 1000.0])
    mw = catmull_rom(np.asarray(MOTORWAY_KM) * 1000.0, 40.0)
    for _ in range(3):  # gentle smoothing: expressways have large radii
        mw = np.vstack([mw[0], (mw[:-2] + 2 * mw[1:-1] + mw[2:]) / 4, mw[-1]])
    d.motorway = resample(_clip(d, mw, 700.0), 25.0)
    mw_line = LineString(d.motorway)
    avoid = d.land.river_poly.buffer(450.0).union(mw_line.buffer(420.0))

    def township_radii() -> tuple[float, float]:
        return rng.uniform(520, 700), rng.uniform(420, 560)

    # the county seat first (town 0), aligned with the national road
    seat = _town_on(d, trunk, SEAT_KM, 215.0, (2100.0, 1650.0), avoid, protect=4)
    trunk_towns: list[tuple[int, str]] = []
    for p in TRUNK_TOWNS_KM:
        t = seat if p == SEAT_KM else _town_on(d, trunk, p, 170.0, township_radii(), avoid)
        trunk_towns.append((t.index, "row"))
    primary_towns: list[tuple[int, str]] = []
    for p in PRIMARY_TOWNS_KM:
        t = _town_on(d, primary, p, 170.0, township_radii(), avoid)
        primary_towns.append((t.index, "row"))
    primary_towns.insert(2, (seat.index, "col"))
    c0 = xsouth[0]
    plan = TownPlan(c0, heading(xsouth[20] - c0), 165.0, (560.0, 460.0), d.m(c0), True)
    west = build_town(d.g, rng, len(d.towns), plan, avoid)
    d.towns.append(west)
    east = primary_towns[1][0]  # the town where the county road meets the provincial road
    inner = d.land.county.buffer(-2500.0)
    roads = shapely.union_all([LineString(c) for c in (trunk, primary, xsouth)])
    for p_km in FREE_TOWNS_KM:
        keep_off = shapely.union_all(
            [avoid.buffer(700.0), roads.buffer(1200.0)] + [t.blob.buffer(3000.0) for t in d.towns]
        )
        centre = np.asarray(p_km) * 1000.0 + rng.uniform(-700, 700, 2)
        while not inner.contains(Point(centre)):  # pull a town in from a bay
            centre *= 0.95
        base = centre
        for k in range(1, 200):  # step away from the river and the motorway
            if not keep_off.contains(Point(centre)) and inner.contains(Point(centre)):
                break
            centre = base + rng.uniform(-1.0, 1.0, 2) * 100.0 * k
        mm = d.m(centre)
        radii = (
            (rng.uniform(380, 520), rng.uniform(320, 440)) if mm > 0.5
            else (rng.uniform(450, 620), rng.uniform(380, 520))
        )  # fmt: skip
        plan = TownPlan(centre, rng.uniform(0, math.pi), 160.0, radii, mm, False)
        d.towns.append(build_town(d.g, rng, len(d.towns), plan, avoid))
    river = LineString(d.land.river)
    barriers = [  # (line, area to span, kind, minimum half length)
        (river, d.land.river_poly.buffer(25.0), "bridge", BRIDGE_HALF),
        (mw_line, mw_line.buffer(CARRIAGEWAY_OFFSET + 20.0), "underpass", UNDERPASS_HALF),
    ]
    d.chains["trunk"] = _add_chain(d, "trunk", "trunk", trunk, trunk_towns, barriers, True)
    d.chains["primary"] = _add_chain(
        d, "primary", "primary", primary, primary_towns, barriers, True
    )
    d.chains["xsouth"] = _add_chain(
        d, "xsouth", "secondary", xsouth, [(west.index, "touch"), (east, "touch")], barriers, False
    )
    _add_motorway(d)


def _add_chain(
    d: Draft,
    name: str,
    cls: str,
    curve: FloatArray,
    towns: list[tuple[int, str]],
    barriers: list[tuple[LineString, Any, str, float]],
    interchange: bool,
) -> Chain:
    """Turn a main-road centre line into graph vertices and edges.

    The line is cut where it runs through towns: the town's centre row or column carries
    the road there (``"row"``/``"col"``), or the road stops at the edge of the grid
    (``"touch"``). Where the line crosses a barrier (river, motorway) it gets a short
    straight bridge or underpass edge, and with ``interchange`` also vertices for ramps.
    """
    g = d.g
    chain = Chain(name, cls, towns=[t for t, _m in towns])
    cum = arclen(curve)
    total = float(cum[-1])
    intervals: list[tuple[float, float, int, str]] = []
    for t, mode in towns:
        idx = np.flatnonzero(
            shapely.contains_xy(d.towns[t].blob.buffer(150.0), curve[:, 0], curve[:, 1])
        )
        if len(idx) == 0:
            raise RuntimeError(f"{name} misses town {t}")
        intervals.append((float(cum[idx[0]]), float(cum[idx[-1]]), t, mode))
    intervals.sort()
    special: list[tuple[float, float, str]] = []  # (start, end, kind) of bridges etc.
    ramp_s: list[float] = []
    line = LineString(curve)
    for other, area, kind, half in barriers:
        for s in crossings(line, other):
            special.append((*span(curve, cum, s, half, area), kind))
            if kind == "underpass" and interchange:
                ramp_s.append(s)
    mandatory = sorted(
        [x for lo, hi, _k in special for x in (lo, hi)]
        + [s + ds for s in ramp_s for ds in (-RAMP_ON_CROSSROAD, RAMP_ON_CROSSROAD)]
    )
    if any(lo - 100.0 < x < hi + 100.0 for lo, hi, _t, _m in intervals for x in mandatory):
        raise RuntimeError(f"{name}: a river or motorway crossing falls inside a town")

    def kind_of(sa: float, sb: float) -> str | None:
        return next((k for lo, hi, k in special if abs(sa - lo) + abs(sb - hi) < 1e-6), None)

    pieces: list[tuple[float, float]] = []  # parts of the line outside the towns
    start = 0.0
    for lo, hi, _t, _m in intervals:
        if lo > start + 1.0:
            pieces.append((start, lo))
        start = hi
    if start < total - 1.0:
        pieces.append((start, total))
    vertex_at: dict[float, int] = {}
    piece_vertices: list[list[int]] = []
    for p0, p1 in pieces:
        marks = [p0, *(x for x in mandatory if p0 < x < p1), p1]
        positions: list[float] = []
        for a, b in itertools.pairwise(marks):
            step = 600.0 + 300.0 * (1.0 - d.m(at(curve, (a + b) / 2, cum)[0]))
            n = 1 if kind_of(a, b) else max(1, round((b - a) / step))
            positions.extend(np.linspace(a, b, n + 1)[:-1].tolist())
        positions.append(p1)
        verts = []
        for s in positions:
            is_mark = any(abs(s - x) < 1e-6 for x in mandatory)
            verts.append(g.add_vertex(at(curve, s, cum)[0], "chain_x" if is_mark else "chain"))
            vertex_at[s] = verts[-1]
        for (va, sa), (vb, sb) in itertools.pairwise(zip(verts, positions, strict=True)):
            kind = kind_of(sa, sb) or ""
            geom = sub(curve, sa, sb, cum)
            if kind:
                geom = geom[[0, -1]]
            spacing = NODE_SPACING[cls] * d.rng.uniform(0.85, 1.2)
            g.add_edge(va, vb, cls, True, resample(geom, spacing), kind)
        piece_vertices.append(verts)
    for s in ramp_s:
        a = vertex_at[min(vertex_at, key=lambda x: abs(x - (s - RAMP_ON_CROSSROAD)))]
        b = vertex_at[min(vertex_at, key=lambda x: abs(x - (s + RAMP_ON_CROSSROAD)))]
        chain.ramp_points.append((at(curve, s, cum)[0], a, b))
    chain.segments = _stitch(d, cls, pieces, piece_vertices, intervals)
    return chain


def _stitch(
    d: Draft,
    cls: str,
    pieces: list[tuple[float, float]],
    piece_vertices: list[list[int]],
    intervals: list[tuple[float, float, int, str]],
) -> list[list[int]]:
    """Join the pieces of a main road through (or up to) the town grids."""
    g = d.g
    segments: list[list[int]] = []
    current: list[int] = []
    pending: Town | None = None  # the road continues from this town's grid edge
    events: list[tuple[float, int, Any]] = [
        (p[0], 1, pv) for p, pv in zip(pieces, piece_vertices, strict=True)
    ]
    events += [(lo, 0, (t, mode)) for lo, _hi, t, mode in intervals]
    for _s, is_piece, payload in sorted(events, key=lambda ev: (ev[0], ev[1])):
        if is_piece:
            verts = payload
            if pending is not None:
                near = _nearest_grid(d, pending, g.p(verts[0]))
                straight(g, near, verts[0], cls, "connector")
                current, pending = [near, *verts], None
            elif current:
                straight(g, current[-1], verts[0], cls, "connector")
                current.extend(verts)
            else:
                current = list(verts)
            continue
        t, mode = payload
        town = d.towns[t]
        if mode == "touch":
            if current:
                near = _nearest_grid(d, town, g.p(current[-1]))
                straight(g, current[-1], near, cls, "connector")
                segments.append([*current, near])
            current, pending = [], town
            continue
        run = town.row if mode == "row" else town.col
        if current and np.hypot(*(g.p(run[-1]) - g.p(current[-1]))) < np.hypot(
            *(g.p(run[0]) - g.p(current[-1]))
        ):
            run = run[::-1]
        if current:
            straight(g, current[-1], run[0], cls, "connector")
        current.extend(run)
        for a, b in itertools.pairwise(run):
            e = g.edge(a, b)
            assert e is not None
            e.cls = cls
    if current:
        segments.append(current)
    return segments


def _nearest_grid(d: Draft, town: Town, q: FloatArray) -> int:
    ids = sorted(town.grid.values())
    return ids[int(np.argmin([np.hypot(*(d.g.p(v) - q)) for v in ids]))]


def _add_motorway(d: Draft) -> None:
    """Add two one-way carriageways with bridges and diamond interchanges."""
    g = d.g
    c = d.motorway
    cum = arclen(c)
    nrm = normals(c)
    right = c - nrm * CARRIAGEWAY_OFFSET  # northbound (right-hand traffic)
    left = c + nrm * CARRIAGEWAY_OFFSET
    line = LineString(c)
    water = d.land.river_poly.buffer(CARRIAGEWAY_OFFSET + 25.0)
    bridges = [
        span(c, cum, s, BRIDGE_HALF, water) for s in crossings(line, LineString(d.land.river))
    ]
    ics = [
        (float(line.project(Point(cpt))), va, vb)
        for name in ("trunk", "primary")
        for cpt, va, vb in d.chains[name].ramp_points
    ]
    marks = {0.0, float(cum[-1])}
    marks.update(x for lo, hi in bridges for x in (lo, hi))
    marks.update(s + ds for s, _a, _b in ics for ds in (-RAMP_ON_MOTORWAY, RAMP_ON_MOTORWAY))
    ordered = sorted(marks)
    pos: list[float] = []
    for a, b in itertools.pairwise(ordered):
        pos.extend(np.linspace(a, b, max(1, round((b - a) / 2000.0)) + 1)[:-1].tolist())
    pos.append(ordered[-1])
    d.mw_busy = [s for s, _a, _b in ics] + [(lo + hi) / 2 for lo, hi in bridges]

    def point(off: FloatArray, s: float) -> FloatArray:
        return np.array([np.interp(s, cum, off[:, 0]), np.interp(s, cum, off[:, 1])])

    def carriageway(off: FloatArray) -> dict[float, int]:
        ids = {s: g.add_vertex(point(off, s), "motorway") for s in pos}
        for sa, sb in itertools.pairwise(pos):
            inner = off[(cum > sa) & (cum < sb)]
            geom = np.vstack([g.xy[ids[sa]], *inner, g.xy[ids[sb]]])
            is_bridge = any(abs(sa - lo) + abs(sb - hi) < 1e-6 for lo, hi in bridges)
            g.add_edge(
                ids[sa], ids[sb], "motorway", True,
                resample(geom[[0, -1]] if is_bridge else geom, NODE_SPACING["motorway"]),
                "bridge" if is_bridge else "carriageway",
            )  # fmt: skip
        return ids

    nb, sb = carriageway(right), carriageway(left)
    d.carriageways = [[nb[s] for s in pos], [sb[s] for s in pos[::-1]]]

    def near(ids: dict[float, int], s: float) -> int:
        return ids[min(ids, key=lambda x: abs(x - s))]

    for s, va, vb in ics:
        t = tangent(c, s, cum)
        nr = np.array([t[1], -t[0]])  # right-hand side of the northbound direction
        on_right = float(np.dot(g.p(va) - point(c, s), nr)) > 0
        p_r, p_l = (va, vb) if on_right else (vb, va)
        ramps = (  # (from, control point, to) for a diamond interchange
            (near(nb, s - RAMP_ON_MOTORWAY), point(right, s - 260.0) + nr * 45.0, p_r),
            (p_r, point(right, s + 260.0) + nr * 45.0, near(nb, s + RAMP_ON_MOTORWAY)),
            (near(sb, s + RAMP_ON_MOTORWAY), point(left, s + 260.0) - nr * 45.0, p_l),
            (p_l, point(left, s - 260.0) - nr * 45.0, near(sb, s - RAMP_ON_MOTORWAY)),
        )
        for a, k, b in ramps:
            geom = resample(bezier(g.p(a), k, g.p(b)), NODE_SPACING["motorway_link"])
            g.add_edge(a, b, "motorway_link", True, geom, "ramp")
            tags = {"highway": "motorway_link", "oneway": "yes", "maxspeed": "60", "lanes": "1"}
            d.ramp_ways.append(WaySpec([a, b], tags))

"""Villages, hamlets and the roads between them: the village mesh, its shape, farm tracks.

Settlements are placed by dart throwing (dense on the plain, sparse in the hills and along
valleys); village roads join them: Delaunay candidates that cross no main road or river, a
spanning tree of the shortest plus some loops, a few underpasses below the expressway. Each
village road is then given a smooth winding shape, straightened or dropped where it crosses
anything; what does not reach the county seat is pruned. Farm and forest tracks end the
process as dead-end spurs from villages and hamlets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from scipy.spatial import Delaunay, cKDTree
from shapely.geometry import LineString, Point

from access15.datasets._draft import Draft
from access15.datasets._geometry import Key, heading, largest_gap, resample, tangent
from access15.datasets._graph import Edge, straight
from access15.datasets._plan import NODE_SPACING, UNDERPASS_HALF

# -- settlements ----------------------------------------------------------------------------------


def place_settlements(d: Draft) -> None:
    """Place villages and hamlets by dart throwing: dense on the plain, sparse in the hills."""
    rng = d.rng
    land = d.land
    minx, miny, maxx, maxy = land.county.bounds
    n = 45_000
    cand = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    lines = [LineString(d.motorway)]
    lines += [d.g.line(e) for e in d.g.edges.values() if e.forced and not e.town]
    excl = shapely.union_all(
        [land.river_poly.buffer(260.0), shapely.union_all(lines).buffer(260.0)]
        + [t.blob.buffer(320.0) for t in d.towns]
        + [land.county.exterior.buffer(380.0)]
    )
    shapely.prepare(excl)
    ok = shapely.contains_xy(land.county, cand[:, 0], cand[:, 1])
    ok &= ~shapely.contains_xy(excl, cand[:, 0], cand[:, 1])
    cand = cand[ok]
    mm = land.mountain(cand[:, 0], cand[:, 1])
    # in the mountains, settle mostly along valleys
    valley = np.exp(-((land.valley_noise(cand[:, 0], cand[:, 1]) / 0.45) ** 2))
    ok = (mm < 0.5) | (rng.random(len(cand)) < 0.15 + 0.85 * valley)
    cand, mm = cand[ok], mm[ok]
    radius = 780.0 * (1 - mm) + 1750.0 * mm
    tree = cKDTree(cand)
    alive = np.ones(len(cand), dtype=bool)
    chosen = []
    for i in range(len(cand)):
        if alive[i]:
            chosen.append(i)
            alive[tree.query_ball_point(cand[i], radius[i])] = False
    pts, pm = cand[chosen], mm[chosen]
    # administrative villages: a sparser subset; the others are hamlets
    village_radius = 1850.0 * (1 - pm) + 3100.0 * pm
    vtree = cKDTree(pts)
    is_village = np.zeros(len(pts), dtype=bool)
    blocked = np.zeros(len(pts), dtype=bool)
    for i in rng.permutation(len(pts)):
        if not blocked[i]:
            is_village[i] = True
            blocked[vtree.query_ball_point(pts[i], village_radius[i])] = True
    for p, village in zip(pts, is_village, strict=True):
        v = d.g.add_vertex(p, "village" if village else "hamlet")
        (d.villages if village else d.hamlets).append(v)


# -- village road mesh ----------------------------------------------------------------------------


def connect(d: Draft) -> None:
    """Add village roads: Delaunay candidates minus crossings, a spanning tree plus loops."""
    g = d.g
    ids = np.array([v for v, k in enumerate(g.kind) if k in ("chain", "grid", "village", "hamlet")])
    pts = np.asarray(g.xy)[ids]
    tri = Delaunay(pts)
    simplices = tri.simplices
    pairs = np.sort(
        np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]]), axis=1
    )
    pairs = np.unique(pairs, axis=0)
    a_ids, b_ids = ids[pairs[:, 0]], ids[pairs[:, 1]]
    pa, pb = pts[pairs[:, 0]], pts[pairs[:, 1]]
    length = np.hypot(*(pb - pa).T)
    mid = (pa + pb) / 2
    keep = length < 2300.0 + 2600.0 * d.land.mountain(mid[:, 0], mid[:, 1])
    keep &= shapely.contains_xy(d.land.county.buffer(200.0), mid[:, 0], mid[:, 1])
    town = np.asarray(g.town)
    keep &= ~((town[a_ids] >= 0) & (town[a_ids] == town[b_ids]))  # no diagonals in grids
    kinds = np.asarray(g.kind)
    main = (kinds == "chain") | (kinds == "grid")
    keep &= ~(main[a_ids] & main[b_ids] & ((kinds[a_ids] == "chain") | (kinds[b_ids] == "chain")))
    keep &= np.array([g.edge(int(a), int(b)) is None for a, b in zip(a_ids, b_ids, strict=True)])
    cand = np.flatnonzero(keep)
    lines = shapely.linestrings(np.stack([pa[cand], pb[cand]], axis=1))
    # obstacles: main roads, grids, ramps, the river; the motorway corridor last
    forced = [e for e in g.edges.values() if e.forced and e.cls != "motorway"]
    obst: list[Any] = [g.line(e) for e in forced] + [d.land.river_poly]
    obst_v = [(e.a, e.b) for e in forced] + [(-1, -1)]
    obst.append(LineString(d.motorway).buffer(40.0))
    li, oi = shapely.STRtree(obst).query(lines, predicate="intersects")
    bad = np.zeros(len(cand), dtype=bool)
    under = np.zeros(len(cand), dtype=bool)
    for i, o in zip(li.tolist(), oi.tolist(), strict=True):
        if bad[i]:
            continue
        if o == len(obst) - 1:
            under[i] = True
            continue
        shared = {int(a_ids[cand[i]]), int(b_ids[cand[i]])} & set(obst_v[o])
        if shared:  # touching a main road at a shared vertex is fine
            inter = lines[i].intersection(obst[o])
            if isinstance(inter, Point) and inter.distance(Point(g.xy[shared.pop()])) < 1e-6:
                continue
        bad[i] = True
    _underpasses(d, [(int(a_ids[k]), int(b_ids[k])) for k in cand[under & ~bad]])
    cand_len = {(int(a_ids[k]), int(b_ids[k])): float(length[k]) for k in cand[~bad & ~under]}
    _angle_filter(d, cand_len, math.radians(24.0))
    chosen, rest = _spanning_tree(d, cand_len)
    # loops: Gabriel edges, kept with a probability that falls in the mountains
    xy = np.asarray(g.xy)
    all_tree = cKDTree(xy[ids])
    for a, b in rest:
        half = float(np.hypot(*(xy[b] - xy[a]))) / 2
        if all_tree.query_ball_point((xy[a] + xy[b]) / 2, half * 0.999):
            continue
        mm = d.m_edge(a, b)
        p = 0.62 * (1 - mm) + 0.05 * mm
        if half * 2 > 1700.0 * (1 - mm) + 3500 * mm:
            p *= 0.3
        if d.rng.random() < p:
            chosen.append((a, b))
    for a, b in chosen:
        _add_village_road(d, a, b)


def _spanning_tree(d: Draft, cand: dict[Key, float]) -> tuple[list[Key], list[Key]]:
    """Kruskal: the shortest candidates that join the pieces of the forced network."""
    parent = list(range(len(d.g.xy)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in d.g.edges:
        parent[find(a)] = find(b)
    chosen, rest = [], []
    for (a, b), _ln in sorted(cand.items(), key=lambda kv: (kv[1] * (1 + d.m_edge(*kv[0])), kv[0])):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            chosen.append((a, b))
        else:
            rest.append((a, b))
    return chosen, rest


def _underpasses(d: Draft, pairs: list[Key]) -> None:
    """Let a few village roads pass under the motorway (about every 2.5 km)."""
    g = d.g
    mw = LineString(d.motorway)
    options = []
    for a, b in pairs:
        chord = LineString([g.xy[a], g.xy[b]])
        hit = chord.intersection(mw)
        if not isinstance(hit, Point):
            continue
        s = float(mw.project(hit))
        t = tangent(d.motorway, s)
        chord_v = g.p(b) - g.p(a)
        sin = abs(float(t[0] * chord_v[1] - t[1] * chord_v[0])) / float(np.hypot(*chord_v))
        if sin < 0.8 or min((abs(s - x) for x in d.mw_busy), default=1e9) < 1500.0:
            continue
        options.append((-sin, s, a, b, float(chord.project(hit))))
    taken: list[float] = []
    for _neg_sin, s, a, b, s_chord in sorted(options):
        if any(abs(s - x) < 2500.0 for x in taken):
            continue
        taken.append(s)
        u = (g.p(b) - g.p(a)) / float(np.hypot(*(g.p(b) - g.p(a))))
        q1 = g.add_vertex(g.p(a) + u * (s_chord - UNDERPASS_HALF), "chain_x")
        q2 = g.add_vertex(g.p(a) + u * (s_chord + UNDERPASS_HALF), "chain_x")
        straight(g, a, q1, "unclassified")
        straight(g, q1, q2, "unclassified", "underpass")
        straight(g, q2, b, "unclassified")


def _angle_filter(d: Draft, cand: dict[Key, float], min_angle: float) -> None:
    """Drop candidates that leave a vertex at less than ``min_angle`` from another road."""
    g = d.g
    inc: dict[int, list[tuple[float, Key, bool, float]]] = {}
    for key, e in g.edges.items():
        for v, o in ((e.a, e.b), (e.b, e.a)):
            geom = g.geom(v, o)
            inc.setdefault(v, []).append((heading(geom[1] - geom[0]), key, True, 0.0))
    for key, ln in cand.items():
        a, b = key
        inc.setdefault(a, []).append((heading(g.p(b) - g.p(a)), key, False, ln))
        inc.setdefault(b, []).append((heading(g.p(a) - g.p(b)), key, False, ln))
    removed: set[Key] = set()
    for v in sorted(inc):
        while True:
            lst = sorted((x for x in inc[v] if x[1] not in removed), key=lambda x: x[0])
            worst = None
            for x, y in zip(lst, lst[1:] + lst[:1], strict=True):
                if (
                    len(lst) > 1
                    and (y[0] - x[0]) % (2 * math.pi) < min_angle
                    and not (x[2] and y[2])
                ):
                    worst = max((z for z in (x, y) if not z[2]), key=lambda z: (z[3], z[1]))
                    break
            if worst is None:
                break
            removed.add(worst[1])
    for key in sorted(removed):
        cand.pop(key, None)


def _add_village_road(d: Draft, a: int, b: int) -> None:
    e = d.g.add_edge(a, b, "unclassified", False)
    mm = d.m_edge(a, b)
    k = 3 + round(6 * mm)  # winding mountain roads have more and bigger bends
    sig = (0.03 + 0.08 * mm) / np.arange(1, k + 1) ** 0.75
    e.wiggle = d.rng.normal(0.0, 1.0, k) * sig
    e.spacing = NODE_SPACING["unclassified"] * d.rng.uniform(0.8, 1.25)


# -- road shapes ----------------------------------------------------------------------------------


def _shape(d: Draft, e: Edge) -> None:
    """Set the way nodes of a village road: the chord plus a smooth sideways wiggle."""
    pa, pb = d.g.p(e.a), d.g.p(e.b)
    chord = pb - pa
    ln = float(np.hypot(*chord))
    assert e.wiggle is not None
    k = np.arange(1, len(e.wiggle) + 1)
    t = np.linspace(0.0, 1.0, max(12, math.ceil(ln / 15.0)))
    off = (np.sin(np.pi * np.outer(t, k)) * e.wiggle).sum(axis=1) * ln * e.scale
    fine = pa + np.outer(t, chord) + np.outer(off, np.array([-chord[1], chord[0]]) / ln)
    e.geom = resample(fine, e.spacing)


def shape_and_fix(d: Draft) -> None:
    """Shape the village roads; tame, then drop, those that cross anything."""
    for e in d.g.edges.values():
        if e.geom is None:
            _shape(d, e)
    for _round in range(8):
        bad = _conflicts(d)
        if not bad:
            return
        for key in sorted(bad):
            e = d.g.edges[key]
            if e.scale < 0.2:
                del d.g.edges[key]
            else:
                e.scale *= 0.5
                _shape(d, e)
    if _conflicts(d):
        raise RuntimeError("road crossings left after straightening")


def _conflicts(d: Draft) -> set[Key]:
    """Return village roads that cross another road, the river or the motorway corridor."""
    g = d.g
    keys = list(g.edges)
    edges = [g.edges[k] for k in keys]
    lines = [g.line(e) for e in edges]
    ia, ib = shapely.STRtree(lines).query(lines, predicate="intersects")
    bad: set[Key] = set()
    for i, j in zip(ia.tolist(), ib.tolist(), strict=True):
        if i >= j:
            continue
        ei, ej = edges[i], edges[j]
        kinds = {ei.kind, ej.kind}
        if "underpass" in kinds and "motorway" in (ei.cls, ej.cls):
            continue
        shared = {ei.a, ei.b} & {ej.a, ej.b}
        if shared:
            inter = lines[i].intersection(lines[j])
            if isinstance(inter, Point) and inter.distance(Point(g.xy[shared.pop()])) < 1e-6:
                continue
        if ei.forced and ej.forced:
            raise RuntimeError(f"main roads cross without a junction: {keys[i]} {keys[j]}")
        bad.add(keys[i] if not ei.forced else keys[j])
    corridor = LineString(d.motorway).buffer(30.0)
    for k, e, ln in zip(keys, edges, lines, strict=True):
        if e.kind != "bridge" and ln.intersects(d.land.river_poly):
            if e.forced:
                raise RuntimeError(f"main road {k} runs into the river")
            bad.add(k)
        if not e.forced and ln.intersects(corridor):
            bad.add(k)
    return bad


# -- pruning and tracks ---------------------------------------------------------------------------


def prune(d: Draft) -> None:
    """Keep the network connected to the county seat; forget stray settlements."""
    adj = d.g.adjacency()
    start = d.towns[0].center_vertex
    seen = {start}
    stack = [start]
    while stack:
        for w in adj.get(stack.pop(), []):
            if w not in seen:
                seen.add(w)
                stack.append(w)
    for key in [k for k in d.g.edges if k[0] not in seen]:
        del d.g.edges[key]
    d.villages = [v for v in d.villages if v in seen]


def add_tracks(d: Draft) -> None:
    """Add dead-end farm and forest tracks from villages and hamlets."""
    g = d.g
    rng = d.rng
    adj = g.adjacency()
    obstacles = shapely.union_all(
        [g.line(e) for e in g.edges.values()]
        + [d.land.river_poly, LineString(d.motorway).buffer(60.0)]
    )
    shapely.prepare(obstacles)
    inner = d.land.county.buffer(-150.0)
    shapely.prepare(inner)
    placed: list[Any] = []
    for v in sorted(d.villages + d.hamlets):
        mm = d.m(g.p(v))
        if rng.random() > 0.30 + 0.25 * mm:
            continue
        for _k in range(1 + int(rng.random() < 0.25 + 0.3 * mm)):
            angles = [heading(g.geom(v, w)[1] - g.p(v)) for w in adj.get(v, [])]
            h = largest_gap(angles) + rng.normal(0, 0.25)
            steps = max(3, int(rng.uniform(350.0, 1100.0) * (1 + 1.2 * mm) / 35.0))
            hs = h + np.cumsum(rng.normal(0.0, 0.06 + 0.22 * mm, steps))
            pts = g.p(v) + np.vstack(
                [
                    [0.0, 0.0],
                    np.cumsum(35.0 * np.column_stack([np.cos(hs), np.sin(hs)]), axis=0),
                ]
            )
            line = LineString(pts)
            test = LineString(pts[3:]).buffer(45.0)
            if (
                not inner.contains(line)
                or obstacles.intersects(test)
                or any(test.intersects(q) for q in placed)
            ):
                continue
            end = g.add_vertex(pts[-1], "track_end")
            spacing = NODE_SPACING["track"] * rng.uniform(0.85, 1.2)
            g.add_edge(v, end, "track", True, resample(pts, spacing))
            placed.append(line.buffer(40.0))
            adj.setdefault(v, []).append(end)

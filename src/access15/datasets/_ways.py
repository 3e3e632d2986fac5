"""The road graph as tagged OSM ways: main roads first, then county, township and town roads.

Every edge ends up in exactly one way. A way is split where a bridge, an underpass or a town
grid begins or ends; named routes (X0xx county roads, Y0xx township roads, town streets) are
emitted before the leftovers, which are merged through vertices where two of a class meet.
"""

from __future__ import annotations

import itertools

from access15.datasets._draft import Draft
from access15.datasets._geometry import Key
from access15.datasets._graph import WaySpec
from access15.datasets._names import SEAT_STREETS, TOWN_STREETS
from access15.datasets._plan import BRIDGE_NAMES, MAIN_ROAD_TAGS


def build_ways(d: Draft) -> None:
    """Group the edges into tagged OSM ways: main roads first, leftovers last."""
    g = d.g
    for seq in d.carriageways:
        _emit(d, seq, MAIN_ROAD_TAGS["motorway"])
    for w in d.ramp_ways:
        _claim(d, w)
    for name in ("trunk", "primary", "xsouth"):
        base = dict(MAIN_ROAD_TAGS[name])
        if name == "xsouth":
            a, b = (d.towns[t] for t in d.chains[name].towns)
            base["name"] = a.zh[0] + b.zh[0] + "线"
        for seg in d.chains[name].segments:
            for w in _split_by_kind(d, seg, base):
                first = g.edge(w.vertices[0], w.vertices[1])
                assert first is not None
                if first.town and g.town[w.vertices[0]] == 0:  # main streets of the seat
                    w.tags["name"] = "人民路" if name == "trunk" else "解放路"
                    w.tags["maxspeed"] = "signals" if name == "trunk" else "40"
                elif first.town:
                    w.tags["name"] = "正街"
                    w.tags["maxspeed"] = "40"
                _claim(d, w)
    x_no = 2  # X001 is the county road with the bridge
    for i, j, path in d.x_routes:  # county roads
        name = d.towns[i].zh[0] + d.towns[j].zh[0] + "线"
        tags = {
            "highway": "secondary",
            "ref": f"X{x_no:03d}",
            "name": name,
            "surface": "asphalt",
        }
        runs = _runs(d, path, "secondary")
        for run in runs:
            r = d.rng.random()
            speed = {"maxspeed": "60"} if r < 0.35 else {"maxspeed": "40"} if r < 0.55 else {}
            _emit(d, run, {**tags, **speed})
        x_no += bool(runs)
    y_no = 1
    for path in d.y_routes:  # township roads
        runs = _runs(d, path[::-1], "tertiary")
        for run in runs:
            tags = {"highway": "tertiary", "ref": f"Y{y_no:03d}", "surface": "concrete"}
            if d.rng.random() < 0.2:
                tags["maxspeed"] = "40"
            _emit(d, run, tags)
        y_no += bool(runs)
    _town_streets(d)
    _leftovers(d)
    secondary = [w for w in d.ways if w.tags["highway"] == "secondary" and "maxspeed" not in w.tags]
    for w in secondary[:2]:  # junk values that a maxspeed parser has to survive
        w.tags["maxspeed"] = "CN:rural"
    unclassified = [w for w in d.ways if w.tags["highway"] == "unclassified"]
    for w in unclassified[: len(unclassified) // 12]:
        w.tags["maxspeed"] = "30"


def _emit(d: Draft, verts: list[int], tags: dict[str, str]) -> None:
    """Add a way, split where bridges and underpasses begin and end."""
    for w in _split_by_kind(d, verts, tags):
        _claim(d, w)


def _claim(d: Draft, w: WaySpec) -> None:
    """Add way ``w``; an edge may belong to one way only."""
    for a, b in itertools.pairwise(w.vertices):
        key = (min(a, b), max(a, b))
        if key in d.claimed:
            raise RuntimeError(f"edge {key} in two ways")
        d.claimed.add(key)
    d.ways.append(w)


def _runs(d: Draft, path: list[int], cls: str) -> list[list[int]]:
    """Return the stretches of ``path`` along unclaimed edges of class ``cls``."""
    runs: list[list[int]] = []
    cur: list[int] = []
    used: set[Key] = set()
    for a, b in itertools.pairwise(path):
        key = (min(a, b), max(a, b))
        e = d.g.edges.get(key)
        if e is not None and e.cls == cls and key not in d.claimed and key not in used:
            cur = cur or [a]
            cur.append(b)
            used.add(key)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def _split_by_kind(d: Draft, seq: list[int], base: dict[str, str]) -> list[WaySpec]:
    """Split a vertex sequence into ways where bridges, underpasses and grids begin or end."""
    out: list[WaySpec] = []
    cur = [seq[0]]
    cur_kind: str | None = None
    for a, b in itertools.pairwise(seq):
        e = d.g.edge(a, b)
        assert e is not None
        kind = (e.kind if e.kind in ("bridge", "underpass") else "") + ("|town" if e.town else "")
        if cur_kind is not None and kind != cur_kind:
            out.append(_tagged(cur, base, cur_kind))
            cur = [a]
        cur.append(b)
        cur_kind = kind
    out.append(_tagged(cur, base, cur_kind or ""))
    return out


def _tagged(verts: list[int], base: dict[str, str], kind: str) -> WaySpec:
    """Return a way with tags ``base`` plus bridge or tunnel tags for its ``kind``."""
    tags = {k: v for k, v in base.items() if v}
    if kind.startswith("bridge"):
        tags.update({"bridge": "yes", "layer": "1", "bridge:name": BRIDGE_NAMES[base["highway"]]})
        if base["highway"] != "motorway":
            tags["name"] = BRIDGE_NAMES[base["highway"]]
    elif kind.startswith("underpass"):
        tags.update({"tunnel": "yes", "layer": "-1"})
    return WaySpec(verts, tags)


def _town_streets(d: Draft) -> None:
    """Add one way per street of each grid; a few one-way streets in the county seat."""
    for town in d.towns:
        names = list(SEAT_STREETS if town.index == 0 else TOWN_STREETS)
        d.rng.shuffle(names)
        oneway = {2: "yes", -2: "-1", 4: "yes"} if town.index == 0 else {}
        for axis in (1, 0):  # rows (constant j), then columns (constant i)
            for c in sorted({k[axis] for k in town.grid}):
                members = sorted((k for k in town.grid if k[axis] == c), key=lambda k: k[1 - axis])
                seq = [town.grid[k] for k in members]
                runs = _runs(d, seq, "residential")
                name = names.pop() if names and runs else ""
                for run in runs:
                    tags = {"highway": "residential", "name": name}
                    if town.index == 0 and d.rng.random() < 0.25:
                        tags["maxspeed"] = "30"
                    if axis == 1 and c in oneway and len(run) >= 4:
                        mid = len(run) // 2
                        lo = max(0, mid - 2)
                        if lo > 0:
                            _emit(d, run[: lo + 1], tags)
                        _emit(d, run[lo : mid + 2], {**tags, "oneway": oneway[c]})
                        if mid + 2 < len(run):
                            _emit(d, run[mid + 1 :], tags)
                    else:
                        _emit(d, run, tags)


def _leftovers(d: Draft) -> None:
    """Add the remaining edges, merged through vertices where two of one class meet."""
    left = {k: e for k, e in d.g.edges.items() if k not in d.claimed}
    adj: dict[int, list[Key]] = {}
    for key in left:
        adj.setdefault(key[0], []).append(key)
        adj.setdefault(key[1], []).append(key)
    used: set[Key] = set()
    for key in sorted(left):
        if key in used:
            continue
        used.add(key)
        seq = [key[0], key[1]]
        for forward in (True, False):
            cur = key
            while len(seq) < 60:
                v = seq[-1] if forward else seq[0]
                nxt = [k for k in adj[v] if k != cur]
                if len(adj[v]) != 2 or nxt[0] in used or left[nxt[0]].cls != left[key].cls:
                    break
                cur = nxt[0]
                w = cur[0] if cur[1] == v else cur[1]
                if w in seq:
                    break
                used.add(cur)
                if forward:
                    seq.append(w)
                else:
                    seq.insert(0, w)
        cls = left[key].cls
        tags = {"highway": cls}
        if cls == "unclassified":
            tags["surface"] = "concrete" if d.rng.random() < 0.8 else "gravel"
        elif cls == "track":
            tags["tracktype"] = str(d.rng.choice(["grade2", "grade3", "grade4"]))
            tags["surface"] = str(d.rng.choice(["gravel", "dirt", "ground"]))
        elif cls == "tertiary":
            tags["surface"] = "concrete"
        _emit(d, seq, tags)

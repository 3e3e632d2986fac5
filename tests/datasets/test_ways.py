"""access15.datasets._ways: the road graph as tagged OSM ways."""

from __future__ import annotations

import itertools
from collections import Counter

from access15.datasets._draft import Draft


def test_every_edge_is_in_exactly_one_way(draft: Draft) -> None:
    g = draft.g
    used = Counter(
        (min(a, b), max(a, b)) for w in draft.ways for a, b in itertools.pairwise(w.vertices)
    )
    assert set(used) == set(g.edges)
    assert set(used.values()) == {1}
    assert draft.claimed == set(g.edges)


def test_a_way_has_one_class_and_one_kind(draft: Draft) -> None:
    g = draft.g
    for w in draft.ways:
        edges = [g.edges[min(a, b), max(a, b)] for a, b in itertools.pairwise(w.vertices)]
        assert {e.cls for e in edges} == {w.tags["highway"]}
        bridge = {e.kind == "bridge" for e in edges}
        assert bridge == {w.tags.get("bridge") == "yes"}
        tunnel = {e.kind == "underpass" for e in edges}
        assert tunnel == {w.tags.get("tunnel") == "yes"}
        assert all(v for v in w.tags.values())  # no empty tag values


def test_named_routes_and_junk_values(draft: Draft) -> None:
    tags = [w.tags for w in draft.ways]
    refs = {t.get("ref", "") for t in tags}
    assert {"G60", "G320", "S231", "X001"} <= refs
    assert any(r.startswith("X0") and r != "X001" for r in refs)
    assert any(r.startswith("Y0") for r in refs)
    assert {"人民路", "解放路", "正街"} <= {t.get("name") for t in tags}
    speeds = Counter(t.get("maxspeed") for t in tags)
    assert speeds["CN:rural"] == 2
    assert speeds["signals"] >= 1
    oneway = Counter(t.get("oneway") for t in tags if t["highway"] == "residential")
    assert oneway["yes"] >= 1
    assert oneway["-1"] >= 1

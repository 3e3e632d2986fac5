"""access15.datasets._road_classes: county roads (X) and township roads (Y)."""

from __future__ import annotations

import itertools
from collections import Counter

from access15.datasets._draft import Draft


def test_county_roads_join_neighbouring_seats(draft: Draft) -> None:
    g = draft.g
    seats = [t.center_vertex for t in draft.towns]
    assert len(draft.x_routes) >= len(draft.towns) - 1  # enough to join every seat
    for i, j, path in draft.x_routes:
        assert i < j
        assert (path[0], path[-1]) == (seats[i], seats[j])
        classes = Counter(g.edges[min(a, b), max(a, b)].cls for a, b in itertools.pairwise(path))
        assert "unclassified" not in classes  # village links were upgraded
        assert not {"motorway", "motorway_link"} & set(classes)  # no expressway
    joined = {i for i, _j, _p in draft.x_routes} | {j for _i, j, _p in draft.x_routes}
    assert joined == set(range(len(draft.towns)))


def test_township_roads_lead_from_seats_to_villages(draft: Draft) -> None:
    g = draft.g
    seats = {t.center_vertex for t in draft.towns}
    assert len(draft.y_routes) == len(draft.villages)
    for path in draft.y_routes:
        assert path[0] in seats
        assert g.kind[path[-1]] == "village"
    classes = Counter(e.cls for e in g.edges.values())
    assert classes["tertiary"] > 0
    assert classes["secondary"] > 0
    assert classes["unclassified"] > classes["tertiary"]

"""access15.datasets._draft: the record the generator's parts fill in."""

from __future__ import annotations

import numpy as np

from access15.datasets._draft import Draft


def test_start_is_seeded() -> None:
    a, b = Draft.start(3), Draft.start(3)
    assert a.land.county.equals(b.land.county)
    assert np.array_equal(a.land.river, b.land.river)
    assert a.rng.random() == b.rng.random()  # both generators at the same state
    assert not a.g.xy
    assert not a.towns


def test_mountain_share_of_a_point_and_an_edge(draft: Draft) -> None:
    g = draft.g
    a, b = next(iter(g.edges))
    mid = (g.p(a) + g.p(b)) / 2
    assert draft.m_edge(a, b) == draft.m(mid)
    assert 0.0 <= draft.m(mid) <= 1.0

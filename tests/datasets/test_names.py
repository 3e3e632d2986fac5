"""access15.datasets._names: place and street names."""

from __future__ import annotations

import numpy as np

from access15.datasets._names import SEAT_STREETS, TOWN_STREETS, Names, pairs, words


def test_tables() -> None:
    assert pairs("张 Zhang 王 Wang") == [("张", "Zhang"), ("王", "Wang")]
    assert words(" a  b ") == ["a", "b"]
    assert len(set(SEAT_STREETS)) == len(SEAT_STREETS)
    assert len(set(TOWN_STREETS)) == len(TOWN_STREETS)


def test_names_are_unique_and_seeded() -> None:
    a, b = Names(np.random.default_rng(2)), Names(np.random.default_rng(2))
    villages = [a.village() for _ in range(300)]
    assert villages == [b.village() for _ in range(300)]
    assert len({zh for zh, _en in villages}) == 300
    assert all(zh.endswith("村") and en.endswith(" Village") for zh, en in villages)
    zh, en = a.township()
    assert zh not in {"城关", "安澜"}
    assert en.isascii()
    assert all(zh != v[:-1] for v, _ in villages)  # township names are not reused

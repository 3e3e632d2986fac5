"""The sample county while it is being built: one record that the generator's parts fill in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from access15.datasets._geometry import FloatArray, Key
from access15.datasets._graph import Chain, Graph, Town, WaySpec
from access15.datasets._terrain import Land, make_land


@dataclass
class Draft:
    """Everything drawn so far, in local metres (origin at the county centre).

    The parts run in a fixed order (see :func:`access15.datasets._build.build`), all
    drawing from the one generator ``rng``: the same seed gives the same county.
    """

    rng: np.random.Generator
    land: Land
    g: Graph = field(default_factory=Graph)
    towns: list[Town] = field(default_factory=list)  # the county seat first
    chains: dict[str, Chain] = field(default_factory=dict)  # main roads by name
    motorway: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))  # centre line
    carriageways: list[list[int]] = field(default_factory=list)  # in driving direction
    mw_busy: list[float] = field(default_factory=list)  # motorway arc lengths of junctions
    ramp_ways: list[WaySpec] = field(default_factory=list)
    x_routes: list[tuple[int, int, list[int]]] = field(default_factory=list)  # county roads
    y_routes: list[list[int]] = field(default_factory=list)  # township roads
    villages: list[int] = field(default_factory=list)  # vertex ids
    hamlets: list[int] = field(default_factory=list)  # vertex ids
    village_names: dict[int, tuple[str, str]] = field(default_factory=dict)
    pop_of: dict[int, float] = field(default_factory=dict)  # people per village / hamlet vertex
    ways: list[WaySpec] = field(default_factory=list)
    claimed: set[Key] = field(default_factory=set)  # edges already in a way
    facilities: list[dict[str, Any]] = field(default_factory=list)
    hospital: list[FloatArray] = field(default_factory=list)  # corners of the county hospital

    @classmethod
    def start(cls, seed: int) -> Draft:
        """Seed the generator and draw the land (county outline, mountains, river)."""
        rng = np.random.default_rng(seed)
        return cls(rng, make_land(rng))

    def m(self, p: FloatArray) -> float:
        """Return the mountain share at point ``p``."""
        return float(self.land.mountain(p[0], p[1]))

    def m_edge(self, a: int, b: int) -> float:
        """Return the mountain share at the middle of edge a-b."""
        return self.m((self.g.p(a) + self.g.p(b)) / 2)

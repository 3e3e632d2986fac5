"""The order in which the sample county is drawn: land, main roads, villages, ... facilities.

Every part draws from the draft's one random generator, so this order is part of the output:
changing it (or adding a draw to a part) changes every file of the sample county.
"""

from __future__ import annotations

from access15.datasets._draft import Draft
from access15.datasets._local_roads import (
    add_tracks,
    connect,
    place_settlements,
    prune,
    shape_and_fix,
)
from access15.datasets._main_roads import build_main_roads
from access15.datasets._places import name_places, place_facilities
from access15.datasets._road_classes import classify
from access15.datasets._ways import build_ways


def build(seed: int) -> Draft:
    """Draw the whole sample county in local metres (see :mod:`access15.datasets.sample`).

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    Draft
        The road graph, its OSM ways, towns, villages, people and facilities.
    """
    d = Draft.start(seed)  # county outline, mountains, river
    build_main_roads(d)  # expressway, national, provincial and one county road; towns
    place_settlements(d)  # villages and hamlets
    connect(d)  # village roads: spanning tree, loops, underpasses
    shape_and_fix(d)  # winding shapes, no crossings
    prune(d)  # keep what reaches the county seat
    classify(d)  # county (X) and township (Y) roads
    add_tracks(d)  # farm and forest tracks
    name_places(d)  # names and people
    build_ways(d)  # tagged OSM ways
    place_facilities(d)  # hospital, health centres, village clinics
    return d

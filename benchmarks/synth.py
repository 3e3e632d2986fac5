"""Road-like synthetic networks of any size, as OsmData (so the whole build path is measured).

Intersections sit on a jittered grid ~600 m apart; 30 % of grid links are missing; each link is a
chain of road nodes ~80 m apart (like OSM), so most nodes have degree 2 and the directed edge
count is ~2.1 per node, as in real rural extracts. Road classes and one-way streets are mixed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from access15.io.osm import WAY_TAGS, OsmData

CLASSES = np.array(["secondary", "tertiary", "unclassified", "residential", "track", "primary"])
CLASS_P = np.array([0.12, 0.2, 0.35, 0.2, 0.08, 0.05])


def road_network(
    n_target: int, *, seed: int = 0, lon0: float = 112.0, lat0: float = 27.0
) -> OsmData:
    """About ``n_target`` road nodes of a road-like network near (lon0, lat0)."""
    rng = np.random.default_rng(seed)
    per_link = 7.5  # road nodes per link incl. one end
    side = int(np.sqrt(n_target / (2 * 0.7 * per_link))) + 1
    spacing_deg = 600.0 / 111_000.0
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    ix = (gy * side + gx).ravel()
    jit = rng.normal(0, 0.15, (side * side, 2))
    ilon = lon0 + (gx.ravel() + jit[:, 0]) * spacing_deg
    ilat = lat0 + (gy.ravel() + jit[:, 1]) * spacing_deg
    grid = ix.reshape(side, side)
    a = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    b = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    keep = rng.random(len(a)) > 0.3
    a, b = a[keep], b[keep]
    n_links = len(a)
    k = rng.integers(4, 12, n_links)  # interior nodes per link
    next_id = side * side + 1
    offsets = [0]
    refs, lons, lats = [], [], []
    for i in range(n_links):
        m = int(k[i])
        t = np.linspace(0, 1, m + 2)
        wob = np.sin(t * np.pi) * rng.normal(0, 0.1) * spacing_deg
        lo = ilon[a[i]] + (ilon[b[i]] - ilon[a[i]]) * t + wob
        la = ilat[a[i]] + (ilat[b[i]] - ilat[a[i]]) * t - wob
        ids = np.concatenate([[a[i] + 1], np.arange(next_id, next_id + m), [b[i] + 1]])
        next_id += m
        refs.append(ids)
        lons.append(lo)
        lats.append(la)
        offsets.append(offsets[-1] + m + 2)
    cls = rng.choice(CLASSES, size=n_links, p=CLASS_P)
    oneway = np.where(rng.random(n_links) < 0.03, "yes", None)
    ways = pd.DataFrame({"osm_id": np.arange(1, n_links + 1), "highway": cls, "oneway": oneway})
    for c in WAY_TAGS:
        if c not in ways.columns:
            ways[c] = None
    return OsmData(
        way_offsets=np.asarray(offsets, dtype=np.int64),
        refs=np.concatenate(refs).astype(np.int64),
        lon=np.concatenate(lons),
        lat=np.concatenate(lats),
        ways=ways,
        facilities=pd.DataFrame(columns=["osm_type", "osm_id", "lon", "lat"]),
        source=f"synthetic road network n~{n_target} seed={seed}",
    )

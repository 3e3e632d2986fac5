"""candidate_sites: the user's points snapped and placed in zones; generated gaps and grid nodes."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

import access15 as ax
from access15.siting import candidate_sites
from conftest import load_tiny, one_level_config


@pytest.fixture
def tiny_cov(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    return net, ax.coverage(net, fac, pop, zones=zones, config=one_level_config(3.0, 3)), zones


def test_user_and_generated_candidates(tiny_cov):
    net, cov, zones = tiny_cov
    pts = gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["near node 4", "far away"], "cost": [3.0, 1.0]},
        geometry=[Point(100.03, 0.0001), Point(101.0, 1.0)],
        crs="EPSG:4326",
    )
    cand = candidate_sites(net, cov, pts, zones=zones)
    assert cand["on_network"].tolist() == [True, False]
    assert cand["zone_id"].iloc[0] == "E"
    assert cand["cost"].tolist() == [3.0, 1.0]
    both = candidate_sites(net, cov, ["tier2", "nodes"], spacing_m=1500.0)
    assert {"tier2", "node"} <= set(both["kind"])
    assert both["site_id"].is_unique
    gaps = candidate_sites(net, cov, "gaps", min_people=1.0)
    assert (gaps["kind"] == "gap").all()


def test_tier2_candidates_know_their_time_to_the_hospital(tiny_cov):
    net, cov, zones = tiny_cov
    cand = candidate_sites(net, cov, zones=zones)
    assert cand["site_id"].tolist() == ["node/202"]
    assert cand["kind"].tolist() == ["tier2"]
    assert cand["zone_id"].tolist() == ["E"]
    assert float(cand["minutes_to_hospital"].iloc[0]) > 0


def test_candidate_errors(tiny_cov):
    net, cov, _ = tiny_cov
    with pytest.raises(ax.InputError, match="unknown candidate source 'hospitals'"):
        candidate_sites(net, cov, "hospitals")
    with pytest.raises(ax.InputError, match="spacing_m must be > 0"):
        candidate_sites(net, cov, "nodes", spacing_m=0.0)
    with pytest.raises(ax.InputError, match="must be unique"):
        candidate_sites(net, cov, ["tier2", "tier2"])

"""sensitivity: every scenario really uses its speeds and threshold, on the same candidates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import access15 as ax
from access15.siting import SitingOptions, candidate_sites, recommend_upgrades, sensitivity
from access15.siting import stability as stability_module
from conftest import load_tiny, one_level_config

pytest.importorskip("highspy")


@pytest.fixture
def tiny_cov(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    cfg = one_level_config(3.0, min_tier=3)
    return net, fac, pop, zones, ax.coverage(net, fac, pop, zones=zones, config=cfg)


def test_sensitivity_counts_a_stable_site(tiny_cov):
    net, _, _, zones, cov = tiny_cov
    s = sensitivity(net, cov, zones=zones, k=1, minutes_offsets=(-1.0, 0.0, 1.0))
    assert len(s.scenarios) == 9
    assert s.stability["site_id"].tolist() == ["node/202"]
    assert s.stability["times_in_top_k"].iloc[0] == 9


def test_each_scenario_uses_its_speed_factor(tiny_cov):
    """Each scenario's covered share equals coverage rerun on roads sped up by its factor with
    its sites upgraded (an independent computation). Ignoring the factor fails: at 3 min,
    half speed leaves 31 % covered, double speed 96 %, the base 91 %."""
    net, fac, pop, zones, cov = tiny_cov
    cfg = cov.config
    s = sensitivity(
        net, cov, zones=zones, k=1, speed_factors=(0.5, 1.0, 2.0), minutes_offsets=(0.0,)
    )
    assert s.scenarios["speed_factor"].tolist() == [0.5, 1.0, 2.0]
    shares = []
    for row in s.scenarios.itertuples():
        net_f = dataclasses.replace(net, edge_time_s=net.edge_time_s / row.speed_factor)
        up = fac.copy()
        up.loc[up["facility_id"].isin(row.sites.split(",")), "tier"] = 3
        after = ax.coverage(net_f, up, pop, zones=zones, config=cfg)
        want = after.summary["levels"]["test"]["covered_population"] / 1180.0
        assert row.share == pytest.approx(want, rel=1e-9), row.scenario
        shares.append(row.share)
    assert shares[0] < shares[1] < shares[2]
    assert shares == pytest.approx([370 / 1180, 1070 / 1180, 1130 / 1180])


def test_each_scenario_uses_its_threshold(tiny_cov):
    net, _, _, zones, cov = tiny_cov
    s = sensitivity(net, cov, zones=zones, k=1, speed_factors=(1.0,), minutes_offsets=(-1.0, 1.0))
    assert s.scenarios["minutes"].tolist() == [2.0, 4.0]
    assert s.scenarios["share"].iloc[0] < s.scenarios["share"].iloc[1]


def test_a_recommendation_is_rerun_with_its_own_options(tiny_cov):
    net, _, _, zones, cov = tiny_cov
    rec = recommend_upgrades(net, cov, SitingOptions(k=1, objective="median"), zones=zones)
    s = sensitivity(net, cov, rec, zones=zones, speed_factors=(1.0,), minutes_offsets=(0.0,))
    assert s.scenarios["sites"].tolist() == [",".join(rec.ranking["site_id"])]
    assert s.scenarios["objective"].iloc[0] == pytest.approx(rec.ranking["objective"].iloc[-1])
    with pytest.raises(ax.InputError, match="speed factors must be > 0"):
        sensitivity(net, cov, rec, speed_factors=(0.0, 1.0))
    with pytest.warns(DeprecationWarning, match="SitingOptions"):
        old = sensitivity(net, cov, zones=zones, k=1, objective="median", minutes_offsets=(0.0,))
    new = sensitivity(net, cov, rec, zones=zones, minutes_offsets=(0.0,))
    assert old.scenarios.equals(new.scenarios)


@pytest.fixture(scope="module")
def sample_county():
    p = ax.sample_paths()
    osm = ax.read_osm(p["osm"])
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    county = ax.read_boundary(p["county"])
    pop = ax.read_population(p["population"], boundary=county)
    zones = ax.read_zones(p["townships"])
    return net, ax.coverage(net, fac, pop, zones=zones), zones


@pytest.mark.slow
def test_sensitivity_ranks_the_base_candidates_in_every_scenario(sample_county, monkeypatch):
    """Generated candidates (gap centroids) come from the base coverage once: with slower
    roads there are other gaps, but every scenario ranks the base list's sites."""
    net, cov, zones = sample_county
    base = candidate_sites(net, cov, "gaps", zones=zones, level="subcentre")
    slow = ax.coverage(
        dataclasses.replace(net, edge_time_s=net.edge_time_s / 0.8),
        cov.facilities,
        cov.population,
        zones=zones,
    )
    slow_gaps = candidate_sites(net, slow, "gaps", zones=zones, level="subcentre")
    assert len(slow_gaps) != len(base)  # regenerating per scenario would rank other sites
    seen = []
    real = stability_module.recommend_upgrades

    def spy(network, cov_, options, **kwargs):
        seen.append(options.candidates[0])
        return real(network, cov_, options, **kwargs)

    monkeypatch.setattr(stability_module, "recommend_upgrades", spy)
    s = sensitivity(
        net,
        cov,
        SitingOptions(k=2, candidates="gaps", method="swap"),
        zones=zones,
        speed_factors=(0.8, 1.0),
        minutes_offsets=(0.0,),
    )
    assert len(s.scenarios) == len(seen) == 2
    for cand in seen:
        assert cand["site_id"].tolist() == base["site_id"].tolist()
        np.testing.assert_array_equal(cand[["lon", "lat"]].to_numpy(), base[["lon", "lat"]])
    listed = {sid for sites in s.scenarios["sites"] for sid in sites.split(",") if sid}
    assert listed <= set(base["site_id"])

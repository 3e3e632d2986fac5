"""Supply against demand on a county (access15.supply): the index and capacity-limited coverage.

The kernels are tested on their own (tests/test_fca.py, tests/test_capacity.py); here the county
wiring: the same travel times as coverage, the facility file's doctors, the zone tables, and
agreement with PySAL ``access`` on the sample county's own matrix.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import access15 as ax
from access15 import fca
from access15.catchment import catchment_times
from access15.supply import SupplyOptions

SAMPLE_FACILITIES = Path(ax.sample_paths()["osm"]).parent / "sample_facilities.csv"


@pytest.fixture(scope="module")
def county():
    """The sample county with its facility list (doctors and beds) and townships."""
    p = ax.sample_paths()
    run = ax.run_county(
        ax.Study(
            p["osm"],
            p["population"],
            p["county"],
            p["townships"],
            SAMPLE_FACILITIES,
            crs_in="wgs84",
        ),
        robustness=False,
        outputs=ax.OutputOptions(basemap=None),
    )
    return run, catchment_times(run.network, run.coverage, max_minutes=30)


@pytest.fixture(scope="module")
def index_2sfca(county):
    run, _ = county
    return ax.accessibility(
        run.network, run.coverage, method="2sfca", capacity="doctors", minutes=30, zones=run.zones
    )


def test_index_is_the_kernel_on_the_coverage_times(county, index_2sfca):
    run, c = county
    doctors = ax.with_capacity(run.coverage.facilities, run.coverage.config)["doctors"]
    want = fca.two_step_fca(c.times, c.pop, doctors.to_numpy(), minutes=30).per_demand
    np.testing.assert_array_equal(index_2sfca.cells["2sfca_doctors"].to_numpy(), want)
    assert index_2sfca.column == "2sfca_doctors"
    pts = index_2sfca.cells  # a GeoDataFrame of WGS-84 points at the cell centres
    assert pts.crs == "EPSG:4326"
    np.testing.assert_array_equal(pts.geometry.x.to_numpy(), run.coverage.cells["lon"].to_numpy())
    assert index_2sfca.cells[["row", "col"]].equals(run.coverage.cells[["row", "col"]])


def test_index_equals_pysal_access_on_the_county(county, index_2sfca):
    access = pytest.importorskip("access")
    run, c = county
    coo = c.times.tocoo()
    doctors = ax.with_capacity(run.coverage.facilities, run.coverage.config)["doctors"].to_numpy()
    demand = pd.DataFrame({"pop": c.pop}, index=pd.RangeIndex(len(c.pop), name="cell"))
    supply = pd.DataFrame({"doc": doctors}, index=pd.RangeIndex(len(doctors), name="fac"))
    cost = pd.DataFrame({"origin": coo.row, "dest": coo.col, "minutes": coo.data})
    a = access.Access(
        demand_df=demand,
        demand_value="pop",
        supply_df=supply,
        supply_value="doc",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="minutes",
    )
    ref = a.two_stage_fca(name="2sfca", max_cost=30, normalize=False)["2sfca_doc"]
    ours = index_2sfca.cells["2sfca_doctors"].to_numpy()
    got = ours[ref.index.to_numpy()]
    ok = np.isfinite(ref.to_numpy())
    assert ok.sum() > 100_000  # nearly every cell of the county
    np.testing.assert_allclose(got[ok], ref.to_numpy()[ok], rtol=1e-9, atol=0)


def test_doctors_come_from_the_file_and_the_county_figure_conserves_them(county, index_2sfca):
    _, c = county
    res = index_2sfca
    fac = res.facilities
    src = res.summary["capacity_sources"]
    # the sample list gives doctors for all but 21 village clinics, which take the tier default
    assert src == {"file": len(fac) - 21, "osm": 0, "default": 21}
    assert res.summary["defaults"] == 21
    hospital = fac[fac["name"] == "安澜县人民医院"].iloc[0]
    assert (hospital["doctors"], hospital["supply"]) == (195.0, 195.0)
    # 2SFCA conserves supply: people x doctors per person = the doctors of facilities in reach
    reached = np.diff(c.times.tocsc().indptr) > 0
    pop = res.cells["pop"].to_numpy()
    total = float((pop * res.cells["2sfca_doctors"].to_numpy()).sum())
    assert total == pytest.approx(float(fac["supply"].to_numpy()[reached].sum()), rel=1e-9)
    assert res.summary["per_10k"] == pytest.approx(total / pop.sum() * 1e4, rel=1e-9)


def test_township_table(county, index_2sfca):
    run, _ = county
    z = index_2sfca.by_zone
    cells = index_2sfca.cells
    assert len(z) == len(run.zones)
    bz = run.coverage.by_zone
    assert z["zone_id"].tolist() == bz["zone_id"].astype(str).tolist()  # the zone table's order
    assert z["name"].tolist() == bz["name"].tolist()
    assert z.crs is not None  # township polygons kept
    assert z["population"].sum() == pytest.approx(cells["pop"].sum(), rel=1e-9)
    for _, row in z.sample(5, random_state=1).iterrows():
        sel = cells["zone_id"] == row["zone_id"]
        w = cells.loc[sel, "pop"].to_numpy()
        want = float((w * cells.loc[sel, "2sfca_doctors"].to_numpy()).sum() / w.sum())
        assert row["index"] == pytest.approx(want, rel=1e-12)
        assert row["per_10k"] == pytest.approx(want * 1e4, rel=1e-12)
    best = z.sort_values("index", ascending=False)
    assert best["rank"].tolist() == list(range(1, len(z) + 1))


def test_tiered_index_counts_each_level_s_facilities_only(county):
    run, c = county
    res = ax.accessibility(run.network, run.coverage, method="tiered", capacity="beds")
    fac = ax.with_capacity(run.coverage.facilities, run.coverage.config)
    for lv in run.coverage.levels:
        col = f"tiered_{lv.name}_beds"
        beds = np.where(fac["tier"].to_numpy() >= lv.min_tier, fac["beds"].to_numpy(), 0.0)
        t = c.within(lv.minutes) if lv.minutes <= c.max_minutes else None
        if t is None:
            continue
        want = fca.two_step_fca(t, c.pop, beds, minutes=lv.minutes).per_demand
        np.testing.assert_allclose(res.cells[col].to_numpy(), want, rtol=1e-12, atol=0)


def test_capacity_without_limit_is_plain_coverage(county):
    run, _ = county
    cov = run.coverage
    fac = cov.facilities.copy()
    fac["unlimited"] = np.inf
    cov_inf = dataclasses.replace(cov, facilities=fac)
    res = ax.capacity_coverage(run.network, cov_inf, capacity="unlimited")
    head = cov.levels[0]
    covered = cov.summary["levels"][head.name]["covered_population"]
    assert res.summary["within_reach"] == pytest.approx(covered, rel=1e-12)
    assert res.summary["served"] == pytest.approx(covered, rel=1e-9)
    assert res.summary["served_sequential"] == pytest.approx(covered, rel=1e-9)


def test_capacity_coverage_of_the_county(county):
    run, _ = county
    res = ax.capacity_coverage(run.network, run.coverage, capacity="doctors", zones=run.zones)
    s = res.summary
    assert s["served"] <= s["within_reach"] + 1e-6
    assert s["served_sequential"] <= s["served"] + 1e-6  # the exact optimum is never below
    assert s["exact_minus_sequential"] == pytest.approx(s["served"] - s["served_sequential"])
    per_doctor = run.coverage.config.capacity.people_per_doctor
    cap = res.facilities["capacity_people"].to_numpy()
    doctors = ax.with_capacity(run.coverage.facilities)["doctors"].to_numpy()
    level = run.coverage.levels[0]
    keep = run.coverage.facilities["tier"].to_numpy() >= level.min_tier
    np.testing.assert_array_equal(cap, doctors[keep] * per_doctor)
    assert (res.facilities["load"].to_numpy() <= cap + 1e-6).all()
    assert res.facilities["load"].sum() == pytest.approx(s["served"], rel=1e-9)
    assert int(res.facilities["full"].sum()) == s["facilities_full"]
    assert 0 < s["facilities_full"] < s["facilities"]
    z = res.by_zone
    assert z["within_reach"].sum() == pytest.approx(s["within_reach"], rel=1e-9)
    assert z["within_reach"].sum() < z["population"].sum()  # some people reach nothing
    assert z["served"].sum() == pytest.approx(s["served"], rel=1e-9)
    assert (z["served"] <= z["within_reach"] + 1e-6).all()
    assert res.cells[f"served_{level.name}"].sum() == pytest.approx(s["served"], rel=1e-9)


def test_run_county_adds_the_measures(county):
    run, _ = county
    p = ax.sample_paths()
    study = ax.Study(
        p["osm"], p["population"], p["county"], p["townships"], SAMPLE_FACILITIES, crs_in="wgs84"
    )
    both = ax.run_county(
        study,
        robustness=False,
        outputs=ax.OutputOptions(basemap=None),
        supply=SupplyOptions(index="e2sfca", capacity="beds", capacity_coverage="capacity"),
    )
    assert both.accessibility is not None
    assert both.accessibility.column == "e2sfca_beds"
    assert both.accessibility.params["bands"] == [[5.0, 1.0], [10.0, 0.68], [15.0, 0.22]]
    assert both.capacity is not None
    assert both.capacity.level == run.coverage.levels[0].name


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"index": "best"}, "method 'best' is not one of 2sfca"),
        ({"index": "2sfca", "minutes": 0}, "the catchment must be minutes"),
        ({"index": "2sfca", "minutes": 2000}, "the catchment must be minutes"),
        ({"capacity_coverage": "capacity", "order": "random"}, "order 'random' is not one of"),
        ({"index": "2sfca", "capacity": " "}, "capacity must be a facility column name"),
    ],
)
def test_bad_supply_options(fields, message):
    with pytest.raises(ax.InputError, match=message):
        SupplyOptions(**fields)


def test_bad_capacity_values_name_the_rows(county):
    run, _ = county
    cov = run.coverage
    fac = cov.facilities.copy()
    fac["nurses"] = 3.0
    fac.loc[[1, 4], "nurses"] = [-1.0, np.nan]
    with pytest.raises(ax.InputError, match=r"column 'nurses' must hold numbers >= 0; rows 2, 5 "):
        ax.accessibility(run.network, dataclasses.replace(cov, facilities=fac), capacity="nurses")


def test_unknown_capacity_column(county):
    run, _ = county
    with pytest.raises(ax.InputError, match="facilities have no column 'nurses'"):
        ax.accessibility(run.network, run.coverage, capacity="nurses")


def test_upgrade_capacity_comes_from_the_facility_list(county):
    run, _ = county
    cov = run.coverage
    opts = ax.SitingOptions(k=2, site_capacity="upgrade", curve=False)
    rec = ax.recommend_upgrades(run.network, cov, opts)
    fac = ax.with_capacity(cov.facilities, cov.config)
    doctors = dict(zip(fac["facility_id"], fac["doctors"], strict=True))
    per = cov.config.capacity.people_per_doctor
    assert rec.capacitated
    for r in rec.ranking.itertuples():
        assert r.capacity == (doctors[r.site_id] + 15.0) * per  # 25 - 10 default doctors added
        assert r.served <= r.capacity + 1e-6
    # a new site (no facility behind it) gets the sub-centre default
    gaps = ax.SitingOptions(k=1, site_capacity="upgrade", curve=False, candidates="gaps")
    new = ax.recommend_upgrades(run.network, cov, gaps)
    assert new.ranking["capacity"].tolist() == [25.0 * per]

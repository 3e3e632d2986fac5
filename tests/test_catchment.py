"""Cells x facilities times within a catchment (access15.catchment): the coverage run's times."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import access15 as ax
from access15.catchment import catchment_times
from conftest import load_tiny, one_level_config


@pytest.fixture(scope="module")
def sample_catchment(sample):
    run, _ = sample
    return run, catchment_times(run.network, run.coverage, max_minutes=30)


def test_nearest_facility_in_the_catchment_is_the_coverage_time(sample_catchment):
    run, c = sample_catchment
    cov = run.coverage
    tier = c.facilities["tier"].to_numpy()
    assert c.times.shape == (len(cov.cells), len(cov.facilities))
    for lv in cov.levels:
        sub = c.times[:, np.flatnonzero(tier >= lv.min_tier)].tocsr()
        has = np.diff(sub.indptr) > 0
        best = np.full(sub.shape[0], np.inf)
        best[has] = np.minimum.reduceat(sub.data, sub.indptr[:-1][has])
        want = cov.cells[f"minutes_{lv.name}"].to_numpy()
        within = want <= 30
        np.testing.assert_array_equal(has, within)  # in reach exactly when coverage says so
        np.testing.assert_allclose(best[within], want[within], rtol=0, atol=1e-9)
    assert c.times.data.max() <= 30
    off = cov.cells["off_network"].to_numpy()
    assert off.any()
    assert not (np.diff(c.times.indptr) > 0)[off].any()  # off-network cells reach nothing
    assert c.times.nnz > len(cov.cells)  # many cells reach several facilities


def test_pairs_equal_networkx_dijkstra(sample_catchment):
    run, c = sample_catchment
    net, cov = run.network, run.coverage
    g = net.to_networkx().reverse(copy=True)
    speed = cov.config.access_kmh[net.mode] / 3.6
    fac = c.facilities
    rng = np.random.default_rng(0)
    on = np.flatnonzero(fac["on_network"].to_numpy())
    cells = cov.cells
    first = cells["snap_m"].to_numpy() / speed
    off = cells["off_network"].to_numpy()
    node_id = net.node_ids[cells["node"].to_numpy()]
    dense = c.times.toarray()
    stored = np.zeros(dense.shape, dtype=bool)
    coo = c.times.tocoo()
    stored[coo.row, coo.col] = True
    for j in rng.choice(on, size=8, replace=False):
        src = int(net.node_ids[fac["node"].iloc[j]])
        ref = nx.single_source_dijkstra_path_length(g, src, cutoff=1800, weight="travel_time")
        net_s = np.array([ref.get(int(n), np.inf) for n in node_id])
        want = (first + net_s + fac["leg_s"].iloc[j]) / 60.0
        want[off] = np.inf
        inside = want <= 30
        np.testing.assert_array_equal(stored[:, j], inside)
        np.testing.assert_allclose(dense[inside, j], want[inside], rtol=0, atol=1e-7)


def test_within_keeps_explicit_zeros_and_refuses_a_wider_catchment(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(15))
    # a facility at a cell's own road node with no walk: 0 minutes
    i0 = int(np.flatnonzero(~cov.cells["off_network"].to_numpy())[0])
    f = cov.facilities.copy()
    f["leg_s"] = 0.0
    f["node"] = cov.cells["node"].iloc[i0]
    cells = cov.cells.copy()
    cells["snap_m"] = 0.0
    cov0 = dataclasses.replace(cov, cells=cells)
    c = catchment_times(net, cov0, max_minutes=10, facilities=f)
    t = c.within(5)
    assert isinstance(t, sp.csr_matrix)
    zero = [t[i0].indices.tolist(), t[i0].data.tolist()]
    assert zero[0] == list(range(len(f)))  # every facility sits at the cell's road node
    assert zero[1] == [0.0] * len(f)  # stored as explicit zeros
    assert c.within(5, facilities=[0]).shape == (len(cells), 1)
    with pytest.raises(ax.InputError, match="beyond the catchment"):
        c.within(11)


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), 2000, "x", True])
def test_bad_catchment_is_refused(sample_catchment, bad):
    run, _ = sample_catchment
    with pytest.raises(ax.InputError, match="max_minutes must be"):
        catchment_times(run.network, run.coverage, max_minutes=bad)


def test_facilities_without_snap_columns_are_refused(sample_catchment):
    run, _ = sample_catchment
    with pytest.raises(ax.InputError, match="snapped columns"):
        catchment_times(run.network, run.coverage, max_minutes=10, facilities=run.facilities)

"""Reading a network through the compiled-network cache: keys, reuse, damaged entries."""

from __future__ import annotations

import numpy as np
import pytest

import access15 as ax
import access15.network_cache as network_cache_mod


def test_unknown_mode_is_input_error(tiny):
    # the mode is checked before the file is read
    with pytest.raises(ax.InputError, match="unknown mode 'boat'"):
        ax.read_network(tiny["osm"], mode="boat")


def test_compiled_network_cache(tiny, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="no location"):
        first = ax.read_network(tiny["osm"], cache_dir=cache)
    files = list(cache.glob("network-*.npz"))
    assert len(files) == 1

    # the second read must come from the cache: make OSM parsing impossible
    def boom(*_a, **_k):
        raise AssertionError("OSM file was parsed again")

    monkeypatch.setattr(network_cache_mod, "load_osm", boom)
    second = ax.read_network(tiny["osm"], cache_dir=cache)
    np.testing.assert_array_equal(second.node_ids, first.node_ids)
    np.testing.assert_array_equal(second.edge_time_s, first.edge_time_s)
    assert second.edge_highway.tolist() == first.edge_highway.tolist()
    assert second.stats == first.stats
    # another mode or speed table is another key
    monkeypatch.undo()
    with pytest.warns(UserWarning, match="no location"):
        ax.read_network(tiny["osm"], mode="walk", cache_dir=cache)
    faster = ax.load_config(speeds_kmh={"drive": {"secondary": 80}})
    with pytest.warns(UserWarning, match="no location"):
        net80 = ax.read_network(tiny["osm"], config=faster, cache_dir=cache)
    assert len(list(cache.glob("network-*.npz"))) == 3
    i1, i2 = net80.index_of([1, 2])
    assert net80.csr[i1, i2] < first.csr[i1, i2]


def _rewrite_npz(path, **changes):
    """Rewrite an .npz with some arrays replaced (or left out when the value is None)."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    with open(path, "wb") as f:
        np.savez(f, **{k: v for k, v in arrays.items() if v is not None})


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), id="half"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:-10]), id="tail-cut"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(lambda p: p.write_bytes(b"PK\x03\x04 garbage"), id="garbage"),
        pytest.param(lambda p: _rewrite_npz(p, edge_v=None), id="member-missing"),
        pytest.param(lambda p: _rewrite_npz(p, lat=np.zeros(2)), id="lengths-disagree"),
        pytest.param(lambda p: _rewrite_npz(p, fragment_lat=np.zeros(3)), id="fragments-cut"),
        pytest.param(lambda p: _rewrite_npz(p, edge_u=np.full(8, 99)), id="edge-beyond-nodes"),
        pytest.param(lambda p: _rewrite_npz(p, meta=np.array("{}")), id="meta-empty"),
        pytest.param(lambda p: _rewrite_npz(p, meta=np.array('{"mo')), id="meta-cut"),
    ],
)
def test_damaged_network_cache_is_rebuilt(tiny, tmp_path, damage, caplog):
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="no location"):
        first = ax.read_network(tiny["osm"], cache_dir=cache)
    (path,) = cache.glob("network-*.npz")
    damage(path)
    with pytest.warns(UserWarning, match="no location"):  # rebuilt: the OSM file is read again
        second = ax.read_network(tiny["osm"], cache_dir=cache)
    np.testing.assert_array_equal(second.node_ids, first.node_ids)
    np.testing.assert_array_equal(second.edge_u, first.edge_u)
    np.testing.assert_array_equal(second.edge_time_s, first.edge_time_s)
    assert second.stats == first.stats
    assert "unreadable network cache" in caplog.text
    # the entry was replaced by a good one: the next read comes from the cache, silently
    caplog.clear()
    third = ax.read_network(tiny["osm"], cache_dir=cache)
    np.testing.assert_array_equal(third.edge_u, first.edge_u)
    assert "unreadable" not in caplog.text
    assert [p.name for p in cache.iterdir()] == [path.name]

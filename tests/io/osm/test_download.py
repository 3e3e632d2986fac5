"""Online download (osmnx: Nominatim + Overpass) against a loopback server with recorded answers.

No test here touches the internet: a stdlib HTTP server on 127.0.0.1 plays both Nominatim
(``/nominatim/search``) and Overpass (``/api/interpreter``, ``/api/status``), answering with the
files in ``tests/data`` (synthesized from the synthetic sample county by
``tests/data/make_recorded.py``), and osmnx is pointed at it through its settings. The code under
test is the real :func:`access15.io.osm.download_osm`, osmnx and requests included.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
import threading
import time
import types
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

import access15 as ax
from access15.errors import DataDownloadError, InputError, NetworkError
from access15.io.osm import download_osm

DATA = Path(__file__).resolve().parents[2] / "data"
META = json.loads((DATA / "recorded_meta.json").read_text(encoding="utf-8"))
WINDOW = Polygon(META["window"])
COVERAGE = WINDOW.buffer(META["margin_deg"], join_style="mitre")
PLACE = "Anlan County"

# what a real Overpass server answers on /api/status (osmnx reads the 5th line)
STATUS = (
    "Connected as: 2130706433\nCurrent time: 2025-01-01T00:00:00Z\n"
    "Announced endpoint: none\nRate limit: 2\n2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)
POINT_PLACE = "Anlan Bus Station"
POINT_RESULT = [
    {
        "osm_type": "node",
        "osm_id": 1,
        "lat": "27.39",
        "lon": "112.57",
        "class": "amenity",
        "type": "bus_station",
        "importance": 0.1,
        "display_name": POINT_PLACE,
        "boundingbox": ["27.389", "27.391", "112.569", "112.571"],
        "geojson": {"type": "Point", "coordinates": [112.57, 27.39]},
    }
]
_POLY = re.compile(r"poly:['\"]([-0-9. ]+)['\"]")


class FakeOsmServers:
    """Nominatim and Overpass on one loopback HTTP server, answering from recorded files.

    Overpass answers the recorded elements when the query polygon lies inside the recorded area,
    an empty result when it lies entirely outside it, and HTTP 400 (noted in ``errors``) when it
    straddles it. Every request is recorded in ``requests``.
    """

    def __init__(self) -> None:
        self.nominatim = (DATA / "nominatim_search_anlan.json").read_bytes()
        self.highways = gzip.decompress((DATA / "overpass_highways.json.gz").read_bytes())
        self.health = (DATA / "overpass_health.json").read_bytes()
        self.requests: list[dict] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass  # keep pytest output clean

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.record(self, "GET", url.path, params)
                if url.path == "/nominatim/search":
                    q = params.get("q")
                    if q in META["places"]:
                        self._send(200, fake.nominatim)
                    elif q == POINT_PLACE:  # a place Nominatim knows only as a point
                        self._send(200, json.dumps(POINT_RESULT).encode())
                    else:
                        self._send(200, b"[]")
                elif url.path == "/api/status":
                    self._send(200, STATUS.encode(), "text/plain")
                else:
                    fake.errors.append(f"GET {url.path}")
                    self._send(404, b"not found", "text/plain")

            def do_POST(self):
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                query = parse_qs(body).get("data", [""])[0]
                fake.record(self, "POST", url.path, {"data": query})
                status, answer = fake.overpass(url.path, query)
                self._send(status, answer, "application/json" if status == 200 else "text/plain")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.running = True

    def record(self, handler: BaseHTTPRequestHandler, method: str, path: str, params) -> None:
        with self._lock:
            self.requests.append(
                {
                    "client": handler.client_address[0],
                    "method": method,
                    "path": path,
                    "params": params,
                    "user_agent": handler.headers.get("User-Agent", ""),
                }
            )

    def overpass(self, path: str, query: str) -> tuple[int, bytes]:
        if path != "/api/interpreter":
            self.errors.append(f"POST {path}")
            return 404, b"not found"
        m = _POLY.search(query)
        if not m:
            self.errors.append(f"no poly in {query[:80]}")
            return 400, b"no poly filter"
        vals = [float(v) for v in m.group(1).split()]
        asked = Polygon(list(zip(vals[1::2], vals[0::2], strict=True)))  # Overpass: lat lon
        if asked.disjoint(COVERAGE):
            return 200, b'{"version":0.6,"elements":[]}'
        if not COVERAGE.contains(asked):
            self.errors.append("query polygon straddles the recorded area")
            return 400, b"not recorded"
        if 'way["highway"]' in query:
            return 200, self.highways
        if "'amenity'" in query and "'healthcare'" in query:
            return 200, self.health
        self.errors.append(f"unexpected query {query[:80]}")
        return 400, b"unexpected query"

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self._thread.join(timeout=5)
            self.running = False

    def asked(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]


def _point_osmnx_at(monkeypatch, base: str) -> None:
    monkeypatch.setattr(ox.settings, "nominatim_url", f"{base}/nominatim/")
    monkeypatch.setattr(ox.settings, "overpass_url", f"{base}/api")
    monkeypatch.setattr(ox.settings, "requests_timeout", 20)
    # osmnx sleeps 1 s before each Nominatim request (usage policy); not needed on loopback
    monkeypatch.setattr(ox._nominatim, "time", types.SimpleNamespace(sleep=lambda s: None))


@pytest.fixture
def servers(monkeypatch):
    fake = FakeOsmServers()
    _point_osmnx_at(monkeypatch, fake.url)
    yield fake
    fake.stop()
    assert not fake.errors, fake.errors


@pytest.fixture
def closed_port(monkeypatch):
    """osmnx pointed at a loopback port that refuses connections (bound, not listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    _point_osmnx_at(monkeypatch, f"http://127.0.0.1:{sock.getsockname()[1]}")
    yield
    sock.close()


@pytest.fixture(scope="module")
def pbf():
    return ax.read_osm(ax.sample_paths()["osm"])


def _expected(pbf: ax.OsmData, area: Polygon) -> dict:
    """What osmnx keeps of the sample's roads for ``area`` (truncate_by_edge=True).

    Nodes inside the area plus their neighbours along a way; every way segment between two kept
    nodes.
    """
    inside = {
        int(r)
        for r, lo, la in zip(pbf.refs, pbf.lon, pbf.lat, strict=True)
        if area.intersects(Point(lo, la))
    }
    way_of = np.repeat(np.arange(len(pbf.ways)), np.diff(pbf.way_offsets))
    seg = np.flatnonzero(way_of[:-1] == way_of[1:])
    a, b = pbf.refs[seg], pbf.refs[seg + 1]
    near = inside | {int(y) for x, y in zip(a, b, strict=True) if x in inside}
    near |= {int(x) for x, y in zip(a, b, strict=True) if y in inside}
    keep = np.array([x in near and y in near for x, y in zip(a, b, strict=True)], dtype=bool)
    ways = pbf.ways.iloc[way_of[seg[keep]]]
    coords = dict(zip(pbf.refs.tolist(), zip(pbf.lon, pbf.lat, strict=True), strict=True))
    one_way = set()
    for (x, y), ow in zip(zip(a[keep], b[keep], strict=True), ways["oneway"], strict=True):
        if ow == "yes":
            one_way.add((int(x), int(y)))
        elif ow == "-1":
            one_way.add((int(y), int(x)))
    return {
        "nodes": {(n, round(coords[n][0], 7), round(coords[n][1], 7)) for n in near},
        "segments": {
            (int(w), min(int(x), int(y)), max(int(x), int(y)))
            for w, x, y in zip(ways["osm_id"], a[keep], b[keep], strict=True)
        },
        "one_way": one_way,
        "highways": Counter(ways.drop_duplicates("osm_id")["highway"]),
    }


def _observed(osm: ax.OsmData) -> dict:
    assert (np.diff(osm.way_offsets) == 2).all()  # unsimplified download: one way per segment
    a, b = osm.refs[0::2], osm.refs[1::2]
    return {
        "nodes": {
            (int(n), round(lo, 7), round(la, 7))
            for n, lo, la in zip(osm.refs, osm.lon, osm.lat, strict=True)
        },
        "segments": {
            (int(w), min(int(x), int(y)), max(int(x), int(y)))
            for w, x, y in zip(osm.ways["osm_id"], a, b, strict=True)
        },
        "one_way": {
            (int(x), int(y))
            for x, y, ow in zip(a, b, osm.ways["oneway"], strict=True)
            if ow == "yes"
        },
        "highways": Counter(osm.ways.drop_duplicates("osm_id")["highway"]),
    }


def _cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.glob("osm-*"))


def test_recorded_answers_are_current_and_small():
    pbf_path = ax.sample_paths()["osm"]
    assert hashlib.sha256(pbf_path.read_bytes()).hexdigest() == META["pbf_sha256"], (
        "the sample county changed: run `python tests/data/make_recorded.py`"
    )
    total = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert total < 300_000


def test_place_download_matches_the_pbf_window(servers, pbf, tmp_path):
    osm = download_osm(PLACE, cache_dir=tmp_path / "cache")
    assert osm.source == f"place:{PLACE}"
    assert osm.n_missing_refs == 0
    got, want = _observed(osm), _expected(pbf, WINDOW)
    assert got["nodes"] == want["nodes"]
    assert got["segments"] == want["segments"]
    assert got["one_way"] == want["one_way"]  # oneway=-1 ways come back reversed, as "yes"
    assert got["highways"] == want["highways"]
    assert len(want["one_way"]) > 0
    assert {"trunk", "primary", "residential", "unclassified"} <= set(want["highways"])
    # every way keeps the tags of its OSM way; one-way ways are "yes" in their edge direction
    merged = osm.ways.merge(pbf.ways, on="osm_id", suffixes=("", "_pbf"))
    assert len(merged) == len(osm.ways)
    for tag in ("highway", "junction", "maxspeed", "access", "name", "ref", "bridge"):
        same = merged[tag].fillna("-") == merged[f"{tag}_pbf"].fillna("-")
        assert same.all(), tag
    expected_oneway = merged["oneway_pbf"].map({"yes": "yes", "-1": "yes"}).fillna("no")
    assert (merged["oneway"] == expected_oneway).all()
    assert merged["name"].notna().any()
    assert merged["maxspeed"].notna().any()
    # and the result routes
    net = ax.build_network(osm)
    assert net.n_nodes > 100


def test_facilities_come_through_with_tags(servers, pbf, tmp_path):
    osm = download_osm(PLACE, cache_dir=tmp_path)
    f = pbf.facilities
    want = f[[WINDOW.intersects(Point(xy)) for xy in zip(f.lon, f.lat, strict=True)]]
    got = osm.facilities
    assert list(got.columns) == list(f.columns)
    assert list(zip(got.osm_type, got.osm_id, strict=True)) == [("node", 43846), ("way", 2669)]
    assert sorted(got.osm_id) == sorted(want.osm_id)
    tags = ["amenity", "healthcare", "name", "name:zh", "name:en", "access15:tier", "ref"]
    merged = got.merge(want, on=["osm_type", "osm_id"], suffixes=("", "_pbf"))
    for t in tags:
        assert (merged[t] == merged[f"{t}_pbf"]).all(), t
    # nodes exactly; the hospital building at its centroid, metres from the vertex mean
    dist = ax.network.geodesic_m(merged.lon, merged.lat, merged.lon_pbf, merged.lat_pbf)
    is_node = (merged.osm_type == "node").to_numpy()
    assert (dist[is_node] == 0).all()
    assert (dist[~is_node] < 15).all()
    fac = ax.facilities_from_osm(osm)
    assert sorted(fac["tier"]) == [2, 4]
    assert "安澜县人民医院" in set(fac["name"])


def test_polygon_query_downloads_that_area(servers, pbf, tmp_path):
    area = Polygon([(112.568, 27.387), (112.582, 27.389), (112.576, 27.399)])
    osm = download_osm(area, cache_dir=tmp_path)
    assert not servers.asked("/nominatim/search")
    assert servers.asked("/api/interpreter")
    got, want = _observed(osm), _expected(pbf, area)
    assert got["nodes"] == want["nodes"]
    assert got["segments"] == want["segments"]
    assert osm.source.startswith("polygon:112.56800,27.38700,")
    # a GeoDataFrame in a projected CRS is reprojected and gives the same roads (from cache)
    n = len(servers.requests)
    gdf = gpd.GeoDataFrame(geometry=[area], crs="EPSG:4326").to_crs("EPSG:32649")
    again = download_osm(gdf, cache_dir=tmp_path)
    assert _observed(again)["nodes"] == want["nodes"]
    assert len(servers.requests) == n


def test_cache_answers_without_asking_the_server(servers, tmp_path):
    cache = tmp_path / "c"
    first = download_osm(PLACE, cache_dir=cache)
    files = _cache_files(cache)
    assert len(files) == 2
    assert re.fullmatch(r"osm-[0-9a-f]{64}\.json", files[0])
    assert files[1] == files[0].replace(".json", ".npz")
    assert (cache / "osmnx-http").is_dir()  # osmnx's own HTTP cache
    n = len(servers.requests)

    second = download_osm(PLACE, cache_dir=cache)  # server up: must not be asked
    spaced = download_osm(f"  {PLACE.upper()}\t", cache_dir=cache)  # same normalized query
    assert len(servers.requests) == n
    servers.stop()
    third = download_osm(PLACE, cache_dir=cache)  # network off

    for again in (second, spaced, third):
        for name in ("way_offsets", "refs", "lon", "lat"):
            np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
        pd.testing.assert_frame_equal(again.ways, first.ways)
        pd.testing.assert_frame_equal(again.facilities, first.facilities)
        assert again.source == ("place:ANLAN COUNTY" if again is spaced else first.source)
        assert any("download cache" in note for note in again.notes)
    assert _cache_files(cache) == files


def test_osmnx_http_cache_answers_when_ours_is_gone(servers, tmp_path):
    first = download_osm(PLACE, cache_dir=tmp_path)
    for p in tmp_path.glob("osm-*"):
        p.unlink()
    servers.stop()
    again = download_osm(PLACE, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.refs, first.refs)
    pd.testing.assert_frame_equal(again.ways, first.ways)


def test_requests_went_to_the_loopback_server(servers, tmp_path):
    download_osm(PLACE, cache_dir=tmp_path)
    assert {r["client"] for r in servers.requests} == {"127.0.0.1"}
    (search,) = servers.asked("/nominatim/search")
    assert search["params"]["q"] == PLACE
    assert search["params"]["polygon_geojson"] == "1"
    queries = [r["params"]["data"] for r in servers.asked("/api/interpreter")]
    assert len(queries) == 2
    assert any('way["highway"]' in q for q in queries)
    assert any("'healthcare'='hospital'" in q and "'amenity'='clinic'" in q for q in queries)
    assert servers.asked("/api/status")  # osmnx's rate-limit check, answered "2 slots"
    assert all("OSMnx" in r["user_agent"] for r in servers.requests)


def test_osmnx_global_state_is_restored(servers, tmp_path):
    names = ["use_cache", "cache_folder", "useful_tags_way", "overpass_rate_limit"]
    before = {n: getattr(ox.settings, n) for n in names}
    tags_before = list(ox.settings.useful_tags_way)
    getaddrinfo = socket.getaddrinfo
    download_osm(PLACE, cache_dir=tmp_path)
    assert {n: getattr(ox.settings, n) for n in names} == before
    assert ox.settings.useful_tags_way == tags_before
    assert socket.getaddrinfo is getaddrinfo


def test_unknown_place_is_an_input_error(servers, tmp_path):
    with pytest.raises(InputError, match=r"^place 'Atlantis' not found by the geocoder; ") as e:
        download_osm("Atlantis", cache_dir=tmp_path)
    assert "\n" not in str(e.value)
    assert [r["params"]["q"] for r in servers.asked("/nominatim/search")] == ["Atlantis"]
    assert not servers.asked("/api/interpreter")
    assert _cache_files(tmp_path) == []


def test_place_known_only_as_a_point_is_an_input_error(servers, tmp_path):
    with pytest.raises(InputError, match=r"only a point for the geocoder, not an area; "):
        download_osm(POINT_PLACE, cache_dir=tmp_path)
    assert not servers.asked("/api/interpreter")


def test_unreadable_cache_is_downloaded_again(servers, tmp_path):
    first = download_osm(PLACE, cache_dir=tmp_path)
    (npz,) = tmp_path.glob("osm-*.npz")
    npz.write_bytes(b"not a zip file")
    n = len(servers.requests)
    again = download_osm(PLACE, cache_dir=tmp_path)  # osmnx's HTTP cache answers: no requests
    assert len(servers.requests) == n
    np.testing.assert_array_equal(again.refs, first.refs)
    with np.load(npz) as z:  # and our cache entry is rewritten
        np.testing.assert_array_equal(z["refs"], first.refs)


@pytest.mark.parametrize("query", [PLACE, WINDOW], ids=["place", "polygon"])
def test_no_server_and_no_cache_is_a_download_error(closed_port, tmp_path, query):
    t0 = time.perf_counter()
    with pytest.raises(DataDownloadError) as e:
        download_osm(query, cache_dir=tmp_path)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith("could not download OSM data for ")
    assert "no connection to the " in msg
    assert msg.endswith("nothing is cached; download once online, or pass an .osm.pbf with --osm")
    assert isinstance(e.value, ConnectionError)
    assert time.perf_counter() - t0 < 10  # no 60 s wait for an Overpass slot
    assert _cache_files(tmp_path) == []


def test_server_error_is_a_download_error(servers, tmp_path):
    straddling = WINDOW.buffer(0.05)  # beyond what the fake Overpass has recorded: HTTP 400
    with pytest.raises(DataDownloadError, match="the server answered with an error") as e:
        download_osm(straddling, cache_dir=tmp_path)
    assert "\n" not in str(e.value)
    assert servers.errors == ["query polygon straddles the recorded area"]
    servers.errors.clear()
    assert _cache_files(tmp_path) == []


def test_area_without_roads_gives_empty_data_and_is_not_cached(servers, tmp_path):
    sea = Polygon([(113.5, 27.0), (113.51, 27.0), (113.51, 27.01), (113.5, 27.01)])
    osm = download_osm(sea, cache_dir=tmp_path)
    assert len(osm.ways) == 0
    assert len(osm.refs) == 0
    assert len(osm.facilities) == 0
    assert _cache_files(tmp_path) == []
    with pytest.raises(NetworkError, match="no roads usable"):
        ax.build_network(osm)


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("   ", "empty place name"),
        (Point(112.57, 27.39), "boundary is a Point"),
        (Polygon([(0, 0), (1e5, 0), (1e5, 1e5)]), "not WGS-84 lon/lat"),
        (gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), "no features"),
        (42, "cannot use a int as OSM source"),
    ],
)
def test_bad_queries_are_input_errors(query, match, tmp_path):
    with pytest.raises(InputError, match=match):
        download_osm(query, cache_dir=tmp_path)


def test_default_cache_dir_from_environment(servers, tmp_path, monkeypatch):
    monkeypatch.setenv("ACCESS15_CACHE", str(tmp_path / "env-cache"))
    download_osm(PLACE)
    assert len(_cache_files(tmp_path / "env-cache")) == 2


def test_read_network_by_place_name_goes_through_the_download(servers, tmp_path):
    """The public entry point: ax.read_network("<place>") downloads, caches and routes."""
    net = ax.read_network(PLACE, cache_dir=tmp_path / "c")
    assert net.n_nodes > 100
    assert servers.asked("/api/interpreter")
    assert {r["client"] for r in servers.requests} == {"127.0.0.1"}
    t = ax.nearest_times(net, net.node_ids[:1])
    assert np.isfinite(t.to_numpy()).all()


def _edit_meta(path: Path, edit) -> None:
    meta = json.loads(path.read_text(encoding="utf-8"))
    edit(meta)
    path.write_text(json.dumps(meta), encoding="utf-8")


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


# damaged entries of our cache: (file, damage); each must be detected on read, removed, rebuilt
CACHE_DAMAGE = {
    "way-row-short": ("json", lambda p: _edit_meta(p, lambda m: m["ways"][3].pop())),
    "way-id-text": ("json", lambda p: _edit_meta(p, lambda m: m["ways"][0].__setitem__(0, "x"))),
    "facility-row-long": ("json", lambda p: _edit_meta(p, lambda m: m["facilities"][0].append(1))),
    "facility-lon-text": (
        "json",
        lambda p: _edit_meta(p, lambda m: m["facilities"][0].__setitem__(2, "east")),
    ),
    "ways-not-a-list": ("json", lambda p: _edit_meta(p, lambda m: m.__setitem__("ways", 7))),
    "json-cut": ("json", _cut),
    "json-empty": ("json", lambda p: p.write_bytes(b"")),
    "json-binary": ("json", lambda p: p.write_bytes(b"\xff\xfe\x00garbage")),
    "npz-cut": ("npz", _cut),
    "npz-empty": ("npz", lambda p: p.write_bytes(b"")),
    "offsets-decreasing": (
        "npz",
        lambda p: _rewrite_npz(p, way_offsets=lambda a: np.r_[a[:1], a[2:3], a[1:2], a[3:]]),
    ),
}


def _rewrite_npz(path: Path, **changes) -> None:
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    for k, change in changes.items():
        arrays[k] = change(arrays[k])
    with path.open("wb") as f:
        np.savez_compressed(f, **arrays)


@pytest.mark.parametrize("damage", list(CACHE_DAMAGE))
def test_damaged_cache_entry_is_removed_and_downloaded_again(servers, tmp_path, damage, caplog):
    first = download_osm(PLACE, cache_dir=tmp_path)
    kind, spoil = CACHE_DAMAGE[damage]
    (path,) = tmp_path.glob(f"osm-*.{kind}")
    spoil(path)
    for p in (tmp_path / "osmnx-http").iterdir():  # no HTTP cache either: the server is asked
        p.unlink()
    n = len(servers.asked("/api/interpreter"))
    again = download_osm(PLACE, cache_dir=tmp_path)
    assert len(servers.asked("/api/interpreter")) == n + 2  # roads and facilities again
    assert "unreadable download cache" in caplog.text
    np.testing.assert_array_equal(again.refs, first.refs)
    pd.testing.assert_frame_equal(again.ways, first.ways)
    pd.testing.assert_frame_equal(again.facilities, first.facilities)
    # the entry was rewritten whole: the next run reads it without asking anyone
    servers.stop()
    caplog.clear()
    third = download_osm(PLACE, cache_dir=tmp_path)
    assert any("download cache" in note for note in third.notes)
    pd.testing.assert_frame_equal(third.ways, first.ways)
    assert "unreadable" not in caplog.text


HTTP_DAMAGE = {
    "cut": _cut,
    "empty": lambda p: p.write_bytes(b""),
    "binary": lambda p: p.write_bytes(b"\xff\xfe\x00"),
}


@pytest.mark.parametrize("damage", list(HTTP_DAMAGE))
def test_damaged_osmnx_http_cache_is_removed_and_downloaded_again(servers, tmp_path, damage):
    """A killed run can leave osmnx's HTTP cache file half written: it must not fail every run."""
    first = download_osm(PLACE, cache_dir=tmp_path)
    for p in tmp_path.glob("osm-*"):
        p.unlink()
    http = sorted((tmp_path / "osmnx-http").iterdir())
    assert len(http) == 3  # Nominatim, Overpass roads, Overpass facilities
    for p in http:
        HTTP_DAMAGE[damage](p)
    n = len(servers.requests)
    again = download_osm(PLACE, cache_dir=tmp_path)
    assert len(servers.asked("/api/interpreter")) == 4  # 2 first, 2 again
    assert len(servers.requests) > n
    np.testing.assert_array_equal(again.refs, first.refs)
    pd.testing.assert_frame_equal(again.facilities, first.facilities)
    for p in (tmp_path / "osmnx-http").iterdir():  # rewritten whole
        json.loads(p.read_text(encoding="utf-8"))

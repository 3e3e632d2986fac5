"""The compiled-network cache, and :func:`read_network`, which reads through it.

:func:`read_network` turns a source (an OSM file, data already read, a place name or a
boundary for a download) into a :class:`~access15.network.RoadNetwork`. For a file source with a
cache folder, the built network is stored as ``network-<key>.npz`` (key: file content, mode,
speed table, ``simplify``, package version) and read back from there afterwards; an entry that
cannot be read back is removed and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

import numpy as np

from access15._version import __version__
from access15.config import MODES, Config
from access15.errors import InputError
from access15.io.osm import OsmData, load_osm
from access15.network import NetworkStats, RoadNetwork, build_network

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

__all__ = ["read_network"]

log = logging.getLogger(__name__)


_CACHE_FORMAT = 2  # 2: every road system kept, fragments recorded


def _cache_key(path: Path, mode: str, config: Config, simplify: bool) -> str:

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    speeds = json.dumps(dict(config.speeds_kmh.get(mode, {})), sort_keys=True)
    meta = f"{_CACHE_FORMAT}|{__version__}|{mode}|{simplify}|{speeds}"
    h.update(meta.encode())
    return h.hexdigest()


def _save_network(net: RoadNetwork, path: Path) -> None:
    classes, codes = np.unique(net.edge_highway.astype(str), return_inverse=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(
            f,
            node_ids=net.node_ids,
            lon=net.lon,
            lat=net.lat,
            x=net.x,
            y=net.y,
            edge_u=net.edge_u,
            edge_v=net.edge_v,
            edge_length_m=net.edge_length_m,
            edge_time_s=net.edge_time_s,
            edge_class=codes.astype(np.int32),
            classes=classes.astype(str),
            fragment_lon=net.fragment_lon,
            fragment_lat=net.fragment_lat,
            meta=np.array(
                json.dumps(
                    {
                        "mode": net.mode,
                        "crs": net.crs,
                        "source": net.source,
                        "stats": asdict(net.stats),
                    }
                )
            ),
        )
    os.replace(tmp, path)


def _load_network(path: Path) -> RoadNetwork:
    """Read a compiled network written by :func:`_save_network`.

    Raises
    ------
    ValueError
        When the file's arrays disagree with each other (a damaged or foreign entry); a
        truncated or garbled file raises what :func:`numpy.load` raises (``BadZipFile``,
        ``EOFError``, ``KeyError``, ``OSError``, ``ValueError``; see :data:`_CACHE_ERRORS`).
    """
    with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        net = RoadNetwork(
            mode=meta["mode"],
            crs=meta["crs"],
            node_ids=z["node_ids"],
            lon=z["lon"],
            lat=z["lat"],
            x=z["x"],
            y=z["y"],
            edge_u=z["edge_u"],
            edge_v=z["edge_v"],
            edge_length_m=z["edge_length_m"],
            edge_time_s=z["edge_time_s"],
            edge_highway=z["classes"].astype(object)[z["edge_class"]],
            stats=NetworkStats(**meta["stats"]),
            source=meta["source"],
            fragment_lon=z["fragment_lon"],
            fragment_lat=z["fragment_lat"],
        )
    n, m = net.n_nodes, net.n_edges
    nodes = (net.node_ids, net.lon, net.lat, net.x, net.y)
    edges = (net.edge_u, net.edge_v, net.edge_length_m, net.edge_time_s, net.edge_highway)
    fragments = net.fragment_lon.shape == net.fragment_lat.shape == (len(net.fragment_lon),)
    if any(a.shape != (n,) for a in nodes) or any(a.shape != (m,) for a in edges) or not fragments:
        msg = "array lengths disagree"
        raise ValueError(msg)
    ends = np.concatenate([net.edge_u, net.edge_v])
    if len(ends) and (ends.min() < 0 or ends.max() >= n):
        msg = "edges refer to nodes that do not exist"
        raise ValueError(msg)
    return net


# what reading a damaged cache entry raises (np.load of a truncated zip: BadZipFile, EOFError;
# a missing member: KeyError; bad JSON or arrays: ValueError; bad stats fields: TypeError)
_CACHE_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile)


def _is_file(source: object) -> TypeGuard[str | Path]:
    if not isinstance(source, str | Path):
        return False
    try:
        return Path(source).is_file()
    except (OSError, ValueError):  # a place name too long for a path, NUL bytes ...
        return False


def read_network(
    source: str | Path | OsmData | BaseGeometry | gpd.GeoDataFrame,
    *,
    mode: str = "drive",
    config: Config | None = None,
    simplify: bool = False,
    cache_dir: str | Path | None = None,
) -> RoadNetwork:
    """Read OSM data into a routable network for ``mode``.

    Parameters
    ----------
    source : str, Path, OsmData, shapely geometry or GeoDataFrame
        An ``.osm.pbf`` / ``.osm`` / ``.osm.bz2`` / osmnx ``.graphml`` file; data already read
        by :func:`access15.io.osm.read_osm`; or, for an online download with osmnx (Overpass), a
        place name (``"Yuba County, California"``) or a boundary polygon in WGS-84.
    mode : {"drive", "ebike", "walk"}
        Travel mode: which roads are used, at which speeds.
    config : Config, optional
        Speeds per class and mode (default ``Config()``).
    simplify : bool
        Contract road chains (see :func:`build_network`).
    cache_dir : str or Path, optional
        Cache folder. For a file source the compiled network is stored under
        (file content sha256, mode, speed table, ``simplify``) as ``network-<key>.npz`` and
        loaded from there afterwards; an entry that cannot be read back (truncated by a killed
        run, garbled) is logged, removed and rebuilt. Downloads are cached there too (default
        for downloads: ``$ACCESS15_CACHE`` or ``~/.cache/access15``).

    Returns
    -------
    RoadNetwork
        The routable network (see :func:`build_network`).
    """
    cfg = config or Config()
    if mode not in MODES:
        msg = f"unknown mode {mode!r}; use one of {', '.join(MODES)}"
        raise InputError(msg)
    cache_file: Path | None = None
    if cache_dir is not None and _is_file(source):
        key = _cache_key(Path(source), mode, cfg, simplify)
        cache_file = Path(cache_dir) / f"network-{key[:32]}.npz"
        if cache_file.is_file():
            try:
                net = _load_network(cache_file)
            except _CACHE_ERRORS as exc:  # damaged entry (e.g. a killed write): remove, rebuild
                log.warning(
                    "removing unreadable network cache %s (%s: %s); rebuilding it",
                    cache_file,
                    type(exc).__name__,
                    exc,
                )
                cache_file.unlink(missing_ok=True)
            else:
                log.info("compiled network from cache %s", cache_file)
                return net
    osm = load_osm(source, cache_dir=cache_dir)
    net = build_network(osm, mode=mode, config=cfg, simplify=simplify)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        _save_network(net, cache_file)
    return net

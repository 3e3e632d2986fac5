"""access15 engine benchmarks, side by side with what a user would otherwise run.

Usage (from the repository root, after `make setup`)::

    .venv/bin/python benchmarks/run.py            # all cases, writes benchmarks/results.md
    .venv/bin/python benchmarks/run.py --quick    # skips the slow osmnx ingest and the 1M case

Each case runs in a fresh subprocess so its peak memory (max RSS) is its own. Times are the
median of repeated runs where a run is short. Machines here are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "data" / "osm-imperial-yuba-ca"
IMPERIAL = SHARED / "imperial_county_ca.complete.osm.pbf"
CUTOFF_S = 900.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _median_time(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _synthetic(n: int):
    sys.path.insert(0, str(HERE))
    import synth

    import access15 as ax

    return ax.build_network(synth.road_network(n, seed=1))


# ---------------------------------------------------------------- cases (run in a subprocess)
def case_ingest_access15() -> dict:
    import access15 as ax

    t = time.perf_counter()
    net = ax.read_network(IMPERIAL, mode="drive")
    dt = time.perf_counter() - t
    return {"seconds": dt, "nodes": net.n_nodes, "edges": net.n_edges, "rss_mb": _rss_mb()}


def case_ingest_osmnx() -> dict:
    import osmium
    import osmnx as ox

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "imperial.osm"
        # osmnx reads OSM XML only (not PBF) and turns every way into edges, so give it what
        # a user would prepare: all nodes and the highway ways (no buildings, no relations)
        with osmium.SimpleWriter(str(xml)) as w:
            for obj in osmium.FileProcessor(str(IMPERIAL), osmium.osm.NODE | osmium.osm.WAY):
                if obj.is_node() or "highway" in obj.tags:
                    w.add(obj)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = ox.graph_from_xml(xml)
            g = ox.add_edge_speeds(g, fallback=30.0)  # km/h for classes osmnx has no speed for
            g = ox.add_edge_travel_times(g)
        dt = time.perf_counter() - t
    return {
        "seconds": dt,
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "rss_mb": _rss_mb(),
    }


def case_nearest(which: str) -> dict:
    import networkx as nx
    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    import access15 as ax

    net = ax.read_network(IMPERIAL) if which == "imperial" else _synthetic(200_000)
    rng = np.random.default_rng(0)
    src = rng.choice(net.n_nodes, 300, replace=False)  # ~ village clinics + centres of a county
    leg = rng.uniform(0.0, 60.0, len(src))  # last-mile legs, as coverage passes them
    ours = _median_time(lambda: ax.nearest_facility(net, src, leg_s=leg), 7)
    rev = net.csr_reversed
    scipy_t = _median_time(
        lambda: dijkstra(rev, indices=src, min_only=True, return_predecessors=True), 7
    )
    g = net.to_networkx().reverse(copy=False)
    ids = set(net.node_ids[src].tolist())
    nx_t = _median_time(
        lambda: nx.multi_source_dijkstra_path_length(g, ids, weight="travel_time"), 2
    )
    d, _ = ax.nearest_facility(net, src, leg_s=np.zeros(len(src)))
    ref = dijkstra(rev, indices=src, min_only=True)
    assert np.allclose(d, ref), "kernel disagrees with scipy"
    return {
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "sources": len(src),
        "access15_ms": ours * 1e3,
        "scipy_ms": scipy_t * 1e3,
        "networkx_ms": nx_t * 1e3,
        "rss_mb": _rss_mb(),
    }


def case_pairs() -> dict:
    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    import access15 as ax

    net = _synthetic(200_000)
    rng = np.random.default_rng(0)
    cands = rng.choice(net.n_nodes, 2000, replace=False)
    demand = np.sort(rng.choice(net.n_nodes, net.n_nodes // 4, replace=False))
    ax.pair_times(net, cands[:2], cutoff_s=CUTOFF_S, targets=demand)  # JIT warm-up
    t = time.perf_counter()
    pt = ax.pair_times(net, cands, cutoff_s=CUTOFF_S, targets=demand)
    ours = time.perf_counter() - t
    t1 = time.perf_counter()
    pt1 = ax.pair_times(net, cands, cutoff_s=CUTOFF_S, targets=demand, threads=1)
    ours1 = time.perf_counter() - t1
    assert len(pt1) == len(pt)
    rev = net.csr_reversed
    t = time.perf_counter()
    n_pairs = 0
    for chunk in np.array_split(cands, 40):  # dense output: chunk it to bound memory
        d = dijkstra(rev, indices=chunk, limit=CUTOFF_S)[:, demand]
        n_pairs += int(np.isfinite(d).sum())
    scipy_t = time.perf_counter() - t
    assert n_pairs == len(pt), (n_pairs, len(pt))
    return {
        "nodes": net.n_nodes,
        "candidates": len(cands),
        "demand_nodes": len(demand),
        "pairs": len(pt),
        "access15_s": ours,
        "access15_1thread_s": ours1,
        "scipy_s": scipy_t,
        "rss_mb": _rss_mb(),
    }


def case_memory_1m() -> dict:
    import numpy as np

    import access15 as ax

    sys.path.insert(0, str(HERE))
    import synth

    t = time.perf_counter()
    osm = synth.road_network(1_000_000, seed=2)
    gen = time.perf_counter() - t
    t = time.perf_counter()
    net = ax.build_network(osm)
    build = time.perf_counter() - t
    rng = np.random.default_rng(0)
    src = rng.choice(net.n_nodes, 1000, replace=False)
    t = time.perf_counter()
    ax.nearest_facility(net, src)
    sweep = time.perf_counter() - t
    t = time.perf_counter()
    pt = ax.pair_times(net, src[:500], cutoff_s=CUTOFF_S)
    pairs = time.perf_counter() - t
    net.snap(net.lon[:500_000] + 1e-4, net.lat[:500_000])  # 500k points, as population cells
    return {
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "generate_s": gen,
        "build_s": build,
        "sweep_s": sweep,
        "pairs_500_s": pairs,
        "pairs": len(pt),
        "rss_mb": _rss_mb(),
    }


CASES = {
    "ingest_access15": case_ingest_access15,
    "ingest_osmnx": case_ingest_osmnx,
    "nearest_imperial": lambda: case_nearest("imperial"),
    "nearest_200k": lambda: case_nearest("200k"),
    "pairs_200k": case_pairs,
    "memory_1m": case_memory_1m,
}


def _run_case(name: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--case", name], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=sorted(CASES))
    ap.add_argument("--quick", action="store_true", help="skip the osmnx ingest and the 1M case")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case]()))
        return 0
    if not IMPERIAL.exists():
        print(f"needs {IMPERIAL} (../shared/data beside the checkout)", file=sys.stderr)
        return 2
    names = [n for n in CASES if not (args.quick and n in ("ingest_osmnx", "memory_1m"))]
    res = {}
    for n in names:
        print(f"running {n} ...", file=sys.stderr, flush=True)
        res[n] = _run_case(n)
        print(f"  {res[n]}", file=sys.stderr, flush=True)
    out = _report(res)
    print(out)
    if not args.quick:
        (HERE / "results.md").write_text(out, encoding="utf-8")
    return 0


def _report(r: dict) -> str:
    from importlib.metadata import PackageNotFoundError, version

    import access15

    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    lines = [
        "# Benchmark results",
        "",
        f"Machine: {_machine()}. Run: {time.strftime('%Y-%m-%d')}. "
        f"access15 {access15.__version__}, osmnx {v('osmnx')}, networkx {v('networkx')}, "
        f"scipy {v('scipy')}, numba {v('numba')}.",
        "",
        "| measurement | data | access15 | reference | ratio | target | met |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]

    def row(what, data, ours, ref, ratio, target, met):
        lines.append(f"| {what} | {data} | {ours} | {ref} | {ratio} | {target} | {met} |")

    a, o = r.get("ingest_access15", {}), r.get("ingest_osmnx", {})
    if "seconds" in a and "seconds" in o:
        ratio = o["seconds"] / a["seconds"]
        row(
            "ingest PBF → routable drive network",
            f"Imperial ({a['nodes']:,} nodes)",
            f"{a['seconds']:.2f} s, {a['rss_mb']:.0f} MB",
            f"osmnx graph_from_xml + travel times: {o['seconds']:.1f} s, {o['rss_mb']:.0f} MB",
            f"{ratio:.0f}×",
            "≥ 15× faster",
            "yes" if ratio >= 15 else "NO",
        )
    for key, label in (("nearest_imperial", "Imperial"), ("nearest_200k", "generated")):
        c = r.get(key, {})
        if "access15_ms" in c:
            ratio = c["networkx_ms"] / c["access15_ms"]
            target = "≤ 50 ms and ≥ 20× networkx" if key == "nearest_200k" else "≥ 20× networkx"
            met = ratio >= 20 and (key != "nearest_200k" or c["access15_ms"] <= 50)
            row(
                "nearest facility, all nodes (with last-mile legs)",
                f"{label} ({c['nodes']:,} nodes, {c['sources']} sources)",
                f"{c['access15_ms']:.0f} ms",
                f"networkx {c['networkx_ms']:.0f} ms; bare scipy min_only, no legs "
                f"{c['scipy_ms']:.0f} ms",
                f"{ratio:.0f}× nx, {c['scipy_ms'] / c['access15_ms']:.2f}× scipy",
                target,
                "yes" if met else "NO",
            )
    c = r.get("pairs_200k", {})
    if "access15_s" in c:
        row(
            "candidate × demand within 15 min",
            f"generated ({c['nodes']:,} nodes), "
            f"{c['candidates']:,} candidates × {c['demand_nodes']:,} demand nodes, "
            f"{c['pairs']:,} pairs",
            f"{c['access15_s']:.2f} s (2 threads; 1 thread {c['access15_1thread_s']:.2f} s)",
            f"scipy dijkstra(limit) {c['scipy_s']:.2f} s",
            f"{c['scipy_s'] / c['access15_s']:.1f}×",
            "≤ 3 s",
            "yes" if c["access15_s"] <= 3 else "NO",
        )
    c = r.get("memory_1m", {})
    if "rss_mb" in c:
        row(
            "peak memory, 1M-node network",
            f"generated ({c['nodes']:,} nodes, "
            f"{c['edges']:,} edges): build {c['build_s']:.1f} s, sweep {c['sweep_s']:.2f} s, "
            f"500 cands {c['pairs_500_s']:.1f} s, snap 500k",
            f"{c['rss_mb']:.0f} MB",
            "",
            "",
            "≤ 2 GB",
            "yes" if c["rss_mb"] <= 2048 else "NO",
        )
    errors = {k: v["error"] for k, v in r.items() if "error" in v}
    if errors:
        lines += ["", "Errors: " + json.dumps(errors)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

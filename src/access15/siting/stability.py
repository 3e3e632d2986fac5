"""How stable a recommendation is when speeds and the threshold change."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from access15._repr import card, fmt_frame, pct
from access15.access import coverage as run_coverage
from access15.errors import InputError
from access15.siting.candidates import candidates_from_options, is_site_table
from access15.siting.options import SitingOptions, with_legacy_keywords
from access15.siting.recommend import Recommendation, recommend_upgrades, service_level

if TYPE_CHECKING:
    import geopandas as gpd

    from access15.access import CoverageResult
    from access15.network import RoadNetwork

__all__ = ["Sensitivity", "sensitivity"]


@dataclass(frozen=True, repr=False)
class Sensitivity:
    """How stable a recommendation is when speeds and the threshold change.

    Attributes
    ----------
    scenarios : DataFrame
        One row per scenario: ``scenario``, ``speed_factor``, ``minutes``, ``sites``
        (comma-separated ids), ``objective``, ``share``, ``proven``.
    stability : DataFrame
        One row per site chosen in any scenario: ``site_id``, ``name``, ``base_rank`` (rank in
        the base scenario, 0 if not chosen), ``times_in_top_k``, ``n_scenarios``, ``share``
        (of scenarios choosing it), most stable first.
    """

    scenarios: pd.DataFrame
    stability: pd.DataFrame

    def __repr__(self) -> str:
        s = self.stability
        return (
            f"Sensitivity({len(self.scenarios)} scenarios; "
            + ", ".join(f"{r.site_id} {r.share:.0%}" for r in s.head(5).itertuples())
            + ")"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: how often each site stays in the top K, and the scenarios."""
        stab = fmt_frame(
            self.stability,
            {"share": pct},
            rename={
                "site_id": "site",
                "name": "name",
                "base_rank": "base rank (0 = not chosen)",
                "times_in_top_k": "times in top K",
                "share": "share of scenarios",
            },
        )
        scen = fmt_frame(
            self.scenarios,
            {"share": pct},
            rename={"scenario": "scenario", "sites": "sites", "share": "covered share"},
        )
        return card(
            "Sensitivity",
            f"{len(self.scenarios)} scenarios (speeds and threshold varied)",
            tables=[("Stability of the sites", stab), ("Scenarios", scen)],
            attributes=("stability", "scenarios"),
            max_rows=12,
        )


def sensitivity(
    network: RoadNetwork,
    cov: CoverageResult,
    plan: Recommendation | SitingOptions | None = None,
    *,
    facilities: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    speed_factors: Sequence[float] = (0.8, 1.0, 1.2),
    minutes_offsets: Sequence[float] = (-5.0, 0.0, 5.0),
    k: int | None = None,
    **legacy: Any,
) -> Sensitivity:
    """Rerun :func:`recommend_upgrades` with speeds and the threshold varied; count stable sites.

    Every combination of a speed factor (network edge speeds multiplied, i.e. edge times
    divided, by it; first/last miles on foot unchanged; coverage recomputed) and a threshold
    offset (minutes added to the level's threshold) is one scenario. Every scenario ranks the
    same candidate sites, generated once from the base coverage.

    Parameters
    ----------
    network : RoadNetwork
        The network ``cov`` was computed on.
    cov : CoverageResult
        The base coverage (speed factor 1).
    plan : Recommendation or SitingOptions, optional
        The recommendation to test (its ``options`` are rerun exactly), or the options to
        rank with (default ``SitingOptions()``). The curve is never computed.
    facilities : GeoDataFrame, optional
        Facilities to recompute coverage with (default ``cov.facilities``).
    zones : GeoDataFrame, optional
        Zones to recompute coverage with (needed for per-zone constraints and zone tables).
    speed_factors : sequence of float
        Speed multipliers (default -20 %, 0, +20 %), each > 0.
    minutes_offsets : sequence of float
        Threshold offsets, minutes (default -5, 0, +5).
    k : int, optional
        Number of sites; overrides the options' ``k``.
    **legacy
        Deprecated: fields of :class:`SitingOptions` as keywords (``objective=``, ...), with a
        :class:`DeprecationWarning`; pass ``SitingOptions(...)`` as ``plan`` instead.

    Returns
    -------
    Sensitivity
        The scenarios and how often each site stays in the top K.
    """
    if any(not f > 0 for f in speed_factors):
        msg = "speed factors must be > 0 (e.g. 0.8 for 20 % slower)"
        raise InputError(msg)
    base_opts = plan.options if isinstance(plan, Recommendation) else plan
    opts = with_legacy_keywords(base_opts, legacy, "sensitivity")
    opts = dataclasses.replace(opts, curve=False, k=opts.k if k is None else k)
    cfg = cov.config
    lv0 = service_level(cfg, opts.level)
    # every scenario ranks the same sites: generated ones (gap centroids, grid nodes) come from
    # the base coverage once, not from each scenario's own gaps
    src = opts.candidates[0]
    if len(opts.candidates) == 1 and isinstance(src, pd.DataFrame) and is_site_table(src):
        cand0 = src
    else:
        cand0 = candidates_from_options(network, cov, opts, level=lv0.name, zones=zones)
    fac = cov.facilities if facilities is None else facilities
    rows = []
    base_rank: dict[str, int] = {}
    names: dict[str, str] = {}
    for f in speed_factors:
        if f == 1.0:
            net_f, cov_f = network, cov
        else:
            net_f = dataclasses.replace(network, edge_time_s=network.edge_time_s / f)
            cov_f = run_coverage(net_f, fac, cov.population, zones=zones, config=cfg)
        for dm in minutes_offsets:
            lv = dataclasses.replace(lv0, minutes=lv0.minutes + dm)
            if not lv.minutes > 0:
                continue
            # the time to the county hospital changes with the speeds: recomputed there
            cand_f = cand0 if f == 1.0 else cand0.drop(columns=["minutes_to_hospital"])
            scenario = dataclasses.replace(opts, level=lv, candidates=(cand_f,))
            rec = recommend_upgrades(net_f, cov_f, scenario, zones=zones)
            ids = rec.ranking["site_id"].tolist()
            names.update(zip(ids, rec.ranking["name"].astype(str), strict=True))
            if f == 1.0 and dm == 0.0:
                base_rank = {s: i + 1 for i, s in enumerate(ids)}
            rows.append(
                {
                    "scenario": f"speed x{f:g}, {lv.minutes:g} min",
                    "speed_factor": f,
                    "minutes": lv.minutes,
                    "sites": ",".join(ids),
                    "objective": float(rec.ranking["objective"].iloc[-1]) if ids else math.nan,
                    "share": float(rec.ranking["cumulative_share"].iloc[-1]) if ids else math.nan,
                    "proven": rec.proven,
                }
            )
    scen = pd.DataFrame(rows)
    counts: dict[str, int] = {}
    for s_ in scen["sites"]:
        for sid in filter(None, s_.split(",")):
            counts[sid] = counts.get(sid, 0) + 1
    n = len(scen)
    stab = pd.DataFrame(
        {
            "site_id": list(counts),
            "name": [names.get(s, "") for s in counts],
            "base_rank": [base_rank.get(s, 0) for s in counts],
            "times_in_top_k": list(counts.values()),
            "n_scenarios": n,
        }
    )
    stab["share"] = stab["times_in_top_k"] / max(n, 1)
    stab["_r"] = stab["base_rank"].where(stab["base_rank"] > 0, 10**9)
    stab = (
        stab.sort_values(["times_in_top_k", "_r"], ascending=[False, True], kind="stable")
        .drop(columns="_r")
        .reset_index(drop=True)
    )
    return Sensitivity(scenarios=scen, stability=stab)

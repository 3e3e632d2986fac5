"""Labels for maps, figures and the HTML report in Chinese and English.

One small dictionary, no gettext: every label a planner reads has a ``zh`` and an ``en`` text.
``lang=None`` (or ``"auto"``) means Chinese when the county's own names are Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from access15.config import TIER_NAMES
from access15.errors import InputError

if TYPE_CHECKING:
    from access15.config import ServiceLevel

__all__ = [
    "LANGS",
    "has_cjk",
    "level_label",
    "level_what",
    "method_text",
    "resolve_lang",
    "supply_text",
    "tier_name",
    "tr",
]

LANGS = ("zh", "en")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

TIER_NAMES_ZH = {1: "村卫生室", 2: "乡镇卫生院", 3: "分中心", 4: "县医院"}

# key: (zh, en); ``{name}`` fields are filled by :func:`tr`
_TEXT: dict[str, tuple[str, str]] = {
    # map
    "basemap_osm": ("底图：OpenStreetMap", "Basemap: OpenStreetMap"),
    "basemap_positron": ("底图：CartoDB Positron", "Basemap: CartoDB Positron"),
    "basemap_tianditu": ("底图：天地图", "Basemap: Tianditu"),
    "tianditu_labels": ("天地图注记", "Tianditu labels"),
    "layer_surface": ("出行时间（{level}，分钟）", "Travel time ({level}, minutes)"),
    "layer_isochrones": ("等时圈（{level}）", "Isochrone bands ({level})"),
    "layer_townships": ("乡镇边界", "Townships"),
    "layer_county": ("县界", "County boundary"),
    "layer_tier": ("{tier}级：{name}", "Tier {tier}: {name}"),
    "layer_gaps": ("未覆盖人群（≥{people}人）", "Uncovered clusters (≥ {people} people)"),
    "layer_sites": ("建议升级（前{k}名）", "Recommended upgrades (K={k})"),
    "layer_sites_new": ("建议升级或新建（前{k}名）", "Recommended sites (K={k})"),
    "legend_title": (
        "到最近医疗机构的时间（{tier}级及以上）",
        "Minutes to nearest facility (tier ≥ {tier})",
    ),
    "legend_min": ("{lo}–{hi} 分钟", "{lo}–{hi} min"),
    "legend_over": ("> {lo} 分钟", "> {lo} min"),
    "legend_nodata": ("无颜色：离路网过远或在县外", "no colour: off-network or outside the county"),
    "legend_facilities": ("医疗机构", "Facilities"),
    "legend_gap": ("未覆盖人群（圆面积∝人数）", "uncovered cluster (area ∝ people)"),
    "legend_site": ("建议升级为分中心（名次）", "recommended upgrade (rank)"),
    "legend_site_new": ("建议升级或新建的站点（名次）", "recommended site (rank)"),
    "popup_to_hospital": ("到县医院 {minutes} 分钟", "{minutes} min to the county hospital"),
    "popup_to_township": ("到乡镇卫生院 {minutes} 分钟", "{minutes} min to a township centre"),
    "popup_snap": ("距道路 {metres} 米", "{metres} m from the road"),
    "popup_off_network": ("距道路过远，未参与计算", "too far from a road: not routed"),
    "popup_tier": ("{tier}级（{name}）", "tier {tier} ({name})"),
    "popup_gap_people": ("{people} 人未覆盖", "{people} people not covered"),
    "popup_gap_off": ("其中 {people} 人离路网过远", "of which {people} off-network"),
    "popup_gap_minutes": (
        "平均 {mean} 分钟，最远 {max} 分钟",
        "mean {mean} min, worst {max} min",
    ),
    "popup_township": ("乡镇：{name}", "township: {name}"),
    "popup_site_added": (
        "新增 {people} 人在分中心 {minutes} 分钟内",
        "+{people} people within {minutes} min of a sub-centre",
    ),
    "popup_site_share": ("累计覆盖率 {share}", "cumulative share {share}"),
    "popup_site_robust": (
        "{n}/{of} 个情景中入选（{share}）",
        "chosen in {n} of {of} scenarios ({share})",
    ),
    "tooltip_site": ("建议升级第{rank}名：{name}", "Upgrade #{rank}: {name}"),
    "tooltip_iso": ("{band}：{people} 人，{area} 平方公里", "{band}: {people} people, {area} km²"),
    "na": ("无", "n/a"),
    # figures
    "fig_map_title": (
        "到最近医疗机构的时间（{level}）",
        "Minutes to the nearest facility ({level})",
    ),
    "fig_dist_title": ("出行时间分布（按人口加权）", "Travel time, population-weighted"),
    "fig_dist_x": ("到最近医疗机构的时间（分钟）", "minutes to the nearest facility"),
    "fig_dist_y": ("人口（人/分钟）", "people per minute"),
    "fig_cum_title": ("各服务层级的累计覆盖", "Cumulative share by service level"),
    "fig_cum_y": ("覆盖人口比例（%）", "share of the population (%)"),
    "fig_threshold": ("{minutes} 分钟", "{minutes} min"),
    "fig_curve_title": ("覆盖率与升级数量 K", "Covered share versus K"),
    "fig_curve_x": ("升级站点数 K", "sites upgraded (K)"),
    "fig_curve_y": ("覆盖人口比例 (%)", "covered share (%)"),
    "fig_curve_greedy": ("贪心", "greedy"),
    "fig_curve_exact": ("精确最优", "exact"),
    "fig_curve_unproven": ("未证明最优", "not proven optimal"),
    "fig_offnet": ("离路网过远：{share}（未计入）", "off-network: {share} (not shown)"),
    "fig_within": ("{share} 在 {minutes} 分钟内", "{share} within {minutes} min"),
    "fig_rec": ("建议升级", "recommended upgrade"),
    "fig_rec_new": ("建议站点", "recommended site"),
    "fig_minutes": ("分钟", "minutes"),
    "fig_boundary": ("县界", "county boundary"),
    # report
    "report_title": ("{county}：15分钟就医可达性报告", "{county}: 15-minute access to health care"),
    "synthetic": (
        "示例县为合成数据，并非真实地点；数字仅用于演示。",
        "This is a SYNTHETIC sample county, not a real place; the figures only demonstrate "
        "the tool.",
    ),
    "generated": ("由 access15 {version} 生成", "Made with access15 {version}"),
    "open_map": ("交互地图：map.html", "Interactive map: map.html"),
    "sec_key": ("关键数字", "Key figures"),
    "sec_zones": ("分乡镇覆盖情况", "Coverage by township"),
    "sec_figures": ("图", "Figures"),
    "sec_rec": ("建议升级的乡镇卫生院", "Township centres to upgrade first"),
    "sec_rec_sites": ("建议升级或新建的站点", "Sites to upgrade or open first"),
    "sec_quality": ("数据质量", "Data quality"),
    "sec_method": ("方法说明", "Method in plain words"),
    "k_population": ("总人口", "People"),
    "k_within": ("{minutes} 分钟内{what}", "within {minutes} min of {what}"),
    "k_offnet": ("离路网过远", "off-network"),
    "k_minutes": ("到最近机构的时间", "minutes to the nearest facility"),
    "k_minutes_val": (
        "中位 {p50} 分钟，90% 分位 {p90} 分钟，最远 {max} 分钟",
        "median {p50}, 90th percentile {p90}, worst {max} min",
    ),
    "k_gini": ("出行时间基尼系数", "Gini of travel time"),
    "k_facilities": ("医疗机构", "Facilities"),
    "k_gaps": ("未覆盖聚居区的人口", "People in uncovered clusters"),
    "k_gaps_val": (
        "{n} 处 ≥{min} 人的聚居区共 {people} 人；最大 {big_id}：{big} 人，{big_min} 分钟",
        "{n} clusters of ≥ {min} people, {people} people; largest {big_id}: {big} people, "
        "{big_min} min",
    ),
    "k_gaps_none": ("无", "none"),
    "k_referral": ("转诊链", "Referral chain"),
    "k_referral_val": (
        "{over_h}/{n_h} 个乡镇卫生院到县医院超过 {t_h} 分钟；"
        "{over_t}/{n_t} 个村卫生室到乡镇卫生院超过 {t_t} 分钟",
        "{over_h} of {n_h} township centres over {t_h} min to the county hospital; "
        "{over_t} of {n_t} village clinics over {t_t} min to a township centre",
    ),
    "k_after": ("升级 {k} 个后{what}", "after {k} upgrades: {what}"),
    "col_township": ("乡镇", "Township"),
    "col_population": ("人口", "People"),
    "col_mean": ("平均分钟", "Mean min"),
    "col_p90": ("90%分位分钟", "p90 min"),
    "col_roads": ("路网密度 km/km²", "Roads km/km²"),
    "col_after": ("升级后{what}", "{what} after upgrades"),
    "col_offnet": ("离路网", "Off-network"),
    "col_rank": ("名次", "Rank"),
    "col_site": ("机构", "Facility"),
    "col_added": ("新增覆盖人口", "People added"),
    "col_cum": ("累计覆盖率", "Cumulative share"),
    "col_hosp": ("到县医院分钟", "Min to county hospital"),
    "col_robust": ("稳健性", "Robustness"),
    "robust_val": ("{n}/{of} 个情景（{share}）", "{n} of {of} scenarios ({share})"),
    "robust_none": ("未做敏感性分析", "not tested"),
    "today": ("现状", "today"),
    "rec_intro": (
        "目标：{label}。在 {n} 个候选乡镇卫生院中选 {k} 个，方法：{method}；{proof}。",
        "Goal: {label}. {k} of {n} candidate township centres chosen by {method}; {proof}.",
    ),
    "rec_intro_sites": (
        "目标：{label}。在 {n} 个候选站点（乡镇卫生院升级或新建站点）中选 {k} 个，方法：{method}；"
        "{proof}。",
        "Goal: {label}. {k} of {n} candidate sites (township centre upgrades or new sites) "
        "chosen by {method}; {proof}.",
    ),
    "proof_yes": ("已证明最优", "optimality proven"),
    "proof_no": (
        "未证明最优（界 {bound}，差距 {gap}）",
        "not proven optimal (bound {bound}, gap {gap})",
    ),
    "robust_intro": (
        "稳健性：把车速改变 ±20%、时间阈值改变 ±5 分钟，共 {n} 个情景，"
        "统计每个机构入选前 {k} 名的次数。",
        "Robustness: speeds changed by ±20 % and the threshold by ±5 min, {n} scenarios; how "
        "often each site is in the top {k}.",
    ),
    "robust_alt": ("其他常入选的机构：{sites}", "Other sites often chosen: {sites}"),
    "no_rec": ("本次未计算升级建议。", "No upgrade ranking in this run."),
    "quality_none": (
        "没有警告（道路覆盖、吸附距离、机构位置均正常）。",
        "No warnings (road coverage, snapping, facility positions).",
    ),
    "quality_network": (
        "路网：{nodes} 个节点，{km} 公里道路（{mode}）；{dropped} 个孤立节点被去除。",
        "Road network: {nodes} nodes, {km} km of roads ({mode}); {dropped} nodes in "
        "disconnected parts dropped.",
    ),
    "quality_fac": (
        "医疗机构：共 {total} 个，{on} 个在路网 {snap} 米以内。",
        "Facilities: {total}, of which {on} within {snap} m of a road.",
    ),
    "fig_cap_map": (
        "出行时间面与县、乡镇边界、医疗机构和建议升级点。",
        "Travel-time surface with county and township boundaries, facilities and recommended "
        "upgrades.",
    ),
    "fig_cap_dist": (
        "左：按人口加权的出行时间分布；右：各服务层级的累计覆盖。",
        "Left: population-weighted distribution of travel time; right: cumulative share per "
        "service level.",
    ),
    "fig_cap_curve": (
        "覆盖率随升级数量 K 的变化（贪心与精确解）。",
        "Covered share as K grows (greedy and exact).",
    ),
    # supply against demand (map and report)
    "cap_doctors": ("医生数", "doctors"),
    "cap_beds": ("床位数", "beds"),
    "cap_capacity": ("服务能力（人）", "capacity (people)"),
    "layer_supply": (
        "{minutes} 分钟内每万人{what}（{method}）",
        "{what} per 10,000 people within {minutes} min ({method})",
    ),
    "layer_supply_cost": (
        "可及性成本（{method}，{minutes} 分钟，越低越好）",
        "Access cost ({method}, {minutes} min; lower is better)",
    ),
    "tooltip_supply": (
        "{name}：每万人{what} {value}，第 {rank} 名",
        "{name}: {value} {what} per 10,000 people, rank {rank}",
    ),
    "tooltip_supply_cost": (
        "{name}：成本 {value}，第 {rank} 名",
        "{name}: cost {value}, rank {rank}",
    ),
    "tooltip_supply_cell": ("每万人{what} {value}", "{value} {what} per 10,000 people"),
    "legend_supply_nodata": ("灰色：无数据", "grey: no data"),
    "layer_full": ("满负荷医疗机构（{minutes} 分钟）", "Facilities at capacity ({minutes} min)"),
    "legend_full": ("满负荷医疗机构", "facility at capacity"),
    "popup_full_capacity": ("服务能力 {people} 人", "capacity {people} people"),
    "popup_full_load": (
        "分配 {load} 人（精确解）；顺序法 {seq} 人",
        "serves {load} people (exact); sequential {seq}",
    ),
    "sec_care": ("可及的医疗资源", "Care within reach"),
    "care_county": (
        "全县：{minutes} 分钟内每万人{what} {value}。",
        "County: {value} {what} per 10,000 people within {minutes} min.",
    ),
    "care_county_cost": (
        "全县平均成本：{value}（越低越好）。",
        "County mean cost: {value} (lower is better).",
    ),
    "care_noreach": (
        "{people} 人在 {minutes} 分钟内没有任何医疗机构（指数为 0）。",
        "{people} people have no facility within {minutes} min (index 0).",
    ),
    "care_defaults": (
        "注意：{n}/{total} 个医疗机构的{what}使用了按级别的默认值。默认值只是占位数字，请用实际数据"
        "替换后再使用这些结果。",
        "Caution: {n} of {total} facilities use per-tier default {what}. Defaults are "
        "placeholders: replace them with the real figures before relying on these numbers.",
    ),
    "care_defaults_none": (
        "所有医疗机构的{what}都来自数据（无默认值）。",
        "Every facility's {what} figure comes from the data (no defaults).",
    ),
    "col_per_10k": ("每万人{what}", "{what} per 10,000"),
    "col_cost": ("成本（越低越好）", "Cost (lower is better)"),
    "sec_capacity": ("考虑服务能力的覆盖", "Coverage within capacity"),
    "cap_result": (
        "精确解：{within} 人在 {minutes} 分钟内，其中 {served} 人（占总人口 {share}）可在机构"
        "服务能力以内得到服务；顺序法（AccessMod）：{seq} 人，比精确解少 {diff} 人。"
        "{full}/{n} 个机构满负荷。",
        "Exact: of {within} people within {minutes} min, {served} ({share} of all people) can "
        "be served within the facilities' capacity; sequential (AccessMod): {seq}, {diff} "
        "fewer than the exact answer. {full} of {n} facilities are full.",
    ),
    "col_within": ("{minutes} 分钟内人口", "People within {minutes} min"),
    "col_served": ("可服务（精确）", "Served (exact)"),
    "col_served_seq": ("可服务（顺序法）", "Served (sequential)"),
    "col_share_served": ("可服务比例", "Share served"),
    "row_county": ("全县", "County"),
}

_METHOD: dict[str, tuple[str, str]] = {
    "network": (
        "道路来自 OpenStreetMap，按道路等级赋予车速（{mode}）：{speeds}。单行道按方向计算，"
        "互不相连的各片路网（如两条山谷）都保留，各自计算；少于 10 个节点的零碎路段舍去并报告。",
        "Roads come from OpenStreetMap; each road class has a speed ({mode}): {speeds}. One-way "
        "streets are respected; road systems not connected to each other (two valleys, an "
        "island) are all kept and routed on their own; fragments under 10 nodes are dropped "
        "and reported.",
    ),
    "first_mile": (
        "每个人口格网从格网中心步行（{walk} km/h）到最近道路，再沿路网到达最近的机构，最后步行"
        "进入机构；这两段步行时间都计入。离道路超过 {snap} 米的格网记为“离路网过远”：计入"
        "总人口，但从不算作覆盖。",
        "Every population cell walks ({walk} km/h) from its centre to the nearest road, drives "
        "to the nearest facility, and walks in at the other end; both walks count. Cells "
        "farther than {snap} m from any road are off-network: they count in the population, "
        "never as covered.",
    ),
    "levels": (
        "服务层级：{levels}。所有覆盖率、分乡镇表格、地图和等时圈都来自同一张出行时间面。",
        "Service levels: {levels}. Every share, township table, map colour and isochrone comes "
        "from the same travel-time surface.",
    ),
    "siting": (
        "升级选址采用最大覆盖选址模型（MCLP，Church 与 ReVelle，1974）：选 K 个乡镇卫生院"
        "升级为分中心，使达到“{level}”的人口最多。先用贪心加交换得到初始解，再用 HiGHS "
        "求解整数规划，报告是否证明最优及与上界的差距；名次按边际增益排列，所以任何前 K 名都"
        "是一个可用方案。",
        "Upgrades are chosen with the maximal covering location problem (MCLP, Church and "
        "ReVelle 1974): pick K township centres to become sub-centres so that the most people "
        "meet the goal ({level}). A greedy + swap solution warm-starts an exact integer programme "
        "solved with HiGHS, and whether the optimum is proven (or the gap to the bound) is "
        "reported; sites are ranked by marginal gain, so every prefix of the list is a plan.",
    ),
    "siting_other": (
        "升级选址目标为 {objective}（p-median：平均出行时间最短；p-center：最远出行时间最短），"
        "服务层级为“{level}”。先用贪心加交换得到初始解，再用 HiGHS 求解整数规划，报告是否证明"
        "最优及与下界的差距；名次按边际改善排列。",
        "Upgrades are chosen by the {objective} objective (median: least mean travel time; "
        "center: least worst travel time) for the level {level}. A greedy + swap solution "
        "warm-starts an exact integer programme solved with HiGHS, and whether the optimum is "
        "proven (or the gap to the bound) is reported; sites are ranked by marginal "
        "improvement.",
    ),
}


_METHOD_SUPPLY: dict[str, tuple[str, str]] = {
    "2sfca": (
        "两步移动搜索法（2SFCA）：先对每个医疗机构，用它的{what}除以它 {minutes} 分钟内的人口；"
        "再对每个地方，把它 {minutes} 分钟内所有机构的这一比值相加，得到每人可及的{what}。"
        "全县数字等于（有人可及的机构的）全部{what}除以全县人口；低于全县数字的乡镇，可及的"
        "{what}少于全县平均。",
        "2SFCA: for each facility, its {what} divided by the people within {minutes} min of it; "
        "for each place, the sum of these ratios over the facilities within {minutes} min: "
        "{what} per person within reach. The county figure equals all {what} (of facilities "
        "anyone reaches) divided by all people; townships below it have fewer {what} within "
        "reach than the county average.",
    ),
    "e2sfca": (
        "增强两步移动搜索法（E2SFCA）：与 2SFCA 相同，但按出行时间分段加权（{bands}），"
        "越远的人和机构计得越少。全县数字为各格网按人口加权的平均。",
        "Enhanced 2SFCA: as 2SFCA, but people and {what} farther away count less, with a "
        "weight per travel-time band ({bands}). The county figure is the population-weighted "
        "mean of the places.",
    ),
    "g2sfca": (
        "高斯两步移动搜索法（G2SFCA）：与 2SFCA 相同，但权重随出行时间按高斯曲线平滑下降"
        "（{minutes} 分钟以内）。全县数字为各格网按人口加权的平均。",
        "Gaussian 2SFCA: as 2SFCA, but weights fall smoothly with travel time (a Gaussian "
        "curve, within {minutes} min). The county figure is the population-weighted mean.",
    ),
    "3sfca": (
        "三步移动搜索法（3SFCA）：在 E2SFCA 的基础上，按人们选择各机构的概率分摊需求，"
        "避免同一人群被多个机构重复计算（分段权重 {bands}）。全县数字为按人口加权的平均。",
        "3SFCA: as E2SFCA, with each place's demand shared among its facilities by how likely "
        "people are to choose each, so no one is counted twice (band weights {bands}). The "
        "county figure is the population-weighted mean.",
    ),
    "raam": (
        "理性主体可及性模型（RAAM）：每个人选择出行时间加拥挤程度之和最小的机构；指数为由此"
        "得到的成本，越低越好。表中为各乡镇的平均成本。",
        "RAAM (rational agent access model): everyone picks the facility with the least travel "
        "time plus crowding; the index is that cost, and lower is better. The table shows "
        "each township's mean cost.",
    ),
    "tiered": (
        "分层两步移动搜索法：每个服务层级各用自己的机构和时间阈值计算 2SFCA；表中为第一层级"
        "（{level}）的结果。",
        "Tiered 2SFCA: 2SFCA per service level, each with its own facilities and minutes; the "
        "table shows the first level ({level}).",
    ),
    "capacity": (
        "考虑服务能力的覆盖：{minutes} 分钟内有机构，且该机构还有余量，才算得到服务。精确解在"
        "不超过任何机构服务能力的前提下，求能服务的最多人数（与顺序无关）；顺序法（AccessMod"
        "的做法）按{order}依次让每个机构接收其周边人口直到满额，结果取决于顺序，通常少于"
        "精确解。",
        "Coverage within capacity: a person counts as served when a facility within {minutes} "
        "min still has room. The exact answer is the largest number of people that can be "
        "served with no facility over its capacity (order-free); the sequential rule "
        "(AccessMod's) lets facilities fill up one after another, in order of {order}, so its "
        "answer depends on the order and is usually lower.",
    ),
}


def supply_text(key: str, lang: str, **fields: object) -> str:
    """Return the report's explanation of a supply measure (``2sfca`` ... ``capacity``)."""
    zh, en = _METHOD_SUPPLY[key]
    return (zh if lang == "zh" else en).format(**fields)


def has_cjk(text: object) -> bool:
    """Tell whether a text holds Chinese (CJK) characters.

    Examples
    --------
    >>> has_cjk("安澜县"), has_cjk("Yuba County")
    (True, False)
    """
    return bool(_CJK.search("" if text is None else str(text)))


def resolve_lang(lang: str | None, names: Iterable[object] = ()) -> str:
    """Pick ``"zh"`` or ``"en"``: the one asked for, else Chinese when the names are Chinese.

    Examples
    --------
    >>> resolve_lang(None, ["安澜县"]), resolve_lang("auto", ["Yuba"]), resolve_lang("EN")
    ('zh', 'en', 'en')
    """
    if lang is None or str(lang).lower() == "auto":
        return "zh" if any(has_cjk(n) for n in names) else "en"
    key = str(lang).lower().replace("_", "-")
    if key in ("zh-cn", "zh-hans", "cn", "chinese"):
        key = "zh"
    if key not in LANGS:
        msg = f"language {lang!r} is not supported; use zh or en"
        raise InputError(msg)
    return key


def tr(key: str, lang: str, **fields: object) -> str:
    """Return the label ``key`` in ``lang`` with ``{fields}`` filled in (not escaped)."""
    zh, en = _TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def method_text(key: str, lang: str, **fields: object) -> str:
    """Return a paragraph of the report's method section in ``lang``."""
    zh, en = _METHOD[key]
    return (zh if lang == "zh" else en).format(**fields)


def tier_name(tier: int, lang: str) -> str:
    """Return the name of a facility tier (1-4) in ``lang``."""
    names = TIER_NAMES_ZH if lang == "zh" else TIER_NAMES
    return names.get(int(tier), str(tier))


def level_label(lv: ServiceLevel, lang: str) -> str:
    """Say what a service level asks, in ``lang`` (English: the configured label)."""
    if lang != "zh":
        return lv.label
    what = {1: "任一医疗机构", 2: "乡镇卫生院及以上", 3: "分中心或县医院", 4: "县医院"}
    return f"{what.get(lv.min_tier, f'{lv.min_tier}级及以上机构')} {lv.minutes:g} 分钟内"


def level_what(lv: ServiceLevel, lang: str) -> str:
    """Return a short noun phrase for a level's facilities ("any facility", ...)."""
    zh = {1: "有医疗机构", 2: "有乡镇卫生院及以上", 3: "有分中心或县医院", 4: "有县医院"}
    en = {1: "any facility", 2: "a township centre+", 3: "a sub-centre/hospital", 4: "the hospital"}
    d = zh if lang == "zh" else en
    return d.get(lv.min_tier, f"tier ≥ {lv.min_tier}")

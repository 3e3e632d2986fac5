"""The CLI's builders: flags → Config, SitingOptions messages, costs and candidate files."""

from __future__ import annotations

from pathlib import Path

import pytest

import access15 as ax
from access15.cli.build import (
    build_config,
    candidate_source,
    check_map_options,
    named_flags,
    read_costs,
)


def test_build_config_minutes_and_k():
    cfg = build_config(None, 20.0, 4)
    assert cfg.levels[0].minutes == 20.0
    assert cfg.k == 4
    assert build_config(None, None).levels[0].minutes == ax.Config().levels[0].minutes


@pytest.mark.parametrize(
    ("minutes", "match"),
    [(0.0, "--minutes must be > 0, got 0"), (-3.0, "> 0"), (1441.0, "at most 1440")],
)
def test_build_config_refuses_minutes_out_of_range(minutes, match):
    with pytest.raises(ax.InputError, match=match):
        build_config(None, minutes)


def test_named_flags_rewords_siting_errors_only():
    with pytest.raises(ax.InputError, match=r"^--objective 'best' is not one of"), named_flags():
        ax.SitingOptions(objective="best")
    with pytest.raises(ax.InputError, match=r"^something else"), named_flags():
        raise ax.InputError("something else went wrong")


def test_check_map_options():
    check_map_options(None, "osm", None)  # fine
    with pytest.raises(ax.InputError, match="--basemap 'nope' is not one of"):
        check_map_options(None, "nope", None)
    with pytest.raises(ax.InputError, match="--basemap tianditu needs a Tianditu key"):
        check_map_options(None, "tianditu", "  ")


def test_read_costs(tmp_path: Path):
    ok = tmp_path / "costs.csv"
    ok.write_text("名称,费用\n甲镇卫生院,2.5\n乙镇卫生院,0\n", encoding="utf-8")
    assert read_costs(ok) == {"甲镇卫生院": 2.5, "乙镇卫生院": 0.0}
    bad = tmp_path / "bad.csv"
    bad.write_text("site_id,cost\na,1\nb,-2\nc,x\n", encoding="utf-8")
    with pytest.raises(ax.InputError, match="cost missing or negative for b, c"):
        read_costs(bad)
    cols = tmp_path / "cols.csv"
    cols.write_text("site,price\na,1\n", encoding="utf-8")
    with pytest.raises(ax.InputError, match=r"needs a site column .* and a cost column"):
        read_costs(cols)
    with pytest.raises(ax.InputError, match="does not exist"):
        read_costs(tmp_path / "missing.csv")


def test_candidate_source(tmp_path: Path):
    assert candidate_source("gaps", None) == "gaps"
    with pytest.raises(ax.InputError, match="is neither tier2, gaps, nodes nor an existing file"):
        candidate_source(str(tmp_path / "none.csv"), None)

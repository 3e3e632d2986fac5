"""Labels in Chinese and English: every text in both languages, the language chosen once."""

from __future__ import annotations

import string

import pytest

import access15 as ax
from access15.config import ServiceLevel
from access15.outputs import labels
from access15.outputs.labels import (
    has_cjk,
    level_label,
    level_what,
    resolve_lang,
    tier_name,
    tr,
)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("table", ["_TEXT", "_METHOD"])
def test_every_label_has_both_languages_with_the_same_fields(table):
    for key, (zh, en) in getattr(labels, table).items():
        assert zh.strip(), key
        assert en.strip(), key
        assert _fields(zh) == _fields(en), key
        assert has_cjk(zh), key  # the Chinese text is Chinese
        assert not has_cjk(en) or "天地图" in en, key


def test_tr_fills_fields_and_does_not_escape():
    assert tr("legend_min", "en", lo="5", hi="10") == "5–10 min"
    assert tr("legend_min", "zh", lo="5", hi="10").startswith("5–10")
    assert tr("layer_isochrones", "en", level="<b>") == "Isochrone bands (<b>)"
    with pytest.raises(KeyError):
        tr("no such label", "en")


@pytest.mark.parametrize(
    ("lang", "names", "want"),
    [
        (None, ["安澜县", "Yuba"], "zh"),
        (None, ["Yuba", None, 3.0], "en"),
        (None, [], "en"),
        ("auto", ["鹤田镇"], "zh"),
        ("EN", ["安澜县"], "en"),
        ("zh_CN", [], "zh"),
        ("zh-Hans", [], "zh"),
        ("chinese", [], "zh"),
    ],
)
def test_resolve_lang(lang, names, want):
    assert resolve_lang(lang, names) == want


@pytest.mark.parametrize("bad", ["fr", "", "zh-tw"])
def test_unknown_language_names_the_choices(bad):
    with pytest.raises(ax.InputError, match="use zh or en"):
        resolve_lang(bad)


def test_tier_and_level_names():
    assert [tier_name(t, "zh") for t in (1, 2, 3, 4)] == [
        "村卫生室",
        "乡镇卫生院",
        "分中心",
        "县医院",
    ]
    assert tier_name(4, "en") == "county hospital"
    assert tier_name(7, "en") == "7"
    lv = ServiceLevel("basic", 1, 15.0, "any facility within 15 min")
    assert level_label(lv, "en") == "any facility within 15 min"
    assert level_label(lv, "zh") == "任一医疗机构 15 分钟内"
    assert level_label(ServiceLevel("x", 3, 30.0), "zh") == "分中心或县医院 30 分钟内"
    assert level_what(lv, "en") == "any facility"
    assert level_what(ServiceLevel("x", 9, 1.0), "en") == "tier ≥ 9"

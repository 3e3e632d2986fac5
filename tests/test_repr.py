"""access15._repr: the HTML cards of the Jupyter reprs escape every text and format numbers."""

from __future__ import annotations

import math
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from access15._repr import card, esc, fmt_frame, minutes, pct, people, table

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_Q = "\"' onmouseover=alert(2) x='<script>alert(3)</script>&amp;"


class _Tags(HTMLParser):
    """Start tags and text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def _parse(fragment: str) -> _Tags:
    p = _Tags()
    p.feed(fragment)
    p.close()
    return p


def test_esc():
    assert esc(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt;"
    assert esc("a\"b'c&d") == "a&quot;b&#x27;c&amp;d"
    assert esc(None) == ""
    assert esc(12.5) == "12.5"
    assert _parse(f"<p>{esc(HOSTILE_Q)}</p>").text == [HOSTILE_Q]


@pytest.mark.parametrize(
    ("x", "want"), [(12345, "12,345"), (12345.6, "12,346"), (0, "0"), ("7", "7"), (-1.4, "-1")]
)
def test_people(x, want):
    assert people(x) == want


@pytest.mark.parametrize(("x", "want"), [(0.936, "93.6 %"), (1, "100.0 %"), (0, "0.0 %")])
def test_pct(x, want):
    assert pct(x) == want


@pytest.mark.parametrize(("x", "want"), [(12.34, "12.3 min"), (0, "0.0 min"), (90, "90.0 min")])
def test_minutes(x, want):
    assert minutes(x) == want


@pytest.mark.parametrize("bad", [None, math.nan, math.inf, -math.inf, "abc", np.nan, pd.NA])
def test_not_a_number_is_a_dash(bad):
    assert people(bad) == pct(bad) == minutes(bad) == "–"


def test_fmt_frame_selects_formats_and_renames():
    df = pd.DataFrame(
        {"name": ["a", "b"], "pop": [1234.0, np.nan], "share": [0.5, 0.25], "skip": [1, 2]}
    )
    out = fmt_frame(
        df,
        {"pop": people, "share": pct, "absent": minutes},
        rename={"name": "Zone", "pop": "People", "share": "Covered", "gone": "Gone"},
    )
    assert list(out.columns) == ["Zone", "People", "Covered"]
    assert out["People"].tolist() == ["1,234", "–"]
    assert out["Covered"].tolist() == ["50.0 %", "25.0 %"]
    assert df["pop"].iloc[0] == 1234.0  # the input is not changed


def test_table_escapes_and_counts_the_rows_left_out():
    df = pd.DataFrame({HOSTILE: [HOSTILE] * 1205, "n": range(1205)})
    html = table(df, max_rows=3)
    p = _parse(html)
    assert "img" not in p.tags
    assert "onerror" not in p.attrs
    assert p.text.count(HOSTILE) == 4  # the header and three rows, as text
    assert html.count("<tr") == 4
    assert "… and 1,202 more rows" in html
    assert "more rows" not in table(df.head(3), max_rows=3)


def test_card_escapes_every_text():
    df = pd.DataFrame({"name": [HOSTILE_Q]})
    html = card(
        HOSTILE,
        HOSTILE_Q,
        facts=[(HOSTILE, HOSTILE_Q)],
        tables=[(HOSTILE, df)],
        notes=[HOSTILE, HOSTILE_Q],
        notes_title=HOSTILE,
        attributes=[HOSTILE],
    )
    p = _parse(html)
    assert set(p.tags) <= {"div", "strong", "table", "tr", "th", "td", "thead", "tbody", "ul",
                           "li", "code"}  # fmt: skip
    assert "img" not in p.tags
    assert "script" not in p.tags
    assert set(p.attrs) <= {"class", "style", "border"}
    text = "".join(p.text)
    assert text.count(HOSTILE) == 6  # title, fact, caption, note, notes title, attribute
    assert text.count(HOSTILE_Q) == 4  # summary, fact value, table cell, note


def test_card_layout():
    html = card(
        "CoverageResult",
        "93.6 % covered",
        facts=[("People", "12,345")],
        notes=["clipped extract"],
        attributes=["zones", "cells"],
    )
    assert html.startswith('<div class="access15-repr"')
    assert html.endswith("</div>")
    assert "<strong>CoverageResult</strong> — 93.6 % covered" in html
    assert "Read before trusting the figures" in html
    assert "<li>clipped extract</li>" in html
    assert "Attributes: <code>.zones</code> <code>.cells</code>" in html
    bare = card("T", "s")
    assert "<table" not in bare
    assert "<ul" not in bare
    assert "Attributes" not in bare
    assert _parse(bare).text == ["T", " — s"]

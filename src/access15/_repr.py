"""HTML cards for the Jupyter reprs (``_repr_html_``) of access15's result objects.

Every text that reaches the HTML (names from OSM or user files included) is escaped here;
callers pass plain strings and DataFrames.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["card", "esc", "fmt_frame", "minutes", "pct", "people", "table"]

_BOX = (
    "font-family:system-ui,sans-serif;font-size:13px;line-height:1.4;max-width:64em;"
    "border:1px solid #ccc;border-radius:4px;padding:6px 10px;margin:4px 0"
)
_MUTED = "color:#666"
_CELL = "padding:1px 10px 1px 0;text-align:left;vertical-align:top"


def esc(value: object) -> str:
    """Return ``value`` as HTML-escaped text (None as an empty string)."""
    return html.escape("" if value is None else str(value), quote=True)


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def people(x: Any) -> str:
    """Format a head count: ``"12,345"`` (``"–"`` when not a number)."""
    return f"{float(x):,.0f}" if _finite(x) else "–"


def pct(x: Any) -> str:
    """Format a share in [0, 1] as a percentage: ``"93.6 %"``."""
    return f"{100 * float(x):.1f} %" if _finite(x) else "–"


def minutes(x: Any) -> str:
    """Format a time in minutes: ``"12.3 min"``."""
    return f"{float(x):.1f} min" if _finite(x) else "–"


def fmt_frame(
    df: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]], *, rename: Mapping[str, str]
) -> pd.DataFrame:
    """Select, format and rename columns for display (columns absent from ``df`` are skipped)."""
    cols = [c for c in rename if c in df.columns]
    out = df[cols].copy()
    for c, f in formats.items():
        if c in out.columns:
            out[c] = [f(v) for v in out[c]]
    return out.rename(columns=dict(rename))


def table(df: pd.DataFrame, *, max_rows: int = 10) -> str:
    """Return an escaped HTML table of the first ``max_rows`` rows, saying how many are left out."""
    shown = df.head(max_rows)
    out = shown.to_html(index=False, escape=True, border=0, na_rep="–")
    more = len(df) - len(shown)
    if more > 0:
        out += f'<div style="{_MUTED}">… and {more:,} more rows</div>'
    return out


def card(
    title: str,
    summary: str,
    *,
    facts: Sequence[tuple[str, str]] = (),
    tables: Sequence[tuple[str, pd.DataFrame]] = (),
    notes: Sequence[str] = (),
    notes_title: str = "Read before trusting the figures",
    attributes: Sequence[str] = (),
    max_rows: int = 10,
) -> str:
    """Return one result as an HTML block: title, summary line, facts, tables, notes, attributes.

    Parameters
    ----------
    title : str
        Class name shown in bold.
    summary : str
        One line after the title.
    facts : sequence of (label, value)
        Shown as a two-column table.
    tables : sequence of (caption, DataFrame)
        Each shown with at most ``max_rows`` rows (format the values first, see
        :func:`fmt_frame`).
    notes : sequence of str
        Diagnostics, shown as a list.
    attributes : sequence of str
        Attribute names to point the reader to (``.ranking``, ``.curve`` ...).
    """
    parts = [
        f'<div class="access15-repr" style="{_BOX}">',
        f"<div><strong>{esc(title)}</strong> — {esc(summary)}</div>",
    ]
    if facts:
        rows = "".join(
            f'<tr><th style="{_CELL};font-weight:600">{esc(k)}</th>'
            f'<td style="{_CELL}">{esc(v)}</td></tr>'
            for k, v in facts
        )
        parts.append(f'<table style="border-collapse:collapse;margin:4px 0">{rows}</table>')
    for caption, df in tables:
        parts.append(f'<div style="margin-top:6px;font-weight:600">{esc(caption)}</div>')
        parts.append(table(df, max_rows=max_rows))
    if notes:
        items = "".join(f"<li>{esc(n)}</li>" for n in notes)
        parts.append(
            f'<div style="margin-top:6px;font-weight:600">{esc(notes_title)}</div>'
            f'<ul style="margin:2px 0 2px 1.2em;padding:0">{items}</ul>'
        )
    if attributes:
        names = " ".join(f"<code>.{esc(a)}</code>" for a in attributes)
        parts.append(f'<div style="{_MUTED};margin-top:4px">Attributes: {names}</div>')
    parts.append("</div>")
    return "".join(parts)

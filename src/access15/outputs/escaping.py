"""Escaping of untrusted names for folium maps: HTML, JavaScript template literals, Jinja2.

Shared by :mod:`access15.outputs.maps`, :mod:`access15.outputs.supply_map` and the batch map;
see :func:`escape_text`.
"""

from __future__ import annotations

import html
import math

__all__ = ["escape_text"]

# JavaScript template literals (backtick, ${...}, escapes) and every Jinja2 delimiter ({{ {% {#)
_JS_SPECIAL = {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}


def escape_text(value: object) -> str:
    """Escape an untrusted name for HTML, attributes, folium's JS template literals and Jinja2.

    ``html.escape`` (``& < > " '``) plus the backtick, ``$`` and backslash, which folium's
    tooltip and popup templates would otherwise interpret inside a JavaScript backtick string,
    and the braces ``{ }``: folium renders the output of each element once more as Jinja2
    template source, where ``{{ ... }}`` would be evaluated (and could run Python code).
    Each of these characters becomes an HTML character reference, so the browser shows the
    name as it was. ``None`` (and NaN) becomes an empty string.

    Parameters
    ----------
    value : object
        The untrusted text (a name, an id, an error message); converted with ``str``.

    Returns
    -------
    str
        Text safe in HTML, in folium's JavaScript strings and as Jinja2 template source.

    Examples
    --------
    >>> escape_text('<script>alert(1)</script>')
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> escape_text("${alert(1)}`")
    '&#36;&#123;alert(1)&#125;&#96;'
    >>> escape_text("{{7*7}}")
    '&#123;&#123;7*7&#125;&#125;'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = html.escape(str(value), quote=True)
    return "".join(_JS_SPECIAL.get(ch, ch) for ch in text)

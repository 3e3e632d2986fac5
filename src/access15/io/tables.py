"""The one reader of tables people keep: CSV exported from Excel or WPS, and ``.xlsx`` workbooks.

County staff save lists of facilities, villages or costs from Excel in China, so a CSV may be
UTF-8 (with or without the BOM Excel writes), UTF-16 with a BOM, or GB18030/GBK; columns may be
separated by commas, tabs, semicolons or ``|``; headers may be Chinese and carry stray spaces.
:func:`read_table` reads all of them into a DataFrame of text, with the same rules for every
caller; :func:`decode_text` gives the decoded text to callers that parse rows themselves.

``.xlsx`` workbooks (first sheet) are read with openpyxl when it is installed; without it, and
for old ``.xls``/``.et`` files, the error says what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
from pathlib import Path
from typing import Any

import pandas as pd

from access15.errors import InputError

__all__ = [
    "CSV_SUFFIXES",
    "EXCEL_SUFFIXES",
    "TABLE_SUFFIXES",
    "decode_text",
    "read_table",
]

#: Text table suffixes (read as delimited text; ``.tsv`` is always tab-separated).
CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
#: Excel workbooks: ``.xlsx``/``.xlsm`` are read (with openpyxl), ``.xls``/``.et`` refused.
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".et"})
#: Every suffix :func:`read_table` accepts or explains.
TABLE_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES

_XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_SEPARATORS = ",\t;|"
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx files are zip archives
_MAX_LISTED = 10  # data rows quoted in one error message


def _rows(rows: list[int]) -> str:
    """Format rows as 'data row 3' / 'data rows 3, 7, …' (at most _MAX_LISTED, then a count)."""
    head = ", ".join(str(r) for r in rows[:_MAX_LISTED])
    more = f", … ({len(rows)} in all)" if len(rows) > _MAX_LISTED else ""
    return f"data row{'s' if len(rows) > 1 else ''} {head}{more}"


def decode_text(path: str | Path, *, what: str = "file") -> str:
    """Decode a text file as Excel in China saves it: UTF-16 (BOM), UTF-8 (BOM or not), GB18030.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str, optional
        The kind of file in the error message, e.g. ``"counties file"``.

    Returns
    -------
    str
        The text, without a leading byte-order mark.

    Raises
    ------
    InputError
        When no encoding decodes the file (the message asks for CSV UTF-8 or GBK/GB18030).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "t.csv"
    ...     _ = p.write_bytes("名称,人口".encode("gb18030"))
    ...     decode_text(p)
    '名称,人口'
    """
    p = Path(path)
    raw = p.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            return raw.decode(enc).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    msg = f"cannot decode {what} {str(p)!r}; save it as CSV UTF-8 (or GBK/GB18030)"
    raise InputError(msg)


def read_table(
    path: str | Path,
    *,
    what: str = "table",
    rows_hint: str = "give one row per record under a header row",
) -> pd.DataFrame:
    """Read a CSV/TSV or ``.xlsx`` table as text columns, the index being the 1-based data row.

    Every cell is text: stripped, ``""`` when blank (numbers are left for the caller to parse,
    so nothing is guessed from the first rows). Header names are stripped of spaces and of a
    byte-order mark; blank header names become ``"Unnamed: <i>"`` (such columns are dropped when
    they hold nothing) and repeated names get ``.1``, ``.2`` as in pandas. Data rows are counted
    from the first line under the header, blank lines included, so data row N is spreadsheet row
    N + 1; blank lines are then dropped.

    A CSV is decoded as by :func:`decode_text`; its separator is the one of ``,``, tab, ``;`` or
    ``|`` most frequent in the header line (always tab for ``.tsv``). An ``.xlsx``/``.xlsm``
    workbook is read from its first sheet with openpyxl.

    Parameters
    ----------
    path : str or Path
        The table.
    what : str, optional
        The kind of file in error messages, e.g. ``"facility file"``.
    rows_hint : str, optional
        The fix suggested for an empty table, e.g. ``"give one row per facility"``.

    Returns
    -------
    DataFrame
        Text (object) columns, index of data rows (1-based).

    Raises
    ------
    InputError
        Undecodable or binary file, empty file or no data rows, rows with more values than the
        header has names (all listed), an ``.xlsx`` without openpyxl installed (``pip install
        openpyxl``), an old ``.xls``/``.et`` spreadsheet, an unreadable workbook.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "t.csv"
    ...     _ = p.write_bytes((" 名称 ;人口" + chr(10) + "东岭村; 1,200").encode("utf-8-sig"))
    ...     read_table(p).to_dict("index")
    {1: {'名称': '东岭村', '人口': '1,200'}}
    """
    p = Path(path)
    suffix = p.suffix.lower()
    where = f"{what} {str(p)!r}"
    if suffix in EXCEL_SUFFIXES:
        records = _workbook_records(p, where, suffix)
        sep = ","
    else:
        raw_head = p.read_bytes()[:4]
        if raw_head.startswith(_ZIP_MAGIC):
            msg = (
                f"{where} is an Excel workbook, not a CSV; give it the .xlsx extension, or save "
                "it from Excel as 'CSV UTF-8'"
            )
            raise InputError(msg)
        text = decode_text(p, what=what)
        if "\x00" in text:
            msg = (
                f"{where} holds binary data, not text; give a CSV (UTF-8 or GBK) or an .xlsx "
                "workbook"
            )
            raise InputError(msg)
        if not text.strip():
            msg = f"{where} is empty; {rows_hint}"
            raise InputError(msg)
        first = text.splitlines()[0]
        sep = "\t" if suffix == ".tsv" else max(_SEPARATORS, key=first.count)
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        except csv.Error as exc:
            msg = f"cannot read {where} as CSV ({exc}); check it"
            raise InputError(msg) from None
    if not any(v.strip() for r in records for v in r):
        msg = f"{where} is empty; {rows_hint}"
        raise InputError(msg)
    return _frame(records, where, sep, rows_hint)


def _frame(records: list[list[str]], where: str, sep: str, rows_hint: str) -> pd.DataFrame:
    """Header + rows of text → DataFrame indexed by data row (see :func:`read_table`)."""
    header: list[str] = []
    for i, name in enumerate(c.strip().lstrip("\ufeff").strip() for c in records[0]):
        base = name or f"Unnamed: {i}"
        label, k = base, 0
        while label in header:
            k += 1
            label = f"{base}.{k}"
        header.append(label)
    n = len(header)
    long_rows = [
        i
        for i, r in enumerate(records[1:], start=1)
        if len(r) > n and any(v.strip() for v in r[n:])
    ]
    if long_rows:
        msg = (
            f"cannot read {where} as CSV: {_rows(long_rows)} "
            f"{'has' if len(long_rows) == 1 else 'have'} more fields than the {n} column names "
            f"of the header; quote values that contain {sep!r} or fix the header"
        )
        raise InputError(msg)
    body = {
        i: [(r[j].strip() if j < len(r) else "") for j in range(n)]
        for i, r in enumerate(records[1:], start=1)
        if any(v.strip() for v in r)
    }
    if not body:
        msg = f"{where} has no rows; {rows_hint}"
        raise InputError(msg)
    df = pd.DataFrame.from_dict(body, orient="index", columns=header, dtype=object)
    unnamed_blank = [c for c in header if c.startswith("Unnamed: ") and (df[c] == "").all()]
    return df.drop(columns=unnamed_blank)


def _cell_text(value: Any) -> str:
    """Return an Excel cell as the text a CSV export would hold (integral floats without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return str(value)


def _workbook_records(p: Path, where: str, suffix: str) -> list[list[str]]:
    """Rows of text of the first sheet of an ``.xlsx``/``.xlsm`` workbook."""
    if suffix not in _XLSX_SUFFIXES:
        msg = (
            f"{where} is an old-format spreadsheet ({suffix}); save it from Excel or WPS as "
            ".xlsx, or save it from Excel as 'CSV UTF-8', and give that file"
        )
        raise InputError(msg)
    if importlib.util.find_spec("openpyxl") is None:
        msg = (
            f"{where} is an Excel workbook and reading it needs openpyxl: pip install openpyxl; "
            "or save it from Excel as 'CSV UTF-8' and give that file"
        )
        raise InputError(msg)
    import openpyxl  # noqa: PLC0415  (optional dependency, only for .xlsx files)

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors for files that are not workbooks
        msg = (
            f"cannot read {where} as an Excel workbook ({type(exc).__name__}); save it again "
            "from Excel as .xlsx, or save it from Excel as 'CSV UTF-8'"
        )
        raise InputError(msg) from None
    try:
        ws = wb.worksheets[0]
        return [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()

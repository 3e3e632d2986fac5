"""Doctors and beds of the sample county's facilities (SYNTHETIC figures), and its facility list.

The figures are drawn from their own generator (seeded from the county's seed), so adding them
changes none of the county's other draws. They are plausible for a rural Chinese county, not
real: the county hospital ~150-220 doctors and ~420-560 beds, a central township health centre
(中心卫生院) ~18-32 doctors and ~50-90 beds, another township health centre ~6-14 doctors and
~10-40 beds, a village clinic 1-3 doctors and no beds. About one village clinic in eight has no
doctor count and one township health centre in six no bed count (blank cells), so readers fall
back to the configured per-tier defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CAPACITY_SEED_SALT", "FACILITY_CSV_HEADER", "facility_capacities", "write_facility_csv"]

#: Mixed into the county seed for the capacity generator (any fixed number would do).
CAPACITY_SEED_SALT = 0xBED5
#: Header of the sample facility list (as a county health commission's spreadsheet has it).
FACILITY_CSV_HEADER = (
    "编号",
    "机构名称",
    "英文名称",
    "经度",
    "纬度",
    "级别",
    "执业（助理）医师",
    "实有床位",
)


def facility_capacities(
    facilities: list[dict[str, Any]], seed: int
) -> list[tuple[int | None, int | None]]:
    """Draw doctors and beds for each facility (None where the list leaves the cell blank).

    Parameters
    ----------
    facilities : list of dict
        One record per facility in output order, with ``tier`` (1, 2 or 4) and ``big`` (True for
        a central township health centre).
    seed : int
        The county's seed; the draws use ``default_rng([seed, CAPACITY_SEED_SALT])``.

    Returns
    -------
    list of (int or None, int or None)
        ``(doctors, beds)`` per facility: whole doctors and beds, or None for a blank cell.
    """
    rng = np.random.default_rng([seed, CAPACITY_SEED_SALT])
    out: list[tuple[int | None, int | None]] = []
    for f in facilities:
        if f["tier"] == 4:
            doctors, beds = int(rng.integers(150, 221)), int(rng.integers(42, 57)) * 10
            out.append((doctors, beds))
        elif f["tier"] >= 2:
            lo, hi = ((18, 33), (50, 91)) if f.get("big") else ((6, 15), (10, 41))
            doctors = int(rng.integers(*lo))
            beds = int(rng.integers(*hi))
            out.append((doctors, None if rng.random() < 1 / 6 else beds))
        else:
            doctors = int(rng.choice([1, 1, 1, 2, 2, 3]))
            out.append((None if rng.random() < 1 / 8 else doctors, 0))
    return out


def write_facility_csv(path: Path, rows: list[list[Any]]) -> None:
    """Write the facility list as Excel saves "CSV UTF-8": a BOM, CRLF line ends, no quoting.

    Parameters
    ----------
    path : Path
        Target file.
    rows : list of list
        Cells in the order of :data:`FACILITY_CSV_HEADER`; None is a blank cell. No cell may
        contain a comma, quote or line break (names are Chinese or plain English).
    """
    lines = [",".join(FACILITY_CSV_HEADER)]
    for row in rows:
        cells = ["" if c is None else str(c) for c in row]
        if any(ch in c for c in cells for ch in ',"\r\n'):
            msg = f"facility cell needs quoting: {cells}"
            raise ValueError(msg)
        lines.append(",".join(cells))
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))

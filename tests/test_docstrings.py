"""numpydoc validation of the public API (every name in ``access15.__all__``).

The checks follow osmnx's gate: every public function and class documents each parameter with
a type and a description, its return value, and a one-line summary ending in a period.
"""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import access15 as ax

numpydoc_validate = pytest.importorskip("numpydoc.validate")

# numpydoc codes that are part of the contract (see numpydoc's "Validation" docs)
CHECKS = {
    "GL01", "GL02", "GL03", "GL05", "GL06", "GL07", "GL08", "GL10",  # layout, sections, order
    "SS01", "SS02", "SS03", "SS04", "SS05", "SS06",  # short summary
    "PR01", "PR02", "PR03", "PR04", "PR05", "PR06", "PR07", "PR08", "PR09", "PR10",  # params
    "RT01", "RT03",  # returns documented
    "YD01",
}  # fmt: skip
# a class documents its fields under Attributes (checked below), not its generated __init__
CLASS_CHECKS = CHECKS - {"PR01", "PR02", "PR03", "PR07", "RT01", "RT03"}
NAMES = sorted(n for n in ax.__all__ if not n.startswith("_"))


def _targets(name: str) -> list[str]:
    obj = getattr(ax, name)
    path = f"{obj.__module__}.{obj.__qualname__}"
    out = [path]
    if inspect.isclass(obj) and not issubclass(obj, BaseException):
        for attr, member in vars(obj).items():
            if attr.startswith("_") or not inspect.isfunction(member):
                continue
            out.append(f"{path}.{attr}")
    return out


@pytest.mark.parametrize("name", NAMES)
def test_public_docstring_is_valid_numpydoc(name):
    problems = []
    obj = getattr(ax, name)
    for i, target in enumerate(_targets(name)):
        checks = CLASS_CHECKS if i == 0 and inspect.isclass(obj) else CHECKS
        res = numpydoc_validate.validate(target)
        problems += [f"{target}: {code} {msg}" for code, msg in res["errors"] if code in checks]
    if dataclasses.is_dataclass(obj):
        doc = inspect.getdoc(obj) or ""
        problems += [
            f"{name}: field {f.name!r} not described in the class docstring"
            for f in dataclasses.fields(obj)
            if f.name not in doc
        ]
    assert not problems, "\n".join(problems)


def test_validation_catches_an_undocumented_parameter(tmp_path, monkeypatch):
    (tmp_path / "doc_probe.py").write_text(
        "def twice(area_km2):\n"
        '    """Return twice the area.\n\n'
        '    Returns\n    -------\n    float\n        The area, doubled (km2).\n    """\n'
        "    return 2 * area_km2\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    codes = {code for code, _ in numpydoc_validate.validate("doc_probe.twice")["errors"]}
    assert "PR01" in codes

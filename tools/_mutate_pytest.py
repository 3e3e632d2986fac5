"""Run pytest with a given ``src`` first on the import path, ahead of the editable install.

``tools/mutate.py`` runs each mutant through this: ``python _mutate_pytest.py SRC pytest-args``.
The editable install registers an import hook that would load the unmutated package, so the
hook's finder is removed before pytest imports anything.
"""

from __future__ import annotations

import sys

src = sys.argv[1]
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__.lower()]
for name in [m for m in sys.modules if m == "access15" or m.startswith("access15.")]:
    del sys.modules[name]
sys.path.insert(0, src)

import access15  # noqa: E402

if not access15.__file__ or not access15.__file__.startswith(src):
    sys.exit(f"mutation run: access15 imported from {access15.__file__}, not from {src}")

import pytest  # noqa: E402

sys.exit(pytest.main(sys.argv[2:]))

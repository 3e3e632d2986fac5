"""``python -m access15.cli``: the command line, as the ``access15`` entry point runs it."""

from __future__ import annotations

from access15.cli import main

main()

"""Benchmarks entry point (filled in with the engine work; see README.md)."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    sys.exit("no benchmarks yet: they arrive with the engine issue (see benchmarks/README.md)")

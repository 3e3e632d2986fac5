"""Package version (single source, read by pyproject via hatch)."""

__version__ = "0.1.0"

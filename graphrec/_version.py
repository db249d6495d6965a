"""graphrec's version (the bottom layer, so that provenance reads it without importing a stage)."""

__version__ = "0.1.0"

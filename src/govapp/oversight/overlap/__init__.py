"""Overlap detection, "check before you build" (R-16) and the consolidation of duplicates (R-26)."""

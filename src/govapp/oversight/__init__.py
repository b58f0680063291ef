"""Oversight: usage and retirement, overlap detection, the burden ledger and self-inspection campaigns."""

"""Self-inspection campaigns, external evaluation and the units that use an app (R-29, R-05, R-24)."""

"""Usage without surveillance and the retirement of little-used apps (R-25, R-07, R-21, R-24)."""

"""The public registry keeps no tables of its own (its cache version is the registry's)."""

"""Registers the registry's home panels, navigation items, demo loader and deadline recomputer."""

"""Registers compliance navigation items and home panels."""

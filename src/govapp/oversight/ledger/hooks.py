"""Registers the ledger's navigation items, home panel and demo loader (until the wiring
tables of govapp.core.wiring replace these lists)."""

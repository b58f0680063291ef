"""The legacy inventory (R-15): apps live before 2026-01-25 that had to be filed by 2026-07-25.

- :mod:`.parser` reads the file (CSV or XLSX) into rows with line-numbered errors (pure);
- :mod:`.services` imports all rows or none, with one audit event, and matches them to filings;
- :mod:`.selectors` lists the inventory through ``restrict()``.

Import from the module that holds the name; nothing is re-exported here.
"""

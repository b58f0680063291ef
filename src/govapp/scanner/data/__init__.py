"""Package data of the scanner: the SDK catalogue and keyword lists (see README.md)."""

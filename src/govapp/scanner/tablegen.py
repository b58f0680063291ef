"""Build ``_tables.py``: the SDK catalogue and the keyword list, parsed ahead of time.

    .venv/bin/python -m govapp.scanner.tablegen          # rewrite src/govapp/scanner/_tables.py
    .venv/bin/python -m govapp.scanner.tablegen --check  # exit 1 when it is out of date

The sources stay the two CSV files in ``data/`` (``sdk_catalogue.csv`` and ``keywords.csv``, their
provenance in ``data/README.md``); they are what people edit and review.  Parsing them at every
start of the scanner (CSV reader, validation, a row object per rule) cost about a fifth of the
start-up, so the parsed result is kept as plain Python literals in ``_tables.py``, which Python
loads from its byte-compiled cache as fast as any pickle.  The module records the SHA-256 of
both CSV files; ``tests/scanner/test_sdk.py`` fails when they no longer match (run this module
after editing a CSV file), and checks that the tables equal what the CSV parser builds.
"""

from __future__ import annotations

import hashlib
import sys
from importlib import resources
from pathlib import Path

TARGET = Path(__file__).with_name("_tables.py")
SOURCES = ("sdk_catalogue.csv", "keywords.csv")


def source_text(name: str) -> str:
    return resources.files("govapp.scanner.data").joinpath(name).read_text("utf-8")


def source_digests() -> dict[str, str]:
    return {name: hashlib.sha256(source_text(name).encode("utf-8")).hexdigest() for name in SOURCES}


def render() -> str:
    """The text of ``_tables.py`` for the CSV files as they are now."""
    from govapp.scanner.keywords import load_keywords
    from govapp.scanner.sdk import load_catalogue

    cat = load_catalogue(source_text("sdk_catalogue.csv"))
    keywords = load_keywords(source_text("keywords.csv"))
    sdk_ids = list(cat.sdks)
    index = {sid: i for i, sid in enumerate(sdk_ids)}
    lines = [
        '"""The SDK catalogue and keyword list, parsed ahead of time (generated; do not edit).',
        "",
        "Built by ``python -m govapp.scanner.tablegen`` from ``data/sdk_catalogue.csv`` and",
        "``data/keywords.csv`` (provenance: ``data/README.md``); see that module.",
        '"""',
        "",
        "# fmt: off",
        "",
        f"SOURCE_SHA256 = {source_digests()!r}",
        "",
        "# (id, name, name_zh, vendor, category), in catalogue order",
        "SDKS = (",
    ]
    for sid in sdk_ids:
        s = cat.sdks[sid]
        lines.append(f"    {(s.id, s.name, s.name_zh, s.vendor, s.category)!r},")
    lines += [
        ")",
        "",
        "# (sdk index, match_on, match, pattern, source), in catalogue order",
        "RULES = (",
    ]
    for r in cat.rules:
        lines.append(f"    {(index[r.sdk.id], r.match_on, r.match, r.pattern, r.source)!r},")
    lines += [")", "", "# dex_package prefix -> sdk index", "PACKAGES = {"]
    for pattern, sdk in cat.packages.items():
        lines.append(f"    {pattern!r}: {index[sdk.id]},")
    lines += ["}", "", "# match_on -> exact name -> sdk index", "EXACT = {"]
    for match_on, table in cat.exact.items():
        lines.append(f"    {match_on!r}: {{")
        for pattern, sdk in table.items():
            lines.append(f"        {pattern!r}: {index[sdk.id]},")
        lines.append("    },")
    lines += [
        "}",
        "",
        "# match_on -> (sorted literal prefixes, parallel sdk indexes)",
        "PREFIXES = {",
    ]
    for match_on, (keys, sdks) in cat.prefixes.items():
        lines.append(f"    {match_on!r}: (")
        lines.append(f"        {tuple(keys)!r},")
        lines.append(f"        {tuple(index[s.id] for s in sdks)!r},")
        lines.append("    ),")
    lines += [
        "}",
        "",
        "# (term, practice, language, requirement, fp_risk, note), in list order",
        "KEYWORDS = (",
    ]
    for k in keywords:
        lines.append(f"    {(k.term, k.practice, k.language, k.requirement, k.fp_risk, k.note)!r},")
    from govapp.scanner.keywords import _CAMEL, gate_plan

    tokens = tuple(
        tuple(t.lower().encode() for t in _CAMEL.findall(k.term))
        for k in keywords
        if k.language == "en"
    )
    tokens = tuple(t for t in tokens if t)
    lines += [
        ")",
        "",
        "# the English terms' lower-case camelCase tokens, and keywords.gate_plan() of them",
        f"EN_TOKENS = {tokens!r}",
        f"EN_GATES = {gate_plan(tokens)!r}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = TARGET.read_text("utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python -m govapp.scanner.tablegen")
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

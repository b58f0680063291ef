"""Benchmark: the ledger's duplicate-field matcher on N demands over a set of counties.

Usage: ``.venv/bin/python benchmarks/bench_ledger_matcher.py [N] [COUNTIES]`` (default 10000 / 20).

Demands are drawn (fixed seed) from the labelled sample (../shared/data/overlap-sample) and the
held-out set (tests/oversight/ledger/heldout), each copied into random counties with its field
wordings swapped for other wordings of the same datum (from the data dictionary) about half of
the time, so the county set has thousands of duplicated fields to find.

Baseline, in the same run: the naive approach a county office would script - compare every pair
of fields of different demands in the same county by character-bigram similarity of their
normalised labels (Dice >= 0.8). The baseline's run time grows with the square of a county's
fields; the matcher classifies each field once and groups. Quality of both on the two labelled
sets is printed as well (precision / recall / trap pairs reported).
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from govapp.oversight.ledger.matcher import Demand, Dictionary, Matcher, normalise, read_jsonl

ROOT = Path(__file__).resolve().parents[1]
SETS = [
    ROOT.parent / "shared" / "data" / "overlap-sample",
    ROOT / "tests" / "oversight" / "ledger" / "heldout",
]


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def naive_pairs(demands: list[Demand], threshold: float = 0.8) -> set[tuple[tuple[str, str], ...]]:
    by_county: dict[str, list[tuple[str, str, set[str]]]] = defaultdict(list)
    for d in demands:
        for label in d.fields:
            by_county[d.division].append((d.id, label, bigrams(normalise(label)[0])))
    out = set()
    for fields in by_county.values():
        for (da, la, ga), (db, lb, gb) in itertools.combinations(fields, 2):
            if da != db and 2 * len(ga & gb) / (len(ga) + len(gb)) >= threshold:
                out.add(tuple(sorted([(da, la), (db, lb)])))
    return out


def quality(pred: set[tuple[tuple[str, str], ...]], labels: dict) -> tuple[float, float, int]:
    gold = {tuple(sorted([(a, fa), (b, fb)])) for a, fa, b, fb in labels["duplicate_fields"]}
    traps = {tuple(sorted([(a, fa), (b, fb)])) for a, fa, b, fb, _ in labels["trap_pairs"]}
    tp = len(pred & gold)
    return tp / max(1, len(pred)), tp / max(1, len(gold)), len(pred & traps)


def variants(dictionary: Dictionary) -> dict[str, list[str]]:
    """label -> other wordings of the same attribute (same dictionary item)."""
    out: dict[str, list[str]] = {}
    for item in dictionary.data["items"]:
        syn = item["synonyms"]
        for s in syn:
            out[s] = [x for x in syn if x != s]
    return out


def corpus(n: int, counties: int, rng: random.Random) -> list[Demand]:
    base: list[Demand] = []
    for folder in SETS:
        path = folder / "demands.jsonl"
        if path.exists():
            base.extend(read_jsonl(path.read_text(encoding="utf-8").splitlines()))
    swap = variants(Dictionary.load())
    codes = [f"{510100 + i * 3:06d}" for i in range(counties)]
    out = []
    for i in range(n):
        d = rng.choice(base)
        fields = [
            rng.choice(swap[x]) if x in swap and swap[x] and rng.random() < 0.5 else x
            for x in d.fields
        ]
        out.append(
            Demand(
                id=f"B{i:06d}",
                title=d.title,
                division=rng.choice(codes),
                target=d.target,
                frequency=d.frequency,
                fields=list(dict.fromkeys(fields)),
            )
        )
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    counties = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rng = random.Random(20261130)
    demands = corpus(n, counties, rng)
    fields = sum(len(d.fields) for d in demands)
    matcher = Matcher()

    print("quality on the labelled sets (pairs scoring >= 0.5; baseline Dice >= 0.8):")
    for folder in SETS:
        if not (folder / "labels.json").exists():
            continue
        ds = list(read_jsonl((folder / "demands.jsonl").read_text(encoding="utf-8").splitlines()))
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
        mp = {tuple(sorted([p.a, p.b])) for p in matcher.duplicates(ds, threshold=0.5)}
        m = quality(mp, labels)
        b = quality(naive_pairs(ds), labels)
        print(
            f"  {folder.name:<16} matcher P {m[0]:.3f} R {m[1]:.3f} traps {m[2]} | "
            f"baseline P {b[0]:.3f} R {b[1]:.3f} traps {b[2]}"
        )

    print(f"\n{n} demands, {fields} fields, {counties} counties")
    t0 = time.perf_counter()
    pairs = sum(1 for _ in matcher.duplicates(demands, threshold=0.5))
    t_matcher = time.perf_counter() - t0
    print(f"  matcher:  {t_matcher:7.2f} s  {pairs} duplicate pairs")
    # The baseline is quadratic in a county's fields: time it on `sample` counties and scale
    # by the sum of squared field counts (exact for equal per-pair cost).
    sample = int(sys.argv[3]) if len(sys.argv) > 3 else counties
    per_county: dict[str, int] = defaultdict(int)
    for d in demands:
        per_county[d.division] += len(d.fields)
    chosen = sorted(per_county)[:sample]
    subset = [d for d in demands if d.division in chosen]
    t0 = time.perf_counter()
    naive = len(naive_pairs(subset))
    t_sub = time.perf_counter() - t0
    scale = sum(v * v for v in per_county.values()) / sum(per_county[c] ** 2 for c in chosen)
    t_naive = t_sub * scale
    how = (
        "measured"
        if sample >= counties
        else f"measured on {sample} counties ({t_sub:.1f} s), scaled x{scale:.1f}"
    )
    print(f"  baseline: {t_naive:7.2f} s  {naive} pairs in the timed counties ({how})")
    print(f"  ratio baseline / matcher: {t_naive / t_matcher:.1f}x")


if __name__ == "__main__":
    main()

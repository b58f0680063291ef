"""Quality of the overlap engine: pairwise precision / recall / F1 of duplicates, hard negatives
reported, platform editions, on the shared sample and on the project's own generated cases; with
--sweep, a leave-one-set-out cross-validation of the decision thresholds.

usage: python benchmarks/overlap_quality.py [--sample DIR] [--seeds 11 12 13] [--apps 600] [--sweep]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from scipy import sparse
from scipy.sparse.csgraph import connected_components

from govapp.oversight.overlap import engine

HERE = Path(__file__).resolve().parent
SAMPLE = Path("/work/shared/data/overlap-sample")


def load(d: Path):
    recs = engine.read_jsonl((d / "apps.jsonl").open(encoding="utf-8"))
    labels = json.loads((d / "labels.json").read_text(encoding="utf-8"))
    return recs, labels


def pairs(groups):
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(set(g), 2)}


def measure(pred, labels):
    gold = pairs(labels["duplicate_groups"])
    hard = {tuple(sorted(h[:2])): h[2] for h in labels["hard_negative_pairs"]}
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "hard_fp": dict(Counter(hard[x] for x in pred if x in hard)),
        "gold": len(gold),
    }


class Cached:
    """One set prepared once; decisions re-run per threshold combination."""

    def __init__(self, recs, labels):
        self.recs, self.labels = recs, labels
        floor = 0.02
        self.prep = engine.prepare(recs)
        self.cands = list(engine.candidate_pairs(self.prep, floor))
        self.editions = engine.edition_groups(recs)
        self.node = list(range(len(recs)))
        for g in self.editions:
            for i in g:
                self.node[i] = g[0]

    def run(self, params):
        edges = []
        classes = (
            [engine.classify(r, params) for r in self.recs]
            if params != engine.DEFAULT_PARAMS
            else self.prep.classes
        )
        for i, j, s in self.cands:
            if self.node[i] == self.node[j]:
                continue
            if engine.decide(classes[i], classes[j], s, params) is not None:
                edges.append((self.node[i], self.node[j]))
        n = len(self.recs)
        if not edges:
            return set()
        g = sparse.coo_matrix(
            ([1] * len(edges), ([e[0] for e in edges], [e[1] for e in edges])), shape=(n, n)
        )
        _, lab = connected_components(g, directed=False)
        comps = {}
        for a, b in edges:
            comps.setdefault(lab[a], set()).update((a, b))
        ids = [r.id for r in self.recs]
        return pairs([[ids[i] for i in c] for c in comps.values()])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=Path, default=SAMPLE)
    ap.add_argument("--seeds", type=int, nargs="*", default=[11, 12, 13])
    ap.add_argument("--apps", type=int, default=600)
    ap.add_argument("--sweep", action="store_true")
    a = ap.parse_args()
    sets = {}
    if (a.sample / "apps.jsonl").exists():
        sets["sample"] = load(a.sample)
    tmp = Path(tempfile.mkdtemp(prefix="overlap-own-"))
    for seed in a.seeds:
        out = tmp / f"seed{seed}"
        subprocess.run(
            [
                sys.executable,
                str(HERE / "data" / "make_overlap_cases.py"),
                str(out),
                "--seed",
                str(seed),
                "--apps",
                str(a.apps),
            ],
            check=True,
            capture_output=True,
        )
        sets[f"own-{seed}"] = load(out)
    print(
        f"{'set':10} {'apps':>5} {'gold':>5} {'P':>6} {'R':>6} {'F1':>6}  hard negatives reported"
    )
    for name, (recs, labels) in sets.items():
        groups = engine.find_groups(recs)
        pred = pairs(g.ids for g in groups if g.relation == "duplicate")
        m = measure(pred, labels)
        same = pairs(g.ids for g in groups if g.relation == "same_app")
        mp = pairs(labels["multi_platform_groups"])
        print(
            f"{name:10} {len(recs):5} {m['gold']:5} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}  "
            f"{sum(m['hard_fp'].values())} {m['hard_fp'] or ''}  same_app {len(same & mp)}/{len(mp)} (extra {len(same - mp)})"
        )
    if not a.sweep:
        return
    grid = {
        "same_function": [0.0, 0.04, 0.08, 0.14],
        "weak_function": [0.12, 0.18, 0.26],
        "unclassified": [0.3, 0.4, 0.5],
        "any_function": [0.5, 0.62, 0.75],
    }
    combos = [dict(zip(grid, v, strict=True)) for v in itertools.product(*grid.values())]
    cached = {n: Cached(*s) for n, s in sets.items()}
    f1 = {}
    for k, c in enumerate(combos):
        p = dataclasses.replace(engine.DEFAULT_PARAMS, **c)
        for n, cs in cached.items():
            f1[(k, n)] = measure(cs.run(p), cs.labels)["f1"]
    print("\nleave-one-set-out cross-validation of the thresholds:")
    default = {f: getattr(engine.DEFAULT_PARAMS, f) for f in grid}
    for held in cached:
        train = [n for n in cached if n != held]
        best = max(
            range(len(combos)),
            key=lambda k: (
                sum(f1[(k, n)] for n in train),
                -sum(abs(combos[k][f] - default[f]) for f in grid),
            ),
        )
        print(
            f"  held out {held:10}: chosen {combos[best]} -> train F1 {sum(f1[(best, n)] for n in train) / len(train):.3f}, held-out F1 {f1[(best, held)]:.3f}"
        )
    dk = combos.index(default) if default in combos else None
    if dk is not None:
        print(
            f"  shipped defaults {default}: " + ", ".join(f"{n} {f1[(dk, n)]:.3f}" for n in cached)
        )


if __name__ == "__main__":
    main()

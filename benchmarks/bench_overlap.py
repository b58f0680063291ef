"""Speed of the overlap engine at scale, against a same-run baseline.

* clustering N synthetic apps (default 100,000) with the engine (jurisdiction blocks, taxonomy,
  char n-gram TF-IDF, connected groups): wall time and peak memory (target < 30 s, < 4 GB);
* baseline: all-pairs TF-IDF cosine over the same apps without blocking (what a naive duplicate
  finder does), run on the first --baseline-rows rows against all and extrapolated linearly;
* "check before you build": one proposed app against the N apps (target < 200 ms), median and p95.

Each part runs in its own process so that the peak memory (ru_maxrss) is its own.
usage: python benchmarks/bench_overlap.py [--apps 100000] [--baseline-rows 4000] [--checks 50]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "data"))


def synthetic(n: int, seed: int = 7) -> list[dict]:
    import make_overlap_cases as cases

    rng = random.Random(seed)
    provinces, _cities, city_names, areas = cases.divisions()
    counties = [(code, name) for c in sorted(areas) for code, name in areas[c] if c[2:4] != "90"]
    fns = sorted(cases.F)
    out = []
    for k in range(n):
        fn = rng.choice(fns)
        depts, users, stems, purpose, concepts = cases.F[fn]
        r = rng.random()
        if r < 0.05:
            p = rng.choice(sorted(provinces))
            div, place = f"{p}0000", provinces[p]
        elif r < 0.25:
            c = rng.choice(sorted(city_names))
            div, place = c + "00", city_names[c]
        else:
            div, place = rng.choice(counties)
        short = cases.core(place)
        picked = rng.sample(concepts, k=min(len(concepts), rng.randint(3, 6)))
        feats = [rng.choice(c) for c in picked] + rng.sample(cases.GENERIC, k=rng.randint(0, 2))
        name = short + rng.choice(stems) + rng.choice(["", "通", "e办", "服务", "助手", "云"])
        unit = place + rng.choice(depts)
        out.append(
            {
                "id": f"S{k:06d}",
                "name": name,
                "kind": rng.choice(cases.KINDS),
                "division": div,
                "unit": unit,
                "users": users,
                "features": feats,
                "description": f"{name}由{unit}建设，提供{purpose}，包括{'、'.join(feats[:4])}等功能。",
            }
        )
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> float:
    return os.getloadavg()[0]


def part_engine(n: int) -> dict:
    from govapp.oversight.overlap import engine

    recs = synthetic(n)
    l0 = load()
    t0, c0 = time.perf_counter(), time.process_time()
    groups = engine.find_groups(recs)
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
    dup = [g for g in groups if g.relation == "duplicate"]
    return {
        "load": [round(l0, 1), round(load(), 1)],
        "seconds": round(t, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb": round(peak_mb()),
        "groups": len(dup),
        "same_app": len(groups) - len(dup),
        "apps_in_groups": len({i for g in dup for i in g.ids}),
    }


def part_baseline(n: int, rows: int) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    recs = synthetic(n)
    l0 = load()
    t0, c0 = time.perf_counter(), time.process_time()
    docs = [r["name"] + " " + " ".join(r["features"]) + " " + r["description"] for r in recs]
    x = (
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True)
        .fit_transform(docs)
        .tocsr()
    )
    t_vec, c_vec = time.perf_counter() - t0, time.process_time() - c0
    t1, c1 = time.perf_counter(), time.process_time()
    pairs = 0
    step = 500
    for start in range(0, rows, step):
        sims = (x[start : start + step] @ x.T).tocsr()
        pairs += int((sims.data >= 0.5).sum())
    t_pairs, c_pairs = time.perf_counter() - t1, time.process_time() - c1
    est = t_vec + t_pairs * n / rows
    cpu = time.process_time() - c0
    return {
        "load": [round(l0, 1), round(load(), 1)],
        "cpu_seconds_extrapolated": round(c_vec + c_pairs * n / rows, 1),
        "rows_measured": rows,
        "seconds_measured": round(t_vec + t_pairs, 2),
        "seconds_extrapolated": round(est, 1),
        "cpu_seconds_measured": round(cpu, 1),
        "peak_mb": round(peak_mb()),
        "pairs_over_0.5_in_measured_rows": pairs,
    }


def part_check(n: int, checks: int) -> dict:
    from govapp.oversight.overlap import engine

    recs = synthetic(n)
    t0 = time.perf_counter()
    index = engine.Index(recs)
    build = time.perf_counter() - t0
    gc.freeze()  # as services.current_index does: the long-lived index out of the collector's way
    rng = random.Random(3)
    proposals = synthetic(checks, seed=99)
    for p in proposals:
        if rng.random() < 0.5:
            p["division"] = ""  # no region: the whole index
    times, cpus = [], []
    l0 = load()
    for p in proposals:
        t, c = time.perf_counter(), time.process_time()
        index.check(p)
        times.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    cpus.sort()
    times.sort()
    return {
        "load": [round(l0, 1), round(load(), 1)],
        "index_build_seconds": round(build, 2),
        "cpu_p95_ms": round(cpus[int(len(cpus) * 0.95) - 1], 1),
        "median_ms": round(times[len(times) // 2], 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
        "cpu_median_ms": round(cpus[len(cpus) // 2], 1),
        "peak_mb": round(peak_mb()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=100_000)
    ap.add_argument("--baseline-rows", type=int, default=4000)
    ap.add_argument("--checks", type=int, default=50)
    ap.add_argument("--part", choices=["engine", "baseline", "check"])
    a = ap.parse_args()
    if a.part:
        res = {
            "engine": lambda: part_engine(a.apps),
            "baseline": lambda: part_baseline(a.apps, a.baseline_rows),
            "check": lambda: part_check(a.apps, a.checks),
        }[a.part]()
        print(json.dumps(res))
        return
    results = {}
    for part in ("engine", "baseline", "check"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--part",
                part,
                "--apps",
                str(a.apps),
                "--baseline-rows",
                str(a.baseline_rows),
                "--checks",
                str(a.checks),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results[part] = json.loads(out.stdout.strip().splitlines()[-1])
    e, b, c = results["engine"], results["baseline"], results["check"]
    print(
        f"apps: {a.apps:,} on {os.cpu_count()} cores; load average (1 min) at the start and end of "
        f"each part: engine {e['load']}, baseline {b['load']}, check {c['load']} "
        "(wall times include waiting for the CPU)"
    )
    print(
        f"engine clustering:      {e['seconds']:8.2f} s wall, {e['cpu_seconds']:.2f} s CPU  peak {e['peak_mb']:6} MB  "
        f"({e['groups']} duplicate groups, {e['same_app']} edition groups, {e['apps_in_groups']} apps in groups)"
    )
    print(
        f"baseline all-pairs TF-IDF cosine: {b['seconds_extrapolated']:8.1f} s wall, "
        f"{b['cpu_seconds_extrapolated']} s CPU (extrapolated from {b['rows_measured']} rows x "
        f"{a.apps} in {b['seconds_measured']} s wall, {b['cpu_seconds_measured']} s CPU)  peak {b['peak_mb']} MB"
    )
    print(
        f"speed-up over baseline: {b['seconds_extrapolated'] / max(e['seconds'], 1e-9):.1f}x wall, "
        f"{b['cpu_seconds_extrapolated'] / max(e['cpu_seconds'], 1e-9):.1f}x CPU"
    )
    print(
        f"check one proposal:     median {c['median_ms']} ms wall ({c['cpu_median_ms']} ms CPU), "
        f"p95 {c['p95_ms']} ms wall ({c['cpu_p95_ms']} ms CPU), max {c['max_ms']} ms "
        f"(index built once in {c['index_build_seconds']} s)  peak {c['peak_mb']} MB"
    )
    print("targets: clustering < 30 s and < 4096 MB; one check < 200 ms")


if __name__ == "__main__":
    main()

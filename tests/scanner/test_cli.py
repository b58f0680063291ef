"""``python -m govapp.scanner`` / ``govapp scan`` as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from govapp.scanner.testkit import build_apk


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "govapp.scanner", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_json_lines_and_exit_codes(tmp_path: Path) -> None:
    good = build_apk(tmp_path / "good.apk", label="政务").path
    bad = tmp_path / "bad.apk"
    bad.write_bytes(b"not a zip")
    proc = _run(str(good), "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert obj["schema"] == "govapp.scan/1" and obj["kind"] == "apk"
    assert obj["identity"]["package"] == "cn.gov.example.app"
    assert obj["identity"]["app_name"] == "政务"
    for key in ("file", "signing", "permissions", "capabilities", "sdks", "keywords"):
        assert key in obj
    assert set(obj["file"]) == {"name", "size", "sha256"}

    proc = _run("--json", str(good), str(bad), str(tmp_path / "missing.apk"))
    assert proc.returncode == 2
    objs = [json.loads(x) for x in proc.stdout.strip().splitlines()]
    assert len(objs) == 3
    assert objs[0]["kind"] == "apk"
    assert objs[1]["error"] and objs[1]["error_code"] == "not_a_zip"
    assert objs[1]["file"]["name"] == "bad.apk"
    assert objs[2]["error_code"] == "not_found" and objs[2]["file"] is None
    err_lines = proc.stderr.strip().splitlines()
    assert len(err_lines) == 2 and "bad.apk" in err_lines[0]


def test_human_output(tmp_path: Path) -> None:
    good = build_apk(tmp_path / "h.apk").path
    proc = _run("scan", str(good))
    assert proc.returncode == 0, proc.stderr
    assert "包名 (package): cn.gov.example.app" in proc.stdout
    assert "签名方案 (signing schemes): v1, v2" in proc.stdout


def test_usage_error() -> None:
    proc = _run()
    assert proc.returncode == 2
    assert "usage" in proc.stderr.lower()

"""Agreement with expected-facts.jsonl over the real packages in ../shared/fixtures.

Permissions requested with ``<uses-permission-sdk-23>`` are not in ``permissions`` (as in the
independent implementation) but in ``permissions_sdk23``, checked against the manifest here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govapp.scanner import ScanError, scan_path
from govapp.scanner.axml import parse_axml
from govapp.scanner.zip import ZipArchive

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
EXPECTED = FIXTURES / "expected-facts.jsonl"


def _cases() -> list[dict[str, Any]]:
    if not EXPECTED.is_file():
        return []
    return [json.loads(line) for line in EXPECTED.read_text().splitlines() if line.strip()]


def _path(name: str) -> Path:
    for sub in ("apk", "apksig"):
        p = FIXTURES / sub / name
        if p.is_file():
            return p
    raise AssertionError(f"fixture {name} listed in expected-facts.jsonl but not found")


def _sdk23_permissions(path: Path) -> set[str]:
    with ZipArchive(path) as zf:
        if zf.get("AndroidManifest.xml") is None:
            return set()
        root = parse_axml(zf.read("AndroidManifest.xml")).root
    if root is None:
        return set()
    return {
        name
        for el in root.iter()
        if el.tag in ("uses-permission-sdk-23", "uses-permission-sdk-m")
        for name in [el.get("name")]
        if name
    }


CASES = _cases()


@pytest.mark.skipif(not CASES, reason=f"../shared/fixtures is absent ({FIXTURES})")
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_expected_facts(case: dict[str, Any]) -> None:
    path = _path(case["file"])
    try:
        result = scan_path(path)
    except ScanError as exc:  # allowed only for damaged packages, with a clear reason
        assert "error" in case or any(k.endswith("_error") for k in case["cert_sha256"]), exc
        assert exc.message
        return
    ident = result.identity
    if case["package"]:
        assert ident.package == case["package"]
    else:
        assert ident.package is None
        assert "no AndroidManifest.xml" in result.warnings
    assert ident.version_name == case["version_name"]
    assert ident.version_code == case["version_code"]
    assert result.permissions == case["permissions"]
    assert set(result.permissions_sdk23) == _sdk23_permissions(path) - set(case["permissions"])
    assert result.signing.schemes == case["schemes"]
    got: dict[str, list[str]] = {}
    for cert in result.signing.certificates:
        got.setdefault(cert.scheme, []).append(cert.sha256)
    for scheme, value in case["cert_sha256"].items():
        if scheme.endswith("_error"):
            # The independent reader failed here: we must not crash, and must say something
            # (a warning) unless we read the certificate correctly anyway.
            base = scheme.removesuffix("_error")
            assert result.warnings or got.get(base), "a damaged signature must give a warning"
            continue
        assert sorted(got.get(scheme, [])) == sorted(value), scheme
    unexpected = (
        set(got)
        - set(case["cert_sha256"])
        - {k.removesuffix("_error") for k in case["cert_sha256"]}
    )
    assert not unexpected


@pytest.mark.skipif(not CASES, reason=f"../shared/fixtures is absent ({FIXTURES})")
def test_every_fixture_file_is_listed() -> None:
    listed = {c["file"] for c in CASES}
    on_disk = {p.name for sub in ("apk", "apksig") for p in (FIXTURES / sub).glob("*.apk")}
    assert on_disk <= listed

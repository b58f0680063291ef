"""Quick-app scanning: packaged .rpk and source directories."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import ScanResult
from govapp.scanner.quickapp import scan_quickapp_dir, scan_rpk
from govapp.scanner.testkit.builders import build_quickapp_dir, build_rpk, zip_bytes


def test_rpk_every_field(tmp_path: Path) -> None:
    path = tmp_path / "app.rpk"
    key = build_rpk(path)
    assert key is not None
    r = scan_rpk(path)
    assert r.kind == "rpk"
    assert r.identity.package == "cn.gov.example.quickapp"
    assert (r.identity.version_name, r.identity.version_code) == ("1.2.0", "12")
    assert r.identity.app_name == "政务快应用"
    assert r.identity.min_sdk == 1070
    assert r.permissions == ["system.fetch", "system.geolocation", "system.media"]
    assert r.api_calls == ["system.geolocation", "system.record"]
    assert r.background_modes == ["system.geolocation"]
    assert r.capabilities == [
        "background-location",
        "camera",
        "location",
        "media-library",
        "microphone",
    ]
    assert [c.name for c in r.components] == ["Home", "Rank"]
    assert {k.term for k in r.keywords} == {"ranking", "积分排行"}
    assert r.signing.schemes == ["rpk"]
    assert [(c.scheme, c.sha256) for c in r.signing.certificates] == [("rpk", key.cert_sha256)]
    assert r.warnings == ["features used in code but not declared: system.record"]


def test_rpk_cert_file_only(tmp_path: Path) -> None:
    path = tmp_path / "c.rpk"
    key = build_rpk(path, with_cert_file=True)
    assert key is not None
    r = scan_rpk(path)
    assert [c.sha256 for c in r.signing.certificates] == [key.cert_sha256]  # deduplicated


def test_unsigned_rpk(tmp_path: Path) -> None:
    path = tmp_path / "u.rpk"
    build_rpk(path, sign=False)
    r = scan_rpk(path)
    assert r.signing.schemes == [] and r.signing.certificates == []
    assert any("not signed" in w for w in r.warnings)


def test_source_directory(tmp_path: Path) -> None:
    build_quickapp_dir(tmp_path)
    r = scan_quickapp_dir(tmp_path)
    assert r.kind == "quickapp"
    assert r.identity.package == "cn.gov.example.quickapp"
    assert r.api_calls == ["system.camera", "system.device", "system.geolocation"]
    assert "device-id" in r.capabilities and "camera" in r.capabilities
    assert [(k.term, k.where) for k in r.keywords] == [("每日签到", "src/Home/index.ux")]
    assert len(r.file.sha256) == 64


def test_missing_and_bad_manifest(tmp_path: Path) -> None:
    path = tmp_path / "n.rpk"
    path.write_bytes(zip_bytes({"app.js": b"1"}))
    with pytest.raises(ScanError) as exc:
        scan_rpk(path)
    assert exc.value.code == "no_manifest"
    build_rpk(path, raw_manifest=b"{oops")
    with pytest.raises(ScanError) as exc:
        scan_rpk(path)
    assert exc.value.code == "bad_manifest" and "manifest.json" in exc.value.message
    with pytest.raises(ScanError):
        scan_quickapp_dir(tmp_path / "nowhere")


def test_truncated(tmp_path: Path) -> None:
    path = tmp_path / "t.rpk"
    build_rpk(path)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(ScanError):
        scan_rpk(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda c: (
        st.lists(c, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "features", "background", "pages", "package", "versionCode"]),
            c,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    manifest=st.dictionaries(
        st.sampled_from(["package", "name", "versionCode", "features", "config", "router"]),
        _JSON,
    ),
    flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=4),
)
def test_mutations_only_raise_scan_error(
    tmp_path: Path, manifest: dict[str, object], flips: list[tuple[int, int]]
) -> None:
    path = tmp_path / "m.rpk"
    build_rpk(path, raw_manifest=json.dumps(manifest).encode())
    raw = bytearray(path.read_bytes())
    for pos, value in flips:
        raw[pos % len(raw)] = value
    path.write_bytes(bytes(raw))
    with contextlib.suppress(ScanError):
        assert isinstance(scan_rpk(path), ScanResult)

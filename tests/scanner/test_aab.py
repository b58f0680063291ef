"""Android App Bundle scanning, on bundles built by the testkit."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govapp.scanner.aab import ProtoError, parse_xml_node, proto_fields, scan_aab
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import ScanResult
from govapp.scanner.testkit.builders import PbNode, build_aab, encode_pb_xml, pb_field, zip_bytes


def test_every_field(tmp_path: Path) -> None:
    path = tmp_path / "app.aab"
    key = build_aab(path)
    assert key is not None
    r = scan_aab(path)
    assert r.kind == "aab"
    assert r.file.name == "app.aab" and r.file.size == path.stat().st_size
    assert r.identity.package == "cn.gov.example.bundle"
    assert r.identity.version_code == "42"
    assert r.identity.version_name == "2.1.0"
    assert r.identity.app_name == "政务示例"
    assert (r.identity.min_sdk, r.identity.target_sdk) == (24, 34)
    assert r.permissions == [
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.CAMERA",
    ]
    assert [(c.type, c.name, c.exported) for c in r.components] == [
        ("activity", "cn.gov.example.bundle.MainActivity", True),
        ("service", "com.igexin.sdk.PushService", False),
    ]
    assert r.dex_files == ["base/dex/classes.dex"]
    assert r.native_libs == ["base/lib/arm64-v8a/libjiagu.so"]
    assert {s.id: s.category for s in r.sdks} == {
        "getui": "push",
        "qihoo360-jiagu": "security",
        "tencent-gdt": "advertising",
    }
    assert r.capabilities == ["camera", "location"]
    location = next(c for c in r.capability_evidence if c.id == "location")
    assert {e.source for e in location.evidence} == {"permission", "method_ref"}
    assert {(k.term, k.where) for k in r.keywords} == {
        ("上班打卡", "base/dex/classes.dex"),
        ("积分排名", "base/assets/www/index.html"),
    }
    dex_hit = next(k for k in r.keywords if k.where == "base/dex/classes.dex")
    assert dex_hit.context == "请每日上班打卡"  # the one DEX string, not its neighbours
    assert r.signing.schemes == ["v1"]
    assert [c.sha256 for c in r.signing.certificates] == [key.cert_sha256]
    assert r.signing.certificates[0].scheme == "v1"
    assert r.warnings == []


def test_unsigned_bundle_warns(tmp_path: Path) -> None:
    path = tmp_path / "u.aab"
    build_aab(path, sign=False, label="@string/app_name")
    r = scan_aab(path)
    assert r.signing.schemes == [] and r.signing.certificates == []
    assert any("not signed" in w for w in r.warnings)
    assert r.identity.app_name is None
    assert any("resource reference" in w for w in r.warnings)


def test_protobuf_reader_round_trip() -> None:
    node = PbNode("manifest", {"package": "a.b", "android:versionCode": 7}, [PbNode("x")])
    root = parse_xml_node(encode_pb_xml(node))
    assert root is not None and root.name == "manifest"
    assert root.text("package", "") == "a.b"
    assert root.text("versionCode") == "7"
    assert [c.name for c in root.children] == ["x"]
    assert proto_fields(pb_field(1, 300)) == [(1, 0, 300)]
    with pytest.raises(ProtoError):
        proto_fields(b"\x0a\x05ab")  # length runs past the end
    with pytest.raises(ProtoError):
        proto_fields(b"\x0b")  # wire type 3 (groups) unsupported


def test_missing_manifest(tmp_path: Path) -> None:
    path = tmp_path / "m.aab"
    path.write_bytes(zip_bytes({"base/dex/classes.dex": b"dex\n035\x00"}))
    with pytest.raises(ScanError) as exc:
        scan_aab(path)
    assert exc.value.code == "no_manifest"
    assert "base/manifest/AndroidManifest.xml" in exc.value.message


def test_garbage_manifest(tmp_path: Path) -> None:
    path = tmp_path / "g.aab"
    build_aab(path, manifest=b"\xff\xff\xff\xff")
    with pytest.raises(ScanError) as exc:
        scan_aab(path)
    assert exc.value.code == "bad_manifest"


def test_truncated_bundle(tmp_path: Path) -> None:
    path = tmp_path / "t.aab"
    build_aab(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ScanError):
        scan_aab(path)


_BASE = None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutations_only_raise_scan_error(tmp_path: Path, data: st.DataObject) -> None:
    global _BASE
    if _BASE is None:
        src = tmp_path / "base.aab"
        build_aab(src)
        _BASE = src.read_bytes()
    raw = bytearray(_BASE)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path = tmp_path / "mut.aab"
    path.write_bytes(bytes(raw))
    with contextlib.suppress(ScanError):
        assert isinstance(scan_aab(path), ScanResult)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_manifest_mutations_only_raise_scan_error(tmp_path: Path, data: st.DataObject) -> None:
    node = PbNode(
        "manifest",
        {"package": "a.b", "android:versionCode": 3},
        [PbNode("uses-permission", {"android:name": "android.permission.CAMERA"})],
    )
    raw = bytearray(encode_pb_xml(node))
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    path = tmp_path / "mm.aab"
    build_aab(path, manifest=bytes(raw), sign=False)
    try:
        assert isinstance(scan_aab(path), ScanResult)
    except ScanError as exc:
        assert exc.code in {"bad_manifest", "no_manifest"}

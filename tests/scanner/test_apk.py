"""scan_apk / scan_path on APKs built by the testkit."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from govapp.scanner import ScanError, scan_path
from govapp.scanner.apk import scan_apk
from govapp.scanner.limits import Limits
from govapp.scanner.testkit import TestComponent, build_apk, make_signing_key


def test_full_identity_and_inventory(tmp_path: Path) -> None:
    key = make_signing_key()
    built = build_apk(
        tmp_path / "gov.apk",
        package="cn.gov.gd.service",
        version_name="3.2.1",
        version_code=321,
        min_sdk=24,
        target_sdk=34,
        label="粤省事",
        permissions=[
            "android.permission.INTERNET",
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.INTERNET",
        ],
        permissions_sdk23=["android.permission.CAMERA"],
        components=[
            TestComponent("activity", ".MainActivity", exported=True, intent_filter=True),
            TestComponent("activity", "cn.gov.gd.service.Hidden"),
            TestComponent("service", "Sync", intent_filter=True),
            TestComponent("receiver", ".Boot", exported=False),
            TestComponent("provider", ".Files"),
        ],
        native_libs=["arm64-v8a/libgov.so", "armeabi-v7a/libgov.so", "arm64-v8a/libmap.so"],
        dex_bytes_target=0,
        signing=("v1", "v2"),
        key=key,
    )
    r = scan_path(built.path)
    assert r.kind == "apk"
    assert r.identity.package == "cn.gov.gd.service"
    assert r.identity.version_name == "3.2.1" and r.identity.version_code == "321"
    assert r.identity.app_name == "粤省事"
    assert (r.identity.min_sdk, r.identity.target_sdk) == (24, 34)
    assert r.permissions == [
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.INTERNET",
    ]
    assert r.permissions_sdk23 == ["android.permission.CAMERA"]
    assert "camera" in r.capabilities
    comps = {c.name: (c.type, c.exported) for c in r.components}
    assert comps == {
        "cn.gov.gd.service.MainActivity": ("activity", True),
        "cn.gov.gd.service.Hidden": ("activity", False),
        "cn.gov.gd.service.Sync": ("service", True),
        "cn.gov.gd.service.Boot": ("receiver", False),
        "cn.gov.gd.service.Files": ("provider", False),
    }
    assert r.native_libs == ["libgov.so", "libmap.so"]
    assert r.dex_files == ["classes.dex"]
    assert r.signing.schemes == ["v1", "v2"]
    assert {c.sha256 for c in r.signing.certificates} == {key.cert_sha256}
    assert r.file.name == "gov.apk" and r.file.size == built.size and len(r.file.sha256) == 64
    assert r.elapsed_ms > 0
    assert r.warnings == []
    data = r.to_json_dict()
    assert data["schema"] == "govapp.scan/1"


def test_inline_label_and_multidex(tmp_path: Path) -> None:
    built = build_apk(
        tmp_path / "m.apk", label="Plain", label_as_resource=False, dex_bytes_target=12_000_000
    )
    r = scan_apk(built.path)
    assert r.identity.app_name == "Plain"
    assert r.dex_files == ["classes.dex", "classes2.dex"]


def test_no_manifest(tmp_path: Path) -> None:
    built = build_apk(tmp_path / "n.apk", manifest=False, signing=())
    r = scan_path(built.path)
    assert r.kind == "apk" and r.identity.package is None
    assert "no AndroidManifest.xml" in r.warnings


def test_broken_manifest_and_dex_are_warnings(tmp_path: Path) -> None:
    built = build_apk(
        tmp_path / "b.apk",
        manifest_bytes=b"\x03\x00\x08\x00" + b"\xff" * 64,
        extra_entries={"classes2.dex": b"dex\n035\x00 but not really"},
        signing=(),
    )
    r = scan_path(built.path)
    assert r.identity.package is None
    assert any("classes2.dex skipped" in w for w in r.warnings)


def test_analysers_are_called(tmp_path: Path) -> None:
    built = build_apk(
        tmp_path / "a.apk",
        permissions=["android.permission.ACCESS_FINE_LOCATION"],
        dex_strings=["请完成上班打卡", "userClockIn"],
        assets={"www/index.html": "<p>积分排名</p>".encode()},
    )
    r = scan_path(built.path)
    if importlib.util.find_spec("govapp.scanner.sdk"):
        assert "umeng-analytics" in {s.id for s in r.sdks}
    if importlib.util.find_spec("govapp.scanner.capabilities"):
        assert "location" in r.capabilities
    if importlib.util.find_spec("govapp.scanner.keywords"):
        where = {(k.term, k.where) for k in r.keywords}
        assert any(w == "classes.dex" for _, w in where)
        assert any(w == "assets/www/index.html" for _, w in where)


def test_limits_are_enforced(tmp_path: Path) -> None:
    built = build_apk(tmp_path / "l.apk")
    with pytest.raises(ScanError) as err:
        scan_path(built.path, limits=Limits(max_file_size=100))
    assert err.value.code == "too_large"
    r = scan_path(built.path, limits=Limits(max_dex_size=50))
    assert any("classes.dex skipped" in w for w in r.warnings)
    with pytest.raises(ScanError) as err:
        scan_path(built.path, limits=Limits(max_seconds=0.0000001))
    assert err.value.code == "timeout"


def test_not_a_package(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    with pytest.raises(ScanError) as err:
        scan_path(p)
    assert err.value.code == "not_a_zip"
    with pytest.raises(ScanError) as err:
        scan_path(tmp_path / "missing.apk")
    assert err.value.code == "not_found"
    (tmp_path / "emptydir").mkdir()
    with pytest.raises(ScanError) as err:
        scan_path(tmp_path / "emptydir")
    assert err.value.code == "unknown_kind"


def test_dex_keyword_context_is_the_one_dex_string(tmp_path: Path) -> None:
    """A DEX hit's context comes from the DEX string holding the term, not its neighbours, and
    the hits come in DEX string order (the same on every run)."""
    strings = ["现场照片", "本月学习时长排行榜", "请完成每日打卡签到", "getDailySignIn"]
    built = build_apk(tmp_path / "k.apk", dex_strings=strings)
    r = scan_path(built.path)
    dex_hits = [k for k in r.keywords if k.where == "classes.dex"]
    context = {k.term: k.context for k in dex_hits}
    assert context["打卡签到"] == "请完成每日打卡签到"
    assert context["排行榜"] == "本月学习时长排行榜"
    assert context["现场照片"] == "现场照片"
    for hit in dex_hits:
        assert hit.context in strings, hit
    again = scan_path(built.path)
    assert [(k.term, k.context) for k in again.keywords] == [
        (k.term, k.context) for k in r.keywords
    ]

"""WeChat and Alipay mini-program scanning (directories and ZIPs)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import ScanResult
from govapp.scanner.miniprogram import scan_miniprogram_dir, scan_miniprogram_zip
from govapp.scanner.testkit.builders import (
    alipay_miniprogram_files,
    build_miniprogram_dir,
    build_miniprogram_zip,
    wechat_miniprogram_files,
)


def test_wechat_directory_every_field(tmp_path: Path) -> None:
    build_miniprogram_dir(tmp_path, wechat_miniprogram_files())
    r = scan_miniprogram_dir(tmp_path)
    assert r.kind == "wechat-miniprogram"
    assert r.identity.package == "wx1234567890abcdef"
    assert r.identity.app_name == "政务微信小程序"
    assert [c.name for c in r.components] == [
        "pages/index/index",
        "pages/rank/rank",
        "pkgA/pages/sign/sign",
    ]
    assert r.permissions == ["getLocation", "scope.userLocation", "startLocationUpdateBackground"]
    assert r.background_modes == ["location"]
    assert r.api_calls == [
        "wx.chooseImage",
        "wx.getLocation",
        "wx.login",
        "wx.request",
        "wx.startFacialRecognitionVerify",
        "wx.startLocationUpdateBackground",
    ]
    assert r.capabilities == [
        "background-location",
        "camera",
        "face-recognition",
        "location",
        "media-library",
    ]
    assert [(s.id, s.category) for s in r.sdks] == [("tencent-location", "location_maps")]
    assert {(k.term, k.where) for k in r.keywords} == {
        ("外勤打卡", "app.json"),
        ("上班打卡", "pages/index/index.wxml"),
        ("积分排行", "pages/rank/rank.wxml"),
    }
    assert r.warnings == ["plugins declared (not inspected): myPlugin"]


def test_alipay_zip_with_top_folder(tmp_path: Path) -> None:
    path = tmp_path / "mini.zip"
    build_miniprogram_zip(path, alipay_miniprogram_files(), prefix="dist/")
    r = scan_miniprogram_zip(path)
    assert r.kind == "alipay-miniprogram"
    assert r.identity.package == "2021000000000001"
    assert r.identity.app_name == "政务支付宝小程序"
    assert r.api_calls == ["my.chooseImage", "my.getClipboard", "my.getLocation"]
    assert r.capabilities == ["camera", "clipboard", "location", "media-library"]
    assert [s.id for s in r.sdks] == ["umeng-analytics"]
    assert [(k.term, k.where) for k in r.keywords] == [("在线时长", "dist/pages/index/index.axml")]
    assert r.file.name == "mini.zip"


def test_miniprogram_root_from_project_config(tmp_path: Path) -> None:
    files = {"miniprogram/" + k: v for k, v in wechat_miniprogram_files().items()}
    files["project.config.json"] = json.dumps(
        {"appid": "wxabc", "miniprogramRoot": "miniprogram/"}
    ).encode()
    build_miniprogram_dir(tmp_path, files)
    r = scan_miniprogram_dir(tmp_path)
    assert r.identity.package == "wxabc"
    assert r.kind == "wechat-miniprogram"


def test_node_modules_is_not_searched(tmp_path: Path) -> None:
    files = alipay_miniprogram_files()
    files["node_modules/dep/index.js"] = "打卡".encode()
    build_miniprogram_dir(tmp_path, files)
    r = scan_miniprogram_dir(tmp_path)
    assert all(not k.where.startswith("node_modules") for k in r.keywords)


def test_missing_and_bad_app_json(tmp_path: Path) -> None:
    (tmp_path / "x.js").write_text("1")
    with pytest.raises(ScanError) as exc:
        scan_miniprogram_dir(tmp_path)
    assert exc.value.code == "no_manifest"
    (tmp_path / "app.json").write_text("{bad")
    with pytest.raises(ScanError) as exc:
        scan_miniprogram_dir(tmp_path)
    assert exc.value.code == "bad_manifest" and "app.json" in exc.value.message
    (tmp_path / "app.json").write_text("[1, 2]")
    with pytest.raises(ScanError):
        scan_miniprogram_dir(tmp_path)


def test_truncated_zip(tmp_path: Path) -> None:
    path = tmp_path / "t.zip"
    build_miniprogram_zip(path, wechat_miniprogram_files())
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ScanError):
        scan_miniprogram_zip(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    app=st.dictionaries(
        st.sampled_from(
            [
                "pages",
                "subpackages",
                "subPackages",
                "window",
                "permission",
                "requiredPrivateInfos",
                "requiredBackgroundModes",
                "plugins",
            ]
        ),
        _JSON,
    ),
    project=_JSON,
    flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=3),
)
def test_mutations_only_raise_scan_error(
    tmp_path: Path, app: dict[str, object], project: object, flips: list[tuple[int, int]]
) -> None:
    files = wechat_miniprogram_files()
    files["app.json"] = json.dumps(app).encode()
    files["project.config.json"] = json.dumps(project).encode()
    path = tmp_path / "m.zip"
    build_miniprogram_zip(path, files)
    raw = bytearray(path.read_bytes())
    for pos, value in flips:
        raw[pos % len(raw)] = value
    path.write_bytes(bytes(raw))
    with contextlib.suppress(ScanError):
        assert isinstance(scan_miniprogram_zip(path), ScanResult)

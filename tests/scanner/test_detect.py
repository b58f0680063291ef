"""Recognising what a path is (detect.py), in particular source ZIPs with a top folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from govapp.scanner import ScanError, scan_path
from govapp.scanner.detect import detect_kind, single_top_folder
from govapp.scanner.miniprogram import scan_miniprogram_zip
from govapp.scanner.testkit.builders import (
    alipay_miniprogram_files,
    build_miniprogram_zip,
    build_quickapp_dir,
    wechat_miniprogram_files,
    zip_bytes,
)


def _zip_dir(root: Path, target: Path, *, prefix: str = "") -> Path:
    files = {
        prefix + p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
    target.write_bytes(zip_bytes(files))
    return target


def test_single_top_folder() -> None:
    assert single_top_folder({"dist/app.json", "dist/pages/a.js"}) == "dist/"
    assert single_top_folder({"dist/app.json", "app.json"}) == ""
    assert single_top_folder({"a/x", "b/x"}) == ""
    assert single_top_folder(set()) == ""


@pytest.mark.parametrize("prefix", ["dist/", "gov-wechat-demo/"])
def test_wechat_zip_under_one_top_folder_is_a_miniprogram(tmp_path: Path, prefix: str) -> None:
    path = tmp_path / "mini.zip"
    build_miniprogram_zip(path, wechat_miniprogram_files(), prefix=prefix)
    assert detect_kind(path) == "miniprogram-zip"
    r = scan_path(path)
    assert r.kind == "wechat-miniprogram"
    direct = scan_miniprogram_zip(path)
    assert r.identity == direct.identity and r.identity.package
    assert r.permissions == direct.permissions and r.capabilities == direct.capabilities
    assert r.file.sha256 == direct.file.sha256


def test_alipay_zip_under_top_folder_through_scan_path(tmp_path: Path) -> None:
    path = tmp_path / "alipay.zip"
    build_miniprogram_zip(path, alipay_miniprogram_files(), prefix="dist/")
    r = scan_path(path)
    assert r.kind == "alipay-miniprogram"


def test_miniprogram_below_its_project_file(tmp_path: Path) -> None:
    files = {
        ("project.config.json" if name == "project.config.json" else "miniprogram/" + name): data
        for name, data in wechat_miniprogram_files().items()
    }
    path = tmp_path / "rooted.zip"
    path.write_bytes(zip_bytes(files))
    assert detect_kind(path) == "miniprogram-zip"
    assert scan_path(path).kind == "wechat-miniprogram"


@pytest.mark.parametrize("prefix", ["", "gov-quickapp/"])
def test_quickapp_source_zip(tmp_path: Path, prefix: str) -> None:
    project = tmp_path / "project"
    build_quickapp_dir(project)
    path = _zip_dir(project, tmp_path / "quickapp-src.zip", prefix=prefix)
    assert detect_kind(path) == "quickapp-zip"
    r = scan_path(path)
    assert r.kind == "quickapp"
    assert r.identity.package == "cn.gov.example.quickapp"
    assert r.api_calls == ["system.camera", "system.device", "system.geolocation"]
    assert [(k.term, k.where) for k in r.keywords] == [("每日签到", "src/Home/index.ux")]
    assert r.signing.schemes == []
    assert r.file.name == "quickapp-src.zip" and len(r.file.sha256) == 64


def test_foldered_zip_without_markers_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "docs.zip"
    path.write_bytes(zip_bytes({"docs/readme.txt": b"hello", "docs/manifest.json": b"{}"}))
    with pytest.raises(ScanError) as err:
        scan_path(path)
    assert err.value.code == "unknown_kind"

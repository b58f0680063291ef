"""``govapp scan --json`` carries the findings of the rules a package alone can decide."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from govapp.compliance.rules import PACKAGE_RULES
from govapp.scanner.testkit.apk import build_apk


def _scan(path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "govapp.cli", "scan", "--json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.splitlines()[0]))


def test_findings_for_a_violating_package(tmp_path: Path) -> None:
    apk = build_apk(
        tmp_path / "bad.apk",
        package="cn.gov.example.bad",
        permissions=(
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.ACCESS_BACKGROUND_LOCATION",
        ),
        dex_strings=("每日上班打卡", "考勤打卡记录", "实时定位上报", "轨迹回放"),
        dex_types=("Lcom/qq/e/ads/banner/BannerView;", "Lcom/kwad/sdk/api/KsAdSDK;"),
    )
    facts = _scan(apk.path)
    findings = facts["findings"]
    assert isinstance(findings, list) and findings
    rules = {f["rule"] for f in findings}
    package_rule_ids = {r.id for r in PACKAGE_RULES}
    assert rules <= package_rule_ids
    titles = " ".join(f["title"] for f in findings)
    assert "广告" in titles
    for f in findings:
        assert f["severity"] in {"info", "low", "medium", "high", "critical"}
        assert f["evidence"], f


def test_clean_package_has_no_high_findings(tmp_path: Path) -> None:
    apk = build_apk(
        tmp_path / "clean.apk",
        package="cn.gov.example.clean",
        permissions=("android.permission.INTERNET",),
        dex_strings=("公文流转", "通知公告"),
        dex_types=(),
        dex_methods=(),
    )
    facts = _scan(apk.path)
    assert not [f for f in facts["findings"] if f["severity"] in {"high", "critical"}]  # type: ignore[union-attr]


def test_platform_services_and_tracking_reach_the_profit_and_track_rules(tmp_path: Path) -> None:
    from govapp.scanner.testkit.builders import build_miniprogram_dir, build_miniprogram_zip
    from govapp.scanner.testkit.services import (
        quickapp_ads_and_payment,
        quickapp_decoys,
        quickapp_tracking,
        wechat_ads_and_payment,
        wechat_decoys,
        wechat_tracking,
    )

    projects = {
        "wx-ads": wechat_ads_and_payment(),
        "wx-track": wechat_tracking(),
        "wx-decoys": wechat_decoys(),
        "qa-track": quickapp_tracking(),
        "qa-decoys": quickapp_decoys(),
    }
    for name, files in projects.items():
        build_miniprogram_dir(tmp_path / name, files)
    build_miniprogram_zip(tmp_path / "qa-ads.zip", quickapp_ads_and_payment())
    paths = [tmp_path / n for n in projects] + [tmp_path / "qa-ads.zip"]
    out = subprocess.run(
        [sys.executable, "-m", "govapp.cli", "scan", "--json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    rules = {
        json.loads(line)["file"]["name"]: {f["rule"] for f in json.loads(line)["findings"]}
        for line in out.stdout.splitlines()
    }
    assert "R23_ADVERTISING_SDK" in rules["wx-ads"]
    assert "R23_ADVERTISING_SDK" in rules["qa-ads.zip"]
    assert "R22_LOCATION_TRACK" in rules["wx-track"]
    assert "R22_LOCATION_TRACK" in rules["qa-track"]
    for decoy in ("wx-decoys", "qa-decoys"):
        assert not rules[decoy] & {"R23_ADVERTISING_SDK", "R22_LOCATION_TRACK"}, rules[decoy]

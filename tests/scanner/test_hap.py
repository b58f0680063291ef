"""HarmonyOS .hap and .app scanning, on packages built by the testkit."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import ScanResult
from govapp.scanner.hap import scan_hap
from govapp.scanner.testkit.apk import make_signing_key
from govapp.scanner.testkit.builders import (
    build_app,
    build_hap,
    default_module_json,
    zip_bytes,
)


def test_hap_every_field(tmp_path: Path) -> None:
    path = tmp_path / "entry.hap"
    build_hap(path)
    r = scan_hap(path)
    assert r.kind == "hap"
    assert r.identity.package == "cn.gov.example.harmony"
    assert r.identity.version_name == "1.0.0"
    assert r.identity.version_code == "1000000"
    assert r.identity.app_name == "政务鸿蒙示例"
    assert (r.identity.min_sdk, r.identity.target_sdk) == (50000012, 50000012)
    assert r.permissions == [
        "ohos.permission.APPROXIMATELY_LOCATION",
        "ohos.permission.CAMERA",
        "ohos.permission.INTERNET",
        "ohos.permission.LOCATION",
        "ohos.permission.LOCATION_IN_BACKGROUND",
    ]
    assert r.capabilities == ["background-location", "camera", "location"]
    assert r.background_modes == ["location"]
    assert [(c.type, c.name, c.exported) for c in r.components] == [
        ("ability", "EntryAbility", True),
        ("extension", "EntryFormAbility", False),
    ]
    assert r.native_libs == ["libs/arm64-v8a/libAMapSDK_MAP_v9_8_0.so"]
    assert [(s.id, s.category) for s in r.sdks] == [("amap", "location_maps")]
    assert {(k.term, k.where) for k in r.keywords} == {
        ("定位打卡", "ets/modules.abc"),
        ("uploadTrack", "ets/modules.abc"),
    }
    signer = make_signing_key(common_name="govapp hap signer")
    assert r.signing.schemes == ["hap"]
    assert [(c.scheme, c.sha256) for c in r.signing.certificates] == [("hap", signer.cert_sha256)]
    assert r.signing.certificates[0].subject.startswith("CN=govapp hap signer")
    assert r.warnings == []


def test_unsigned_hap_and_label_reference(tmp_path: Path) -> None:
    mj = default_module_json(label="$string:app_name")
    path = tmp_path / "u.hap"
    build_hap(path, module_json=mj, sign=False)
    r = scan_hap(path)
    assert r.identity.app_name is None
    assert r.signing.schemes == []
    assert any("not signed" in w for w in r.warnings)


def test_fa_model_config_json(tmp_path: Path) -> None:
    config = {
        "app": {"bundleName": "cn.gov.fa", "version": {"code": 3, "name": "0.3"}},
        "module": {"reqPermissions": [{"name": "ohos.permission.MICROPHONE"}]},
    }
    path = tmp_path / "fa.hap"
    path.write_bytes(zip_bytes({"config.json": json.dumps(config).encode()}))
    r = scan_hap(path)
    assert (r.identity.package, r.identity.version_code, r.identity.version_name) == (
        "cn.gov.fa",
        "3",
        "0.3",
    )
    assert r.capabilities == ["microphone"]


def test_app_bundle(tmp_path: Path) -> None:
    path = tmp_path / "bundle.app"
    build_app(path)
    r = scan_hap(path)
    assert r.kind == "app"
    assert r.identity.package == "cn.gov.example.harmony"
    assert r.identity.version_code == "1000000"
    assert "ohos.permission.MICROPHONE" in r.permissions
    assert r.capabilities == ["background-location", "camera", "location", "microphone"]
    assert {(k.term, k.where) for k in r.keywords} >= {
        ("定位打卡", "entry-default.hap!ets/modules.abc"),
        ("学习时长", "feature-default.hap!ets/modules.abc"),
    }
    assert r.signing.schemes == ["hap"]
    assert len(r.signing.certificates) == 1


def test_app_with_broken_inner_hap(tmp_path: Path) -> None:
    path = tmp_path / "broken.app"
    build_app(path, haps={"entry.hap": build_hap(), "bad.hap": b"not a zip"})
    r = scan_hap(path)
    assert r.identity.package == "cn.gov.example.harmony"
    assert any("bad.hap" in w for w in r.warnings)


def test_missing_module_json(tmp_path: Path) -> None:
    path = tmp_path / "x.hap"
    path.write_bytes(zip_bytes({"ets/modules.abc": b"PANDA"}))
    with pytest.raises(ScanError) as exc:
        scan_hap(path)
    assert exc.value.code == "no_manifest"


def test_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "b.hap"
    build_hap(path, raw_module_json=b"{not json")
    with pytest.raises(ScanError) as exc:
        scan_hap(path)
    assert exc.value.code == "bad_manifest"
    assert "module.json is not valid JSON" in exc.value.message


def test_truncated(tmp_path: Path) -> None:
    path = tmp_path / "t.hap"
    path.write_bytes(build_hap()[:300])
    with pytest.raises(ScanError):
        scan_hap(path)


_BASE: dict[str, bytes] = {}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutations_only_raise_scan_error(tmp_path: Path, data: st.DataObject) -> None:
    """Byte flips anywhere (signing block included) and mangled module.json."""
    if not _BASE:
        _BASE["hap"] = build_hap()
        _BASE["json"] = json.dumps(default_module_json()).encode()
    if data.draw(st.booleans()):
        raw = bytearray(_BASE["hap"])
    else:
        mj = bytearray(_BASE["json"])
        for _ in range(data.draw(st.integers(1, 4))):
            mj[data.draw(st.integers(0, 1 << 20)) % len(mj)] = data.draw(st.integers(0, 255))
        raw = bytearray(build_hap(raw_module_json=bytes(mj)))
    for _ in range(data.draw(st.integers(0, 6))):
        raw[data.draw(st.integers(0, 1 << 20)) % len(raw)] = data.draw(st.integers(0, 255))
    path = tmp_path / "m.hap"
    path.write_bytes(bytes(raw))
    with contextlib.suppress(ScanError):
        assert isinstance(scan_hap(path), ScanResult)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "reason",
                    "bundleName",
                    "versionCode",
                    "label",
                    "abilities",
                    "exported",
                    "backgroundModes",
                    "requestPermissions",
                    "extensionAbilities",
                    "version",
                    "code",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(app=_JSON, module=_JSON)
def test_odd_module_json_shapes(tmp_path: Path, app: object, module: object) -> None:
    path = tmp_path / "s.hap"
    path.write_bytes(
        zip_bytes({"module.json": json.dumps({"app": app, "module": module}).encode()})
    )
    with contextlib.suppress(ScanError):
        assert isinstance(scan_hap(path), ScanResult)

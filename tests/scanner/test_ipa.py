"""iOS .ipa scanning, on archives built by the testkit."""

from __future__ import annotations

import contextlib
import plistlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import ScanResult
from govapp.scanner.ipa import scan_ipa
from govapp.scanner.testkit.builders import build_ipa, default_info_plist, zip_bytes


def test_every_field(tmp_path: Path) -> None:
    path = tmp_path / "app.ipa"
    built = build_ipa(path, codesign=True)
    r = scan_ipa(path)
    assert r.kind == "ipa"
    assert r.identity.package == "cn.gov.example.ios"
    assert (r.identity.version_name, r.identity.version_code) == ("3.4.5", "345")
    assert r.identity.app_name == "政务示例 iOS"
    assert r.identity.min_sdk == 12
    assert r.permissions == [
        "NSCameraUsageDescription",
        "NSLocationAlwaysAndWhenInUseUsageDescription",
        "NSLocationWhenInUseUsageDescription",
        "NSPhotoLibraryUsageDescription",
    ]
    assert r.background_modes == ["location", "remote-notification"]
    assert r.capabilities == [
        "background-location",
        "camera",
        "location",
        "media-library",
        "notifications",
    ]
    assert r.native_libs == ["AMapFoundationKit.framework"]
    assert {(k.term, k.where) for k in r.keywords} >= {
        ("学习积分", "Payload/GovExample.app/www/index.html"),
        ("每日签到", "Payload/GovExample.app/zh-Hans.lproj/InfoPlist.strings"),
    }
    assert r.signing.schemes == ["ipa"]
    assert [(c.scheme, c.sha256) for c in r.signing.certificates] == [
        ("ipa", built.developer.cert_sha256),
        ("ipa-profile", built.developer.cert_sha256),
        ("ipa-provision", built.provisioning.cert_sha256),
    ]
    assert r.signing.certificates[0].subject.startswith("CN=iPhone Distribution: Gov Example")
    assert r.warnings == []


def test_xml_plist_and_no_provision(tmp_path: Path) -> None:
    path = tmp_path / "x.ipa"
    build_ipa(path, binary_plist=False, provision=False)
    r = scan_ipa(path)
    assert r.identity.package == "cn.gov.example.ios"
    assert r.signing.schemes == [] and r.signing.certificates == []
    assert any("mobileprovision" in w for w in r.warnings)


def test_display_name_falls_back_to_bundle_name(tmp_path: Path) -> None:
    plist = default_info_plist()
    del plist["CFBundleDisplayName"]
    path = tmp_path / "n.ipa"
    build_ipa(path, info_plist=plist)
    assert scan_ipa(path).identity.app_name == "GovExample"


def test_missing_and_bad_info_plist(tmp_path: Path) -> None:
    path = tmp_path / "m.ipa"
    path.write_bytes(zip_bytes({"Payload/A.app/A": b"\xcf\xfa\xed\xfe"}))
    with pytest.raises(ScanError) as exc:
        scan_ipa(path)
    assert exc.value.code == "no_manifest"
    build_ipa(path, raw_info_plist=b"bplist00garbage")
    with pytest.raises(ScanError) as exc:
        scan_ipa(path)
    assert exc.value.code == "bad_manifest" and "Info.plist" in exc.value.message
    build_ipa(path, raw_info_plist=plistlib.dumps([1, 2]))
    with pytest.raises(ScanError):
        scan_ipa(path)


def test_broken_mobileprovision_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "p.ipa"
    build_ipa(
        path, provision=False, extra={"Payload/GovExample.app/embedded.mobileprovision": b"0\x80"}
    )
    r = scan_ipa(path)
    assert r.signing.certificates == []
    assert any("mobileprovision" in w for w in r.warnings)


def test_truncated(tmp_path: Path) -> None:
    path = tmp_path / "t.ipa"
    build_ipa(path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ScanError):
        scan_ipa(path)


_VALUE = st.recursive(
    st.none().map(lambda _: "")
    | st.booleans()
    | st.integers(-(2**31), 2**31)
    | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plist=st.dictionaries(
        st.sampled_from(
            [
                "CFBundleIdentifier",
                "CFBundleVersion",
                "CFBundleShortVersionString",
                "MinimumOSVersion",
                "UIBackgroundModes",
                "NSCameraUsageDescription",
                "X",
            ]
        ),
        _VALUE,
    ),
    provision=st.binary(max_size=64),
    flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=3),
)
def test_mutations_only_raise_scan_error(
    tmp_path: Path, plist: dict[str, object], provision: bytes, flips: list[tuple[int, int]]
) -> None:
    path = tmp_path / "h.ipa"
    build_ipa(
        path,
        info_plist=plist,
        provision=False,
        extra={"Payload/GovExample.app/embedded.mobileprovision": provision},
    )
    raw = bytearray(path.read_bytes())
    for pos, value in flips:
        raw[pos % len(raw)] = value
    path.write_bytes(bytes(raw))
    with contextlib.suppress(ScanError):
        assert isinstance(scan_ipa(path), ScanResult)


def test_code_signature_names_the_signer(tmp_path: Path) -> None:
    """App Store builds carry no provisioning profile: the signer comes from the executable."""
    path = tmp_path / "store.ipa"
    built = build_ipa(path, provision=False, codesign=True)
    r = scan_ipa(path)
    assert r.signing.schemes == ["ipa"]
    assert [(c.scheme, c.sha256) for c in r.signing.certificates] == [
        ("ipa", built.developer.cert_sha256)
    ]
    assert "Gov Example" in r.signing.certificates[0].subject


def test_code_signature_in_a_universal_binary_and_profile_apart(tmp_path: Path) -> None:
    path = tmp_path / "fat.ipa"
    built = build_ipa(path, codesign=True, fat=True)
    r = scan_ipa(path)
    pairs = [(c.scheme, c.sha256) for c in r.signing.certificates]
    assert ("ipa", built.developer.cert_sha256) in pairs
    assert ("ipa-profile", built.developer.cert_sha256) in pairs
    assert ("ipa-provision", built.provisioning.cert_sha256) in pairs
    assert [c.scheme for c in r.signing.certificates].count("ipa") == 1


def test_broken_code_signature_is_a_warning(tmp_path: Path) -> None:
    import struct

    from govapp.scanner.testkit.builders import macho_with_signature

    exe = bytearray(macho_with_signature(None))
    # claim a code signature far beyond the end of the file
    exe[16:24] = struct.pack("<II", 1, 16)
    exe[32:32] = struct.pack("<IIII", 0x1D, 16, 10**6, 64)
    path = tmp_path / "broken.ipa"
    build_ipa(path, provision=False, extra={"Payload/GovExample.app/GovExample": bytes(exe)})
    r = scan_ipa(path)
    assert r.signing.certificates == []
    assert any("code signature" in w for w in r.warnings)


@settings(max_examples=150, deadline=None)
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 10**6),
    fat=st.booleans(),
)
def test_mutated_executables_only_raise_scan_error(
    flips: list[tuple[int, int]], cut: int, fat: bool
) -> None:
    from govapp.scanner.errors import ScanError
    from govapp.scanner.macho import code_signature_cms
    from govapp.scanner.testkit.apk import make_signing_key
    from govapp.scanner.testkit.builders import macho_with_signature

    data = bytearray(macho_with_signature(make_signing_key(), fat=fat, code_size=256))
    for pos, value in flips:
        data[pos % len(data)] = value
    data = data[: max(1, cut % (len(data) + 1))]
    chunks = iter([bytes(data[i : i + 97]) for i in range(0, len(data), 97)])
    with contextlib.suppress(ScanError):
        code_signature_cms(chunks)

"""Binary XML and resources.arsc."""

from __future__ import annotations

import struct

import pytest

from govapp.scanner.axml import ANDROID_NS, ArscTable, parse_axml
from govapp.scanner.errors import ScanError
from govapp.scanner.limits import Limits
from govapp.scanner.testkit import Elem, Ref, TestComponent, encode_arsc, encode_axml, manifest_tree


def _manifest(**kw: object) -> bytes:
    args: dict[str, object] = {
        "package": "cn.gov.demo",
        "version_name": "2.1",
        "version_code": 21,
        "min_sdk": 23,
        "target_sdk": 34,
        "label": "掌上政务",
        "permissions": ["android.permission.CAMERA"],
        "components": [TestComponent("activity", ".Main", exported=False)],
    }
    args.update(kw)
    return encode_axml(manifest_tree(**args))  # type: ignore[arg-type]


@pytest.mark.parametrize("utf8", [False, True])
def test_round_trip(utf8: bool) -> None:
    tree = manifest_tree(
        package="cn.gov.demo",
        version_name="2.1",
        version_code=21,
        min_sdk=23,
        target_sdk=34,
        label="掌上政务",
        permissions=["android.permission.CAMERA"],
        components=[TestComponent("activity", ".Main", exported=False)],
    )
    doc = parse_axml(encode_axml(tree, utf8=utf8))
    root = doc.root
    assert root is not None and root.tag == "manifest"
    assert root.get("package") == "cn.gov.demo"
    assert root.get("versionName") == "2.1"
    assert root.get("versionCode") == "21"
    assert doc.namespaces == {ANDROID_NS: "android"}
    sdk = next(root.iter("uses-sdk"))
    assert sdk.get("minSdkVersion") == "23" and sdk.get("targetSdkVersion") == "34"
    app = next(root.iter("application"))
    assert app.get("label") == "掌上政务"
    act = next(root.iter("activity"))
    exported = act.attr("exported")
    assert exported is not None and exported.value == "false"
    assert doc.warnings == []


def test_reference_values_and_arsc_resolution() -> None:
    data = encode_axml(
        manifest_tree(
            package="p",
            version_name=Ref(0x7F010001),
            version_code=1,
            min_sdk=None,
            target_sdk=None,
            label=Ref(0x7F010000),
        )
    )
    root = parse_axml(data).root
    assert root is not None
    label = next(root.iter("application")).attr("label")
    assert label is not None and label.is_reference and label.value == "@0x7f010000"
    table = ArscTable(encode_arsc(["应用名称", "3.0.1"]))
    assert table.resolve_string(label.data) == "应用名称"
    assert table.resolve_string(0x7F010001) == "3.0.1"
    assert table.resolve_string(0x7F010005) is None
    assert table.resolve_string(0x7F020000) is None


def test_attribute_names_only_in_resource_map() -> None:
    """Obfuscators blank or falsify attribute name strings; Android uses the resource ids."""
    data = bytearray(_manifest())
    for real in ("versionCode", "versionName", "package"):
        enc = real.encode("utf-16-le")
        i = data.find(enc)
        assert i > 0
        if real != "package":
            data[i : i + len(enc)] = "x".encode("utf-16-le") * len(real)
    root = parse_axml(bytes(data)).root
    assert root is not None
    assert root.get("versionCode") == "21"
    assert root.get("versionName") == "2.1"


def test_bad_sizes_are_tolerated() -> None:
    data = bytearray(_manifest())
    struct.pack_into("<I", data, 4, 12345)  # file header size lies
    doc = parse_axml(bytes(data))
    assert doc.root is not None and doc.root.get("package") == "cn.gov.demo"
    assert any("header size" in w for w in doc.warnings)
    # String pool with a wrong chunk size and an inflated string count.
    data2 = bytearray(_manifest())
    struct.pack_into("<I", data2, 8 + 4, 0x7FFFFFF0)
    struct.pack_into("<I", data2, 8 + 8, 0x00FFFFFF)
    doc2 = parse_axml(bytes(data2))
    assert doc2.root is not None and doc2.root.get("package") == "cn.gov.demo"
    assert doc2.warnings


def test_truncated_document_gives_partial_tree_or_error() -> None:
    data = _manifest()
    for cut in (10, 100, len(data) // 2, len(data) - 10):
        try:
            doc = parse_axml(data[:cut])
        except ScanError as exc:
            assert exc.code == "bad_axml"
        else:
            assert isinstance(doc.warnings, list)


def test_plain_text_and_oversized() -> None:
    with pytest.raises(ScanError) as err:
        parse_axml(b'<?xml version="1.0"?><manifest/>')
    assert "plain-text" in err.value.message
    with pytest.raises(ScanError):
        parse_axml(_manifest(), limits=Limits(max_axml_size=100))
    with pytest.raises(ScanError):
        parse_axml(b"\x03\x00")


def test_unknown_chunks_are_skipped() -> None:
    data = bytearray(_manifest())
    # Insert an unknown chunk right after the resource map.
    pool_size = struct.unpack_from("<I", data, 8 + 4)[0]
    rm_at = 8 + pool_size
    rm_size = struct.unpack_from("<I", data, rm_at + 4)[0]
    at = rm_at + rm_size
    junk = struct.pack("<HHI", 0x0777, 8, 16) + b"\xee" * 8
    data[at:at] = junk
    struct.pack_into("<I", data, 4, len(data))
    root = parse_axml(bytes(data)).root
    assert root is not None and root.get("package") == "cn.gov.demo"


def test_element_iteration_and_nesting() -> None:
    tree = Elem("a", [], [Elem("b", [], [Elem("c")]), Elem("c")])
    root = parse_axml(encode_axml(tree)).root
    assert root is not None
    assert [e.tag for e in root.iter()] == ["a", "b", "c", "c"]
    assert len(list(root.iter("c"))) == 2


def test_arsc_garbage_does_not_crash() -> None:
    table = ArscTable(b"\x02\x00\x0c\x00" + b"\xff" * 40)
    assert table.resolve_string(0x7F010000) is None
    table2 = ArscTable(b"nonsense")
    assert table2.warnings and table2.resolve_string(0x7F010000) is None

"""Builders of realistic packages for the scanner's tests and benchmarks (no fixtures needed)."""

from govapp.scanner.testkit.apk import (
    BuiltApk,
    Elem,
    Ref,
    SigningKey,
    TestComponent,
    build_apk,
    build_dex,
    encode_arsc,
    encode_axml,
    make_signing_key,
    manifest_tree,
)

__all__ = [
    "BuiltApk",
    "Elem",
    "Ref",
    "SigningKey",
    "TestComponent",
    "build_apk",
    "build_dex",
    "encode_arsc",
    "encode_axml",
    "make_signing_key",
    "manifest_tree",
]

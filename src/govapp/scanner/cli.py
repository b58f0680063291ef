"""``govapp scan PATH... [--json]``: scan packages from the command line.

With ``--json`` one JSON object per path is printed, one per line (JSON Lines, schema
``govapp.scan/1``): a :class:`ScanResult`, or a :class:`ScanFailure` with ``error`` set for a path
that could not be read.  Without it a readable summary is printed.  Every failure also gets a
one-line reason on stderr.  Exit status: 0 when every path was scanned, 2 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import FileInfo, ScanFailure, ScanResult
from govapp.scanner.limits import DEFAULT_LIMITS, Limits


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="govapp scan",
        description="Scan app packages (apk, aab, hap, app, rpk, ipa) or mini-program / "
        "quick-app source directories and report facts.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="package file or source directory")
    p.add_argument("--json", action="store_true", help="print JSON Lines (schema govapp.scan/1)")
    p.add_argument(
        "--timeout", type=float, default=None, help="seconds allowed per path (default 60)"
    )
    return p


def _utf8(stream: TextIO) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
    if reconfigure is not None and encoding != "utf8":
        reconfigure(encoding="utf-8", errors="replace")


def _failure_file(path: Path) -> FileInfo | None:
    if not path.is_file():
        return None
    try:
        from govapp.scanner.apk import file_info

        return file_info(path)
    except OSError:
        return None


def _human(result: ScanResult, out: TextIO) -> None:  # noqa: C901 (existing; split when next changed)
    ident = result.identity
    w = out.write
    w(f"== {result.file.name} ==\n")
    w(f"  文件 (file): {result.file.size} bytes, sha256 {result.file.sha256}\n")
    w(f"  类型 (kind): {result.kind}\n")
    w(f"  包名 (package): {ident.package or '-'}\n")
    w(f"  应用名称 (app name): {ident.app_name or '-'}\n")
    w(f"  版本 (version): {ident.version_name or '-'} (code {ident.version_code or '-'})\n")
    if ident.min_sdk is not None or ident.target_sdk is not None:
        w(f"  SDK 版本 (min/target SDK): {ident.min_sdk or '-'} / {ident.target_sdk or '-'}\n")
    schemes = ", ".join(result.signing.schemes) or "无 (none)"
    w(f"  签名方案 (signing schemes): {schemes}\n")
    for cert in result.signing.certificates:
        w(f"    [{cert.scheme}] sha256 {cert.sha256}\n")
        if cert.subject:
            w(f"         {cert.subject} ({cert.not_before} .. {cert.not_after})\n")
    w(f"  权限 (permissions): {len(result.permissions)}\n")
    for perm in result.permissions:
        w(f"    - {perm}\n")
    if result.capabilities:
        w(f"  能力 (capabilities): {', '.join(result.capabilities)}\n")
    if result.components:
        exported = sum(1 for c in result.components if c.exported)
        w(f"  组件 (components): {len(result.components)} ({exported} exported)\n")
    if result.native_libs:
        w(f"  原生库 (native libs): {', '.join(result.native_libs)}\n")
    if result.dex_files:
        w(f"  DEX 文件 (dex files): {', '.join(result.dex_files)}\n")
    if result.sdks:
        w("  第三方 SDK (SDKs):\n")
        for sdk in result.sdks:
            w(f"    - {sdk.name} [{sdk.category}]\n")
    if result.keywords:
        w(f"  关键词 (keywords): {len(result.keywords)}\n")
        for kw in result.keywords[:20]:
            w(f"    - {kw.term} @ {kw.where}\n")
    if result.findings:
        w("  发现 (findings):\n")
        for f in result.findings:
            w(f"    - [{f.severity}] {f.rule}: {f.title}\n")
    if result.warnings:
        w("  警告 (warnings):\n")
        for text in result.warnings:
            w(f"    - {text}\n")
    w(f"  耗时 (elapsed): {result.elapsed_ms:.1f} ms\n")


def add_package_findings(result: ScanResult) -> None:
    """Fill ``result.findings`` with the compliance rules that a package alone can decide.

    The rules live in ``govapp.compliance.rules`` (pure Python, no Django); a failure there
    becomes a warning rather than losing the scan."""
    try:
        from govapp.compliance.rules import package_findings

        result.findings = package_findings(result)
    except Exception as exc:  # the facts are still worth printing
        result.warnings.append(f"compliance rules failed: {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> int:
    """Run ``govapp scan``; returns the exit status."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in and args_in[0] == "scan" and not Path("scan").exists():
        args_in = args_in[1:]
    try:
        args = _parser().parse_args(args_in)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 2
    from govapp.scanner import scan_path

    limits = DEFAULT_LIMITS
    if args.timeout is not None:
        limits = Limits(max_seconds=args.timeout)
    out, err = sys.stdout, sys.stderr
    _utf8(out)
    _utf8(err)
    status = 0
    for raw in args.paths:
        path = Path(raw)
        try:
            result = scan_path(path, limits=limits)
        except ScanError as exc:
            status = 2
            err.write(f"govapp scan: {raw}: {exc.message} [{exc.code}]\n")
            if args.json:
                failure = ScanFailure(
                    file=_failure_file(path), error=exc.message, error_code=exc.code
                )
                out.write(
                    json.dumps(failure.model_dump(mode="json", by_alias=True), ensure_ascii=False)
                    + "\n"
                )
            out.flush()
            continue
        add_package_findings(result)
        if args.json:
            out.write(json.dumps(result.to_json_dict(), ensure_ascii=False) + "\n")
        else:
            _human(result, out)
        out.flush()
    return status


if __name__ == "__main__":
    raise SystemExit(main())

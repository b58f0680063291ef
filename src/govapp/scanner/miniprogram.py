"""Scan WeChat and Alipay mini-programs, as source directories or ZIP archives.

Formats:

* WeChat (https://developers.weixin.qq.com/miniprogram/dev/framework/config.html): ``app.json``
  (``pages``, ``subpackages``/``subPackages``, ``window.navigationBarTitleText``, ``permission``
  ``{"scope.userLocation": {"desc": ...}}``, ``requiredPrivateInfos``, ``requiredBackgroundModes``,
  ``plugins``), ``project.config.json`` (``appid``, ``projectname``, ``miniprogramRoot``), pages as
  ``.js``/``.wxml``/``.wxss``/``.json``; APIs are called as ``wx.xxx(...)``.
* Alipay (https://opendocs.alipay.com/mini/framework/app-json): ``app.json`` (``pages``,
  ``window.defaultTitle``), ``mini.project.json`` (``miniprogramRoot``), ``package.json``; pages as
  ``.js``/``.axml``/``.acss``; APIs are called as ``my.xxx(...)``.

The flavour is decided by the project file present, then by the markup extension and API prefix
that dominate.  Files are read through a small source abstraction so that directories and ZIPs
share one code path; ``node_modules`` (development dependencies) is not searched, the compiled
``miniprogram_npm`` is.  Only :class:`ScanError` escapes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from govapp.scanner.analysis import Collected, TextFiles, analyse
from govapp.scanner.apk import file_info
from govapp.scanner.capabilities import merge_capabilities, miniprogram_capabilities
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import Component, FileInfo, Identity, ScanResult
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.sources import CodeFacts, miniprogram_tracking, platform_services
from govapp.scanner.zip import ZipArchive

_MAX_JSON = 4 * 1024 * 1024
_SKIP_DIRS = {"node_modules", ".git", ".svn", ".idea", ".vscode", "__pycache__"}
_KEYWORD_EXT = (".js", ".ts", ".wxml", ".axml", ".json", ".html", ".htm", ".wxs", ".sjs", ".ux")
_MARKUP_EXT = (".wxml", ".axml")


# -- a file source shared by directories and ZIPs --------------------------------------------


@dataclass
class Source:
    """Relative POSIX paths of the files of a package and a bounded reader."""

    files: dict[str, int]  # path -> size
    read: Callable[[str, int], bytes]  # (path, max_size) -> bytes
    warnings: list[str] = field(default_factory=list)


def dir_source(root: Path, limits: Limits) -> Source:
    """The files under ``root`` (symlinks are not followed; ``node_modules`` and VCS dirs skipped)."""
    files: dict[str, int] = {}
    warnings: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file():
                continue
            rel = full.relative_to(root).as_posix()
            files[rel] = full.stat().st_size
            if len(files) > limits.max_entries:
                raise ScanError(
                    "too_many_entries",
                    f"the directory holds more than {limits.max_entries} files",
                )

    def read(rel: str, max_size: int) -> bytes:
        size = files.get(rel)
        if size is None:
            raise ScanError("not_found", f"{rel} is missing")
        if size > max_size:
            raise ScanError("entry_too_large", f"{rel} is {size} bytes, above {max_size}")
        try:
            return (root / rel).read_bytes()[:max_size]
        except OSError as exc:
            raise ScanError("unreadable", f"cannot read {rel}: {exc.strerror}") from None

    return Source(files=files, read=read, warnings=warnings)


def zip_source(zf: ZipArchive, *, prefix: str = "") -> Source:
    """The files of an archive; with ``prefix`` (a top folder such as ``"dist/"``) only those
    under it, named relative to it."""
    files = {
        e.name[len(prefix) :]: e.uncompressed_size
        for e in zf.entries
        if e.name.startswith(prefix)
        and len(e.name) > len(prefix)
        and not e.name.endswith("/")
        and not set(PurePosixPath(e.name[len(prefix) :]).parts) & _SKIP_DIRS
    }

    def read(rel: str, max_size: int) -> bytes:
        return zf.read(prefix + rel, max_size=max_size)

    return Source(files=files, read=read, warnings=zf.warnings)


def read_json(src: Source, rel: str) -> Any:
    """Parsed JSON of one file; raises ScanError with the file name on bad JSON."""
    data = src.read(rel, _MAX_JSON)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScanError("bad_manifest", f"{rel} is not valid JSON: {exc}") from None


def source_texts(src: Source, paths: Iterable[str]) -> TextFiles:
    """:class:`TextFiles` for the named files of a source (searched for keywords)."""
    return TextFiles({p: src.files[p] for p in paths if p in src.files}, src.read)


def source_text(
    src: Source, rel: str, limits: Limits, warnings: list[str], what: str
) -> str | None:
    """One source file as text, or None (with a warning) when it cannot be read."""
    if src.files[rel] > limits.max_text_scan_size:
        return None
    try:
        return src.read(rel, limits.max_text_scan_size).decode("utf-8", errors="replace")
    except ScanError as exc:
        warnings.append(f"{rel} not searched for {what}: {exc}")
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- mini-programs ---------------------------------------------------------------------------


def _find_root(src: Source) -> str:
    """The folder (``""`` or ``"x/"``) holding app.json, honouring ``miniprogramRoot``."""
    for project in ("project.config.json", "mini.project.json"):
        if project in src.files:
            try:
                root = _str(_dict(read_json(src, project)).get("miniprogramRoot"))
            except ScanError:
                root = None
            if root:
                root = root.strip("./").rstrip("/")
                if f"{root}/app.json" in src.files:
                    return f"{root}/"
    candidates = sorted(
        (p for p in src.files if p == "app.json" or p.endswith("/app.json")),
        key=lambda p: (p.count("/"), p),
    )
    if not candidates:
        raise ScanError("no_manifest", "no app.json found: this is not a mini-program")
    return candidates[0][: -len("app.json")]


def _project_files(src: Source, root: str) -> dict[str, str]:
    """Project file name -> its path (at the package top or beside app.json)."""
    out: dict[str, str] = {}
    for name in ("project.config.json", "mini.project.json", "package.json"):
        for candidate in (name, root + name):
            if candidate in src.files:
                out[name] = candidate
                break
    return out


MiniKind = Literal["wechat-miniprogram", "alipay-miniprogram"]


def _flavour(src: Source, projects: dict[str, str], api_counts: dict[str, int]) -> MiniKind:
    if "project.config.json" in projects and "mini.project.json" not in projects:
        return "wechat-miniprogram"
    if "mini.project.json" in projects and "project.config.json" not in projects:
        return "alipay-miniprogram"
    wx = sum(1 for p in src.files if p.endswith((".wxml", ".wxss"))) + api_counts.get("wx", 0)
    my = sum(1 for p in src.files if p.endswith((".axml", ".acss"))) + api_counts.get("my", 0)
    return "alipay-miniprogram" if my > wx else "wechat-miniprogram"


def scan_miniprogram_source(src: Source, info: FileInfo, limits: Limits) -> ScanResult:
    warnings: list[str] = list(src.warnings)
    root = _find_root(src)
    app = read_json(src, root + "app.json")
    if not isinstance(app, dict):
        raise ScanError("bad_manifest", "app.json is not a JSON object")
    projects = _project_files(src, root)
    project: dict[str, Any] = {}
    for name in ("project.config.json", "mini.project.json", "package.json"):
        if name in projects:
            try:
                project[name] = _dict(read_json(src, projects[name]))
            except ScanError as exc:
                warnings.append(str(exc))
    # What the code calls and which components the pages use.
    code = CodeFacts()
    js_files = [p for p in src.files if p.endswith((".js", ".ts", ".wxs", ".sjs"))]
    for rel in js_files:
        text = source_text(src, rel, limits, warnings, "API calls")
        if text is not None:
            code.add_js(text, rel)
    for rel in (p for p in src.files if p.endswith(_MARKUP_EXT)):
        text = source_text(src, rel, limits, warnings, "components")
        if text is not None:
            code.add_markup(text, rel)
    kind = _flavour(src, projects, code.prefix_counts)
    wechat = kind == "wechat-miniprogram"
    window = _dict(app.get("window"))
    cfg = project.get("project.config.json", {})
    pkg = project.get("package.json", {})
    appid = _str(cfg.get("appid")) or _str(pkg.get("appId")) or _str(app.get("appId"))
    if appid in ("touristappid",):
        appid = None
    app_name = (
        _str(window.get("navigationBarTitleText") if wechat else window.get("defaultTitle"))
        or _str(window.get("navigationBarTitleText"))
        or _str(cfg.get("projectname"))
        or _str(pkg.get("name"))
    )
    result = ScanResult(
        file=info,
        kind=kind,
        identity=Identity(package=appid, app_name=app_name, version_name=_str(pkg.get("version"))),
    )
    if appid is None:
        warnings.append("the mini-program's appid is not known (no project.config.json appid)")
    # Pages, subpackages, plugins.
    pages = _strings(app.get("pages"))
    subs = app.get("subpackages") or app.get("subPackages")
    for sub in subs if isinstance(subs, list) else []:
        s = _dict(sub)
        base = (_str(s.get("root")) or "").strip("/")
        pages.extend(f"{base}/{p}" if base else p for p in _strings(s.get("pages")))
    if not pages:
        warnings.append("app.json lists no pages")
    result.components = [Component(type="page", name=p) for p in pages]
    scopes = sorted(_dict(app.get("permission")))
    private = sorted(set(_strings(app.get("requiredPrivateInfos"))))
    modes = sorted(set(_strings(app.get("requiredBackgroundModes"))))
    result.permissions = sorted(set(scopes) | set(private))
    result.background_modes = modes
    result.api_calls = sorted(code.calls)
    caps = miniprogram_capabilities(
        permission_scopes=scopes,
        required_private_infos=private,
        background_modes=modes,
        api_calls=result.api_calls,
    )
    npm = {
        "/".join(PurePosixPath(p).parts[:2])
        for p in src.files
        if p.startswith(("miniprogram_npm/", root + "miniprogram_npm/"))
    }
    modules = js_files + sorted(n.rsplit("/", 1)[-1] for n in npm)
    plugins = sorted(_dict(app.get("plugins")))
    if plugins:
        warnings.append("plugins declared (not inspected): " + ", ".join(plugins))
    collected = Collected(
        capabilities=merge_capabilities(caps, miniprogram_tracking(code)),
        js_modules=modules,
        services=platform_services("wechat" if wechat else "alipay", code),
        texts=source_texts(src, [p for p in src.files if p.lower().endswith(_KEYWORD_EXT)]),
    )
    analyse(result, collected, limits=limits, warnings=warnings)
    result.warnings = list(dict.fromkeys(warnings))
    return result


def dir_info(path: Path, src: Source) -> FileInfo:
    import hashlib

    digest = hashlib.sha256()
    for rel in sorted(src.files):
        digest.update(rel.encode("utf-8") + b"\0" + str(src.files[rel]).encode() + b"\0")
    return FileInfo(name=path.name, size=sum(src.files.values()), sha256=digest.hexdigest())


def scan_miniprogram_dir(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a mini-program source directory.  ``file.sha256`` is a digest of the file list
    (paths and sizes), not of the contents.  Only :class:`ScanError` escapes."""
    path = Path(path)
    if not path.is_dir():
        raise ScanError("not_found", f"{path} is not a directory")
    src = dir_source(path, limits)
    return scan_miniprogram_source(src, dir_info(path, src), limits)


def scan_miniprogram_zip(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a ZIP of a mini-program's sources.  Only :class:`ScanError` escapes."""
    path = Path(path)
    with ZipArchive(path, limits=limits) as zf:
        return scan_miniprogram_source(zip_source(zf), file_info(path), limits)

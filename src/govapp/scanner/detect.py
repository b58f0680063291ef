"""Recognise what kind of package a path is and dispatch to the right scanner.

``scan_path`` is the single entry point used by the CLI and by the web application's tasks.  It
fills ``file`` (name, size, streamed SHA-256) and ``elapsed_ms``, enforces ``Limits.max_seconds``
(with a SIGALRM timer when running in the main thread, plus cooperative checks in the APK
scanner), and turns running out of time, memory or recursion depth and OS read errors into
:class:`ScanError`.  Any other exception is a bug in the scanner and escapes as itself (with its
traceback), so that a test fails on it.

Recognition rules (first match wins):

* directory: ``manifest.json`` (root or ``src/``) without ``app.json`` -> quick-app source;
  otherwise ``app.json`` / ``project.config.json`` / ``mini.project.json`` -> mini-program source;
* ZIP with ``AndroidManifest.xml`` -> apk; ``base/manifest/AndroidManifest.xml`` -> aab;
  ``module.json`` or ``pack.info`` -> hap/app; ``Payload/*.app/Info.plist`` -> ipa;
  ``.rpk`` suffix, or ``manifest.json`` beside JavaScript -> rpk; ``app.json`` -> mini-program ZIP;
  a source ZIP whose files sit under one top folder (``dist/app.json``, ``myapp/manifest.json``,
  ``myapp/src/manifest.json``), or a mini-program below its project file
  (``project.config.json`` + ``miniprogram/app.json``) -> mini-program ZIP; a top-level
  ``src/manifest.json`` or a foldered ``manifest.json``, beside ``.ux`` pages -> quick-app source
  ZIP (kind ``quickapp``, unsigned); otherwise ``.apk`` suffix or a ``classes.dex`` -> apk (scanned with a
  warning).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time

from govapp.scanner.apk import scan_apk_archive
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import FileInfo, ScanResult
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.zip import ZipArchive, single_top_folder

try:  # the C module behind ``signal`` (whose wrappers build enums at import and on every call)
    import _signal as _sig
except ImportError:  # pragma: no cover - not CPython
    import signal as _sig

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import FrameType
    from typing import Any

_IPA_PLIST = re.compile(r"^Payload/[^/]+\.app/Info\.plist$")


class _Timeout(BaseException):
    """Raised by the alarm handler; a BaseException so ``except Exception`` cannot swallow it."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


_CAN_ALARM = hasattr(_sig, "setitimer")
_SIGALRM = int(getattr(_sig, "SIGALRM", 14))
_ITIMER_REAL = int(getattr(_sig, "ITIMER_REAL", 0))


class _TimeLimit:
    """Raise :class:`_Timeout` after ``seconds`` (SIGALRM; main thread only, and only when no
    other interval timer is running: someone else's timer is never disturbed)."""

    __slots__ = ("armed", "previous", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = False
        self.previous: Any = None

    def __enter__(self) -> None:
        if not _CAN_ALARM or self.seconds <= 0 or _sig.getitimer(_ITIMER_REAL)[0] > 0:
            return
        try:
            self.previous = _sig.signal(_SIGALRM, _alarm)
        except ValueError:  # not the main thread, where alone a handler can be set
            return
        _sig.setitimer(_ITIMER_REAL, self.seconds)
        self.armed = True

    def __exit__(self, *exc_info: object) -> None:
        if self.armed:
            self.armed = False
            _sig.setitimer(_ITIMER_REAL, 0)
            _sig.signal(_SIGALRM, self.previous)


def detect_kind(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """One of: apk, aab, hap, rpk, ipa, miniprogram-zip, quickapp-zip, miniprogram-dir,
    quickapp-dir."""
    if path.is_dir():
        has_manifest = (path / "manifest.json").is_file() or (path / "src/manifest.json").is_file()
        has_app_json = (path / "app.json").is_file()
        if has_manifest and not has_app_json:
            return "quickapp-dir"
        if (
            has_app_json
            or (path / "project.config.json").is_file()
            or (path / "mini.project.json").is_file()
        ):
            return "miniprogram-dir"
        raise ScanError(
            "unknown_kind",
            "the directory is neither a mini-program (no app.json) nor a quick-app "
            "source (no manifest.json)",
        )
    with ZipArchive(path, limits=limits) as zf:
        names = zf.names_set()
    return _kind_from_names(names, path.suffix.lower())


def _kind_from_names(names: set[str], suffix: str) -> str:
    if "AndroidManifest.xml" in names:
        return "apk"
    if "base/manifest/AndroidManifest.xml" in names:
        return "aab"
    if "module.json" in names or "pack.info" in names:
        return "hap"
    if any(_IPA_PLIST.match(n) for n in names):
        return "ipa"
    if suffix == ".rpk" or ("manifest.json" in names and any(n.endswith(".js") for n in names)):
        return "rpk"
    if "app.json" in names:
        return "miniprogram-zip"
    source = _source_kind(names)
    if source is not None:
        return source
    if suffix in (".apk", ".apks") or "classes.dex" in names:
        return "apk"
    if suffix == ".aab":
        return "aab"
    if suffix in (".hap", ".app"):
        return "hap"
    if suffix == ".ipa":
        return "ipa"
    raise ScanError(
        "unknown_kind",
        "the ZIP file is not an app package this scanner knows "
        "(no AndroidManifest.xml, module.json, Info.plist, manifest.json or app.json)",
    )


def _stat(path: str | os.PathLike[str]) -> os.stat_result | None:
    """One ``stat`` call; None when the path does not exist (as ``Path.exists`` decides)."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return None
        raise
    except ValueError:
        return None


def _source_kind(names: set[str]) -> str | None:
    """Mini-program or quick-app *source* ZIPs whose files are not at the archive's top: under
    one top folder (``dist/app.json``, ``myapp/src/manifest.json``) or with the mini-program
    below its project file (``project.config.json`` + ``miniprogram/app.json``)."""
    top = single_top_folder(names)
    inner = {n[len(top) :] for n in names} if top else names
    has_app_json = "app.json" in inner
    has_project = "project.config.json" in inner or "mini.project.json" in inner
    if has_app_json or (has_project and any(n.endswith("/app.json") for n in inner)):
        return "miniprogram-zip"
    if ("manifest.json" in inner or "src/manifest.json" in inner) and any(
        n.endswith(".ux") for n in inner
    ):
        return "quickapp-zip"  # a quick-app project: pages are .ux files
    return None


# The readers of the other formats are imported when a package of their kind comes (the APK
# reader, by far the most used, is imported with this module): start-up stays short.


def _read_aab(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.aab import scan_aab

    return scan_aab(path, limits=limits)


def _read_hap(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.hap import scan_hap

    return scan_hap(path, limits=limits)


def _read_ipa(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.ipa import scan_ipa

    return scan_ipa(path, limits=limits)


def _read_rpk(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.quickapp import scan_rpk

    return scan_rpk(path, limits=limits)


def _read_quickapp_zip(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.quickapp import scan_quickapp_zip

    return scan_quickapp_zip(path, limits=limits)


def _read_quickapp_dir(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.quickapp import scan_quickapp_dir

    return scan_quickapp_dir(path, limits=limits)


def _read_miniprogram_zip(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.miniprogram import scan_miniprogram_zip

    return scan_miniprogram_zip(path, limits=limits)


def _read_miniprogram_dir(path: Path, limits: Limits) -> ScanResult:
    from govapp.scanner.miniprogram import scan_miniprogram_dir

    return scan_miniprogram_dir(path, limits=limits)


_ZIP_READERS: dict[str, Callable[[Path, Limits], ScanResult]] = {
    "aab": _read_aab,
    "hap": _read_hap,
    "ipa": _read_ipa,
    "rpk": _read_rpk,
    "quickapp-zip": _read_quickapp_zip,
    "miniprogram-zip": _read_miniprogram_zip,
}


def _suffix(name: str) -> str:
    """``pathlib.PurePath.suffix`` of a file name."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def _as_path(path: str | os.PathLike[str]) -> Path:
    # pathlib is imported only for directories, the non-APK readers and messages: the APK path
    # works on the plain string (pathlib and what it imports are a tenth of the start-up).
    from pathlib import Path

    return path if isinstance(path, Path) else Path(path)


def _scan(path: str | os.PathLike[str], limits: Limits) -> ScanResult:
    st = _stat(path)
    if st is None:
        raise ScanError("not_found", "no such file or directory")
    if stat.S_ISDIR(st.st_mode):
        p = _as_path(path)
        kind = detect_kind(p, limits=limits)
        if kind == "quickapp-dir":
            return _read_quickapp_dir(p, limits)
        return _read_miniprogram_dir(p, limits)
    if not stat.S_ISREG(st.st_mode):
        raise ScanError("unreadable", f"{_as_path(path)} is not a regular file")
    size = st.st_size
    if size > limits.max_file_size:
        raise ScanError(
            "too_large", f"the file is {size} bytes, above the limit of {limits.max_file_size}"
        )
    with ZipArchive(path, limits=limits) as zf:
        # The SHA-256 comes from the archive's own descriptor (small files: its one whole read).
        hashed, sha256 = zf.digest()
        name = os.path.basename(os.fspath(path))  # a regular file: the same as Path.name
        info = FileInfo(name=name, size=hashed, sha256=sha256)
        kind = _kind_from_names(zf.names_set(), _suffix(name).lower())
        if kind == "apk":
            result = scan_apk_archive(zf, file=info, limits=limits)
            result.file = info
            return result
    result = _ZIP_READERS[kind](_as_path(path), limits)
    result.file = info
    return result


def scan_path(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a package file or a source directory.  Only :class:`ScanError` escapes."""
    started = time.perf_counter()
    p = os.fspath(path) or "."  # a TypeError for what is not a path; "" is "." as for Path()
    try:
        with _TimeLimit(limits.max_seconds):
            result = _scan(p, limits)
    except ScanError:
        raise
    except _Timeout:
        raise ScanError(
            "timeout", f"scanning took longer than the limit of {limits.max_seconds:g} s"
        ) from None
    except MemoryError:
        raise ScanError("too_large", "the package needs more memory than is available") from None
    except RecursionError:
        raise ScanError("internal", "the package is nested too deeply to scan") from None
    except OSError as exc:
        raise ScanError("unreadable", f"cannot read {_as_path(p)}: {exc.strerror or exc}") from None
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result

"""Recognise what kind of package a path is and dispatch to the right scanner.

``scan_path`` is the single entry point used by the CLI and by the web application's tasks.  It
fills ``file`` (name, size, streamed SHA-256) and ``elapsed_ms``, enforces ``Limits.max_seconds``
(with a SIGALRM timer when running in the main thread, plus cooperative checks in the APK
scanner), and turns every unexpected exception into ``ScanError("internal", ...)`` so that callers
only ever have to handle :class:`ScanError`.

Recognition rules (first match wins):

* directory: ``manifest.json`` (root or ``src/``) without ``app.json`` -> quick-app source;
  otherwise ``app.json`` / ``project.config.json`` / ``mini.project.json`` -> mini-program source;
* ZIP with ``AndroidManifest.xml`` -> apk; ``base/manifest/AndroidManifest.xml`` -> aab;
  ``module.json`` or ``pack.info`` -> hap/app; ``Payload/*.app/Info.plist`` -> ipa;
  ``.rpk`` suffix, or ``manifest.json`` beside JavaScript -> rpk; ``app.json`` -> mini-program ZIP;
  otherwise ``.apk`` suffix or a ``classes.dex`` -> apk (scanned with a warning).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import ScanResult
from govapp.scanner.limits import DEFAULT_LIMITS, Limits

_IPA_PLIST = re.compile(r"^Payload/[^/]+\.app/Info\.plist$")


class _Timeout(BaseException):
    """Raised by the alarm handler; a BaseException so ``except Exception`` cannot swallow it."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and seconds > 0
    )
    if usable and signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        usable = False  # someone else's timer is running: do not disturb it
    if not usable:
        yield
        return

    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _module(name: str) -> ModuleType:
    full = f"govapp.scanner.{name}"
    if importlib.util.find_spec(full) is None:
        raise ScanError("unsupported", f"this build cannot scan this kind of package ({name})")
    return importlib.import_module(full)


def _call(module: str, func: str, path: Path, limits: Limits) -> ScanResult:
    mod = _module(module)
    fn: Callable[..., Any] | None = getattr(mod, func, None)
    if fn is None:
        raise ScanError("unsupported", f"this build cannot scan this kind of package ({module})")
    result = fn(path, limits=limits)
    if not isinstance(result, ScanResult):
        raise ScanError("internal", f"{module}.{func} returned no scan result")
    return result


def detect_kind(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """One of: apk, aab, hap, rpk, ipa, miniprogram-zip, miniprogram-dir, quickapp-dir."""
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
    from govapp.scanner.zip import ZipArchive

    with ZipArchive(path, limits=limits) as zf:
        names = set(zf.names())
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


def _scan(path: Path, limits: Limits) -> ScanResult:
    if not path.exists():
        raise ScanError("not_found", "no such file or directory")
    if path.is_dir():
        kind = detect_kind(path, limits=limits)
        if kind == "quickapp-dir":
            return _call("quickapp", "scan_quickapp_dir", path, limits)
        return _call("miniprogram", "scan_miniprogram_dir", path, limits)
    if not path.is_file():
        raise ScanError("unreadable", f"{path} is not a regular file")
    size = path.stat().st_size
    if size > limits.max_file_size:
        raise ScanError(
            "too_large", f"the file is {size} bytes, above the limit of {limits.max_file_size}"
        )
    from govapp.scanner.apk import file_info, scan_apk_archive
    from govapp.scanner.zip import ZipArchive

    try:
        info = file_info(path)
    except OSError as exc:
        raise ScanError("unreadable", f"cannot read {path}: {exc.strerror}") from None
    with ZipArchive(path, limits=limits) as zf:
        kind = _kind_from_names(set(zf.names()), path.suffix.lower())
        if kind == "apk":
            result = scan_apk_archive(zf, file=info, limits=limits)
            result.file = info
            return result
    if kind == "aab":
        result = _call("aab", "scan_aab", path, limits)
    elif kind == "hap":
        result = _call("hap", "scan_hap", path, limits)
    elif kind == "ipa":
        result = _call("ipa", "scan_ipa", path, limits)
    elif kind == "rpk":
        result = _call("quickapp", "scan_rpk", path, limits)
    else:
        result = _call("miniprogram", "scan_miniprogram_zip", path, limits)
    result.file = info
    return result


def scan_path(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a package file or a source directory.  Only :class:`ScanError` escapes."""
    started = time.perf_counter()
    p = Path(path)
    try:
        with _time_limit(limits.max_seconds):
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
        raise ScanError("unreadable", f"cannot read {p}: {exc.strerror or exc}") from None
    except Exception as exc:
        raise ScanError(
            "internal", f"internal error while scanning ({type(exc).__name__}: {exc})"
        ) from exc
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result

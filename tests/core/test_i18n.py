"""The English catalogue: complete, not fuzzy, placeholders kept; pages really switch to English."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import factories as f

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HAN = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\w*\}")
# msgids whose translation is deliberately Chinese (the language's own name)
CHINESE_ON_PURPOSE = {"简体中文"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(s: str) -> str:
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), s[1:-1])


def parse_po(path: Path) -> list[Entry]:  # noqa: C901 (existing; split when next changed)
    """Entries of a .po file (header and obsolete '#~' entries left out)."""
    entries: list[Entry] = []
    cur = Entry()
    target: tuple[str, int] = ("", 0)

    def flush() -> None:
        nonlocal cur
        if cur.line and cur.msgid:
            entries.append(cur)
        cur = Entry()

    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            cur.flags |= {x.strip() for x in line[2:].split(",") if x.strip()}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            target = ("ctxt", 0)
        elif line.startswith("msgid_plural "):
            cur.msgid_plural = _unquote(line[len("msgid_plural ") :])
            target = ("plural", 0)
        elif line.startswith("msgid "):
            cur.msgid, cur.line, target = _unquote(line[len("msgid ") :]), no, ("id", 0)
        elif line.startswith("msgstr["):
            n = int(line[7 : line.index("]")])
            cur.msgstr[n] = _unquote(line[line.index("]") + 1 :])
            target = ("str", n)
        elif line.startswith("msgstr "):
            cur.msgstr[0] = _unquote(line[len("msgstr ") :])
            target = ("str", 0)
        elif line.startswith('"'):
            text = _unquote(line)
            if target[0] == "id":
                cur.msgid += text
            elif target[0] == "plural":
                cur.msgid_plural = (cur.msgid_plural or "") + text
            elif target[0] == "str":
                cur.msgstr[target[1]] += text
        else:
            raise AssertionError(f"{path}:{no}: cannot parse {raw!r}")
    flush()
    return entries


def _english(s: str) -> bool:
    """No Chinese, or Chinese only as input values quoted in English text (“中央”, 休/班)."""
    return not HAN.search(s) or bool(re.search(r"[A-Za-z]{3}", s))


def _placeholders(s: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(s))


def test_catalogue_is_complete_and_not_fuzzy() -> None:
    entries = parse_po(PO)
    assert len(entries) > 500
    assert MO.exists(), "compile the catalogue: govapp compilemessages"
    problems = []
    for e in entries:
        where = f"django.po:{e.line} {e.msgid[:40]!r}"
        if "fuzzy" in e.flags:
            problems.append(f"{where}: fuzzy")
        wanted = 2 if e.msgid_plural is not None else 1
        if len(e.msgstr) != wanted or not all(s.strip() for s in e.msgstr.values()):
            problems.append(f"{where}: untranslated")
        elif e.msgid not in CHINESE_ON_PURPOSE and not all(_english(s) for s in e.msgstr.values()):
            problems.append(f"{where}: still Chinese")
    assert not problems, "\n".join(problems)


def test_placeholders_match() -> None:
    problems = []
    for e in parse_po(PO):
        for n, s in e.msgstr.items():
            source = e.msgid_plural if (n > 0 and e.msgid_plural is not None) else e.msgid
            if _placeholders(s) != _placeholders(source or ""):
                problems.append(f"django.po:{e.line} {e.msgid!r} -> {s!r}")
            if "python-format" in e.flags and re.search(r"%(?![(%])", s.replace("%%", "")):
                problems.append(f"django.po:{e.line} stray % in {s!r}")
    assert not problems, "\n".join(problems)


def _h1(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)]


@pytest.mark.django_db
def test_login_page_in_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page
    assert "Username" in page and "Password" in page
    headings = _h1(page)
    assert headings and not any(HAN.search(h) for h in headings), headings


@pytest.mark.django_db
def test_regulator_dashboard_in_english(client: Client) -> None:
    f.regulator(username="en_boss")
    assert client.post(
        reverse("login"), {"username": "en_boss", "password": f.PASSWORD}
    ).status_code in (302, 303)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    resp = client.get(reverse("home"))
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "Dashboard" in page
    assert "National regulator" in page
    headings = _h1(page)
    assert headings and not any(HAN.search(h) for h in headings), headings

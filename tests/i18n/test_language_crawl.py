"""Every page in both languages, as every demo role (issue 15, item 9).

The demo data is loaded (small scale) and each demo account, plus an anonymous visitor, walks
the site from its home page by following links (one page per URL shape, so a thousand app
pages count once).  Then:

* on English pages, a text that is one of the catalogue's Chinese UI strings, or Chinese that
  is not user data (not found in any stored name, note or material), is an untranslated
  label;
* on Chinese pages, a text that is one of the catalogue's English translations is leftover
  English UI.

The page's own user data (names of apps and units, what people typed) is Chinese in either
language and is left alone.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from tests.core.test_i18n import parse_po

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff]")
PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
ROLES = ["cac", "gd-cac", "gd-gsa", "gz-unit", "central-unit", "auditor", None]
MAX_SHAPES = 45
# Chinese on English pages on purpose: the language switcher names Chinese in Chinese, and
# input formats whose values are Chinese words (the import template's app types, the holiday
# schedule's 休/班) show those words as they must be typed.
ON_PURPOSE = re.compile(r"^(中文|简体中文)$|APP/小程序/快应用|^\d{4}-\d\d-\d\d,(休|班),")
SKIP = re.compile(
    r"^/(api/|static/|media/|admin/|accounts/logout|i18n/)"
    r"|/(download|export|badge)/?|\.(csv|json|xlsx|pdf|png|svg)$|/status/$"
)


class _Text(HTMLParser):
    """Visible text nodes and same-site links of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "textarea", "code"}:
            self._skip += 1
        a = dict(attrs)
        if tag == "a" and (a.get("href") or "").startswith("/"):
            self.links.append(str(a["href"]).split("#")[0])
        for name in ("placeholder", "title", "aria-label"):
            if a.get(name):
                self.texts.append(str(a[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "textarea", "code"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def _shape(url: str) -> str:
    path, _sep, query = url.partition("?")
    keys = sorted({kv.split("=")[0] for kv in query.split("&") if kv})
    return re.sub(r"/[^/]*\d[^/]*(?=/|$)", "/N", path) + ("?" + "&".join(keys) if keys else "")


def _load_demo() -> None:
    from govapp.core import wiring
    from govapp.core.tasks import resolve

    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    for name, path in wiring.DEMO_LOADERS:
        if name == "registry":
            resolve(path)(scale=0.03)
        else:
            resolve(path)()


def _user_data() -> str:
    """Every stored text (names, notes, materials): Chinese found here is user data."""
    chunks: list[str] = []
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.is_relation
        ]
        if not fields or model._meta.app_label in {"django_tasks_database", "sessions"}:
            continue
        # every administrative division (region names are data), other tables sampled
        limit = None if model._meta.label == "orgs.Division" else 5000
        for row in model.objects.values_list(*fields)[:limit]:
            chunks.extend(str(v) for v in row if v)
    return "\n".join(chunks)


def _catalogue() -> tuple[set[str], set[str]]:
    zh: set[str] = set()
    en: set[str] = set()
    for e in parse_po(PO):
        if "%" in e.msgid or "{" in e.msgid:
            continue  # a template with placeholders never appears verbatim
        zh.add(e.msgid.strip())
        for s in e.msgstr.values():
            if s and len(s) > 3 and not HAN.search(s) and " " in s.strip():
                en.add(s.strip())
    return zh, en


def _crawl(client: Client, lang: str) -> dict[str, list[str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    pages: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = deque(["/"])
    while queue and len(seen) < MAX_SHAPES:
        url = queue.popleft()
        shape = _shape(url)
        if shape in seen or SKIP.search(url.split("?")[0]):
            continue
        seen.add(shape)
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(resp.content.decode())
        pages[url] = parser.texts
        queue.extend(link for link in parser.links if _shape(link) not in seen)
    return pages


def _login(client: Client, username: str | None) -> None:
    client.logout()
    if username is not None:
        from govapp.orgs.models import User

        client.force_login(User.objects.get(username=username))


def test_every_page_in_both_languages(client: Client) -> None:
    _load_demo()
    data = _user_data()
    zh_ui, en_ui = _catalogue()
    problems: list[str] = []
    crawled = 0
    for username in ROLES:
        _login(client, username)
        for url, texts in _crawl(client, "en").items():
            crawled += 1
            for text in texts:
                if not HAN.search(text):
                    continue
                if ON_PURPOSE.search(text):
                    continue
                runs = re.findall(r"[\u3400-\u9fff]+", text)
                if (text in zh_ui and text not in data) or not all(r in data for r in runs):
                    problems.append(f"en {username or 'anonymous'} {url}: {text[:80]}")
        for url, texts in _crawl(client, "zh-hans").items():
            crawled += 1
            for text in texts:
                if text in en_ui:
                    problems.append(f"zh {username or 'anonymous'} {url}: {text[:80]}")
    assert crawled > 100
    unique = sorted(set(problems))
    assert not unique, f"{len(unique)} untranslated texts:\n" + "\n".join(unique[:150])

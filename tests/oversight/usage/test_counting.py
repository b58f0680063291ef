"""Distinct devices per app and day, counted in the shared cache only, and closed without
leaving any address, user agent or per-device hash behind."""

from __future__ import annotations

import json
import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from govapp.core.calendar import today_shanghai
from govapp.core.models import AuditEvent, SharedCounter
from govapp.oversight.usage import counting, services
from govapp.oversight.usage.models import (
    CountingDevice,
    CountingSalt,
    CountingTally,
    DailyUsage,
    UnfiledUsage,
)
from govapp.registry.models import AppStatus, PlatformIdentity
from tests.oversight.usage import factories as uf

pytestmark = pytest.mark.django_db

PING = "/api/v1/public/usage/ping"


def _ping(client: Client, body: dict[str, str], ua: str, addr: str) -> int:
    r = client.post(
        PING,
        json.dumps(body),
        content_type="application/json",
        HTTP_USER_AGENT=ua,
        REMOTE_ADDR=addr,
    )
    return r.status_code


def _all_text_in_database() -> str:
    """Every text value of every table (what a database dump would show)."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cols = connection.introspection.get_table_description(cursor, table)
            names = ", ".join(connection.ops.quote_name(c.name) for c in cols)
            cursor.execute(f"SELECT {names} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def test_ping_counts_distinct_devices_and_close_day_writes_exact_figures():
    w = uf.world()
    c = Client(enforce_csrf_checks=True)
    for i in range(40):
        for _ in range(3):
            assert _ping(c, {"filing_number": w.app.filing_number}, f"UA-{i}", f"10.0.0.{i}") == 204
    # the same device through the package name of the same app counts under the app too
    assert _ping(c, {"package": "cn.unknown.thing"}, "UA-x", "10.9.9.9") == 204
    result = services.usage_close_day()
    row = DailyUsage.objects.get(app=w.app, date=today_shanghai())
    assert (row.devices, row.pings) == (40, 120)
    assert UnfiledUsage.objects.get(package="cn.unknown.thing").devices == 1
    assert result.apps == 1 and result.unfiled_packages == 1
    assert list(counting.usage_keys()) == []  # salt and every per-device key destroyed
    assert AuditEvent.objects.filter(action="usage.close_day").count() == 1


def test_same_address_different_user_agents_are_different_devices_and_vice_versa():
    w = uf.world()
    target = f"a{w.app.pk}"
    assert counting.ping_count(target=target, address="1.1.1.1", user_agent="A")
    assert counting.ping_count(target=target, address="1.1.1.1", user_agent="B")
    assert counting.ping_count(target=target, address="1.1.1.2", user_agent="A")
    assert not counting.ping_count(target=target, address="1.1.1.1", user_agent="A")
    closed = counting.days_close()
    assert closed.counts[(today_shanghai(), target)] == [3, 4]


def test_close_day_destroys_the_salt_so_the_next_period_hashes_differently():
    epoch1, salt1 = counting.day_salt(today_shanghai())
    counting.days_close()
    epoch2, salt2 = counting.day_salt(today_shanghai())
    assert salt1 != salt2 and epoch1 != epoch2


def test_closing_twice_on_one_day_adds_to_the_day():
    w = uf.world()
    services.ping_record(filing_number=w.app.filing_number, address="1.2.3.4", user_agent="u")
    services.usage_close_day()
    services.ping_record(filing_number=w.app.filing_number, address="1.2.3.5", user_agent="v")
    services.usage_close_day()
    row = DailyUsage.objects.get(app=w.app)
    assert (row.devices, row.pings) == (2, 2)


def test_periodic_close_keeps_today_open():
    w = uf.world()
    import datetime as dt

    yesterday = today_shanghai() - dt.timedelta(days=1)
    counting.ping_count(target=f"a{w.app.pk}", address="a", user_agent="b", day=yesterday)
    counting.ping_count(target=f"a{w.app.pk}", address="a", user_agent="b")
    services.usage_close_day(before=today_shanghai())
    assert list(DailyUsage.objects.values_list("date", "devices")) == [(yesterday, 1)]
    assert any(k.startswith(counting.PREFIX + "salt:") for k in counting.usage_keys())


def test_unknown_filing_number_and_malformed_input_are_not_counted():
    uf.world()
    c = Client()
    assert _ping(c, {"filing_number": "不存在的编号12345"}, "u", "1.1.1.1") == 204
    assert _ping(c, {"package": "not a package!"}, "u", "1.1.1.1") == 204
    assert _ping(c, {}, "u", "1.1.1.1") == 204
    assert list(counting.usage_keys()) == []


def test_unfiled_registered_app_in_use_is_counted_for_the_app():
    w = uf.world()
    unfiled = uf.filed_app(w.unit, status=AppStatus.UNFILED, package="cn.gov.usage.unfiledapp")
    services.ping_record(package="cn.gov.usage.unfiledapp", address="1.1.1.1", user_agent="u")
    services.usage_close_day()
    assert DailyUsage.objects.get(app=unfiled).devices == 1
    assert not UnfiledUsage.objects.exists()


REDIS_URL = os.environ.get("GOVAPP_TEST_REDIS_URL", "")


@pytest.mark.parametrize(
    ("cache_url", "backend"),
    [
        ("db://", "db"),
        ("locmem://", "db"),
        pytest.param(
            REDIS_URL,
            "redis",
            marks=pytest.mark.skipif(not REDIS_URL, reason="GOVAPP_TEST_REDIS_URL not set"),
            id="redis",
        ),
    ],
)
def test_nothing_per_device_reaches_the_database(settings, cache_url, backend):
    from govapp.settings import _cache_config

    settings.CACHES = {"default": _cache_config(cache_url)}  # Django swaps the handler
    assert counting._backend() == backend
    if backend == "redis":
        cache.clear()
    else:
        call_command("createcachetable", verbosity=0)
    w = uf.world()
    c = Client()
    uas = [f"Mozilla/5.0 TestPhone-{i} SecretAgentMarker" for i in range(25)]
    addrs = [f"203.0.113.{i}" for i in range(25)]
    for ua, addr in zip(uas, addrs, strict=True):
        assert _ping(c, {"filing_number": w.app.filing_number}, ua, addr) == 204
    hashes = [k.rsplit(":", 1)[1] for k in counting.usage_keys() if ":d:" in k]
    assert len(hashes) == 25
    limiter = list(SharedCounter.objects.filter(key__startswith="rl:usage-ping"))
    assert limiter or backend == "redis"  # the limits count keyed hashes until the close
    if backend == "redis":
        client = counting._redis_client()
        assert list(client.scan_iter(match="*govapp:shared:rl:usage-ping*", count=10_000))
    services.usage_close_day()
    text = _all_text_in_database()
    assert DailyUsage.objects.get(app=w.app).devices == 25
    for needle in [*uas, *addrs, *hashes, "SecretAgentMarker", *(r.key for r in limiter)]:
        assert needle not in text
    assert list(counting.usage_keys()) == []
    assert not SharedCounter.objects.filter(key__startswith="rl:usage-ping").exists()
    if backend == "redis":
        assert not list(client.scan_iter(match="*govapp:shared:rl:usage-ping*", count=10_000))
    cache.clear()


def test_a_process_holding_a_closed_salt_starts_the_new_period():
    """Another process closed the day after this one read the salt: the ping must notice
    (the salt of its epoch is gone), take the new salt and never write under the old one."""
    w = uf.world()
    target = f"a{w.app.pk}"
    assert counting.ping_count(target=target, address="1.1.1.1", user_agent="A")
    old_epoch, _salt = counting.day_salt(today_shanghai())
    # what a close in another process does, without touching this process's memory
    CountingDevice.objects.all().delete()
    CountingTally.objects.all().delete()
    CountingSalt.objects.all().delete()
    assert counting.ping_count(target=target, address="1.1.1.1", user_agent="A")
    epochs = {k.split(":")[3] for k in counting.usage_keys() if ":salt:" not in k}
    assert epochs and old_epoch not in epochs
    closed = counting.days_close()
    assert closed.counts[(today_shanghai(), target)] == [1, 1]


def test_close_day_at_larger_scale_is_exact_per_app():
    """Hundreds of apps, each with its own number of devices and repeated pings, through
    both the filing number and the package: one exact row per app, nothing left."""
    w = uf.world()
    apps = [w.app] + [uf.filed_app(w.unit, package=f"cn.gov.usage.scale{i}") for i in range(1, 300)]
    expected: dict[int, tuple[int, int]] = {}
    for n, app in enumerate(apps):
        package = PlatformIdentity.objects.filter(app=app).values_list("identifier", flat=True)[0]
        devices = n % 7 + 1
        pings = 0
        for d in range(devices):
            for _ in range(d % 3 + 1):  # the same device again, by number or by package
                named = {"filing_number": app.filing_number} if d % 2 else {"package": package}
                assert services.ping_record(**named, address=f"10.{n}.0.{d}", user_agent="u")
                pings += 1
        expected[app.pk] = (devices, pings)
    result = services.usage_close_day()
    got = {
        a: (d, p)
        for a, d, p in DailyUsage.objects.filter(date=today_shanghai()).values_list(
            "app_id", "devices", "pings"
        )
    }
    assert got == expected
    assert result.apps == len(apps)
    assert list(counting.usage_keys()) == []
    assert AuditEvent.objects.filter(action="usage.close_day").count() == 1


def test_a_ping_is_one_statement_on_the_database():
    """Salt check, tally and device in one statement (PostgreSQL: a ``WITH``; SQLite: the view
    ``usage_countingping`` and its trigger), so SQLite's write lock is never held across Python
    code; a new device is told from a known one, and a ping of a closed day writes nothing."""
    from django.test.utils import CaptureQueriesContext

    w = uf.world()
    target = f"a{w.app.pk}"
    assert counting.ping_count(target=target, address="7.7.7.7", user_agent="A")  # reads the salt
    with CaptureQueriesContext(connection) as queries:
        assert counting.ping_count(target=target, address="7.7.7.8", user_agent="A")
        assert not counting.ping_count(target=target, address="7.7.7.8", user_agent="A")
    assert len(queries.captured_queries) == 2
    assert counting.days_close().counts == {(today_shanghai(), target): [2, 3]}
    epoch, salt = counting.day_salt(today_shanghai())
    CountingSalt.objects.all().delete()  # closed by another process meanwhile
    digest = counting.device_hash(salt, target, "7.7.7.9", "A")
    assert counting._db_ping(today_shanghai(), epoch, target, digest) == -1
    assert not CountingTally.objects.exists() and not CountingDevice.objects.exists()


def test_rate_limit_per_device(settings):
    settings.GOVAPP_USAGE_PING_RATE = (3, 600)
    w = uf.world()
    c = Client()
    codes = [_ping(c, {"filing_number": w.app.filing_number}, "u", "1.1.1.1") for _ in range(5)]
    assert codes == [204, 204, 204, 429, 429]
    assert _ping(c, {"filing_number": w.app.filing_number}, "other", "1.1.1.1") == 204


def test_the_ping_decides_its_two_limits_together(settings):
    """Per device and per address in one call of the limiter: a ping refused by either counts
    in neither."""
    settings.GOVAPP_USAGE_PING_RATE = (2, 600)
    settings.GOVAPP_USAGE_PING_ADDRESS_RATE = (3, 600)
    w = uf.world()
    c = Client()
    body = {"filing_number": w.app.filing_number}
    # one device: 2 pings, then refused (not counted against the address)
    codes = [_ping(c, body, "phone-a", "2.2.2.2") for _ in range(4)]
    # a second device behind the same address: 1 more fills the address's 3
    codes += [_ping(c, body, "phone-b", "2.2.2.2") for _ in range(2)]
    assert codes == [204, 204, 429, 429, 204, 429]
    # another address is not affected
    assert _ping(c, body, "phone-b", "2.2.2.3") == 204


def test_the_limits_and_the_count_of_a_ping_are_one_decision(settings):
    """The endpoint decides the limits and counts the admitted ping together (one SQLite
    transaction; on Redis one Lua script, run by test_multiprocess and test_two_processes
    against real servers, and by tests/core/test_ratelimit.py): exactly the admitted pings
    are counted, refused ones nowhere, and a ping naming an unknown filing number still uses
    up its limits.  (Not parametrized with Redis: other tests flush that database.)"""
    from govapp.core import ratelimit

    assert counting._backend() == "db"
    ratelimit.reset()
    settings.GOVAPP_USAGE_PING_RATE = (3, 600)
    settings.GOVAPP_USAGE_PING_ADDRESS_RATE = (5, 600)
    w = uf.world()
    c = Client()
    body = {"filing_number": w.app.filing_number}
    codes = [_ping(c, body, "phone-a", "4.4.4.4") for _ in range(5)]
    codes += [_ping(c, {"filing_number": "no-such-number"}, "phone-b", "4.4.4.4")]
    codes += [_ping(c, body, "phone-c", "4.4.4.4") for _ in range(2)]
    # device a: 3 admitted; the junk ping takes the address's 4th; phone-c the 5th, then full
    assert codes == [204, 204, 204, 429, 429, 204, 204, 429]
    closed = counting.days_close()
    assert closed.counts == {(today_shanghai(), f"a{w.app.pk}"): [2, 4]}
    ratelimit.reset()


def test_close_day_command_prints_a_summary(capsys):
    w = uf.world()
    services.ping_record(filing_number=w.app.filing_number, address="1.1.1.1", user_agent="u")
    call_command("usage", "close-day")
    out = capsys.readouterr().out
    assert "apps: 1" in out
    assert DailyUsage.objects.get(app=w.app).devices == 1

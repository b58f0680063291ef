"""The one limiter (govapp.core.ratelimit) and its shared counters (govapp.core.shared), on the
database (the table ``core_sharedcounter``, SQLite or PostgreSQL) and on Redis (the database of
``GOVAPP_TEST_REDIS_URL``, or ``CACHE_URL`` when it is Redis; skipped when neither is set).

The limits use a window of 10^9 seconds, so that no test runs across a window's boundary."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govapp.core import ratelimit, shared

pytestmark = pytest.mark.django_db

WINDOW = 1e9
REDIS_URL = os.environ.get("GOVAPP_TEST_REDIS_URL", "") or (
    os.environ.get("CACHE_URL", "") if os.environ.get("CACHE_URL", "").startswith("redis") else ""
)


@pytest.fixture(
    params=[
        "db",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not REDIS_URL, reason="GOVAPP_TEST_REDIS_URL not set"),
        ),
    ]
)
def store(request, settings):
    """The shared counters on the database (a per-process cache, so ``shared`` uses the
    table) or on Redis."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert shared._redis() == (request.param == "redis")
    ratelimit.reset()
    yield request.param
    ratelimit.reset()


def _hit(who: str, limit: int, consume: bool = True, bucket: str = "t") -> ratelimit.Decision:
    return ratelimit.hit(bucket=bucket, who=who, limit=limit, window=WINDOW, consume=consume)


def test_a_limit_admits_exactly_limit_requests_and_says_how_long_to_wait(store):
    decisions = [_hit("alice", 3) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert all(d.retry_after >= 1 for d in decisions[3:])
    # another client has its own count
    assert _hit("bob", 3).allowed


def test_refused_requests_and_checks_count_nowhere(store):
    for _ in range(3):
        assert _hit("carol", 3, consume=False).allowed  # looking does not count
    assert [_hit("carol", 3).allowed for _ in range(3)] == [True, True, True]
    assert not _hit("carol", 3, consume=False).allowed
    for _ in range(5):
        assert not _hit("carol", 3).allowed
    # the counter holds the three admitted requests, not the refused ones
    taken = shared.windows_take(
        [
            shared.Window(
                current=f"{ratelimit.KEY_PREFIX}t:carol:{int(time.time() // WINDOW)}",
                previous="unused",
                weight=0.0,
                limit=100,
                ttl=60,
            )
        ],
        consume=False,
    )
    assert taken.counts == [(3, 0)]


def test_several_buckets_are_decided_together_and_a_refusal_counts_in_none(store):
    wide = ratelimit.Bucket("wide", "dave", 10, WINDOW)
    narrow = ratelimit.Bucket("narrow", "dave", 2, WINDOW)
    results = [ratelimit.hit_many([wide, narrow]) for _ in range(4)]
    assert [d.allowed for d in results] == [True, True, False, False]
    assert results[0].remaining == 1  # the tighter of the two
    # the wide bucket counted only the two admitted requests: 8 more fit on their own
    assert [ratelimit.hit_many([wide]).allowed for _ in range(9)] == [True] * 8 + [False]


def test_the_previous_window_counts_by_its_remaining_share(store):
    def window(current: str, weight: float) -> shared.Window:
        return shared.Window(current=current, previous="rl:w:prev", weight=weight, limit=10, ttl=60)

    for _ in range(8):  # eight requests in what is now the previous window
        assert shared.windows_take([window("rl:w:prev", 0.0)]).room
    # half of the previous window still overlaps: 4 of its 8 count, so 6 more fit
    taken = [shared.windows_take([window("rl:w:cur", 0.5)]) for _ in range(7)]
    assert [t.room for t in taken] == [True] * 6 + [False]
    assert taken[5].counts == [(6, 8)]
    assert taken[6].counts == [(6, 8)]


def test_a_follow_up_write_happens_in_the_same_decision_only_when_admitted(store):
    """``then``: a write that the limiter does in its own round trip for an admitted request
    (a Lua script appended to its script, a statement in its transaction), never for a
    refused one."""
    from django.core.cache import cache

    key = f"{ratelimit.KEY_PREFIX}then:tally"
    far = "2999-01-01 00:00:00"
    t = shared._table()

    def sql(cursor):
        cursor.execute(
            f'INSERT INTO {t} ("key", value, expires) VALUES (%s, 1, %s) '  # noqa: S608
            f'ON CONFLICT ("key") DO UPDATE SET value = {t}.value + 1 RETURNING value',
            [key, far],
        )
        return cursor.fetchone()[0]

    then = shared.Then(
        lua="return redis.call('INCRBY', KEYS[1], ARGV[1])",
        keys=[cache.make_key(shared.PREFIX + key)],
        args=[1],
        sql=sql,
    )
    bucket = ratelimit.Bucket("then", "frank", 2, WINDOW)
    decisions = [ratelimit.hit_many([bucket], then=then) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, False, False]
    assert [d.then for d in decisions] == [1, 2, None, None]
    assert [d.remaining for d in decisions[:2]] == [1, 0]
    # the follow-up's counter saw only the two admitted requests, the limiter's too
    checked = shared.windows_take(
        [shared.Window(current=key, previous="unused", weight=0.0, limit=100, ttl=60)],
        consume=False,
    )
    assert checked.counts == [(2, 0)]
    assert not ratelimit.hit_many([bucket], consume=False).allowed
    # no limit at all: the follow-up still runs, on its own
    assert ratelimit.hit_many([], then=then).then == 3


def test_a_decision_is_one_statement_on_the_database(store):
    if store != "db":
        pytest.skip("counts SQL statements")
    buckets = [
        ratelimit.Bucket("one", "erin", 1, WINDOW),
        ratelimit.Bucket("two", "erin", 5, WINDOW),
    ]
    with CaptureQueriesContext(connection) as admitted:
        assert ratelimit.hit_many(buckets).allowed
    with CaptureQueriesContext(connection) as checked:
        assert not ratelimit.hit_many(buckets, consume=False).allowed
    with CaptureQueriesContext(connection) as refused:
        assert not ratelimit.hit_many(buckets).allowed
    sql = [q["sql"] for q in admitted.captured_queries if "sharedcounter" in q["sql"].lower()]
    assert len(sql) == 1 or (len(sql) == 2 and sql[1].startswith("DELETE"))  # now and then a purge
    assert len(checked.captured_queries) == 1
    assert len(refused.captured_queries) == 2  # the upsert, then taking it back


def test_the_salt_is_read_once_and_kept_only_for_its_day(store, settings):
    from django.core.cache import cache

    ratelimit.reset()
    day = 20_000
    first = ratelimit._salt(day)
    assert bytes.fromhex(cache.get(f"govapp:rl:salt:{day}")) == first
    cache.delete(f"govapp:rl:salt:{day}")
    assert ratelimit._salt(day) == first  # held in memory for a few seconds
    other = ratelimit._salt(day + 1)
    assert other != first
    assert list(ratelimit._salts) == [day + 1]  # yesterday's is gone from memory

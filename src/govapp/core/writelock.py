"""One queue for the hot path's short writes on SQLite.

SQLite has one write lock per database.  A connection that finds it taken does not wait in a
queue: its busy handler sleeps and tries again, with sleeps that grow to 100 ms, so under
steady writes from several threads a waiting writer often sleeps long after the lock was
freed, and a writer holding the lock across Python code waits for the interpreter lock while
the others sleep.  The limiter's writes (a rate-limit decision, with the count of an admitted
ping in the same transaction) therefore first take this queue: a ``threading.Lock`` for the
threads of one process, then an exclusive ``flock`` on a file beside the database for the
processes of one host (SQLite in WAL mode serves only one host).  Both block in the kernel and
wake the next writer as soon as the holder is done; SQLite's own lock is then free, or held by
a writer that does not queue here, which the busy handler waits for as before.

No cycle of waits can form: a thread already inside a transaction (which on SQLite may hold the
write lock, ``transaction_mode = IMMEDIATE``) never waits for the queue, it writes at once; the
queue is re-entrant for the thread that holds it.  Measured in docs/performance.md (the ping
benchmark).

On any other database this is a no-op: PostgreSQL queues lock waiters itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator

from django.db import connection

_thread_lock = threading.Lock()
_held = threading.local()
_files: dict[tuple[int, str], int] = {}  # (process id, database) -> the queue file's descriptor


def _after_fork() -> None:
    """A forked child starts with the queue free: it holds no turn of its parent's."""
    global _thread_lock, _held
    _thread_lock = threading.Lock()
    _held = threading.local()


os.register_at_fork(after_in_child=_after_fork)


def _queue_file(database: str) -> int:
    """This process's own descriptor of the queue file: a ``flock`` belongs to the open file,
    so a descriptor inherited across ``fork`` (a pre-loading server) would be shared with the
    parent and exclude nothing."""
    slot = (os.getpid(), database)
    fd = _files.get(slot)
    if fd is None:
        fd = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        _files[slot] = fd
    return fd


def _database() -> str | None:
    """The SQLite file whose writers queue here, or None (another database, in memory, or
    already inside a transaction)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    name = str(connection.settings_dict["NAME"] or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        return None
    return name


@contextlib.contextmanager
def queue(database: str) -> Iterator[None]:
    """Hold the writers' queue of the SQLite file ``database``: first among this process's
    threads, then among the host's processes; re-entrant for the thread that holds it."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _thread_lock:
        fd = _queue_file(database)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def write_turn() -> Iterator[None]:
    """Wait for this thread's turn to write to the default SQLite database (no-op elsewhere,
    and inside a transaction)."""
    database = _database()
    if database is None:
        yield
        return
    with queue(database):
        yield

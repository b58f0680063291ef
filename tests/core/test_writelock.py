"""The writers' queue of SQLite (govapp.core.writelock): threads and processes take turns,
the thread that holds it may enter again, and a thread inside a transaction never waits for
it (so no cycle of waits with SQLite's own write lock can form)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from govapp.core import writelock

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1] + "-writers", os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
fcntl.flock(fd, fcntl.LOCK_UN)
"""


def test_a_writer_waits_while_another_process_holds_the_queue(tmp_path: Path) -> None:
    database = str(tmp_path / "govapp.sqlite3")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database, "0.6"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with writelock.queue(database):
            waited = time.monotonic() - started
    finally:
        holder.wait(10)
    assert waited >= 0.5  # it did not enter while the other process held the file


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    database = str(tmp_path / "govapp.sqlite3")
    events: list[str] = []
    inside = threading.Event()

    def first() -> None:
        with writelock.queue(database):
            events.append("first in")
            inside.set()
            time.sleep(0.3)
            events.append("first out")

    def second() -> None:
        inside.wait(5)
        with writelock.queue(database):
            events.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert events == ["first in", "first out", "second in"]


def test_the_holder_may_enter_again(tmp_path: Path) -> None:
    database = str(tmp_path / "govapp.sqlite3")
    done = threading.Event()

    def nested() -> None:
        with writelock.queue(database), writelock.queue(database), writelock.queue(database):
            pass
        with writelock.queue(database):  # and the queue was really given back
            done.set()

    t = threading.Thread(target=nested, daemon=True)
    t.start()
    t.join(5)
    assert done.is_set()


@pytest.mark.django_db(transaction=True)
def test_only_sqlite_files_outside_a_transaction_queue(tmp_path: Path, monkeypatch) -> None:
    if connection.vendor != "sqlite":
        assert writelock._database() is None  # PostgreSQL queues its lock waiters itself
        return
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "govapp.sqlite3"))
    assert writelock._database() == str(tmp_path / "govapp.sqlite3")
    with transaction.atomic():
        # inside a transaction this thread may already hold SQLite's write lock: it must not
        # wait for a queue whose holder may be waiting for that lock
        assert writelock._database() is None
    monkeypatch.setitem(connection.settings_dict, "NAME", ":memory:")
    assert writelock._database() is None


@pytest.mark.django_db(transaction=True)
def test_a_writer_inside_a_transaction_does_not_wait(tmp_path: Path, monkeypatch) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the queue is SQLite's")
    database = str(tmp_path / "govapp.sqlite3")
    monkeypatch.setitem(connection.settings_dict, "NAME", database)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database, "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with transaction.atomic(), writelock.write_turn():
            waited = time.monotonic() - started
    finally:
        holder.terminate()
        holder.wait(10)
    assert waited < 1.0


def test_a_forked_child_opens_its_own_queue_file(tmp_path: Path) -> None:
    import os

    database = str(tmp_path / "govapp.sqlite3")
    with writelock.queue(database):  # the parent opens the file before it forks
        pass
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child takes its turn and keeps it for a while
        with writelock.queue(database):
            os.write(write, b"in")
            time.sleep(0.6)
        os._exit(0)
    assert os.read(read, 2) == b"in"
    started = time.monotonic()
    with writelock.queue(database):  # the parent must wait for the child
        waited = time.monotonic() - started
    os.waitpid(pid, 0)
    assert waited >= 0.4

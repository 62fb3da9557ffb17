"""SQLite as the settings open it (the default database, whatever this run's database is):
write-ahead log, writers that take the lock when their transaction starts, and a busy timeout,
so that two people saving at once wait for each other instead of one failing with "database is
locked". Each check runs in a fresh interpreter on a database file of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRAGMAS = """
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({"journal_mode": journal, "busy_timeout": busy}))
"""

# Writer A opens a transaction and writes; writer B starts its own while A still holds the
# lock; A commits only once B has begun. B must wait and then write, not fail.
TWO_WRITERS = """
import json, sqlite3, threading, time, django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (who TEXT)")
connection.close()
holding, started = threading.Event(), threading.Event()
outcome = {}

def writer(name, first):
    try:
        if not first:
            holding.wait()
            started.set()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (%s)", [name])
            if first:
                holding.set()
                started.wait()
                time.sleep(0.5)  # B is now inside BEGIN, waiting for the lock
        outcome[name] = "written"
    except Exception as exc:
        outcome[name] = f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n, n == "A")) for n in "AB"]
for t in threads: t.start()
for t in threads: t.join()
# IMMEDIATE: a transaction that has only read already holds the write lock.
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        rows = cursor.fetchone()[0]
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        outcome["reader_holds_lock"] = False
    except sqlite3.OperationalError as exc:
        outcome["reader_holds_lock"] = "locked" in str(exc)
    other.close()
outcome["rows"] = rows
print(json.dumps(outcome))
"""


def _run_on_sqlite(code: str, data_dir: Path) -> dict:
    unset = {"DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(DJANGO_SETTINGS_MODULE="shequ.settings", DEBUG="true", SHEQU_DATA_DIR=str(data_dir))
    result = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_opens_in_wal_mode_with_a_busy_timeout(tmp_path):
    pragmas = _run_on_sqlite(PRAGMAS, tmp_path)
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["busy_timeout"] >= 10_000  # milliseconds: a long save, not a lost one


def test_two_sqlite_writers_at_once_wait_for_each_other(tmp_path):
    outcome = _run_on_sqlite(TWO_WRITERS, tmp_path)
    assert outcome["A"] == "written"
    assert outcome["B"] == "written", outcome["B"]  # waited, no "database is locked"
    assert outcome["rows"] == 2
    assert outcome["reader_holds_lock"] is True  # transactions begin IMMEDIATE

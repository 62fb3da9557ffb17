"""An import is all or nothing, however it is stopped: an exception at a random row inside the
writer, `kill -9` of the `shequ import` process at a random moment, and PostgreSQL itself
stopped (`pg_ctl stop -m immediate`) in the middle. Each 20 times; after each, nothing of the
import is in the database or all of it is, never part, and a retry imports it (or, when it had
gone in whole, finds every row already there).

The PostgreSQL restarts use a private server started for this module (initdb into a temporary
folder, a free port), never the machine's shared one. SHEQU_FAULT_ROUNDS=N runs N rounds of
each instead of 20 (a longer soak)."""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
import json
import os
import random
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

from audit.models import AuditEntry
from people import idnumber, importing
from people.models import Household, Residence, Resident
from people.tests.test_import import workbook
from shequ import bulk, crypto
from tests.second_db import SHEQU, run_shequ

ROUNDS = int(os.environ.get("SHEQU_FAULT_ROUNDS") or 20)
RESIDENT_HEADERS = ["姓名", "身份证号码", "所属网格", "手机号码"]
HOUSEHOLD_HEADERS = ["户号", "身份证号码", "与户主关系", "迁入日期"]


def _pg_bin() -> Path:
    """Where PostgreSQL's programs are: SHEQU_PG_BIN, else Debian's newest version."""
    if os.environ.get("SHEQU_PG_BIN"):
        return Path(os.environ["SHEQU_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    assert found, "the PostgreSQL server programs are needed (Debian: postgresql)"
    return found[-1].parent


_files = itertools.count()


class Fault(Exception):
    """The injected failure."""


def _hashes(numbers: list[str]) -> list[str]:
    """The keyed hashes the table keeps the numbers under (they are stored encrypted)."""
    return [crypto.keyed_hash(number) for number in numbers]


def id_numbers(n: int) -> list[str]:
    """`n` ID numbers no other file of this module uses."""
    start = next(_files) * n
    return [
        idnumber.make(
            "110106",
            datetime.date(1930, 1, 1) + datetime.timedelta(days=r // 400),
            (r % 400) * 2 + 1,
            male=True,
        )
        for r in range(start, start + n)
    ]


def residents_file(numbers: list[str], grid: str) -> bytes:
    return workbook(
        RESIDENT_HEADERS, [[f"试导{i}", n, grid, "13800000000"] for i, n in enumerate(numbers)]
    )


def import_commits(file_name: str) -> int:
    return sum(
        1
        for data in AuditEntry.objects.filter(action="import.commit").values_list("data", flat=True)
        if data.get("file") == file_name
    )


def run_import(world, kind: str, data: bytes, name: str):
    ctx = importing.Context(place=world.community, user=world.cast["community_worker"])
    return importing.import_file(
        importing.KINDS[kind],
        io.BytesIO(data),
        ctx,
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --- a) An exception at a random row, inside the writer.


@pytest.mark.django_db(transaction=True)
def test_an_exception_at_any_row_of_an_import_leaves_nothing_and_a_retry_imports_it_all(
    world, monkeypatch
):
    rng = random.Random(20261129)
    n = 30
    for attempt in range(ROUNDS):
        numbers = id_numbers(n)
        people = residents_file(numbers, world.grid.name)
        name = f"residents-{attempt}.xlsx"
        total = Resident.objects.count()

        # The residents are inserted one by one, and the writer fails at a random one.
        fail_at, written = rng.randrange(n), itertools.count()
        real_write = bulk.RowSink.write

        def failing_write(self, rows, fail_at=fail_at, written=written, real_write=real_write):
            for row in rows:
                if next(written) == fail_at:
                    raise Fault(f"row {fail_at}")
                real_write(self, [row])

        monkeypatch.setattr(bulk.RowSink, "write", failing_write)
        with pytest.raises(Fault):
            run_import(world, "residents", people, name)
        assert Resident.objects.count() == total, (attempt, fail_at)
        assert not Resident.objects.filter(id_number__in=numbers).exists()
        assert import_commits(name) == 0
        monkeypatch.undo()
        plan = run_import(world, "residents", people, name)
        assert plan.ok and plan.counts()["created"] == n
        assert Resident.objects.filter(id_number__in=numbers).count() == n
        assert import_commits(name) == 1

        # Then the households of those residents (a head and two members each): the households
        # are written, then their members, and the members fail at a random one.
        rows = [
            [f"FI{attempt:02d}{i // 3:03d}", number, "户主" if i % 3 == 0 else "子", "2020-01-01"]
            for i, number in enumerate(numbers)
        ]
        homes = workbook(HOUSEHOLD_HEADERS, rows)
        name = f"households-{attempt}.xlsx"
        before = (Household.objects.count(), Residence.objects.count())
        fail_at = rng.randrange(n)
        real_create = Residence.objects.bulk_create

        def failing_create(objs, *args, fail_at=fail_at, real=real_create, **kw):
            real(list(objs)[:fail_at], *args, **kw)  # the members before it are written
            raise Fault(f"member {fail_at}")

        monkeypatch.setattr(Residence.objects, "bulk_create", failing_create)
        with pytest.raises(Fault):
            run_import(world, "households", homes, name)
        assert (Household.objects.count(), Residence.objects.count()) == before, attempt
        assert import_commits(name) == 0
        monkeypatch.undo()
        plan = run_import(world, "households", homes, name)
        assert plan.ok and plan.extra == {"households": n // 3, "members": n}
        assert Household.objects.count() == before[0] + n // 3
        assert import_commits(name) == 1


# --- b) kill -9 of `shequ import` at a random moment.


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = (s["USER"] or "postgres") + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _writing() -> bool:
    """Whether another connection holds a write transaction on the residents table now."""
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(connection.settings_dict["NAME"], timeout=0)) as probe:
            probe.isolation_level = None
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True  # the write lock is taken
            probe.execute("ROLLBACK")
            return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'people_resident' AND l.mode = 'RowExclusiveLock' "
            "AND l.pid <> pg_backend_pid() "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone() is not None


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


def _wait_gone(pids: list[int]) -> None:
    """The import's writer process, orphaned by the kill, sees its pipe close and rolls back."""
    for _ in range(3000):
        if all(_gone(p) for p in pids):
            return
        time.sleep(0.01)
    raise AssertionError(f"writer processes {pids} still running")


def _start_import(url: str, path: Path, place: str, *, stream: bool) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "true",
        "SHEQU_IMPORT_STREAM_ROWS": "50" if stream else "100000",
    }
    return subprocess.Popen(  # noqa: S603  (our own command)
        [SHEQU, "import", "residents", str(path), "--place", place],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition, proc: subprocess.Popen) -> bool:
    while proc.poll() is None:
        if condition():
            return True
        time.sleep(0.003)
    return False


@pytest.mark.django_db(transaction=True)
def test_kill_9_of_an_import_at_any_moment_leaves_all_or_nothing(world, tmp_path):
    rng = random.Random(9)
    url, place, n = _database_url(), world.community.code, 300
    # How long a whole import takes here, to spread the kills over it.
    numbers = id_numbers(n)
    path = tmp_path / "calibration.xlsx"
    path.write_bytes(residents_file(numbers, world.grid.name))
    started = time.monotonic()
    assert _start_import(url, path, place, stream=False).wait(timeout=300) == 0
    whole = time.monotonic() - started
    assert Resident.objects.filter(id_number__in=numbers).count() == n

    landed = {"nothing": 0, "all": 0, "mid-write": 0, "finished first": 0}
    for attempt in range(ROUNDS):
        numbers = id_numbers(n)
        path = tmp_path / f"kill-{attempt}.xlsx"
        data = residents_file(numbers, world.grid.name)
        path.write_bytes(data)
        how = attempt % 4
        proc = _start_import(url, path, place, stream=how == 1)
        if how == 0:  # while Django is still starting or the file is being read
            time.sleep(rng.uniform(0, 0.6 * whole))
        elif how in (1, 2):  # while its transaction is open: streamed, or the final write
            if _wait_for(_writing, proc):
                landed["mid-write"] += 1
                time.sleep(rng.uniform(0, 0.02))
        else:  # anywhere, up to after the end
            time.sleep(rng.uniform(0.5 * whole, 1.3 * whole))
        children = _children(proc.pid)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        else:
            landed["finished first"] += 1
        proc.wait(timeout=60)
        _wait_gone(children)

        present = Resident.objects.filter(id_number__in=numbers).count()
        assert present in (0, n), f"attempt {attempt}: {present} of {n} rows left behind"
        assert import_commits(path.name) == (1 if present else 0)
        landed["all" if present else "nothing"] += 1
        plan = run_import(world, "residents", data, path.name)
        assert plan.ok, plan.problems[:3]
        assert plan.counts()["created"] == (0 if present else n)
        assert plan.counts()["unchanged"] == (n if present else 0)
        assert Resident.objects.filter(id_number__in=numbers).count() == n
    print(f"\nkill -9 ({connection.vendor}, whole import {whole:.2f} s): {landed}")


# --- c) PostgreSQL stopped (immediate) in the middle of an import, and started again.


def _as_postgres(*args: str) -> list[str]:
    """Run a PostgreSQL program as ourselves, or as the postgres account when we are root
    (the server refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return list(args)


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateServer:
    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="shequ-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "data"
        self.port = _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/shequ"
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        self.start()

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres(str(self.bin / program), *args),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
            "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as db:
            return db.execute(sql, params).fetchall()

    def remove(self) -> None:
        try:
            self.stop("fast")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres():
    server = PrivateServer()
    try:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{server.port}/postgres", autocommit=True
        ) as admin:
            admin.execute("CREATE DATABASE shequ")
        for args in (("migrate", "--no-input", "-v", "0"), ("demo", "--no-population")):
            done = run_shequ(server.url, *args)
            assert done.returncode == 0, done.stderr
        yield server
    finally:
        server.remove()


class Worker:
    """tests/import_worker.py in a subprocess, against the private server."""

    def __init__(self, url: str) -> None:
        environment = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
        self.proc = subprocess.Popen(  # noqa: S603  (our own script)
            [sys.executable, str(Path(__file__).with_name("import_worker.py"))],
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the stopped server's tracebacks, expected
            text=True,
        )

    def send(self, *args: object, stream_rows: int = 100_000) -> None:
        line = json.dumps({"args": [str(a) for a in args], "stream_rows": stream_rows})
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def answered(self) -> bool:
        """Whether the worker has finished the command (its answer is waiting)."""
        return bool(select.select([self.proc.stdout], [], [], 0)[0])

    def answer(self) -> dict:
        return json.loads(self.proc.stdout.readline())

    def end(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


class Watcher:
    """One connection to the private server, kept between looks (opened again after a
    restart), asking whether someone holds a write lock on the residents table."""

    def __init__(self, server: PrivateServer) -> None:
        self.server, self.db = server, None

    def writing(self) -> bool:
        import psycopg

        try:
            if self.db is None or self.db.closed:
                self.db = psycopg.connect(
                    self.server.url.replace("postgres://", "postgresql://"), autocommit=True
                )
            return bool(
                self.db.execute(
                    "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = 'people_resident' AND l.mode = 'RowExclusiveLock' "
                    "AND l.pid <> pg_backend_pid()"
                ).fetchone()
            )
        except psycopg.Error:
            self.db = None
            return False


def test_postgresql_stopped_in_the_middle_of_an_import_leaves_nothing_partial(
    private_postgres, tmp_path
):
    server, rng, n = private_postgres, random.Random(15), 300
    place = "420199001001"  # 柳岸社区 of the demo
    worker, watcher = Worker(server.url), Watcher(server)
    outcome = {"nothing": 0, "all": 0, "stopped mid-write": 0}
    try:
        for attempt in range(ROUNDS):
            numbers = id_numbers(n)
            path = tmp_path / f"restart-{attempt}.xlsx"
            path.write_bytes(residents_file(numbers, "第一网格"))
            # Every other import streamed (a writer process holds the transaction while the
            # file is checked), the others written at the end of the check.
            worker.send(
                "import", "residents", path, "--place", place,
                stream_rows=50 if attempt % 2 == 0 else 100_000,
            )  # fmt: skip
            while not worker.answered():
                if watcher.writing():
                    outcome["stopped mid-write"] += 1
                    time.sleep(rng.uniform(0, 0.02))
                    break
                time.sleep(0.001)
            server.stop("immediate")
            server.start()
            worker.answer()  # failed, or finished just before the stop
            present = server.query(
                "SELECT count(*) FROM people_resident WHERE id_hash = ANY(%s)", (_hashes(numbers),)
            )[0][0]
            assert present in (0, n), f"attempt {attempt}: {present} of {n} rows left behind"
            commits = server.query(
                "SELECT count(*) FROM audit_auditentry WHERE action = 'import.commit' "
                "AND data->>'file' = %s",
                (path.name,),
            )[0][0]
            assert commits == (1 if present else 0)
            outcome["all" if present else "nothing"] += 1
            worker.send("import", "residents", path, "--place", place)
            retry = worker.answer()
            assert retry["ok"], retry["out"]
            assert f"新增{0 if present else n}，" in retry["out"], retry["out"]
            assert (
                server.query(
                    "SELECT count(*) FROM people_resident WHERE id_hash = ANY(%s)",
                    (_hashes(numbers),),
                )[0][0]
                == n
            )
    finally:
        worker.end()
    assert run_shequ(server.url, "audit", "verify").returncode == 0
    print(f"\nPostgreSQL stopped mid-import: {outcome}")

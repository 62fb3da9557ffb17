"""`shequ rollup nightly`: what the timer runs (deploy/). It rebuilds only the years a write has
touched, so a second run changes nothing; it checks what it rebuilt; two runs never overlap."""

import contextlib
import datetime
import logging
import os
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from audit.models import AuditEntry
from reports import rollups
from reports.management.commands.rollup import _LOCK_KEY, BUSY, file_lock, nightly_lock
from reports.models import RollupCell, RollupCoverage, RollupStale
from reports.tests.test_rollups import _record


@contextlib.contextmanager
def _held_by_another_run():
    """The lock as another process would hold it: on PostgreSQL from a second session (a
    session may take its own advisory lock twice), on SQLite through another open file."""
    if connection.vendor != "postgresql":
        with nightly_lock():
            yield
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        yield
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    finally:
        other.close()


def _nightly(**options) -> str:
    """A nightly run's lines: every one in the `shequ.rollup` log and none on stdout, so that
    journald, which takes both stdout and stderr (where the log goes), shows each once."""
    out, lines = StringIO(), []
    keep = logging.Handler()
    keep.emit = lambda record: lines.append(record.getMessage())
    logger = logging.getLogger("shequ.rollup")
    logger.addHandler(keep)
    try:
        call_command("rollup", "nightly", stdout=out, **options)
    finally:
        logger.removeHandler(keep)
        assert out.getvalue() == ""
    return "\n".join(lines)


def _rebuilds() -> int:
    return AuditEntry.objects.filter(action="rollup.rebuild").count()


def _cells() -> set:
    return set(RollupCell.objects.values_list("place_path", "month", "indicator", "value", "rows"))


def test_nightly_rebuilds_what_is_due_then_a_second_run_does_nothing(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    _record(world.grid, datetime.date(2025, 3, 5), heads=4)
    first = _nightly()
    assert "2025年" in first and "0条不符" in first  # rebuilt, then checked
    assert _rebuilds() == 1
    cells = _cells()
    assert ("records.heads" in {c[2] for c in cells}) and cells
    again = _nightly()
    assert "没有需要重算的汇总数" in again
    assert _rebuilds() == 1 and _cells() == cells


def test_nightly_rebuilds_only_the_year_a_write_touched(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    _record(world.grid, datetime.date(2025, 3, 5))
    _record(world.grid, datetime.date(2026, 2, 5))
    _nightly()
    assert _rebuilds() == 2  # both years: nothing was covered
    _record(world.grid, datetime.date(2025, 3, 9), heads=9)
    assert RollupStale.objects.exists()
    out = _nightly()
    assert "2025年" in out and "2026年" not in out
    assert _rebuilds() == 3 and not RollupStale.objects.exists()
    district = world.subdistrict.parent
    assert rollups.due_years(district) == []


def test_nightly_does_not_run_while_another_holds_the_lock(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    _record(world.grid, datetime.date(2025, 3, 5))
    with (
        _held_by_another_run(),
        pytest.raises(CommandError, match="另一次夜间汇总正在运行") as busy,
    ):
        _nightly()
    assert busy.value.returncode == BUSY
    assert _rebuilds() == 0 and not RollupCell.objects.exists()
    assert not RollupCoverage.objects.exists()
    # Released when the other run ends: the next one goes ahead.
    assert "2025年" in _nightly()


def test_nightly_fails_when_the_check_finds_a_wrong_cell(world, settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    _record(world.grid, datetime.date(2025, 3, 5), heads=4)
    real = rollups.from_rows

    def tampered(place, year, bounds=None):
        cells = real(place, year, bounds)
        if bounds is not None:  # the rebuild's computation, not the check's
            key = next(k for k in cells if k[2] == "records.heads")
            cells[key] = (cells[key][0] + 1, cells[key][1])
        return cells

    monkeypatch.setattr(rollups, "from_rows", tampered)
    with pytest.raises(CommandError, match="1条汇总数与原始记录不符") as failed:
        _nightly()
    assert failed.value.returncode == 1


def test_nightly_refuses_an_unknown_place_and_changes_nothing(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    _record(world.grid, datetime.date(2025, 3, 5))
    with pytest.raises(CommandError, match="没有区划代码为999的区划"):
        _nightly(place="999")
    assert _rebuilds() == 0 and not RollupCell.objects.exists()


def test_nightly_logs_each_line_once_and_writes_nothing_else(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    _record(world.grid, datetime.date(2025, 3, 5), heads=4)
    lines = _nightly().splitlines()  # asserts that stdout stayed empty
    assert len(lines) == len(set(lines)) and len(lines) >= 4
    assert lines[0].startswith("夜间汇总开始") and lines[-1].startswith("夜间汇总完成")


def _as_nobody(path, busy) -> int:
    """Take the file lock in a child process under the unprivileged `nobody` account: the
    exit status 0 when it got the lock, the busy error's status, or 2 on any other error."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 2
        try:
            os.setgid(65534)
            os.setuid(65534)
            with file_lock(path, busy):
                code = 0
        except CommandError as exc:
            code = exc.returncode
        except BaseException:  # noqa: S110  (any other failure is the status 2)
            pass
        os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_lock_file_left_by_root_neither_blocks_nor_breaks_the_service_accounts_runs():
    """A run by hand as root (under a strict umask) leaves the lock file root's: the service's
    later runs still take it, and one while root's run holds it exits 75 (busy), not an error."""
    if os.geteuid() != 0:
        pytest.skip("needs root to leave a file behind for another account")
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)  # root's data folder, which the service account may read
        path = folder / "rollup-nightly.lock"
        busy = CommandError("busy", returncode=BUSY)
        previous = os.umask(0o077)
        try:
            with file_lock(path, busy):
                assert _as_nobody(path, busy) == BUSY
        finally:
            os.umask(previous)
        assert path.stat().st_uid == 0
        assert _as_nobody(path, busy) == 0
    finally:
        for each in folder.iterdir():
            each.unlink()
        folder.rmdir()

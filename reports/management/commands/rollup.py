"""`shequ rollup rebuild [--place CODE] [--year YYYY]`: the rollup cells of a place (every
district without --place) for a year (every year with rows without --year), computed afresh
from the rows. `shequ rollup check [--place CODE] [--year YYYY]`: recompute them from the rows
and name every cell that differs; exits with status 1 if one does. `shequ rollup nightly
[--place CODE]`: what a timer runs every night (deploy/): under a lock, rebuild only the years a
write has touched since (so a second run does nothing), then check them."""

import contextlib
import fcntl
import logging
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import Place
from reports import rollups
from reports.models import RollupCoverage

log = logging.getLogger("shequ.rollup")
# Exit status of a nightly run that found another one still running (EX_TEMPFAIL).
BUSY = 75
_LOCK_KEY = zlib.crc32(b"shequ rollup nightly")


@contextlib.contextmanager
def nightly_lock() -> Iterator[None]:
    """Held for the whole of a nightly run, so two never overlap: on PostgreSQL a session
    advisory lock (one for every machine that runs the command against the database), on
    SQLite an exclusive lock on a file beside it. Raises `CommandError` (status 75) at once,
    without waiting, when another run holds it."""
    busy = CommandError(_("另一次夜间汇总正在运行，本次未执行"), returncode=BUSY)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            if not cursor.fetchone()[0]:
                raise busy
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        return
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with file_lock(settings.DATA_DIR / "rollup-nightly.lock", busy):
        yield


@contextlib.contextmanager
def file_lock(path: Path, busy: CommandError) -> Iterator[None]:
    """An exclusive `flock` on `path`, taken without waiting (`busy` raised when another process
    holds it). The file is opened for reading only and left readable by all (it holds nothing),
    so a run under another account (root, by hand) leaves a file the service account can still
    lock: the next run waits for no one and a concurrent one exits with 75, not an error."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    except PermissionError:
        raise CommandError(
            _("无法读取锁文件%(f)s：请删除它或让运行本命令的账号可以读取") % {"f": path}
        ) from None
    try:
        with contextlib.suppress(PermissionError):
            os.fchmod(descriptor, 0o644)  # whatever the umask; only its owner may change it
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


class Command(BaseCommand):
    help = _("汇总数：重算（rebuild）；与原始记录核对（check）")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        for name, text in (
            ("rebuild", _("从原始记录重算一个区划一年的汇总数")),
            ("check", _("将汇总数与原始记录重新计算的结果逐条核对")),
            ("nightly", _("夜间定时运行：加锁，只重算有改动的年度，再核对")),
        ):
            sub = commands.add_parser(name, help=text)
            sub.add_argument("--place", help=_("区划代码（不填：每个区）"))
            if name != "nightly":
                sub.add_argument("--year", type=int, help=_("年度，如2026（不填：有记录的每一年）"))

    def handle(self, *args, command, place=None, year=None, **options):
        places = self._places(command, place)
        if command == "nightly":
            with nightly_lock():
                self._nightly(places)
            return
        if year is not None and not 2000 <= year <= timezone.localdate().year + 1:
            raise CommandError(_("年度%(y)s无效") % {"y": year})
        if command == "rebuild":
            for p in places:
                for y in [year] if year else rollups.years_with_rows(p):
                    done = rollups.rebuild(p, y, by=None)
                    self.stdout.write(
                        _("%(place)s %(year)d年：%(cells)d条汇总数，清除%(marks)d个待重算标记")
                        % {"place": p.name, "year": y, "cells": done.cells, "marks": done.marks}
                    )
            return
        differing = 0
        for p in places:
            for y in [year] if year else rollups.years_with_rows(p):
                differing += self._check(p, y)
        if differing:
            raise CommandError(_("有%(n)d条汇总数与原始记录不符") % {"n": differing}, returncode=1)

    def _nightly(self, places: list[Place]) -> None:
        """Rebuild the years that are due, then check what was rebuilt. Every line goes to the
        `shequ.rollup` logger only (its handler writes to stderr): under systemd both stdout and
        stderr reach the journal, so writing a line to each showed it twice."""
        say = log.info
        say(_("夜间汇总开始（%(n)d个区划）") % {"n": len(places)})
        rebuilt = []
        for p in places:
            for y in rollups.due_years(p):
                done = rollups.rebuild(p, y, by=None)
                rebuilt.append((p, y))
                say(
                    _("%(place)s %(year)d年：%(cells)d条汇总数，清除%(marks)d个待重算标记")
                    % {"place": p.name, "year": y, "cells": done.cells, "marks": done.marks}
                )
        if not rebuilt:
            say(_("没有需要重算的汇总数"))
            return
        differing = sum(self._check(p, y, say) for p, y in rebuilt)
        if differing:
            # Not logged as well: the command prints a CommandError to stderr itself.
            raise CommandError(_("有%(n)d条汇总数与原始记录不符") % {"n": differing}, returncode=1)
        say(_("夜间汇总完成：重算并核对了%(n)d个区划年度") % {"n": len(rebuilt)})

    def _places(self, command: str, code: str | None) -> list[Place]:
        if code:
            place = Place.objects.filter(code=code).first()
            if place is None:
                raise CommandError(_("没有区划代码为%(c)s的区划") % {"c": code})
            return [place]
        if command in ("rebuild", "nightly"):
            return list(Place.objects.filter(parent=None).order_by("code"))
        # Checking: every place a rebuild was made for (the highest of them).
        paths = sorted(set(RollupCoverage.objects.values_list("place_path", flat=True)))
        tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        return list(Place.objects.filter(path__in=tops).order_by("code"))

    def _check(self, place: Place, year: int, say=None) -> int:
        """Check a place's year; each line to `say` (stdout unless given)."""
        say = say or self.stdout.write
        checked = rollups.check(place, year)
        names = dict(Place.objects.filter(path__under=place.path).values_list("path", "name"))
        for d in checked.differences:
            say(
                _(
                    "不符：%(place)s（%(path)s）%(month)s %(indicator)s："
                    "汇总数%(stored)s（%(srows)s条记录），原始记录%(computed)s（%(crows)s条记录）"
                )
                % {
                    "place": names.get(d.place_path, d.place_path),
                    "path": d.place_path,
                    "month": f"{d.month:%Y-%m}",
                    "indicator": d.indicator,
                    "stored": _("无") if d.stored is None else d.stored,
                    "srows": "-" if d.stored_rows is None else d.stored_rows,
                    "computed": _("无") if d.computed is None else d.computed,
                    "crows": "-" if d.computed_rows is None else d.computed_rows,
                }
            )
        say(
            _(
                "%(place)s %(year)d年：核对%(months)d个月、%(cells)d条汇总数，"
                "%(bad)d条不符；%(skipped)d个月有待重算标记未核对"
            )
            % {
                "place": place.name,
                "year": year,
                "months": len(checked.months),
                "cells": checked.cells,
                "bad": len(checked.differences),
                "skipped": len(checked.skipped),
            }
        )
        return len(checked.differences)

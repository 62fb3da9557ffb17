"""`shequ rollup rebuild [--place CODE] [--year YYYY]`: the rollup cells of a place (every
district without --place) for a year (every year with rows without --year), computed afresh
from the rows. `shequ rollup check [--place CODE] [--year YYYY]`: recompute them from the rows
and name every cell that differs; exits with status 1 if one does."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import Place
from reports import rollups
from reports.models import RollupCoverage


class Command(BaseCommand):
    help = _("汇总数：重算（rebuild）；与原始记录核对（check）")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        for name, text in (
            ("rebuild", _("从原始记录重算一个区划一年的汇总数")),
            ("check", _("将汇总数与原始记录重新计算的结果逐条核对")),
        ):
            sub = commands.add_parser(name, help=text)
            sub.add_argument("--place", help=_("区划代码（不填：每个区）"))
            sub.add_argument("--year", type=int, help=_("年度，如2026（不填：有记录的每一年）"))

    def handle(self, *args, command, place=None, year=None, **options):
        places = self._places(command, place)
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

    def _places(self, command: str, code: str | None) -> list[Place]:
        if code:
            place = Place.objects.filter(code=code).first()
            if place is None:
                raise CommandError(_("没有区划代码为%(c)s的区划") % {"c": code})
            return [place]
        if command == "rebuild":
            return list(Place.objects.filter(parent=None).order_by("code"))
        # Checking: every place a rebuild was made for (the highest of them).
        paths = sorted(set(RollupCoverage.objects.values_list("place_path", flat=True)))
        tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        return list(Place.objects.filter(path__in=tops).order_by("code"))

    def _check(self, place: Place, year: int) -> int:
        checked = rollups.check(place, year)
        names = dict(Place.objects.filter(path__under=place.path).values_list("path", "name"))
        for d in checked.differences:
            self.stdout.write(
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
        self.stdout.write(
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

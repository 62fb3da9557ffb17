"""`shequ import <kind> FILE.xlsx --place CODE [--dry-run]`: the web import, from a shell."""

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from areas.kinds import PlaceKind
from areas.models import Place
from people import importing
from shequ.xlsx import SpreadsheetError


class Command(BaseCommand):
    help = _("从Excel导入居民、户、房屋、辖区单位、重点人群或工作记录；文件有任何错误则全部不导入")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(importing.KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--place", required=True, help=_("社区或网格的区划代码"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))
        parser.add_argument("--user", help=_("以该账号的身份和辖区导入（写入审计日志）"))
        parser.add_argument("--report", type=Path, help=_("错误报告的保存位置（.xlsx）"))

    def handle(self, *args, kind, file, place, dry_run, user=None, report=None, **options):
        spec = importing.KINDS[kind]
        target = Place.objects.filter(code=place, retired_on__isnull=True).first()
        if target is None or target.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID):
            raise CommandError(_("区划代码%(c)s不是在用的社区或网格") % {"c": place})
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(_("账号%(u)s不存在或已停用") % {"u": user})
            if actor.scope_path and not target.path.startswith(actor.scope_path):
                raise CommandError(_("%(p)s不在账号%(u)s的辖区内") % {"p": target.name, "u": user})
        if not file.is_file():
            raise CommandError(_("找不到文件%(f)s") % {"f": file})
        data = file.read_bytes()
        ctx = importing.Context(place=target, user=actor)
        try:
            with file.open("rb") as handle:
                if dry_run:
                    plan = importing.check_file(spec, handle, ctx)
                else:
                    plan = importing.import_file(
                        spec,
                        handle,
                        ctx,
                        file_name=file.name,
                        sha256=hashlib.sha256(data).hexdigest(),
                    )
        except SpreadsheetError as exc:
            raise CommandError(exc.message) from None
        counts = plan.counts()
        summary = (
            _("共%(rows)d行：新增%(created)d，更新%(updated)d，无变化%(unchanged)d。") % counts
        )
        if not plan.ok:
            report = report or file.with_name(f"{file.stem}-错误报告.xlsx")
            report.write_bytes(importing.error_report(spec, plan, file.name))
            for problem in plan.problems[:20]:
                self.stderr.write(f"  第{problem.row}行 {problem.column}：{problem.message}")
            raise CommandError(
                _("发现%(n)d处错误，未导入任何数据。错误报告：%(r)s")
                % {"n": plan.problem_count, "r": report}
            )
        self.stdout.write((_("检查通过（未写入）：") if dry_run else _("导入完成：")) + summary)
        for warning in plan.warnings[:20]:
            self.stdout.write(f"  第{warning.row}行 {warning.column}：{warning.message}")

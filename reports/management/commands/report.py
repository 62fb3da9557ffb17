"""`shequ report summary --place CODE --year YYYY --out FILE.docx`: the year-end summary from a
shell (with `--department CODE` one department's over the place; `--worker USERNAME` instead
of `--place`, one worker's personal summary), the same document the web page generates,
stored as a snapshot marked as from the command line. `shequ report default-template`
rewrites the default template file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from areas.kinds import PlaceKind
from areas.models import Place
from reports import documents, services
from reports.subjects import PLACE_SUBJECT
from reports.summary import summary_span
from shequ.errors import DomainError


class Command(BaseCommand):
    help = _("生成报表：年度工作总结（summary）；重新生成默认总结模板（default-template）")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        summary = commands.add_parser("summary", help=_("生成一个区划的年度工作总结（.docx）"))
        summary.add_argument("--place", help=_("社区、街道或区的区划代码"))
        summary.add_argument(
            "--department",
            help=_("部门总结：部门编号（health、safety、security、civil、civilisation）"),
        )
        summary.add_argument("--worker", help=_("个人工作总结：工作人员的登录名（不需要 --place）"))
        summary.add_argument("--year", type=int, required=True, help=_("年度，如2026"))
        summary.add_argument("--out", type=Path, required=True, help=_("保存位置（.docx）"))
        template = commands.add_parser("default-template", help=_("重新生成默认总结模板"))
        template.add_argument("--out", type=Path, default=documents.DEFAULT_TEMPLATE)

    def handle(self, *args, command, out, **options):
        if command == "default-template":
            documents.write_default_template(out)
            self.stdout.write(_("已写入默认模板：%(f)s") % {"f": out})
            return
        code, year = options["place"], options["year"]
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError(_("年度%(y)s无效") % {"y": year})
        try:
            subject, place = self._subject(code, options["department"], options["worker"])
            snapshot, content = services.generate_summary(
                place, summary_span(year), by=None, via=services.CLI, subject=subject
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        out.write_bytes(content)
        self.stdout.write(
            _("已生成%(title)s：%(file)s（%(size)d字节，SHA-256 %(sha)s）")
            % {
                "title": snapshot.title,
                "file": out,
                "size": len(content),
                "sha": snapshot.sha256,
            }
        )

    def _subject(self, code, department, worker):
        """The place and whose summary: a place's, a department's over it, or a worker's."""
        if worker:
            if code or department:
                raise CommandError(
                    _("个人工作总结只需 --worker，不能同时指定 --place 或 --department")
                )
            user = User.objects.filter(username=worker).select_related("place").first()
            if user is None:
                raise CommandError(_("没有登录名为%(u)s的账号") % {"u": worker})
            return services.worker_subject(user), None
        if not code:
            raise CommandError(_("请用 --place 指定区划代码，或用 --worker 指定工作人员"))
        place = Place.objects.filter(code=code).select_related("parent").first()
        if place is None or place.kind == PlaceKind.GRID:
            raise CommandError(_("区划代码%(c)s不是社区、街道或区") % {"c": code})
        if department:
            return services.department_subject(department), place
        return PLACE_SUBJECT, place

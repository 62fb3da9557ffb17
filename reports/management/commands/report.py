"""`shequ report summary --place CODE --year YYYY --out FILE.docx`: the year-end summary from a
shell, the same document the web page generates, stored as a snapshot marked as from the
command line. `shequ report default-template` rewrites the default template file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PlaceKind
from areas.models import Place
from reports import documents, services
from reports.summary import summary_span
from shequ.errors import DomainError


class Command(BaseCommand):
    help = _("生成报表：年度工作总结（summary）；重新生成默认总结模板（default-template）")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        summary = commands.add_parser("summary", help=_("生成一个区划的年度工作总结（.docx）"))
        summary.add_argument("--place", required=True, help=_("社区、街道或区的区划代码"))
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
        place = Place.objects.filter(code=code).select_related("parent").first()
        if place is None or place.kind == PlaceKind.GRID:
            raise CommandError(_("区划代码%(c)s不是社区、街道或区") % {"c": code})
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError(_("年度%(y)s无效") % {"y": year})
        try:
            snapshot, content = services.generate_summary(
                place, summary_span(year), by=None, via=services.CLI
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

"""`shequ audit verify`: check the audit log's hash chain and name the first broken row.
`shequ audit archive --before YYYY-MM-DD --out FILE`: move rows older than that (at least 180
days old) into a file. `shequ audit verify --archive FILE`: check such a file."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit import chain
from audit import services as audit
from shequ.errors import DomainError


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("日期%(v)s无效，应为YYYY-MM-DD") % {"v": value}) from None


class Command(BaseCommand):
    help = _("审计日志：校验哈希链（verify）；归档旧记录（archive）")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        verify = commands.add_parser("verify", help=_("校验审计日志的哈希链"))
        verify.add_argument("--archive", type=Path, help=_("校验一个归档文件（.jsonl.gz）"))
        archive = commands.add_parser("archive", help=_("把旧的审计记录移入归档文件"))
        archive.add_argument("--before", required=True, help=_("归档此日期之前的记录"))
        archive.add_argument("--out", type=Path, required=True, help=_("归档文件（.jsonl.gz）"))

    def handle(self, *args, command, **options):
        if command == "archive":
            return self._archive(_day(options["before"]), options["out"])
        if options["archive"]:
            return self._verify_file(options["archive"])
        verdict = chain.verify()
        if verdict.sealed_now:
            self.stdout.write(_("已封存%(n)s条新记录") % {"n": verdict.sealed_now})
        if not verdict.ok:
            raise CommandError(
                _("审计链断裂（已校验%(n)s条）：%(b)s")
                % {"n": verdict.checked, "b": verdict.broken}
            )
        self.stdout.write(_("审计链完整：已校验%(n)s条记录") % {"n": verdict.checked})

    def _verify_file(self, path: Path):
        if not path.is_file():
            raise CommandError(_("找不到文件%(f)s") % {"f": path})
        checked, broken = chain.verify_file(path)
        if broken:
            raise CommandError(_("归档文件校验失败：%(b)s") % {"b": broken})
        self.stdout.write(_("归档文件完整：%(n)s条记录") % {"n": checked})

    def _archive(self, before: datetime.date, out: Path):
        try:
            record = chain.archive(before, out, by="shequ audit archive")
        except DomainError as exc:
            raise CommandError(exc.message) from None
        audit.record(
            None,
            "audit.archive",
            record,
            username="shequ audit archive",
            data={"rows": record.rows, "first_seq": record.first_seq, "upto_seq": record.upto_seq},
        )
        self.stdout.write(
            _("已归档%(n)s条审计记录（链序号%(a)s至%(b)s）到%(f)s，SHA-256 %(sha)s")
            % {
                "n": record.rows,
                "a": record.first_seq,
                "b": record.upto_seq,
                "f": out,
                "sha": record.sha256,
            }
        )

"""`shequ backup --out FILE`: the whole database in one file (docs/security.md says how to keep
it). `shequ backup --check FILE`: check a file's checksums and that it fits this database,
without restoring it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shequ import backup
from shequ.errors import DomainError


class Command(BaseCommand):
    help = _("把整个数据库备份到一个文件（--out），或校验一个备份文件（--check）")

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--out", type=Path, help=_("备份文件（.zip），不能已存在"))
        what.add_argument("--check", type=Path, help=_("校验这个备份文件，不恢复"))

    def handle(self, *args, out=None, check=None, **options):
        if check is not None:
            manifest, found = backup.problems(check)
            if found:
                for problem in found:
                    self.stderr.write(f"  {problem}")
                raise CommandError(
                    _("备份文件%(f)s未通过校验：%(n)d处问题") % {"f": check, "n": len(found)}
                )
            self.stdout.write(
                _(
                    "备份文件完整、认证通过，可以恢复到本数据库：%(t)d个数据表，共%(r)d行，"
                    "%(n)d个照片和文档，备份于%(at)s"
                )
                % {
                    "t": len(manifest["tables"]),
                    "r": manifest["rows"],
                    "n": len(manifest["files"]),
                    "at": backup.shown_time(manifest["made_at"]),
                }
            )
            return
        try:
            manifest = backup.backup(out)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            _(
                "已于%(at)s备份%(t)d个数据表，共%(r)d行，%(n)d个照片和文档，到%(f)s"
                "（已加密，仅所有者可读；文件含居民敏感信息，请按安全要求保管）"
            )
            % {
                "at": backup.shown_time(manifest["made_at"]),
                "t": len(manifest["tables"]),
                "r": manifest["rows"],
                "n": len(manifest["files"]),
                "f": out,
            }
        )

"""`shequ restore FILE [--replace]`: load a backup into an empty, migrated database, in one
transaction, checking every table's checksum and the audit chain before the commit."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shequ import backup
from shequ.errors import DomainError


class Command(BaseCommand):
    help = _("把备份文件恢复到空数据库（先执行 shequ migrate）；有任何不符则不做任何改动")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_("目标数据库已有数据时仍然恢复：先把现有数据备份到文件，再清空并恢复"),
        )

    def handle(self, *args, file, replace=False, **options):
        try:
            restored = backup.restore(file, replace=replace)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        manifest = restored.manifest
        if restored.saved_as is not None:
            self.stdout.write(_("覆盖前的数据已备份到%(f)s") % {"f": restored.saved_as})
        self.stdout.write(
            _(
                "已恢复%(t)d个数据表，共%(r)d行，%(n)d个照片和文档（备份于%(at)s），"
                "每个数据表的校验值均与备份文件一致。"
            )
            % {
                "t": len(manifest["tables"]),
                "r": manifest["rows"],
                "n": len(manifest["files"]),
                "at": backup.shown_time(manifest["made_at"]),
            }
        )
        if not restored.audit.ok:
            raise CommandError(_("审计链断裂：%(b)s") % {"b": restored.audit.broken})
        self.stdout.write(_("审计链完整：已校验%(n)s条记录") % {"n": restored.audit.checked})

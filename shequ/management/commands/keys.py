"""`shequ keys check`: how many stored values use each key. `shequ keys rotate`: re-encrypt every
value under the newest data key and re-hash under the newest hash key (see shequ/keys.py).
`shequ keys new ID`: print a fresh key to put first in SHEQU_DATA_KEYS or SHEQU_HASH_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shequ import crypto, keys


class Command(BaseCommand):
    help = _("敏感数据密钥：查看各密钥的使用量（check）；换用最新密钥（rotate）；生成新密钥（new）")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        commands.add_parser("check", help=_("各列数据分别使用哪个密钥"))
        commands.add_parser("rotate", help=_("用最新的密钥重新加密并重算查询摘要"))
        new = commands.add_parser("new", help=_("生成一个新密钥（id:base64）"))
        new.add_argument("key_id", help=_("密钥编号，1-16个字母、数字、-或_"))

    def handle(self, *args, command, **options):
        if command == "new":
            line = crypto.new_key_line(options["key_id"])
            try:
                crypto.parse_keys("key", line)
            except Exception as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(line)
            return
        if command == "rotate":
            try:
                done = keys.rotate()
            except crypto.DataKeyError as exc:
                raise CommandError(str(exc)) from None
            for label, rows in done.items():
                self.stdout.write(_("%(t)s：重写%(n)s行") % {"t": label, "n": rows})
        data_key, hash_key = crypto.current_data_key_id(), crypto.current_hash_key_id()
        self.stdout.write(
            _("最新加密密钥：%(d)s；最新摘要密钥：%(h)s") % {"d": data_key, "h": hash_key}
        )
        old = 0
        for entry in keys.report():
            counter = entry.keys
            if not entry.rows:
                shown = _("空表（0行），没有需要检查的值")
            elif not counter:
                shown = _("%(n)s行，均未填写，没有需要检查的值") % {"n": entry.rows}
            else:
                shown = "，".join(f"{k}: {n}" for k, n in sorted(counter.items()))
            self.stdout.write(f"{entry.column}  {shown}")
            newest = hash_key if entry.column.endswith("(hash)") else data_key
            old += sum(n for k, n in counter.items() if k != newest)
        if old:
            self.stdout.write(_("仍有%(n)s个值使用旧密钥：请运行 shequ keys rotate") % {"n": old})
        else:
            self.stdout.write(_("所有值都使用最新密钥，旧密钥可以移除"))

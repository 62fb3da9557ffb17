"""The server operator's way to reset an administrative account, which no page may do
(三权分立: a 系统管理员 alone must not take over a 审计员's or 安全管理员's account):

    shequ account password USERNAME     # asks for a temporary password twice
    shequ account totp USERNAME         # clears the second factor
    shequ account activate USERNAME     # re-enables a stopped account

Each writes the same audit row as the page would, with no acting user (the console)."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import User
from shequ.errors import DomainError


class Command(BaseCommand):
    help = _("服务器管理员重置账号（含管理类账号）的密码、双因素认证，或重新启用账号")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["password", "totp", "activate"])
        parser.add_argument("username")

    def handle(self, *args, action: str, username: str, **options):
        try:
            user = User.objects.get(username__iexact=username)
        except User.DoesNotExist:
            raise CommandError(_("没有账号“%(u)s”") % {"u": username}) from None
        try:
            if action == "password":
                password = getpass.getpass(_("临时密码："))
                if password != getpass.getpass(_("再输入一次：")):
                    raise CommandError(_("两次输入的密码不一致，未作修改"))
                services.reset_password(user, password=password, by=None)
                done = _("已重置密码，该账号下次登录时须修改")
            elif action == "totp":
                services.reset_totp(user, by=None)
                done = _("已重置双因素认证，该账号下次登录时需重新设置")
            else:
                services.set_active(user, active=True, by=None)
                done = _("账号已启用")
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{user.username}：{done}")

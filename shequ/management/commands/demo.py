from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from accounts.models import User
from areas.models import Place
from shequ import demo


class Command(BaseCommand):
    help = _("载入演示数据（可重复运行，只补充缺少的部分）")

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("数据库中已有区划时什么也不做（用于首次启动）"),
        )
        parser.add_argument(
            "--no-population",
            action="store_true",
            help=_("只建区划和账号，不生成居民、房屋等人口数据"),
        )

    def handle(self, *args, if_empty: bool = False, no_population: bool = False, **options):
        if if_empty and Place.objects.exists():
            self.stdout.write(_("数据库中已有数据，未载入演示数据。"))
        else:
            added = demo.build(population=not no_population)
            self.stdout.write(
                _(
                    "演示数据已就绪：新增区划%(places)d个、账号%(accounts)d个、居民%(residents)d人、"
                    "工作记录%(records)d条、案件%(cases)d件、检查%(inspections)d次。"
                )
                % {"residents": 0, "records": 0, "cases": 0, "inspections": 0, **added}
            )
        present = set(
            User.objects.filter(username__in=[a.username for a in demo.ACCOUNTS]).values_list(
                "username", flat=True
            )
        )
        if present:
            self.stdout.write(
                _("演示账号（密码为 SHEQU_DEMO_PASSWORD，未设置时为 %(pw)s）：")
                % {"pw": demo.DEFAULT_PASSWORD}
            )
            for account in demo.ACCOUNTS:
                if account.username in present:
                    self.stdout.write(
                        f"  {account.username:<10} {account.role.label}  {account.name}"
                    )

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from areas.models import Place
from shequ import demo, scale
from shequ.errors import DomainError


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
        parser.add_argument(
            "--scale",
            choices=list(scale.SCALES),
            help=_(
                "按规模批量生成：district 约100个社区、100万居民、500万条工作记录；"
                "subdistrict 约其十分之一；small 两个演示大小的社区"
            ),
        )
        parser.add_argument(
            "--communities", type=int, help=_("与 --scale 同用：只生成这么多个社区")
        )
        parser.add_argument(
            "--seed", type=int, default=demo.SEED, help=_("随机种子：同一种子生成同样的数据")
        )
        parser.add_argument(
            "--add",
            action="store_true",
            help=_("与 --scale 同用：库中已有居民时仍然生成（已有居民的社区跳过）"),
        )
        parser.add_argument(
            "--people-only",
            action="store_true",
            help=_(
                "与 --scale 同用：只生成人口与房屋（居民、户、房屋、重点人群、出租、单位、"
                "社区工作者、组织），不生成工作记录、案件和检查"
            ),
        )

    def handle(self, *args, if_empty: bool = False, no_population: bool = False, **options):
        if options.get("scale"):
            self._scale(options)
        elif (
            options.get("communities") is not None
            or options.get("add")
            or options.get("people_only")
        ):
            raise CommandError(_("--communities、--add 和 --people-only 须与 --scale 同用"))
        elif if_empty and Place.objects.exists():
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

    def _scale(self, options) -> None:
        chosen = scale.SCALES[options["scale"]]
        try:
            if options.get("communities") is not None:
                chosen = scale.with_communities(chosen, options["communities"])
            scale.build(
                chosen,
                seed=options["seed"],
                add=options["add"],
                people_only=options["people_only"],
                say=lambda line: self.stdout.write(line),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc

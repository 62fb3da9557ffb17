"""One measured step per process, so each step's peak memory is its own:
`python -m bench.workers STEP ARGS…` with DATABASE_URL naming the database under test.
Prints one JSON line with what it measured."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("SHEQU_HTTPS", "false")

import django

django.setup()

from django.db import connection  # noqa: E402

COMMUNITY = "420199001001"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(**values) -> None:
    print(json.dumps({**values, "peak_mb": round(peak_mb(), 1)}), flush=True)


def make_file(path: str, rows: int) -> None:
    """A residents sheet as a community would keep it: valid IDs, names, phones, grids."""
    import xlsxwriter

    from people import idnumber
    from people.demo import FEMALE, MALE, SURNAMES

    rng = random.Random(42)
    book = xlsxwriter.Workbook(path)  # shared strings, as Excel itself saves
    sheet = book.add_worksheet("居民")
    headers = ["姓名", "身份证号码", "性别", "出生日期", "所属网格", "手机号码", "民族", "文化程度",
               "政治面貌", "婚姻状况", "户籍类型", "工作单位", "备注"]  # fmt: skip
    sheet.write_row(0, 0, headers)
    used: set[str] = set()
    sequence = 0
    for row in range(1, rows + 1):
        male = rng.random() < 0.5
        birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 33000))
        while True:
            sequence += 2
            number = idnumber.make("420106", birth, sequence, male=male)
            if number not in used:
                used.add(number)
                break
        name = (
            rng.choice(SURNAMES)
            + rng.choice(MALE if male else FEMALE)
            + rng.choice(MALE if male else FEMALE)
        )
        sheet.write_row(
            row,
            0,
            [
                name,
                number,
                "男" if male else "女",
                birth.isoformat(),
                f"第{rng.randint(1, 3)}网格",
                f"13{rng.randint(100000000, 999999999)}",
                "汉族",
                "高中/中专",
                "群众",
                "已婚",
                "户籍",
                "",
                "",
            ],
        )
    book.close()
    report(step="make_file", rows=rows)


def setup() -> None:
    """A fresh schema with one community of three grids and a worker account."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from accounts.models import User
    from accounts.roles import Role
    from areas import services as areas
    from areas.models import Place

    if not Place.objects.filter(code=COMMUNITY).exists():
        d = areas.create_place(
            kind="district", name="临江区", code="420199000000", parent=None, by=None
        )
        s = areas.create_place(
            kind="subdistrict", name="东湖街道", code="420199001000", parent=d, by=None
        )
        c = areas.create_place(kind="community", name="柳岸社区", code=COMMUNITY, parent=s, by=None)
        for n in (1, 2, 3):
            areas.create_place(kind="grid", name=f"第{n}网格", parent=c, by=None)
        user = User(username="bench", name="测试", role=Role.COMMUNITY_WORKER, place=c)
        user.set_password("Bench-pass-2026")
        user.save()
    report(step="setup")


def parse(path: str) -> None:
    """The reference: only reading every cell with the reader our import uses."""
    import python_calamine

    start = time.perf_counter()
    with open(path, "rb") as handle:
        sheet = python_calamine.CalamineWorkbook.from_filelike(handle).get_sheet_by_index(0)
        rows = sum(1 for _ in sheet.iter_rows()) - 1
    report(step="parse", rows=rows, seconds=time.perf_counter() - start)


def ours(path: str) -> None:
    """shequ's import: the whole-file check (checksums, enumerations, places, duplicates in the
    file and the database), then one transaction."""
    from accounts.models import User
    from areas.models import Place
    from people import importing
    from people.models import Resident

    place = Place.objects.get(code=COMMUNITY)
    user = User.objects.get(username="bench")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    start = time.perf_counter()
    with open(path, "rb") as handle:
        plan = importing.import_file(
            importing.KINDS["residents"],
            handle,
            importing.Context(place=place, user=user),
            file_name=Path(path).name,
            sha256=digest.hexdigest(),
        )
    seconds = time.perf_counter() - start
    assert plan.ok, plan.problems[:5]
    report(
        step="ours",
        rows=Resident.objects.count(),
        seconds=seconds,
        writer_peak_mb=round(plan.writer_peak_mb, 1),
    )


def reference(path: str) -> None:
    """django-import-export with its documented bulk options on the same file and database."""
    import tablib
    from import_export import fields, resources

    from areas.models import Place
    from people.models import Resident

    place = Place.objects.get(code=COMMUNITY)

    class ResidentResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号码")
        sex = fields.Field(attribute="sex", column_name="性别")
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期")
        phone = fields.Field(attribute="phone", column_name="手机号码")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        education = fields.Field(attribute="education", column_name="文化程度")
        political_status = fields.Field(attribute="political_status", column_name="政治面貌")
        marital_status = fields.Field(attribute="marital_status", column_name="婚姻状况")
        hukou_type = fields.Field(attribute="hukou_type", column_name="户籍类型")

        class Meta:
            model = Resident
            fields = ("name", "id_number", "sex", "birth_date", "phone", "ethnicity",
                      "education", "political_status", "marital_status", "hukou_type")  # fmt: skip
            import_id_fields = ("id_number",)
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            force_init_instance = True
            use_transactions = True

        def before_save_instance(self, instance, row, **kwargs):
            instance.place = place
            instance.place_path = place.path
            instance.name_initials = ""

    start = time.perf_counter()
    with open(path, "rb") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="xlsx")
    result = ResidentResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    assert not result.has_errors()
    report(step="reference", rows=Resident.objects.count(), seconds=seconds)


def clear() -> None:
    from people.models import Resident

    Resident.objects.all().delete()
    report(step="clear")


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    {"make_file": lambda: make_file(args[0], int(args[1])), "setup": setup,
     "parse": lambda: parse(args[0]), "ours": lambda: ours(args[0]),
     "reference": lambda: reference(args[0]), "clear": clear}[step]()  # fmt: skip
    connection.close()

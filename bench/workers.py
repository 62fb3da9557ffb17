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
from urllib.parse import quote

from bench.run import SERVER_ENV

for _name, _value in SERVER_ENV.items():
    os.environ.setdefault(_name, _value)

import django  # noqa: E402  (after the settings are chosen)

django.setup()

from django.db import connection, transaction  # noqa: E402

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


def population(communities: str) -> None:
    """A sub-district of `communities` demo communities (~3,000 residents each)."""
    from areas import services as areas
    from areas.models import Place
    from people import builtin_groups
    from people import demo as people_demo
    from people.models import GroupAttribute, GroupCategory

    builtin_groups.ensure(GroupCategory, GroupAttribute)
    subdistrict = Place.objects.get(code="420199001000")
    ids = people_demo.IdSource()
    start = time.perf_counter()
    made = 0
    for n in range(2, int(communities) + 2):
        community = areas.create_place(
            kind="community",
            name=f"测试{n}社区",
            code=f"420199001{n:03d}",
            parent=subdistrict,
            by=None,
        )
        for g in (1, 2, 3):
            areas.create_place(kind="grid", name=f"第{g}网格", parent=community, by=None)
        made += people_demo.populate(community, random.Random(n), ids)["residents"]
    seconds = time.perf_counter() - start
    # Statistics for the planner, as PostgreSQL's autovacuum (or SQLite's PRAGMA optimize)
    # would gather them on a live database after a load this size.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report(step="population", residents=made, seconds=seconds)


def _officer():
    """The sub-district officer who sees every resident the benchmark built."""
    from accounts.models import User
    from accounts.roles import Role
    from areas.models import Place

    officer, _ = User.objects.get_or_create(
        username="bench_sd",
        defaults={
            "name": "街道",
            "role": Role.SUBDISTRICT_ADMIN,
            "place": Place.objects.get(code="420199001000"),
        },
    )
    return officer


def _viewer(who: str):
    """Who requests the pages: the sub-district officer of the built population, or for a
    prebuilt district ("district") an officer of the district, who sees every resident in it."""
    if who != "district":
        return _officer()
    from accounts.models import User
    from accounts.roles import Role
    from areas.models import Place

    officer, _ = User.objects.get_or_create(
        username="bench_district",
        defaults={
            "name": "区级",
            "role": Role.DISTRICT_ADMIN,
            "place": Place.objects.filter(kind="district").order_by("pk").first(),
        },
    )
    return officer


def _terms(officer, community) -> dict:
    """What the list pages ask for, all found in the database: a resident of `community` (its
    501st) for the name and ID number, the first resident after it with three letters of
    pinyin initials, the 701st with a phone; the resident after whom the officer's list's page
    20 starts; a household."""
    from people.models import Household, Resident

    some = Resident.objects.filter(place_path__under=community.path).order_by("id")[500]
    initials = (
        Resident.objects.filter(place_path__under=community.path, pk__gte=some.pk)
        .filter(name_initials__regex=r"^[a-z]{3}$")
        .order_by("id")
        .values_list("name_initials", flat=True)
        .first()
    )
    return {
        "some": some,
        "initials": initials or "wxl",
        "phoned": Resident.objects.exclude(phone="").order_by("id")[700],
        "household": Household.objects.order_by("id")[300],
        # The list's page 20 starts after its 950th row, in the list's (place, id) order.
        "after": Resident.objects.visible_to(officer)
        .present()
        .order_by("place_path", "id")
        .values_list("id", flat=True)[50 * 19 - 1],
    }


def latency(samples: str, who: str = "subdistrict") -> None:
    """p50 and p95 of list and search pages against the login page, in-process."""
    from django.core.management import call_command
    from django.test import Client

    from areas.models import Place
    from people.models import Resident

    call_command("collectstatic", interactive=False, verbosity=0)  # as production serves them
    officer = _viewer(who)
    community = Place.objects.filter(kind="community").exclude(code=COMMUNITY).first()
    terms = _terms(officer, community)
    some = terms["some"]
    client = Client()
    anonymous = Client()
    client.force_login(officer)
    pages = {
        "reference: a trivial page (change password)": (client, "/accounts/password/"),
        "login page (anonymous)": (anonymous, "/accounts/login/"),
        "resident list": (client, "/people/residents/"),
        "resident list, page 20 (keyset)": (client, None),
        "search by name": (client, f"/people/residents/?q={some.name}"),
        "search by surname": (client, f"/people/residents/?q={some.name[0]}"),
        "search by pinyin initials": (client, f"/people/residents/?q={terms['initials']}"),
        "search by ID number ending": (client, f"/people/residents/?q={some.id_number[-4:]}"),
        "filter: party members 60+ in a community": (
            client,
            f"/people/residents/?group=party&age=60-&place={community.pk}&status=在住",
        ),
        "household list": (client, "/people/households/"),
        "ledger: party members of a community": (
            client,
            f"/people/ledgers/party/?place={community.pk}",
        ),
    }
    pages["resident list, page 20 (keyset)"] = (
        client,
        f"/people/residents/?after={terms['after']}",
    )
    results = {}
    for name, (who, url) in pages.items():
        for _ in range(3):
            assert who.get(url).status_code == 200, url
        times = []
        for _ in range(int(samples)):
            start = time.perf_counter()
            who.get(url)
            times.append(time.perf_counter() - start)
        times.sort()
        results[name] = {
            "p50": times[len(times) // 2] * 1000,
            "p95": times[min(len(times) - 1, int(len(times) * 0.95))] * 1000,
        }
    report(step="latency", residents=Resident.objects.visible_to(officer).count(), pages=results)


RECORD_END = datetime.date(2026, 11, 30)  # the newest record: fixed, so every run builds the same
RECORD_DAYS = 5 * 365  # five years of records, ~55 a day at 100,000


def records(count: str) -> None:
    """`count` work records in the bench user's community (its grids and itself) over five
    years, with topics, quantities and named participants in the demo's proportions, and a
    tenth as many next door (outside the user's scope). Built in bulk, from a fixed seed."""
    from areas import services as areas
    from areas.models import Place
    from people import builtin_groups
    from people import demo as people_demo
    from people.models import GroupAttribute, GroupCategory, Resident

    builtin_groups.ensure(GroupCategory, GroupAttribute)
    community = Place.objects.get(code=COMMUNITY)
    neighbour = areas.create_place(
        kind="community",
        name="邻里社区",
        code="420199001002",
        parent=community.parent,
        by=None,
    )
    areas.create_place(kind="grid", name="第1网格", parent=neighbour, by=None)
    people_demo.populate(community, random.Random(7))
    residents = list(
        Resident.objects.filter(place_path__under=community.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(2026)
    start = time.perf_counter()
    with transaction.atomic():
        made = _records(rng, community, neighbour, int(count), residents)
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as in population(): the statistics a live database has
    report(step="records", records=made, seconds=seconds)


def _records(rng, community, neighbour, count, residents) -> int:
    """The records over five years at the community (and its grids), with named participants,
    and a tenth as many next door without."""
    from ledger import demo as ledger_demo

    made = 0
    for home, n, named in ((community, count, residents), (neighbour, count // 10, [])):
        places = [home, *home.children.order_by("code")]
        made += ledger_demo.bulk_records(
            rng, places, n, end=RECORD_END, days=RECORD_DAYS, residents=named, named_share=0.6
        )["records"]
    return made


def record_latency(samples: str) -> None:
    """p50 and p95 of the record list and the calendar against the change-password page, for
    a community worker with every record of the community in scope."""
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from ledger.models import WorkRecord

    call_command("collectstatic", interactive=False, verbosity=0)
    user = User.objects.get(username="bench")
    client = Client()
    client.force_login(user)
    in_scope = WorkRecord.objects.visible_to(user)
    # Page 200 of the list: the keyset continues before the 10,000th record, newest first.
    newest_first = in_scope.order_by("-date", "-pk").values_list("pk", flat=True)
    deep = newest_first[min(50 * 199, in_scope.count() - 51) - 1]
    month = RECORD_END.strftime("%Y-%m")
    pages = {
        "reference: a trivial page (change password)": "/accounts/password/",
        "record list, first page": "/records/",
        "record list, filtered by kind and topic": "/records/?kind=会议&topic=party",
        "record list, page 200 (keyset)": f"/records/?before={deep}",
        "record list, one day (the calendar's +N link)": f"/records/?day={RECORD_END}",
        "record calendar, a month": f"/records/calendar/?month={month}",
        "record calendar, a month filtered by kind and topic": (
            f"/records/calendar/?month={month}&kind=会议&topic=party"
        ),
    }
    results = {}
    for name, url in pages.items():
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(int(samples)):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        times.sort()
        results[name] = {
            "p50": times[len(times) // 2] * 1000,
            "p95": times[min(len(times) - 1, int(len(times) * 0.95))] * 1000,
        }
    report(step="record_latency", records=in_scope.count(), pages=results)


def summary_data(communities: str, per_community: str) -> None:
    """A sub-district of `communities` demo communities with a year of rows, then its rollups."""
    from bench import summary

    start = time.perf_counter()
    made = summary.build(int(communities), int(per_community))
    built = time.perf_counter() - start
    rebuilt, cells = summary.rebuild()
    report(step="summary_data", made=made, seconds=built, rebuild_seconds=rebuilt, cells=cells)


def summary_measure(repeat: str) -> None:
    """The sub-district's and the first community's figures: shequ (with rollups, and without
    for the record) against DuckDB on an export of the same rows; they must agree."""
    from bench import summary

    report(step="summary_measure", **summary.measure(int(repeat)))


def serve_plan(clients: str, rounds: str, out: str, who: str = "subdistrict") -> None:
    """What bench.load asks a served shequ for: one logged-in session per client (the
    sub-district officer, or the district officer of a prebuilt district, as each of them would
    log in), and the pages — a trivial one for reference, then lists, searches (name, pinyin
    initials, ID number, phone) and details — each with a text its answer must hold: the link
    to the first resident it should list (found here with plain filters), or the name or number
    a detail shows."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Q
    from django.test import Client
    from django.urls import reverse

    from areas.models import Place
    from people.models import Resident

    call_command("collectstatic", interactive=False, verbosity=0)  # as production serves them
    officer = _viewer(who)
    cookies = []
    for _ in range(int(clients)):
        client = Client()
        client.force_login(officer)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    community = Place.objects.filter(kind="community").exclude(code=COMMUNITY).first()
    terms = _terms(officer, community)
    some, phoned, household = terms["some"], terms["phoned"], terms["household"]
    seen = Resident.objects.visible_to(officer).order_by("place_path", "id")
    key = terms["initials"]

    def first(residents) -> str:
        return f'href="{reverse("people:resident-detail", args=[residents[0].pk])}"'

    pages = {
        "reference: a trivial page (change password)": ("/accounts/password/", ""),
        "resident list": ("/people/residents/", first(seen.present())),
        "resident list, page 20 (keyset)": (
            f"/people/residents/?after={terms['after']}",
            first(seen.present()[50 * 19 :]),
        ),
        "search by name": (
            f"/people/residents/?q={quote(some.name)}",
            first(seen.filter(name__startswith=some.name)),
        ),
        "search by pinyin initials": (
            f"/people/residents/?q={key}",
            first(
                seen.filter(Q(name_initials__startswith=key) | Q(name_initials_alt__startswith=key))
            ),
        ),
        "search by ID number": (f"/people/residents/?q={some.id_number}", first([some])),
        "search by phone": (f"/people/residents/?q={phoned.phone}", first([phoned])),
        "resident detail": (f"/people/residents/{some.pk}/", some.name),
        "household list": ("/people/households/", ""),
        "household detail": (f"/people/households/{household.pk}/", household.number),
    }
    plan = {
        "cookies": cookies,
        "pages": {name: path for name, (path, _) in pages.items()},
        "expect": {name: text for name, (_, text) in pages.items() if text},
        "rounds": int(rounds),
    }
    Path(out).write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    report(
        step="serve_plan",
        residents=Resident.objects.visible_to(officer).count(),
        clients=len(cookies),
    )


def export_ours(out: str) -> None:
    """The sub-district's population ledger (every resident) downloaded as .xlsx through the
    export page, in-process: time, the bytes sent, this process's peak memory."""
    from django.test import Client
    from django.utils import timezone

    from people.ledgers import LEDGERS

    officer = _officer()
    client = Client()
    client.force_login(officer)
    url = f"/people/ledgers/population/export/?place={officer.place_id}"
    expected = LEDGERS["population"].count(officer.place, timezone.localdate(), officer)
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    with open(out, "wb") as file:
        for block in response.streaming_content:
            file.write(block)
    seconds = time.perf_counter() - start
    response.close()
    report(step="export_ours", rows=expected, seconds=seconds, bytes=os.path.getsize(out))


def export_check(out: str, expected: str) -> None:
    """The downloaded file read back (in its own process, so that reading it counts in no
    measured peak): every row the ledger counts, numbered 1, 2, 3…"""
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_path(out).get_sheet_by_index(0).to_python()
    # Title, subtitle, header; then the rows; then a blank line and the lines to sign.
    numbers = [r[0] for r in sheet[3:] if isinstance(r[0], int | float) and r[0]]
    assert numbers == list(range(1, int(expected) + 1)), (len(numbers), expected)
    report(step="export_check", rows=len(numbers))


def export_reference(out: str) -> None:
    """The same rows (read first, untimed) written with xlsxwriter alone, in its
    constant-memory mode: the spreadsheet library's own speed for this sheet."""
    import xlsxwriter
    from django.utils import timezone

    from people.ledgers import LEDGERS

    officer = _officer()
    rows = list(LEDGERS["population"].rows(officer.place, timezone.localdate(), officer))
    start = time.perf_counter()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for index, values in enumerate(rows):
        for column, value in enumerate(values):
            if isinstance(value, datetime.date):
                sheet.write_datetime(index, column, value, dates)
            else:
                sheet.write(index, column, value)
    book.close()
    seconds = time.perf_counter() - start
    report(step="export_reference", rows=len(rows), seconds=seconds)


STEPS = {
    "make_file": lambda path, rows: make_file(path, int(rows)),
    "setup": setup,
    "parse": parse,
    "ours": ours,
    "reference": reference,
    "clear": clear,
    "population": population,
    "latency": latency,
    "records": records,
    "record_latency": record_latency,
    "summary_data": summary_data,
    "summary_measure": summary_measure,
    "serve_plan": serve_plan,
    "export_ours": export_ours,
    "export_check": export_check,
    "export_reference": export_reference,
}


if __name__ == "__main__":
    step_name, *arguments = sys.argv[1:]
    STEPS[step_name](*arguments)
    connection.close()

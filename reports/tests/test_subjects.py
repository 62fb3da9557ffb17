"""Summaries of a department and of one worker, and the prompt naming the special groups not
visited: every figure against a count made here with plain ORM queries, the drill-downs against
the same records, who may produce whose, and the command line."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from docx import Document

from audit.models import AuditEntry
from cases import services as case_services
from cases.models import Case
from cases.tests.factories import open_case
from inspections import services as inspection_services
from inspections.models import Inspection, Rectification
from inspections.tests.factories import PEST, inspect, order
from ledger import services as ledger_services
from ledger.models import Quantity, QuantityKind, Topic, WorkRecord
from people import services as people_services
from people.models import GroupCategory, Staff
from people.tests.factories import resident
from programs.models import Assistance
from reports import services
from reports.models import SummarySnapshot
from reports.subjects import DEPARTMENT, WORKER, Subject, department
from reports.summary import summary_span

TODAY = timezone.localdate()
Y = TODAY.year  # records are dated today: the year so far


def _record(world, title, *, topics=("party",), organiser=None, by=None, place=None, heads=10):
    record = WorkRecord.objects.create(
        kind="活动",
        title=title,
        date=TODAY,
        place=place or world.grid,
        head_count=heads,
        organiser=organiser,
        created_by=by,
    )
    record.topics.set(Topic.objects.filter(code__in=topics))
    return record


def _world_of_work(world):
    """Records, cases, inspections and aid of two workers of the home community (the
    community worker, linked to the staff register, and `subject`) and of the head."""
    me = world.cast["community_worker"]
    me.name = "吴芳"
    me.save(update_fields=["name"])
    other = world.subject
    staff = Staff.objects.create(
        name="吴芳", sex="女", birth_date=datetime.date(1990, 1, 1), post="社区专职工作者",
        education="大学本科", start_date=datetime.date(2020, 3, 1), place=world.community,
        user=me,
    )  # fmt: skip
    leaflets = QuantityKind.objects.get(name="宣传资料")
    mine = [
        _record(world, "我组织的健康讲座", topics=("health",), organiser=staff, heads=40),
        _record(world, "我登记的巡逻", topics=("security",), by=me, heads=6),
        _record(
            world,
            "我组织又登记的清扫",
            topics=("environment", "health"),
            organiser=staff,
            by=me,
            heads=25,
        ),
    ]
    Quantity.objects.create(record=mine[0], kind=leaflets, amount=Decimal("300"))
    theirs = _record(world, "别人的卫生宣传", topics=("health",), by=other, heads=80)
    Quantity.objects.create(record=theirs, kind=leaflets, amount=Decimal("1000"))
    _record(world, "别人的党建活动", by=other, heads=15)
    # Cases: two handled by me (one closed after a satisfied follow-up), one by the other.
    done = open_case(world, "诉求", assignee=me, by=me)
    for code, extra in [("finish", {"note": "修好"}), ("follow_up", {"rating": "满意"})]:
        done = case_services.act(done, code, by=me, version=done.version, **extra)
    open_case(world, "诉求", assignee=me, by=me)
    open_case(world, "诉求", assignee=other, by=other)
    # Inspections: one pest inspection by me (with an order I re-check), one fire by the other.
    pest = inspect(world, name=PEST, fail=1, by=me, outdoor_metres=200, burrows=1)
    mine_order = order(pest, by=other)  # issued by the other, re-checked by me
    inspection_services.recheck(
        mine_order,
        inspection_services.RecheckData(date=TODAY, passed=True),
        version=mine_order.version,
        by=me,
    )
    fire = inspect(world, fail=1, by=other)
    order(fire, by=other)
    return me, other, staff


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def _appendix(content: bytes) -> dict[str, tuple[str, str, str]]:
    table = Document(io.BytesIO(content)).tables[-1]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    return {name: (value, records, definition) for _n, name, value, definition, records in rows}


def test_a_workers_summary_counts_only_their_own_records(world):
    me, _other, staff = _world_of_work(world)
    head = world.cast["community_head"]
    subject = services.worker_subject(me)
    snapshot, content = services.generate_summary(None, summary_span(Y), by=head, subject=subject)
    own = WorkRecord.objects.filter(organiser=staff) | WorkRecord.objects.filter(created_by=me)
    own = own.distinct()
    records = own.count()
    heads = sum(r.head_count for r in own)
    cases = Case.objects.filter(assignee=me, kind="诉求")
    inspections = Inspection.objects.filter(inspectors=me)
    orders = Rectification.objects.filter(rechecks__by=me) | Rectification.objects.filter(
        created_by=me
    )
    body = _text(content)
    assert (records, heads, cases.count(), inspections.count()) == (3, 71, 2, 1)
    assert f"吴芳{Y}年个人工作总结" in body
    assert "本人吴芳，甲社区社区专职工作者，2020年3月1日到岗。" in body
    assert f"共登记各类工作记录{records}条，累计参与{heads}人次" in body
    assert "发放宣传资料300份" in body  # not the other worker's 1000
    closed = cases.filter(closed_at__isnull=False).count()
    assert f"受理居民诉求{cases.count()}件" in body
    assert f"开展消防、出租房屋、食品卫生和爱国卫生等各类检查{inspections.count()}次" in body
    assert f"下达整改通知{orders.distinct().count()}份" in body
    assert "别人的" not in body
    for left_out in ("常住人口", "在册辖区单位", "评选创建", "登记在册的重点人群"):
        assert left_out not in body
    appendix = _appendix(content)
    assert appendix["工作记录（条）"][:2] == (str(records), str(records))
    assert "本人组织或登记的工作记录" in appendix["工作记录（条）"][2]
    assert appendix["诉求已结案（件）"][0] == str(closed)
    assert appendix["开展检查（次）"][0] == str(inspections.count())
    assert appendix["宣传资料（份）"] == ("300", "1", appendix["宣传资料（份）"][2])

    assert (
        snapshot.subject == WORKER and snapshot.worker == me and snapshot.place == world.community
    )
    assert snapshot.figures["subject"] == {
        "kind": "worker",
        "department": "",
        "worker": me.username,
    }
    assert snapshot.figures["indicators"]["records.all"]["value"] == records
    assert "population" not in snapshot.figures["indicators"]  # the place's, not the worker's
    entry = AuditEntry.objects.get(action="summary.generate")
    assert entry.data["worker"] == me.username and entry.data["subject"] == "个人"
    assert entry.object_id == str(snapshot.pk)


def test_the_worker_page_links_each_figure_to_exactly_the_records_counted(
    client, world, django_assert_max_num_queries
):
    me, _other, staff = _world_of_work(world)
    client.force_login(me)
    url = reverse("reports:summary-worker", args=[me.pk])
    with django_assert_max_num_queries(45):
        page = client.get(url, {"year": Y})
    assert page.status_code == 200
    html = page.content.decode()
    drill = reverse("reports:drill", args=["records.all"])
    link = re.search(rf'<a href="({re.escape(drill)}\?[^"]+)"[^>]*>(\d+)</a>', html)
    assert link and link.group(2) == "3"
    opened = client.get(link.group(1).replace("&amp;", "&"))
    assert opened.status_code == 200
    own = set(
        (WorkRecord.objects.filter(organiser=staff) | WorkRecord.objects.filter(created_by=me))
        .distinct()
        .values_list("title", flat=True)
    )
    assert opened.context["total"] == opened.context["count"] == len(own)
    assert {r.title.split(" · ", 1)[1] for r in opened.context["rows"]} == own
    assert "只计本人组织或登记的工作记录" in opened.content.decode()
    # The inspections figure opens the one inspection I took part in.
    drill = reverse("reports:drill", args=["inspections.all"])
    link = re.search(rf'<a href="({re.escape(drill)}\?[^"]+)"[^>]*>(\d+)</a>', html)
    opened = client.get(link.group(1).replace("&amp;", "&"))
    assert opened.context["count"] == Inspection.objects.filter(inspectors=me).count() == 1


def test_who_may_produce_whose_personal_summary(client, world):
    me, other, _staff = _world_of_work(world)
    mine = reverse("reports:summary-worker", args=[me.pk])
    theirs = reverse("reports:summary-worker", args=[other.pk])
    client.force_login(me)
    assert client.get(mine).status_code == 200
    assert client.get(theirs).status_code == 403  # a colleague's: not a worker's to produce
    assert client.post(theirs, {"year": Y}).status_code == 403
    client.force_login(world.cast["community_head"])
    page = client.get(theirs)
    assert page.status_code == 200 and page.context["worker"] == other
    assert me in page.context["workers"] and other in page.context["workers"]
    assert world.outsiders["community_worker"] not in page.context["workers"]
    client.force_login(world.outsiders["community_head"])
    assert client.get(theirs).status_code == 404
    assert client.get(reverse("reports:drill", args=["records.all"]), {
        "place": world.community.pk, "worker": other.pk
    }).status_code == 404  # fmt: skip
    assert AuditEntry.objects.filter(action="access.out_of_scope", object_id=str(other.pk)).exists()
    # A grid worker's own summary counts over the grid.
    client.force_login(world.cast["grid_worker"])
    grid = client.get(reverse("reports:summary-worker", args=[world.cast["grid_worker"].pk]))
    assert grid.status_code == 200 and grid.context["summary"].place == world.grid
    assert not SummarySnapshot.objects.exists()


def test_a_worker_snapshot_is_read_by_the_worker_and_the_head_only(client, world):
    me, other, _staff = _world_of_work(world)
    client.force_login(me)
    response = client.post(
        reverse("reports:summary-worker", args=[me.pk]),
        {"year": Y, "shortcomings": "下乡走访还不够", "plans": "多走访"},
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    snapshot = SummarySnapshot.objects.get()
    assert snapshot.worker == me and snapshot.by == me
    download = reverse("reports:summary-snapshot", args=[snapshot.pk])
    assert client.get(download).content == response.content
    client.force_login(other)
    assert client.get(download).status_code == 403
    client.force_login(world.cast["community_head"])
    assert client.get(download).status_code == 200
    # The place's page lists the place's own summaries, not the personal one.
    page = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    assert page.context["snapshots"] == []


def test_an_account_that_records_nothing_gets_no_personal_summary(world):
    for role in ("sysadmin", "auditor", "viewer"):
        with pytest.raises(Exception, match="不能生成个人工作总结"):
            services.worker_subject(world.cast[role])
    world.subject.is_active = False
    world.subject.save(update_fields=["is_active"])
    with pytest.raises(Exception, match="不是登记和办理记录的在岗工作人员"):
        services.worker_subject(world.subject)
    assert not SummarySnapshot.objects.exists()
    assert not AuditEntry.objects.filter(action="summary.generate").exists()


def test_a_department_summary_covers_only_its_work_areas_and_topics(client, world):
    _world_of_work(world)
    Assistance.objects.create(
        kind="临时救助", source="民政", resident=resident(world.grid, "受助人"),
        amount=Decimal("500"), date=TODAY, place=world.grid,
    )  # fmt: skip
    head = world.cast["community_head"]
    health = Subject(DEPARTMENT, department=department("health"))
    snapshot, content = services.generate_summary(
        world.community, summary_span(Y), by=head, subject=health
    )
    body = _text(content)
    topical = WorkRecord.objects.filter(topics__code__in=["health", "environment"]).distinct()
    hygiene = Inspection.objects.filter(area="爱国卫生")
    assert f"甲社区爱国卫生{Y}年工作总结" in body
    assert f"共登记各类工作记录{topical.count()}条" in body
    assert f"累计参与{sum(r.head_count for r in topical)}人次" in body
    assert f"发放宣传资料{300 + 1000}份" in body  # both health records' leaflets
    assert f"各类检查{hygiene.count()}次" in body and hygiene.count() == 1
    assert "居民诉求" not in body and "救助" not in body  # not the health office's
    assert "甲社区爱国卫生运动委员会办公室" in body  # the signature
    appendix = _appendix(content)
    assert "只计工作领域为卫生健康、环境的工作记录" in appendix["工作记录（条）"][2]
    assert "只计爱国卫生方面的记录" in appendix["开展检查（次）"][2]
    assert snapshot.subject == DEPARTMENT and snapshot.department == "health"
    # The page: the department chosen, each figure opening only the department's records.
    client.force_login(head)
    page = client.get(
        reverse("reports:summary"), {"place": world.community.pk, "year": Y, "department": "health"}
    )
    html = page.content.decode()
    drill = reverse("reports:drill", args=["records.all"])
    link = re.search(rf'<a href="({re.escape(drill)}\?[^"]+)"[^>]*>(\d+)</a>', html)
    assert link.group(2) == str(topical.count())
    opened = client.get(link.group(1).replace("&amp;", "&"))
    assert opened.context["count"] == topical.count()
    assert {r.title.split(" · ", 1)[1] for r in opened.context["rows"]} == set(
        topical.values_list("title", flat=True)
    )
    # The place's whole summary still counts everything.
    whole = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    assert whole.context["summary"].figures.totals["records.all"] == WorkRecord.objects.count()


def test_an_unknown_department_is_refused_and_nothing_is_stored(client, world):
    client.force_login(world.cast["community_head"])
    page = client.post(
        reverse("reports:summary"),
        {"place": world.community.pk, "year": Y, "department": "nosuch"},
    )
    assert page.status_code == 200 and page.context["place"] is None
    assert "选择一个有效的选项" in page.content.decode()
    assert not SummarySnapshot.objects.exists()
    drill = client.get(
        reverse("reports:drill", args=["records.all"]),
        {"place": world.community.pk, "department": "nosuch"},
    )
    assert drill.status_code == 404
    with pytest.raises(Exception, match="没有编号为“nosuch”的部门"):
        services.department_subject("nosuch")


def _elderly(world, name, birth=datetime.date(1940, 1, 1)):
    person = resident(world.grid, name, birth=birth)
    people_services.add_membership(
        GroupCategory.objects.get(code="elderly"),
        resident=person,
        start=datetime.date(2020, 1, 1),
        attributes={"living_alone": True},
        by=None,
    )
    return person


def test_the_prompts_name_the_groups_not_visited_and_open_the_list(client, world):
    visited = _elderly(world, "老甲")
    _elderly(world, "老乙")
    _elderly(world, "老丙")
    record = WorkRecord.objects.create(kind="走访/入户", title="走访", date=TODAY, place=world.grid)
    ledger_services.add_visit(record, resident=visited, purpose="日常走访", by=None)
    head = world.cast["community_head"]
    client.force_login(head)
    page = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    shortcomings = page.context["summary"].shortcomings
    gap = next(p for p in shortcomings if "重点人群走访" in "".join(x.text for x in p))
    number = next(x for x in gap if x.url)
    assert number.text == "2"
    listed = client.get(number.url)
    coverage = listed.context["coverage"]
    assert coverage.members - coverage.visited == 2
    assert sorted(m.resident.name for m in coverage.unvisited) == ["老丙", "老乙"]
    _s, content = services.generate_summary(world.community, summary_span(Y), by=head)
    body = _text(content)
    assert "重点人群走访还没有做到全覆盖" in body and "高龄/独居老人中有2人" in body
    assert _appendix(content)["未走访的高龄/独居老人（人）"][0] == "2"
    # A personal summary does not carry the place's gaps.
    mine = services.summarise(
        None,
        summary_span(Y),
        by=head,
        subject=services.worker_subject(world.cast["community_worker"]),
    )
    assert mine.unvisited == []


def test_the_existing_prompts_for_overdue_orders_and_unsatisfied_requests_stay(world):
    worker = world.cast["community_worker"]
    case = open_case(world, "诉求", assignee=worker)
    case = case_services.act(case, "finish", by=worker, version=case.version, note="好了")
    case_services.act(
        case, "follow_up", by=worker, version=case.version, rating="不满意", note="还在漏"
    )
    overdue = order(
        inspect(world, fail=1, date=TODAY - datetime.timedelta(days=20)),
        deadline=TODAY - datetime.timedelta(days=5),
    )
    summary = services.summarise(world.community, summary_span(Y), by=world.cast["community_head"])
    texts = ["".join(p.text for p in paragraph) for paragraph in summary.shortcomings]
    assert any("1件居民诉求回访评价为不满意" in t for t in texts)
    assert any("仍有1份整改通知已过整改期限" in t for t in texts)
    assert overdue.closed_on is None


def test_the_command_line_writes_department_and_worker_summaries(world, tmp_path):
    me, _other, _staff = _world_of_work(world)
    out = tmp_path / "个人.docx"
    stdout = io.StringIO()
    call_command(
        "report", "summary", "--worker", me.username, "--year", str(Y), "--out", str(out),
        stdout=stdout,
    )  # fmt: skip
    assert "已生成" in stdout.getvalue()
    assert f"吴芳{Y}年个人工作总结" in _text(out.read_bytes())
    dept = tmp_path / "部门.docx"
    call_command(
        "report", "summary", "--place", world.community.code, "--department", "health",
        "--year", str(Y), "--out", str(dept),
    )  # fmt: skip
    assert f"甲社区爱国卫生{Y}年工作总结" in _text(dept.read_bytes())
    assert list(SummarySnapshot.objects.values_list("subject", "via").order_by("pk")) == [
        ("worker", "cli"),
        ("department", "cli"),
    ]
    for args, reason in [
        (["--worker", "nobody"], "没有登录名为nobody的账号"),
        (["--worker", me.username, "--place", world.community.code], "只需 --worker"),
        (["--place", world.community.code, "--department", "x"], "没有编号为“x”的部门"),
        ([], "请用 --place 指定区划代码"),
    ]:
        with pytest.raises(CommandError, match=reason):
            call_command("report", "summary", *args, "--year", str(Y), "--out", str(out))
    assert SummarySnapshot.objects.count() == 2


def test_rollup_cells_never_stand_in_for_a_workers_own_figures(world):
    """The cells hold the place's figures: a worker's summary reads its rows even when the
    place's months are rolled up."""
    from reports import rollups

    me, _other, staff = _world_of_work(world)
    rollups.rebuild(world.community, Y)
    own = WorkRecord.objects.filter(organiser=staff) | WorkRecord.objects.filter(created_by=me)
    records = own.distinct().count()
    everyone = WorkRecord.objects.filter(place_path__under=world.community.path).count()
    assert records < everyone  # the place's figure differs, so a wrong read would show
    snapshot, _content = services.generate_summary(
        None, summary_span(Y), by=world.cast["community_head"], subject=services.worker_subject(me)
    )
    assert snapshot.figures["indicators"]["records.all"]["value"] == records

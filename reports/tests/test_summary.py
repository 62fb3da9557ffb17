"""The year-end summary: its figures against counts made here with plain ORM queries, the HTML
links, sections left out, templates (good, bad, nearest up the tree), scope, judicial figures,
snapshots and the command line."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from docx import Document

from audit.models import AuditEntry
from cases import services as case_services
from cases.models import Case
from cases.tests.factories import open_case
from ledger.models import Quantity, QuantityKind, WorkRecord
from people import services as people_services
from people.models import Membership, Residence, Staff
from people.tests.factories import resident
from reports import documents, services
from reports.models import SummarySnapshot, SummaryTemplate
from reports.summary import summary_span

Y = timezone.localdate().year - 1  # a whole year, over


def _day(month, day):
    return datetime.date(Y, month, day)


def _moment(month, day):
    return datetime.datetime(Y, month, day, 10, tzinfo=timezone.get_current_timezone())


def _records(world):
    """Work records, quantities, residents, staff and requests in and around the home
    community, in the year and outside it."""
    rows = [
        ("活动", "邻里节", _day(3, 5), world.grid, 120),
        ("活动", "健康讲座日", _day(6, 1), world.community, 45),
        ("活动", "植树", _day(4, 2), world.neighbour_grid, 30),
        ("活动", "读书会", _day(9, 9), world.grid, 12),
        ("会议", "两委会", _day(1, 10), world.community, 9),
        ("会议", "网格例会", _day(2, 10), world.grid, None),
        ("宣传", "防诈宣传", _day(5, 5), world.grid, 60),
        ("活动", "隔壁的活动", _day(3, 5), world.neighbour_community, 500),
        ("活动", "前年的活动", datetime.date(Y - 1, 3, 5), world.grid, 900),
    ]
    for kind, title, day, place, heads in rows:
        WorkRecord.objects.create(kind=kind, title=title, date=day, place=place, head_count=heads)
    leaflets = QuantityKind.objects.get(name="宣传资料")
    Quantity.objects.create(
        record=WorkRecord.objects.get(title="防诈宣传"), kind=leaflets, amount=Decimal("800")
    )
    Quantity.objects.create(
        record=WorkRecord.objects.get(title="隔壁的活动"), kind=leaflets, amount=Decimal("50")
    )
    head = resident(world.grid, "户主甲", birth=datetime.date(1970, 1, 1))
    spouse = resident(world.grid, "配偶甲", birth=datetime.date(1972, 2, 2), male=False)
    other = resident(world.neighbour_grid, "户主乙", birth=datetime.date(1960, 3, 3))
    home = people_services.create_household(
        number="H-1", place=world.grid, head=head, since=datetime.date(2020, 1, 1), by=None
    )
    people_services.move_in(home, spouse, relation="配偶", since=datetime.date(2020, 1, 1), by=None)
    people_services.create_household(
        number="H-2", place=world.neighbour_grid, head=other, since=datetime.date(2020, 1, 1),
        by=None,
    )  # fmt: skip
    Staff.objects.create(
        name="社工甲",
        sex="女",
        birth_date=datetime.date(1990, 1, 1),
        post="社区专职工作者",
        education="大学本科",
        start_date=datetime.date(2020, 1, 1),
        place=world.community,
    )
    worker = world.cast["community_worker"]
    done = open_case(world, "诉求", assignee=worker, received_at=_moment(4, 1))
    for code, extra in [("finish", {"note": "已修好"}), ("follow_up", {"rating": "满意"})]:
        done = case_services.act(done, code, by=worker, version=done.version, **extra)
    case_services.act(done, "close", by=worker, version=done.version)
    unhappy = open_case(world, "诉求", assignee=worker, received_at=_moment(5, 1))
    unhappy = case_services.act(unhappy, "finish", by=worker, version=unhappy.version, note="好了")
    case_services.act(
        unhappy, "follow_up", by=worker, version=unhappy.version, rating="不满意", note="没修好"
    )
    open_case(world, "诉求", received_at=_moment(11, 20))  # due 7 days later: overdue now
    open_case(
        world,
        "诉求",
        received_at=_moment(6, 1),
        place=world.neighbour_community,
        by=world.cast["subdistrict_admin"],
    )
    open_case(
        world,
        "矫正",
        received_at=_moment(3, 1),
        starts_on=_day(3, 1),
        by=world.cast["community_head"],
    )


def _counts(world) -> dict[str, int | Decimal]:
    """The same figures counted here, query by query, without the engine."""
    under = world.community.path
    start, end = _day(1, 1), _day(12, 31)
    records = WorkRecord.objects.filter(place_path__startswith=under, date__range=(start, end))
    activities = records.filter(kind="活动")
    requests = Case.objects.filter(
        place_path__startswith=under,
        kind="诉求",
        received_at__gte=_moment(1, 1).replace(hour=0),
        received_at__lt=datetime.datetime(Y + 1, 1, 1, tzinfo=timezone.get_current_timezone()),
    )
    living = Residence.objects.filter(
        household__place_path__startswith=under, since__lte=end
    ).filter(Q(until__isnull=True) | Q(until__gte=end))
    return {
        "records.all": records.count(),
        "records.heads": records.aggregate(n=Sum("head_count"))["n"],
        "records.activity": activities.count(),
        "records.activity_heads": activities.aggregate(n=Sum("head_count"))["n"],
        "records.meeting": records.filter(kind="会议").count(),
        "records.publicity": records.filter(kind="宣传").count(),
        "quantity.leaflets": Quantity.objects.filter(
            record__in=records, kind__name="宣传资料"
        ).aggregate(n=Sum("amount"))["n"],
        "population": living.values("resident").distinct().count(),
        "households": living.values("household").distinct().count(),
        "staff": Staff.objects.filter(place_path__startswith=under).count(),
        "requests.all": requests.count(),
        "requests.closed": requests.filter(closed_at__isnull=False).count(),
        "requests.rated": requests.exclude(rating="").count(),
        "requests.satisfied": requests.filter(rating__in=["满意", "基本满意"]).count(),
        "requests.unsatisfied": requests.filter(rating="不满意").count(),
        "requests.overdue": requests.filter(
            closed_at__isnull=True, done_at__isnull=True, due__lt=timezone.localdate()
        ).count(),
        "group.correction": Membership.objects.filter(
            place_path__startswith=under, category__code="correction", start__lte=end
        )
        .filter(Q(end__isnull=True) | Q(end__gte=end))
        .count(),
    }


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    return "\n".join(p.text for p in doc.paragraphs)


def _appendix(content: bytes) -> dict[str, tuple[str, str]]:
    """The appendix table: name → (figure, records)."""
    table = Document(io.BytesIO(content)).tables[-1]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    return {name: (value, records) for _n, name, value, _definition, records in rows}


def _number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def test_every_figure_in_the_docx_equals_an_independent_count(world):
    _records(world)
    head = world.cast["community_head"]
    snapshot, content = services.generate_summary(world.community, summary_span(Y), by=head)
    counts = _counts(world)
    body = _text(content)
    n = {k: _number(v) for k, v in counts.items()}
    assert f"甲社区{Y}年度工作总结" in body
    assert f"全年共登记各类工作记录{n['records.all']}条，累计参与{n['records.heads']}人次" in body
    assert (
        f"开展各类活动{n['records.activity']}场（参与{n['records.activity_heads']}人次），"
        f"召开会议{n['records.meeting']}次，开展宣传{n['records.publicity']}次" in body
    )
    assert f"发放宣传资料{n['quantity.leaflets']}份" in body
    assert f"共有居民{n['households']}户、常住人口{n['population']}人" in body
    assert f"在职社区工作者{n['staff']}人" in body
    assert (
        f"受理居民诉求{n['requests.all']}件，已结案{n['requests.closed']}件，诉求结案率"
        f"{counts['requests.closed'] / counts['requests.all'] * 100:.1f}%" in body
    )
    assert (
        f"已回访{n['requests.rated']}件，其中评价满意或基本满意{n['requests.satisfied']}件" in body
    )
    assert f"仍有{n['requests.overdue']}件超过办理期限未办结" in body
    assert f"有{n['requests.unsatisfied']}件居民诉求回访评价为不满意" in body
    assert f"在册社区矫正对象{n['group.correction']}人" in body
    # The largest activities by head count, in the community only.
    assert "参与人数较多的活动有：3月5日“邻里节”（120人次）；6月1日“健康讲座日”（45人次）" in body
    assert "隔壁的活动" not in body and "前年的活动" not in body

    appendix = _appendix(content)
    names = {
        "records.all": "工作记录（条）",
        "records.activity": "开展活动（场）",
        "records.activity_heads": "活动参与人次（人次）",
        "quantity.leaflets": "宣传资料（份）",
        "population": "常住人口（人）",
        "households": "户数（户）",
        "requests.all": "受理居民诉求（件）",
        "requests.overdue": "诉求超期未办结（件）",
    }
    for id_, name in names.items():
        assert appendix[name][0] == n[id_], id_
    # Records behind each figure: what it counts, the rows a sum adds, the residences read.
    assert appendix["活动参与人次（人次）"][1] == str(counts["records.activity"])
    assert appendix["宣传资料（份）"][1] == "1"
    assert appendix["常住人口（人）"][1] == str(counts["population"])
    assert appendix["诉求结案率"][0].endswith(f"（{n['requests.closed']}/{n['requests.all']}）")

    stored = snapshot.figures["indicators"]
    assert stored["records.activity"]["value"] == counts["records.activity"]
    assert stored["quantity.leaflets"]["value"] == str(counts["quantity.leaflets"])
    assert snapshot.by == head and snapshot.via == "web" and snapshot.template is None
    entry = AuditEntry.objects.get(action="summary.generate")
    assert entry.object_id == str(snapshot.pk) and entry.data["sha256"] == snapshot.sha256


def test_a_work_area_without_records_is_left_out_and_named(world):
    _records(world)
    _snapshot, content = services.generate_summary(
        world.community, summary_span(Y), by=world.cast["community_head"]
    )
    body = _text(content)
    assert "信访工作" not in [line.split("、", 1)[-1] for line in body.splitlines()]
    assert (
        "本期没有登记便民服务、信访工作、矛盾纠纷排查调处、安全检查和爱国卫生、评选创建、获得荣誉、"
        "救助帮扶、社会捐赠和物资管理、社情民意和议事协商方面的记录，未列入总结。" in body
    )
    assert "登记信访" not in body


def test_the_summary_page_links_each_figure_to_its_records(
    client, world, django_assert_max_num_queries
):
    _records(world)
    client.force_login(world.cast["community_head"])
    # 50: one query finds no rollup cells for the year, two count the groups not visited.
    with django_assert_max_num_queries(50):
        page = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    assert page.status_code == 200
    html = page.content.decode()
    counts = _counts(world)
    drill = reverse("reports:drill", args=["records.activity"])
    link = re.search(rf'<a href="({re.escape(drill)}\?[^"]+)"[^>]*>(\d+)</a>', html)
    assert link, "the activities' count links to its drill-down"
    assert link.group(2) == str(counts["records.activity"])
    url = link.group(1).replace("&amp;", "&")
    assert f"place={world.community.pk}" in url and f"start={Y}-01-01" in url
    assert f"end={Y}-12-31" in url
    opened = client.get(url)
    assert opened.context["total"] == opened.context["count"] == counts["records.activity"]
    record = WorkRecord.objects.get(title="邻里节")
    assert reverse("ledger:record-detail", args=[record.pk]) in html  # notable events open too
    assert "left-out" in html and "信访工作" in html


def test_bad_templates_are_refused_with_a_chinese_reason_and_nothing_is_stored(
    client, world, settings
):
    client.force_login(world.cast["community_head"])
    url = reverse("reports:summary-templates")
    cases = [
        ("{{ title }}{{ no_such_thing }}", "占位符“no_such_thing”不存在"),
        ("{%p for p in basic %}{{ p }}", "占位符写法有误"),
        ("{{ title.__class__.__mro__ }}", "不允许使用的写法"),
    ]
    for line, reason in cases:
        page = client.post(
            url,
            {"place": world.community.pk, "name": "坏模板", "file": _upload(line)},
        )
        assert page.status_code == 200
        assert reason in page.content.decode(), line
    not_docx = SimpleUploadedFile("x.docx", b"%PDF-1.4 not a template")
    page = client.post(url, {"place": world.community.pk, "file": not_docx})
    assert "请上传Word（.docx）格式的模板" in page.content.decode()
    assert not SummaryTemplate.objects.exists()
    assert (
        not list(settings.RECORD_FILES_DIR.glob("*"))
        if settings.RECORD_FILES_DIR.exists()
        else True
    )
    assert not AuditEntry.objects.filter(action="summary.template.upload").exists()


def _upload(*lines: str, name: str = "模板.docx") -> SimpleUploadedFile:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def test_the_nearest_template_up_the_tree_is_used_until_retired(client, world):
    _records(world)
    admin = world.cast["subdistrict_admin"]
    head = world.cast["community_head"]
    client.force_login(admin)
    client.post(
        reverse("reports:summary-templates"),
        {
            "place": world.subdistrict.pk,
            "name": "街道格式",
            "file": _upload("街道格式：{{ title }}", "活动{{ n.records_activity }}场"),
        },
    )
    client.force_login(head)
    client.post(
        reverse("reports:summary-templates"),
        {
            "place": world.community.pk,
            "name": "社区格式",
            "file": _upload("社区格式：{{ title }}", "结案率{{ rates.requests_closed.percent }}"),
        },
    )
    own = SummaryTemplate.objects.get(name="社区格式")
    snapshot, content = services.generate_summary(world.community, summary_span(Y), by=head)
    assert snapshot.template == own and _text(content).startswith(f"社区格式：甲社区{Y}")
    assert "附件：统计数字及口径" in _text(content)  # added whatever the template
    # A neighbour community uses the sub-district's.
    _s, theirs = services.generate_summary(world.neighbour_community, summary_span(Y), by=admin)
    assert "街道格式：乙社区" in _text(theirs) and "活动1场" in _text(theirs)
    client.post(reverse("reports:summary-template-retire", args=[own.pk]))
    snapshot, content = services.generate_summary(world.community, summary_span(Y), by=head)
    assert snapshot.template.name == "街道格式"
    # The community head may download the sub-district's template it uses, not change it.
    above = SummaryTemplate.objects.get(name="街道格式")
    assert client.get(reverse("reports:summary-template-file", args=[above.pk])).status_code == 200
    assert (
        client.post(reverse("reports:summary-template-retire", args=[above.pk])).status_code == 404
    )


def test_generating_posts_the_edited_prompts_and_keeps_the_snapshot(client, world):
    _records(world)
    client.force_login(world.cast["community_head"])
    response = client.post(
        reverse("reports:summary"),
        {
            "place": world.community.pk,
            "year": Y,
            "shortcomings": "第一条不足\n\n第二条不足",
            "plans": "明年的计划",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    body = _text(response.content)
    assert "（一）第一条不足" in body and "（二）第二条不足" in body and "（一）明年的计划" in body
    snapshot = SummarySnapshot.objects.get()
    assert snapshot.figures["text"]["shortcomings"] == ["第一条不足", "第二条不足"]
    again = client.get(reverse("reports:summary-snapshot", args=[snapshot.pk]))
    assert again.content == response.content  # byte for byte as handed out
    page = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    assert snapshot.sha256[:12] in page.content.decode()


def test_a_tampered_snapshot_is_not_served(client, world):
    snapshot, _content = services.generate_summary(
        world.community, summary_span(Y), by=world.cast["community_head"]
    )
    from shequ import files

    files.path(snapshot.stored_as).write_bytes(b"changed")
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("reports:summary-snapshot", args=[snapshot.pk]), follow=True)
    assert "SHA-256不一致" in page.content.decode()


def test_a_worker_cannot_summarise_another_community(client, world):
    client.force_login(world.cast["community_worker"])
    page = client.post(
        reverse("reports:summary"), {"place": world.neighbour_community.pk, "year": Y}
    )
    assert page.status_code == 200 and page.context["place"] is None
    assert "选择一个有效的选项" in page.content.decode()
    assert not SummarySnapshot.objects.exists()
    grid = client.get(reverse("reports:summary"), {"place": world.grid.pk, "year": Y})
    assert "工作总结按社区、街道或区生成" in grid.content.decode()
    snapshot, _c = services.generate_summary(
        world.community, summary_span(Y), by=world.cast["community_head"]
    )
    client.force_login(world.outsiders["community_head"])
    assert client.get(reverse("reports:summary-snapshot", args=[snapshot.pk])).status_code == 404
    viewer = world.cast["viewer"]
    client.force_login(viewer)
    assert client.post(reverse("reports:summary"), {"year": Y}).status_code == 403


def test_judicial_figures_only_for_roles_that_see_judicial_data(client, world):
    _records(world)
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    html = page.content.decode()
    assert "社区矫正对象" not in html and "group.correction" not in html
    _s, content = services.generate_summary(
        world.community, summary_span(Y), by=world.cast["community_worker"]
    )
    assert "社区矫正" not in _text(content)
    assert "社区矫正" not in "".join(_appendix(content))
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    assert "在册社区矫正对象" in page.content.decode()


def test_the_command_line_writes_the_summary(world, tmp_path):
    _records(world)
    out = tmp_path / "总结.docx"
    stdout = io.StringIO()
    call_command(
        "report", "summary", "--place", world.community.code, "--year", str(Y), "--out",
        str(out), stdout=stdout,
    )  # fmt: skip
    assert "已生成" in stdout.getvalue()
    body = _text(out.read_bytes())
    assert f"开展各类活动{_counts(world)['records.activity']}场" in body
    assert "在册社区矫正对象1人" in body  # the operator sees everything
    snapshot = SummarySnapshot.objects.get()
    assert snapshot.by is None and snapshot.via == "cli"
    assert AuditEntry.objects.get(action="summary.generate").actor_username == "cli"
    with pytest.raises(Exception, match="不是社区、街道或区"):
        call_command("report", "summary", "--place", "000", "--year", str(Y), "--out", str(out))


def test_regenerating_the_default_template_gives_the_same_placeholders():
    committed = documents.DEFAULT_TEMPLATE.read_bytes()
    fresh = documents.default_template()
    assert documents.placeholders(fresh) == documents.placeholders(committed)
    assert "{{ n.records_activity }}" not in documents.placeholders(committed)
    assert "{% for s in sections %}" in documents.placeholders(committed)  # {%p …%}, as read
    with zipfile.ZipFile(io.BytesIO(committed)) as archive:
        styles = archive.read("word/styles.xml").decode()
    assert 'w:eastAsia="仿宋"' in styles and 'w:eastAsia="黑体"' in styles


def test_the_docs_name_every_placeholder():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "summary-template.md").read_text()
    for code, _meaning in documents.PLACEHOLDERS:
        assert code in docs, code
    for key in documents.sample_context():
        assert f"`{key}" in docs or f"{{{{ {key}" in docs or f" {key}" in docs, key


def test_the_indicator_page_names_each_figure_as_a_template_does():
    from reports import catalogue

    ctx = documents.sample_context()
    assert {i.placeholder.removeprefix("n.") for i in catalogue.INDICATORS} == set(ctx["n"])
    assert {r.placeholder.removeprefix("rates.") for r in catalogue.RATES} == set(ctx["rates"])

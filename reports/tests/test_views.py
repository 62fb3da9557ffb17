import datetime

from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.tests.factories import open_case
from ledger.models import WorkRecord


def _records(world):
    year = timezone.localdate().year
    for i, place in enumerate([world.grid, world.grid, world.neighbour_grid, world.community]):
        WorkRecord.objects.create(
            kind="活动", title=f"活动{i}", date=datetime.date(year, 3, 1 + i), place=place
        )
    WorkRecord.objects.create(
        kind="活动", title="去年", date=datetime.date(year - 1, 3, 1), place=world.grid
    )
    WorkRecord.objects.create(
        kind="活动", title="隔壁", date=datetime.date(year, 3, 1), place=world.neighbour_community
    )


def test_statistics_show_this_year_beside_last_year(client, world, django_assert_max_num_queries):
    _records(world)
    client.force_login(world.cast["community_worker"])
    # 31 grouped queries a period and one that finds no rollup cells, twice; the page
    with django_assert_max_num_queries(75):
        page = client.get(reverse("reports:statistics"))
    assert page.status_code == 200
    figures = {
        f["indicator"].id: (f["value"], f["before"])
        for s in page.context["sections"]
        for f in s["figures"]
    }
    assert figures["records.activity"] == (4, 1)
    assert "group.correction" not in figures  # judicial numbers: not for this role
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("reports:statistics"))
    ids = {f["indicator"].id for s in page.context["sections"] for f in s["figures"]}
    assert "group.correction" in ids


def test_the_drill_down_lists_exactly_the_counted_records(client, world):
    _records(world)
    client.force_login(world.cast["community_worker"])
    year = timezone.localdate().year
    url = reverse("reports:drill", args=["records.activity"])
    page = client.get(url, {"place": world.community.pk, "year": year})
    assert page.context["total"] == page.context["count"] == 4
    assert sorted(r.title for r in page.context["rows"]) == [f"活动 · 活动{i}" for i in range(4)]
    children = {c.name if c else "本级": v for c, v, _url in page.context["children"]}
    assert children == {"甲一网格": 2, "甲二网格": 1, "本级": 1}
    months = {m["month"].month: m["value"] for m in page.context["months"]}
    assert months == {3: 4}


def test_rates_state_their_denominators(client, world):
    worker = world.cast["community_worker"]
    done = open_case(world, "诉求", assignee=worker)
    for code, extra in [("finish", {"note": "好了"}), ("follow_up", {"rating": "满意"})]:
        done = services.act(done, code, by=worker, version=done.version, **extra)
    open_case(world, "诉求")
    client.force_login(worker)
    page = client.get(reverse("reports:statistics"))
    rates = {r["rate"].id: r for s in page.context["sections"] for r in s["rates"]}
    closed = rates["rate.requests.closed"]
    assert (closed["top"], closed["bottom"], closed["percent"]) == (0, 2, "0.0%")
    satisfied = rates["rate.requests.satisfied"]
    assert (satisfied["top"], satisfied["bottom"], satisfied["percent"]) == (1, 1, "100.0%")
    assert "（<a" in page.content.decode()  # numerator and denominator each open their records


def test_places_and_indicators_outside_the_role_are_refused(client, world):
    client.force_login(world.cast["community_worker"])
    other = client.get(reverse("reports:statistics"), {"place": world.other_community.pk})
    assert "选择一个有效的选项" in other.content.decode() and other.context["place"] is None
    drill = reverse("reports:drill", args=["group.correction"])
    assert client.get(drill).status_code == 404
    assert client.get(reverse("reports:drill", args=["no.such"])).status_code == 404
    bad = client.get(reverse("reports:statistics"), {"start": "2026-05-01", "end": "2026-01-01"})
    assert "结束日期不能早于开始日期" in bad.content.decode()


def test_the_indicator_page_defines_every_figure(client, world):
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("reports:indicator-list")).content.decode()
    assert "期间内登记的类型为“活动”的工作记录条数" in page
    assert "调解已有结果的矛盾纠纷中达成协议的比例" in page


def test_compare_sets_the_child_places_side_by_side(client, world, django_assert_max_num_queries):
    _records(world)
    client.force_login(world.cast["subdistrict_admin"])
    with django_assert_max_num_queries(57):  # one evaluation with the breakdown; the page
        page = client.get(reverse("reports:compare"))
    children = page.context["children"]
    assert [c.name for c in children] == ["甲社区", "乙社区"]
    rows = {
        i.id: (total, [v for v, _url in cells])
        for s in page.context["sections"]
        for i, total, cells in s["rows"]
    }
    assert rows["records.activity"] == (5, [4, 1])
    client.force_login(world.cast["community_worker"])  # a community's children are its grids
    page = client.get(reverse("reports:compare"))
    rows = {
        i.id: [v for v, _url in cells]
        for s in page.context["sections"]
        for i, _total, cells in s["rows"]
    }
    names = [c.name if c else "本级" for c in page.context["children"]]
    assert names == ["甲一网格", "甲二网格", "本级"] and rows["records.activity"] == [2, 1, 1]

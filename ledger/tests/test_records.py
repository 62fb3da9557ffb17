import datetime

from django.urls import reverse
from django.utils import timezone

from areas.models import Place
from audit.models import AuditEntry
from ledger.models import Participant, QuantityKind, Topic, WorkRecord
from people.models import Staff
from people.tests.factories import resident


def _form(world, **changes):
    leaflets = QuantityKind.objects.get(name="宣传资料")
    banners = QuantityKind.objects.get(name="横幅")
    data = {
        "kind": "宣传",
        "topics": [Topic.objects.get(code="law").pk, Topic.objects.get(code="security").pk],
        "title": "防范电信诈骗宣传",
        "date": "2025-04-15",
        "start_time": "09:00",
        "end_time": "11:30",
        "place": world.grid.pk,
        "venue": "社区广场",
        "head_count": 120,
        f"q_{leaflets.pk}": "300",
        f"q_{banners.pk}": "2",
    }
    data.update(changes)
    return data


def test_a_worker_records_an_activity_with_topics_and_quantities(client, world):
    client.force_login(world.cast["community_worker"])
    response = client.post(reverse("ledger:record-create"), _form(world))
    record = WorkRecord.objects.get()
    assert response["Location"] == reverse("ledger:record-detail", args=[record.pk])
    assert record.place_path == world.grid.path and record.head_count == 120
    assert {t.name for t in record.topics.all()} == {"法治", "综治平安"}
    assert {(q.kind.name, int(q.amount)) for q in record.quantities.all()} == {
        ("宣传资料", 300),
        ("横幅", 2),
    }
    assert AuditEntry.objects.filter(action="record.create").count() == 1
    page = client.get(reverse("ledger:record-list")).content.decode()
    assert "防范电信诈骗宣传" in page and "宣传资料300份" in page


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(client, world):
    client.force_login(world.cast["community_worker"])
    leaflets = QuantityKind.objects.get(name="宣传资料")
    far = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    cases = [
        ({f"q_{leaflets.pk}": "-5"}, "数量应为不小于0的数字"),
        ({f"q_{leaflets.pk}": "很多"}, "输入一个数字"),
        ({"end_time": "08:00"}, "结束时间不能早于开始时间"),
        ({"date": far}, "日期不能晚于一年以后"),
        ({"topics": []}, "请至少选择一个工作领域"),
        ({"title": "  "}, "这个字段是必填项"),
        ({"head_count": "-1"}, "大于或等于0"),
        ({"place": world.other_community.pk}, "选择一个有效的选项"),
    ]
    for changes, message in cases:
        response = client.post(reverse("ledger:record-create"), _form(world, **changes))
        assert response.status_code == 200, changes
        assert message in response.content.decode(), changes
    assert not WorkRecord.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="record.").exists()


def test_the_form_remembers_the_last_record_and_copies_a_chosen_one(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:record-create"), _form(world))
    record = WorkRecord.objects.get()
    with django_assert_max_num_queries(14):
        page = client.get(reverse("ledger:record-create"))
    form = page.context["form"]
    assert form.initial["venue"] == "社区广场" and form.initial["kind"] == "宣传"
    assert form.initial["date"] == timezone.localdate() and "title" not in form.initial
    copied = client.get(reverse("ledger:record-create"), {"copy": record.pk}).context["form"]
    assert copied.initial["title"] == "防范电信诈骗宣传" and copied.initial["head_count"] == 120
    assert copied.initial[f"q_{QuantityKind.objects.get(name='宣传资料').pk}"] == 300


def test_participants_come_from_the_registry_within_scope(client, world):
    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:record-create"), _form(world))
    record = WorkRecord.objects.get()
    volunteer = resident(world.grid, "志愿者甲")
    outsider = resident(world.other_community, "外人乙")
    detail = reverse("ledger:record-detail", args=[record.pk])
    found = client.get(detail, {"q": "zyz"}).context["found"]
    assert [r.name for r in found] == ["志愿者甲"]
    add = reverse("ledger:participant-add", args=[record.pk])
    client.post(add, {"resident": volunteer.pk, "role": "参与者", "hours": "2"})
    assert not record.participants.exists()  # hours only for volunteers
    back = client.post(
        add, {"resident": volunteer.pk, "role": "志愿者", "hours": "2.5", "q": "zyz"}
    )
    assert back["Location"].endswith("?q=zyz")  # the same search, for the next one
    assert client.post(add, {"resident": outsider.pk, "role": "参与者"}).status_code == 404
    participant = record.participants.get()
    assert participant.role == "志愿者" and float(participant.hours) == 2.5
    client.post(reverse("ledger:participant-remove", args=[participant.pk]))
    assert not Participant.objects.exists()
    assert AuditEntry.objects.filter(action="record.participant_remove").count() == 1


def test_editing_changes_topics_and_quantities_with_an_audit_row(client, world):
    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:record-create"), _form(world))
    record = WorkRecord.objects.get()
    leaflets = QuantityKind.objects.get(name="宣传资料")
    url = reverse("ledger:record-edit", args=[record.pk])
    assert client.get(url).context["form"].initial[f"q_{leaflets.pk}"] == 300
    changes = {"topics": [Topic.objects.get(code="law").pk], f"q_{leaflets.pk}": "500"}
    assert client.post(url, _form(world, version=record.version, **changes)).status_code == 302
    assert [t.name for t in record.topics.all()] == ["法治"]
    assert record.quantities.get(kind=leaflets).amount == 500
    entry = AuditEntry.objects.filter(action="record.details").latest("pk")
    assert entry.data["topics"] == "法治" and "宣传资料（份） 500" in entry.data["quantities"]
    created = AuditEntry.objects.filter(action="record.details").earliest("pk")
    assert "宣传资料（份） 300" in created.data["quantities"]  # what was entered at first


def _staff(name, place):
    return Staff.objects.create(
        name=name,
        sex="女",
        birth_date=datetime.date(1985, 1, 1),
        place=place,
        post=Staff.Post.choices[0][0],
        education="大学本科",
        start_date=datetime.date(2020, 1, 1),
    )


def test_the_organiser_must_work_in_the_records_community(client, world):
    elsewhere = _staff("外社区工作者", world.other_community)
    here = _staff("本社区工作者", world.community)
    client.force_login(world.cast["community_worker"])
    bad = client.post(reverse("ledger:record-create"), _form(world, organiser=elsewhere.pk))
    assert "选择一个有效的选项" in bad.content.decode()  # not offered outside the scope
    good = client.post(reverse("ledger:record-create"), _form(world, organiser=here.pk))
    assert good.status_code == 302
    assert WorkRecord.objects.get().organiser == here


def test_the_list_pages_newest_first_with_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    law, health = Topic.objects.get(code="law"), Topic.objects.get(code="health")
    for i in range(60):
        record = WorkRecord.objects.create(
            kind="活动",
            title=f"活动{i:02d}",
            date=datetime.date(2025, 1, 1) + datetime.timedelta(days=i // 2),
            place=world.grid,
        )
        record.topics.add(law)
    for i in range(5):  # other months and topics, which the filters must leave out
        WorkRecord.objects.create(
            kind="讲座", title=f"二月{i}", date=datetime.date(2025, 2, 10), place=world.grid
        ).topics.add(law)
        WorkRecord.objects.create(
            kind="讲座", title=f"健康{i}", date=datetime.date(2025, 1, 20), place=world.grid
        ).topics.add(health)
    client.force_login(world.cast["community_worker"])
    url = reverse("ledger:record-list")
    with django_assert_max_num_queries(14):
        first = client.get(url)
    rows = first.context["rows"]
    dates = [r.date for r in rows]
    assert len(rows) == 50 and dates == sorted(dates, reverse=True)
    second = client.get(url, {"before": first.context["more"]}).context["rows"]
    assert len(second) == 20 and not {r.pk for r in rows} & {r.pk for r in second}
    query = {"month": "2025-01", "topic": "law"}
    january = client.get(url, query)
    rest = client.get(url, {**query, "before": january.context["more"]}).context["rows"]
    found = [*january.context["rows"], *rest]
    assert len(found) == 60 and {r.title[:2] for r in found} == {"活动"}


def test_an_office_cannot_name_another_communitys_worker_as_organiser(client, world):
    next_door = _staff("乙社区工作者", world.neighbour_community)
    client.force_login(world.cast["subdistrict_admin"])  # sees both communities
    response = client.post(reverse("ledger:record-create"), _form(world, organiser=next_door.pk))
    assert "组织者应是本社区的工作者" in response.content.decode()
    assert not WorkRecord.objects.exists()


def test_the_demo_year_covers_every_kind_with_topics_quantities_and_participants(world):
    import random

    from ledger import builtin, demo
    from people.tests.factories import resident as make_resident

    builtin.ensure(Topic, QuantityKind)
    for i in range(10):
        make_resident(world.grid, f"居民{i}", birth=datetime.date(1960, 1, 1 + i))
    made = demo.populate(world.community, random.Random(1))
    records = WorkRecord.objects.filter(place_path__under=world.community.path)
    assert made["records"] == records.count() > 150
    assert set(records.values_list("kind", flat=True)) == set(WorkRecord.Kind.values) - {"其他"}
    today = timezone.localdate()
    assert all(today - datetime.timedelta(days=365) < r.date <= today for r in records)
    assert not records.filter(topics=None).exists()
    assert Participant.objects.filter(role="志愿者", hours__gt=0).exists()
    assert records.filter(kind="宣传", quantities__kind__name="宣传资料").exists()


def test_an_admin_extends_and_retires_the_catalogue_without_code(client, world):
    client.force_login(world.cast["sysadmin"])
    url = reverse("ledger:catalogue")
    client.post(url, {"add_kind": "1", "k-name": "宣传册", "k-unit": "本"})
    same = client.post(url, {"add_kind": "1", "k-name": "宣传册", "k-unit": "份"})
    assert "已有名为“宣传册”的数量项目" in same.content.decode()
    blank = client.post(url, {"add_topic": "1", "t-name": "", "t-code": "housing"})
    assert "这个字段是必填项" in blank.content.decode()
    client.post(url, {"add_topic": "1", "t-name": "住房保障", "t-code": "housing"})
    booklets = QuantityKind.objects.get(name="宣传册")
    housing = Topic.objects.get(code="housing")
    assert booklets.unit == "本" and QuantityKind.objects.filter(name="宣传册").count() == 1
    client.force_login(world.cast["community_worker"])
    form = client.get(reverse("ledger:record-create")).content.decode()
    assert "宣传册（本）" in form and "住房保障" in form
    client.force_login(world.cast["sysadmin"])
    client.post(reverse("ledger:catalogue-toggle", args=["kind", booklets.pk]), {"active": "0"})
    client.post(reverse("ledger:catalogue-toggle", args=["topic", housing.pk]), {"active": "0"})
    client.force_login(world.cast["community_worker"])
    form = client.get(reverse("ledger:record-create")).content.decode()
    assert "宣传册（本）" not in form and "住房保障" not in form
    assert AuditEntry.objects.filter(action="quantity_kind.update").count() == 1


def test_editing_keeps_what_the_catalogue_has_since_retired(client, world):
    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:record-create"), _form(world))
    record = WorkRecord.objects.get()
    banners = QuantityKind.objects.get(name="横幅")
    security = Topic.objects.get(code="security")
    QuantityKind.objects.filter(pk=banners.pk).update(active=False)
    Topic.objects.filter(pk=security.pk).update(active=False)
    url = reverse("ledger:record-edit", args=[record.pk])
    page = client.get(url).content.decode()
    assert "横幅（条）" in page and "综治平安" in page  # still offered on this record
    assert "横幅（条）" not in client.get(reverse("ledger:record-create")).content.decode()
    assert client.post(url, _form(world, title="改过的标题", version=0)).status_code == 302
    record.refresh_from_db()
    assert record.title == "改过的标题"
    assert record.quantities.get(kind=banners).amount == 2
    assert {t.code for t in record.topics.all()} == {"law", "security"}
    # Unticking a retired topic removes it like any other.
    client.post(url, _form(world, topics=[Topic.objects.get(code="law").pk], version=1))
    assert {t.code for t in record.topics.all()} == {"law"}


def test_a_grid_worker_picks_a_community_colleague_and_an_old_organiser_stays(client, world):
    _staff("社区同事", world.community)
    departed = _staff("已离职者", world.community)
    Staff.objects.filter(pk=departed.pk).update(end_date=datetime.date(2024, 12, 31))
    client.force_login(world.cast["grid_worker"])
    page = client.get(reverse("ledger:record-create")).content.decode()
    assert "社区同事" in page and "已离职者" not in page
    record = WorkRecord.objects.create(
        kind="走访/入户", title="入户走访", date=datetime.date(2024, 6, 1), place=world.grid,
        organiser=departed,
    )  # fmt: skip
    record.topics.add(Topic.objects.get(code="elderly"))
    url = reverse("ledger:record-edit", args=[record.pk])
    form = client.get(url).context["form"]
    data = {**form.initial, "topics": [t.pk for t in form.initial["topics"]], "head_count": 3}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    assert client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.organiser == departed and record.head_count == 3


def test_a_grid_worker_sees_no_name_of_a_participant_beyond_the_grid(client, world):
    record = WorkRecord.objects.create(
        kind="活动", title="网格活动", date=datetime.date(2025, 6, 1), place=world.grid
    )
    record.participants.create(resident=resident(world.neighbour_grid, "邻网格居民"))
    record.participants.create(resident=resident(world.grid, "本网格居民"))
    client.force_login(world.cast["grid_worker"])
    page = client.get(reverse("ledger:record-detail", args=[record.pk])).content.decode()
    assert "本网格居民" in page and "邻网格居民" not in page and "辖区外居民" in page


def test_pages_taken_place_by_place_merge_into_one_newest_first_order(client, world, monkeypatch):
    """The list takes each page per place of the scope and merges them: every record once, in
    (date, id) order, across places, pages and days shared by many records; with a place
    filter; and by one plain query when the scope has more places than the merge takes."""
    from ledger import paging

    places = [world.community, world.grid, world.neighbour_grid]
    for i in range(130):
        WorkRecord.objects.create(
            kind="巡逻" if i % 3 else "会议",
            title=f"记录{i:03d}",
            date=datetime.date(2025, 3, 1) + datetime.timedelta(days=i * 37 % 19),
            place=places[i * 7 % 3],
        )
    WorkRecord.objects.create(
        kind="巡逻", title="乙社区", date=datetime.date(2025, 3, 2), place=world.neighbour_community
    )
    client.force_login(world.cast["community_worker"])

    def every_page(query):
        found, url = [], reverse("ledger:record-list")
        page = client.get(url, query)
        while True:
            found += [r.title for r in page.context["rows"]]
            if not page.context["more"]:
                return found
            page = client.get(url, {**query, "before": page.context["more"]})

    mine = WorkRecord.objects.filter(place_path__under=world.community.path)
    expected = list(mine.order_by("-date", "-pk").values_list("title", flat=True))
    assert every_page({}) == expected and len(expected) == 130
    grid = mine.filter(place=world.neighbour_grid, kind="巡逻").order_by("-date", "-pk")
    assert every_page({"place": world.neighbour_grid.pk, "kind": "巡逻"}) == list(
        grid.values_list("title", flat=True)
    )
    monkeypatch.setattr(paging, "MAX_PLACES", 2)
    assert every_page({}) == expected


def test_a_record_of_a_retired_grid_can_still_be_corrected_but_not_added(client, world):
    import datetime as dt

    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:record-create"), _form(world))
    record = WorkRecord.objects.get()
    Place.objects.filter(pk=world.grid.pk).update(retired_on=dt.date(2025, 12, 31))
    url = reverse("ledger:record-edit", args=[record.pk])
    options = client.get(url).context["form"].fields["place"].queryset
    assert world.grid in options
    assert client.post(url, _form(world, title="更正后的标题", version=0)).status_code == 302
    assert WorkRecord.objects.get().title == "更正后的标题"
    again = client.post(reverse("ledger:record-create"), _form(world, title="新记录"))
    assert again.status_code == 200 and WorkRecord.objects.count() == 1


def test_a_refused_filter_leaves_the_others_applied(client, world):
    for day in ("2025-04-15", "2025-04-16"):
        WorkRecord.objects.create(kind="会议", title=day, date=day, place=world.grid)
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("ledger:record-list"), {"kind": "xx", "day": "2025-04-15"})
    assert [r.title for r in page.context["rows"]] == ["2025-04-15"]
    assert page.context["filters"].errors["kind"]


def test_after_saving_the_page_says_what_usually_comes_next(client, world):
    client.force_login(world.cast["community_worker"])
    for kind, hint in [("走访/入户", "走访对象"), ("会议", "会议纪要"), ("活动", "参与人员")]:
        page = client.post(
            reverse("ledger:record-create"), _form(world, kind=kind, title=kind), follow=True
        )
        assert (
            f"已登记，可继续{'填写' if kind == '会议' else '添加'}{hint}" in page.content.decode()
        )

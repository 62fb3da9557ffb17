import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from areas.models import Dwelling, LocalUnit
from inspections import services
from inspections.models import (
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionFile,
    Recheck,
    Rectification,
    RoomCount,
)
from inspections.tests.factories import FIRE, PEST, checklist, inspect, order, shop
from ledger.demo import sample_photo

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
CREATE = reverse("inspections:inspection-create")


def _step_two(checklist_name: str = FIRE, **target) -> str:
    fire = Checklist.objects.get(name=checklist_name)
    query = "&".join(f"{k}={v}" for k, v in {"checklist": fire.pk, **target}.items())
    return f"{CREATE}?{query}"


def _answers(version, *, failing: int = 0) -> dict:
    """A passing answer to every item, the first `failing` rectifiable ones failing."""
    data = {}
    rectifiable = [i for i in version.items.all() if i.needs_rectification][:failing]
    for item in version.items.all():
        if item.kind == ChecklistItem.Kind.NUMBER:
            data[f"a_{item.pk}"] = "2"
        elif item.kind == ChecklistItem.Kind.TEXT:
            data[f"a_{item.pk}"] = ""
        elif item in rectifiable:
            data[f"a_{item.pk}"] = item.failing_list()[0]
        else:
            data[f"a_{item.pk}"] = next(c for c in item.choice_list() if not item.fails(c))
    return data


def _form(world, checklist_version, *, failing: int = 0, **extra) -> dict:
    return {
        "checklist_version": checklist_version.pk,
        "date": TODAY.isoformat(),
        "inspectors": [world.cast["community_worker"].pk],
        **_answers(checklist_version, failing=failing),
        **extra,
    }


def test_a_worker_records_an_inspection_of_a_unit_in_two_steps(client, world):
    unit = shop(world.grid, "好又多便利店")
    unit.legal_representative = "张店主"
    unit.save(update_fields=["legal_representative"])
    client.force_login(world.cast["community_worker"])
    first = client.get(CREATE, {"unit": unit.pk})
    assert first.templates[0].name == "inspections/inspection_start.html"
    assert f'value="u:{unit.pk}" checked' in first.content.decode()
    url = _step_two(unit=unit.pk)
    page = client.get(url)
    assert page.templates[0].name == "inspections/inspection_form.html"
    version = checklist()
    form = page.context["form"]
    assert len(form.item_rows()) == version.items.count()
    assert form["inspectors"].value() == [world.cast["community_worker"].pk]
    assert "病媒生物监测" not in page.content.decode()  # fire safety has no counts
    failing = next(i for i in version.items.all() if i.needs_rectification)
    data = _form(world, version, failing=1, **{f"n_{failing.pk}": "灭火器已过期"})
    data["files"] = [SimpleUploadedFile("现场.jpg", sample_photo())]
    response = client.post(url, data)
    inspection = Inspection.objects.get()
    assert response.url == reverse("inspections:inspection-detail", args=[inspection.pk])
    assert (inspection.unit, inspection.failures, inspection.place) == (unit, 1, world.grid)
    assert inspection.files.get().is_photo
    detail = client.get(response.url)
    body = detail.content.decode()
    assert "发现1项不合格" in body and "灭火器已过期" in body and "下达整改通知" in body
    assert [a.item for a in detail.context["answers"] if a.can_order] == [failing]


def test_a_refused_inspection_keeps_what_was_typed_and_saves_nothing(client, world):
    unit = shop(world.grid)
    client.force_login(world.cast["community_worker"])
    url = _step_two(unit=unit.pk)
    version = checklist()
    items = list(version.items.all())
    yes_no = items[0]
    number = next(i for i in items if i.kind == ChecklistItem.Kind.NUMBER)
    typed = _form(world, version, **{f"n_{items[1].pk}": "通道堆放杂物"})
    missing = {k: v for k, v in typed.items() if k != f"a_{yes_no.pk}"}
    page = client.post(url, missing)
    body = page.content.decode()
    assert page.status_code == 200 and f"请填写“{yes_no.label}”的检查结果" in body
    assert "通道堆放杂物" in body  # the note typed beside another item is kept
    negative = client.post(url, {**typed, f"a_{number.pk}": "-1"})
    assert f"“{number.label}”应填写不小于0的数字" in negative.content.decode()
    assert negative.context["form"].has_error(f"a_{number.pk}")  # shown beside the item too
    future = client.post(url, {**typed, "date": (TODAY + DAY).isoformat()})
    assert "检查日期不能晚于今天" in future.content.decode()
    nobody = client.post(url, {**typed, "inspectors": []})
    assert "请填写检查人员" in nobody.content.decode()
    assert not Inspection.objects.exists() and not InspectionFile.objects.exists()


def test_step_one_says_what_is_missing_and_finds_units_and_dwellings(client, world):
    unit = shop(world.grid, "好又多便利店")
    shop(world.neighbour_community, "好又多二店")  # next door: not offered
    home = Dwelling.objects.create(address="好又多楼上101室", place=world.grid)
    client.force_login(world.cast["community_worker"])
    empty = client.get(CREATE, {"next": "1"}).content.decode()
    assert "请选择检查表" in empty and "请选择检查对象" in empty
    found = client.get(CREATE, {"q": "好又多", "find": "1"})
    assert found.context["found_units"] == [unit]
    assert found.context["found_dwellings"] == [home]
    fire = Checklist.objects.get(name=FIRE).pk
    site = client.get(CREATE, {"checklist": fire, "target": "site", "next": "1"})
    assert "请填写场所名称" in site.content.decode()
    outsider = shop(world.neighbour_community, "隔壁店")
    assert client.get(CREATE, {"unit": outsider.pk}).status_code == 404
    assert client.get(_step_two(target=f"d:{home.pk}")).context["form"] is not None


def test_a_site_inspection_with_monitoring_counts(client, world):
    client.force_login(world.cast["community_worker"])
    url = _step_two(PEST, target="site", site="农贸市场周边", place=world.grid.pk)
    page = client.get(url)
    assert "病媒生物监测" in page.content.decode()
    assert page.context["form"]["site"].value() == "农贸市场周边"
    version = checklist(PEST)
    data = _form(world, version, site="农贸市场周边", place=world.grid.pk)
    data.update({"c_居民户_rooms": "30", "c_居民户_positive": "31"})
    refused = client.post(url, data)
    assert "鼠迹阳性房间数（31）不能多于检查房间数（30）" in refused.content.decode()
    assert not Inspection.objects.exists()
    data.update({"c_居民户_positive": "2", "outdoor_metres": "800", "burrows": "3"})
    assert client.post(url, data).status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.target == Inspection.Target.SITE and inspection.place == world.grid
    assert RoomCount.objects.get().positive == 2 and inspection.burrows == 3
    detail = client.get(reverse("inspections:inspection-detail", args=[inspection.pk]))
    assert "外环境检查长度 800米" in detail.content.decode()


def test_the_inspection_list_filters_and_keeps_its_query_count(
    client, world, django_assert_max_num_queries
):
    worker = world.cast["community_worker"]
    for n in range(52):
        inspect(world, unit=shop(world.grid, f"店{n}"), fail=n % 2, date=TODAY - n * DAY)
    failed = inspect(world, unit=shop(world.neighbour_grid, "二网格店"), fail=2)
    order(failed)
    inspect(
        world,
        unit=shop(world.neighbour_community, "隔壁社区店"),
        by=world.outsiders["community_worker"],
    )
    client.force_login(worker)
    url = reverse("inspections:inspection-list")
    with django_assert_max_num_queries(12):
        first = client.get(url)
    rows = first.context["rows"]
    assert len(rows) == 50 and first.context["more"]
    assert "隔壁社区店" not in first.content.decode()
    assert rows[0].open_orders == 1 and rows[0].inspector_names() == worker.name
    second = client.get(url, {"before": first.context["more"]})
    assert len(second.context["rows"]) == 3
    with django_assert_max_num_queries(12):
        fails = client.get(url, {"result": "fail", "place": world.neighbour_grid.pk})
    assert [i.pk for i in fails.context["rows"]] == [failed.pk]
    found = client.get(url, {"q": "店1", "area": "消防安全"}).context["rows"]
    assert {i.target_name for i in found} == {"店1"} | {f"店1{n}" for n in range(10)}
    month = client.get(url, {"month": "1999-01"}).content.decode()
    assert "月份应在2000年至2100年之间" in month


def test_an_order_from_a_failing_item_is_prefilled_and_issued(client, world):
    unit = shop(world.grid, "好又多便利店")
    unit.contact_name = "李经理"
    unit.save(update_fields=["contact_name"])
    inspection = inspect(world, unit=unit, fail=1)
    answer = inspection.answers.get(failed=True)
    answer.note = "灭火器压力不足"
    answer.save(update_fields=["note"])
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:rectification-create", args=[inspection.pk])
    page = client.get(url, {"item": answer.item_id})
    form = page.context["form"]
    assert form.initial["finding"] == f"{answer.item.label}：灭火器压力不足"
    assert form.initial["responsible"] == "好又多便利店（李经理）"
    assert form.initial["deadline"] == TODAY + 7 * DAY
    data = {
        "item": answer.item_id,
        "finding": form.initial["finding"],
        "responsible": form.initial["responsible"],
        "issued_on": TODAY.isoformat(),
        "deadline": (TODAY - DAY).isoformat(),
    }
    refused = client.post(url, data)
    assert "整改期限不能早于下达日期" in refused.content.decode()
    assert not Rectification.objects.exists()
    assert client.post(url, {**data, "deadline": (TODAY + 7 * DAY).isoformat()}).status_code == 302
    rect = Rectification.objects.get()
    assert rect.item == answer.item and rect.responsible == "好又多便利店（李经理）"
    detail = client.get(reverse("inspections:inspection-detail", args=[inspection.pk]))
    assert not any(a.can_order for a in detail.context["answers"])
    twice = client.post(url, {**data, "deadline": (TODAY + 7 * DAY).isoformat()})
    assert "已下达过整改通知" in twice.content.decode()  # shown though the item is hidden
    assert Rectification.objects.count() == 1
    other = inspect(world, fail=0)
    stray = reverse("inspections:rectification-create", args=[other.pk])
    assert client.get(stray, {"item": "x"}).status_code == 404


def test_correcting_an_inspection_and_a_stale_page(client, world):
    inspection = inspect(world, fail=1)
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:inspection-edit", args=[inspection.pk])
    form = client.get(url).context["form"]
    assert form.initial["version"] == 0 and "files" not in form.fields
    data = _form(world, inspection.checklist_version, failing=1, version=0, notes="店主在场")
    services.update_inspection(
        inspection,
        services.InspectionData(
            checklist_version=inspection.checklist_version,
            date=TODAY,
            unit=inspection.unit,
            inspectors=[world.cast["community_head"]],
            answers={a.item_id: a.value for a in inspection.answers.all()},
        ),
        version=0,
        by=None,
    )
    stale = client.post(url, data)
    body = stale.content.decode()
    assert "刚被他人更新" in body and "店主在场" in body
    assert stale.context["form"].data["version"] == 1
    assert client.post(url, {**data, "version": 1}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.notes == "店主在场" and inspection.version == 2


def test_a_recheck_before_the_order_is_refused_and_a_passed_one_closes_it(client, world):
    inspection = inspect(world, fail=1, date=TODAY - 10 * DAY)
    rect = order(inspection, issued_on=TODAY - 5 * DAY, deadline=TODAY - DAY)
    client.force_login(world.cast["community_worker"])
    detail = reverse("inspections:rectification-detail", args=[rect.pk])
    page = client.get(detail)
    assert page.context["form"].initial["date"] == TODAY and "逾期未整改" in page.content.decode()
    url = reverse("inspections:rectification-recheck", args=[rect.pk])
    early = {"version": 0, "date": (TODAY - 6 * DAY).isoformat(), "passed": "1", "note": "已更换"}
    refused = client.post(url, early)
    body = refused.content.decode()
    assert refused.status_code == 200 and "复查日期不能早于整改通知下达日期" in body
    assert "已更换" in body
    no_deadline = client.post(url, {**early, "date": TODAY.isoformat(), "passed": "0"})
    assert "请填写新的整改期限" in no_deadline.content.decode()
    assert not Recheck.objects.exists()
    later = {"date": TODAY.isoformat(), "passed": "0", "new_deadline": TODAY + 3 * DAY}
    assert client.post(url, {**later, "version": 0}).status_code == 302
    rect.refresh_from_db()
    assert rect.deadline == TODAY + 3 * DAY and rect.is_open
    stale = client.post(url, {**early, "date": TODAY.isoformat(), "version": 0})
    assert "刚被他人更新" in stale.content.decode()
    photo = SimpleUploadedFile("整改后.jpg", sample_photo(2))
    done = {"version": 1, "date": TODAY.isoformat(), "passed": "1", "files": [photo]}
    assert client.post(url, done).status_code == 302
    rect.refresh_from_db()
    assert rect.closed_on == TODAY and rect.rechecks.count() == 2
    page = client.get(detail)
    assert page.context["form"] is None and "已整改到位" in page.content.decode()
    assert InspectionFile.objects.get().recheck.rectification == rect


def test_the_rectification_list_counts_the_overdue(client, world, django_assert_max_num_queries):
    worker, head = world.cast["community_worker"], world.cast["community_head"]
    for _n in range(3):
        late = inspect(world, fail=1, date=TODAY - 10 * DAY, by=worker)
        order(late, deadline=TODAY - DAY)
    elsewhere = inspect(
        world, unit=shop(world.neighbour_grid, "二网格店"), fail=1, date=TODAY - 9 * DAY, by=head
    )
    order(elsewhere, deadline=TODAY - 2 * DAY)
    order(inspect(world, fail=1, by=head))  # not yet due
    far = inspect(
        world,
        unit=shop(world.neighbour_community),
        fail=1,
        date=TODAY - 9 * DAY,
        by=world.outsiders["community_worker"],
    )
    order(far, deadline=TODAY - DAY)
    client.force_login(worker)
    url = reverse("inspections:rectification-list")
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert len(page.context["rows"]) == 5
    by_inspector = {r["inspection__inspectors__name"]: r["n"] for r in page.context["by_inspector"]}
    assert by_inspector == {worker.name: 3, head.name: 1}
    by_place = {r["place"]: r["n"] for r in page.context["by_place"]}
    assert by_place == {world.grid: 3, world.neighbour_grid: 1}
    body = page.content.decode()
    assert f"?state=overdue&amp;inspector={worker.pk}" in body
    mine = client.get(url, {"state": "overdue", "inspector": worker.pk}).context["rows"]
    assert len(mine) == 3 and all(r.is_overdue() for r in mine)
    grid = client.get(url, {"state": "overdue", "place": world.neighbour_grid.pk})
    assert [r.inspection for r in grid.context["rows"]] == [elsewhere]
    assert len(client.get(url, {"state": "open"}).context["rows"]) == 1


def test_photos_are_added_shown_in_scope_and_removed(client, world):
    inspection = inspect(world)
    client.force_login(world.cast["community_worker"])
    add = reverse("inspections:inspection-files-add", args=[inspection.pk])
    nothing = client.post(add, {}, follow=True)
    assert "请选择要上传的文件" in nothing.content.decode()
    bad = client.post(add, {"files": [SimpleUploadedFile("a.jpg", b"not a photo")]}, follow=True)
    assert "不是可识别的照片" in bad.content.decode() and not InspectionFile.objects.exists()
    client.post(add, {"files": [SimpleUploadedFile("门口.jpg", sample_photo())]})
    photo = InspectionFile.objects.get()
    preview = reverse("inspections:inspection-file-preview", args=[photo.pk])
    assert client.get(preview).status_code == 200
    detail = client.get(reverse("inspections:inspection-detail", args=[inspection.pk]))
    assert "后不能恢复，确定吗" in detail.content.decode()  # removal asks first
    client.force_login(world.outsiders["community_worker"])
    assert client.get(preview).status_code == 404
    client.force_login(world.cast["viewer"])
    remove = reverse("inspections:inspection-file-remove", args=[photo.pk])
    assert client.post(remove).status_code == 403
    client.force_login(world.cast["community_worker"])
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert not InspectionFile.objects.exists()


@pytest.mark.parametrize(
    ("name", "method", "obj"),
    [
        ("inspections:inspection-detail", "get", "inspection"),
        ("inspections:inspection-edit", "post", "inspection"),
        ("inspections:rectification-create", "post", "inspection"),
        ("inspections:rectification-detail", "get", "order"),
        ("inspections:rectification-recheck", "post", "order"),
    ],
)
def test_outsiders_get_404_and_read_only_roles_403(client, world, name, method, obj):
    inspection = inspect(world, fail=1)
    objects = {"inspection": inspection, "order": order(inspection)}
    url = reverse(name, args=[objects[obj].pk])
    client.force_login(world.outsiders["community_worker"])
    assert getattr(client, method)(url).status_code == 404
    client.force_login(world.cast["viewer"])
    status = getattr(client, method)(url).status_code
    assert status == (200 if method == "get" else 403)
    assert Rectification.objects.count() == 1 and not Recheck.objects.exists()


def test_a_viewer_sees_the_lists_without_the_buttons_that_change(client, world):
    inspect(world, fail=1)
    client.force_login(world.cast["viewer"])
    listing = client.get(reverse("inspections:inspection-list")).content.decode()
    assert "新增检查" not in listing
    assert client.get(CREATE).status_code == 403
    assert client.post(reverse("inspections:rectification-list")).status_code == 405
    assert LocalUnit.objects.count() == 1


def test_an_order_on_a_let_dwelling_names_its_landlord(client, world):
    from people.models import Rental

    home = Dwelling.objects.create(address="甲一网格8号", place=world.grid, usage="出租")
    Rental.objects.create(
        dwelling=home, landlord_name="赵房东", start=TODAY - 300 * DAY, place=world.grid
    )
    version = checklist("出租房屋安全检查")
    answers = {int(name[2:]): v for name, v in _answers(version, failing=1).items()}
    inspection = services.record_inspection(
        services.InspectionData(
            checklist_version=version,
            date=TODAY,
            dwelling=home,
            inspectors=[world.cast["grid_worker"]],
            answers=answers,
        ),
        by=world.cast["grid_worker"],
    )
    client.force_login(world.cast["grid_worker"])
    url = reverse("inspections:rectification-create", args=[inspection.pk])
    assert client.get(url).context["form"].initial["responsible"] == "房东赵房东"

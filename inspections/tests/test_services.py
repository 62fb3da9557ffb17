import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from inspections import services
from inspections.models import (
    Agreement,
    Answer,
    Checklist,
    ChecklistVersion,
    Inspection,
    Rectification,
    RoomCount,
)
from inspections.tests.factories import (
    FIRE,
    PEST,
    checklist,
    failing_item,
    inspect,
    order,
    passing_answers,
    shop,
)
from shequ.errors import DomainError

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _data(world, version=None, **extra):
    version = version or checklist()
    values = {
        "checklist_version": version,
        "date": TODAY,
        "unit": shop(world.grid),
        "inspectors": [world.cast["community_worker"]],
        "answers": passing_answers(version),
    }
    values.update(extra)
    return services.InspectionData(**values)


def test_builtin_checklists_are_published_with_items(db):
    names = set(Checklist.objects.values_list("name", flat=True))
    assert {FIRE, PEST, "食品卫生检查", "出租房屋安全检查"} <= names
    for c in Checklist.objects.all():
        assert c.current() is not None and c.current().items.count() >= 5
    assert Checklist.objects.get(name=PEST).counts


def test_a_new_version_leaves_past_inspections_on_theirs(world):
    admin = world.cast["district_admin"]
    first = inspect(world)
    fire = Checklist.objects.get(name=FIRE)
    draft = services.new_draft(fire, by=admin)
    assert draft.number == 2 and draft.items.count() == first.checklist_version.items.count()
    services.add_item(draft, services.ItemData(label="安装独立式烟感", failing="否"), by=admin)
    services.publish(draft, by=admin)
    assert fire.current() == draft
    first.refresh_from_db()
    assert first.checklist_version.number == 1
    assert first.answers.count() == first.checklist_version.items.count()
    assert inspect(world).checklist_version == draft
    assert AuditEntry.objects.filter(action="checklist.publish").count() == 1


def test_a_published_version_cannot_change(world):
    version = checklist()
    item = version.items.first()
    with pytest.raises(DomainError, match="已发布的版本不能修改"):
        services.update_item(item, services.ItemData(label="改"), by=None)
    with pytest.raises(DomainError, match="已发布的版本不能修改"):
        services.remove_item(item, by=None)
    assert version.items.filter(pk=item.pk, label=item.label).exists()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"label": " "}, "请填写检查项目"),
        ({"label": "卫生", "kind": "choice", "choices": "好"}, "至少要有两个可选值"),
        ({"label": "卫生", "kind": "choice", "choices": "好、差", "failing": "坏"}, "不在可选值"),
        ({"label": "数量", "kind": "number", "failing": "0"}, "只有是/否题和选项题"),
        ({"label": "灭火器", "failing": "是、否"}, "不能把所有回答都设为不合格"),
        ({"label": "灭火器", "needs_rectification": True}, "须整改的项目要写明"),
    ],
)
def test_a_bad_item_is_refused(world, item, message):
    checklist_ = services.create_checklist(name="新表", area="其他", by=None)
    with pytest.raises(DomainError, match=message):
        services.add_item(checklist_.draft(), services.ItemData(**item), by=None)
    assert not checklist_.draft().items.exists()


def test_an_empty_draft_cannot_be_published(world):
    new = services.create_checklist(name="新表", area="其他", by=None)
    with pytest.raises(DomainError, match="还没有检查项目"):
        services.publish(new.draft(), by=None)
    assert new.current() is None
    with pytest.raises(DomainError, match="已有名为"):
        services.create_checklist(name="新表", area="其他", by=None)


def test_an_inspection_counts_its_failures(world):
    inspection = inspect(world, fail=2)
    assert inspection.failures == 2 and not inspection.passed
    assert Answer.objects.filter(inspection=inspection, failed=True).count() == 2
    assert inspection.place == world.grid and inspection.area == "消防安全"
    assert inspect(world).passed


def test_a_missing_required_answer_saves_nothing(world):
    data = _data(world)
    data.answers.pop(failing_item(data.checklist_version).pk)
    with pytest.raises(DomainError, match="必须填写"):
        services.record_inspection(data, by=world.cast["community_worker"])
    assert not Inspection.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize("value", ["也许", "-1", "abc", "1e999"])
def test_an_answer_outside_the_item_is_refused(world, value):
    data = _data(world)
    item = next(
        i for i in data.checklist_version.items.all() if i.kind in ("number", "yesno")
        and (value in ("也许",)) == (i.kind == "yesno")
    )  # fmt: skip
    data.answers[item.pk] = value
    with pytest.raises(DomainError):
        services.record_inspection(data, by=None)
    assert not Inspection.objects.exists()


def test_an_answer_to_another_checklist_is_refused(world):
    data = _data(world)
    other = checklist(PEST).items.first()
    data.answers[other.pk] = "是"
    with pytest.raises(DomainError, match="不属于这张检查表"):
        services.record_inspection(data, by=None)


def test_an_inspection_needs_exactly_one_target(world):
    with pytest.raises(DomainError, match="请选择一个检查对象"):
        services.record_inspection(_data(world, site="菜场外"), by=None)
    with pytest.raises(DomainError, match="场所所在"):
        services.record_inspection(_data(world, unit=None, site="菜场外"), by=None)
    site = services.record_inspection(
        _data(world, unit=None, site="菜场外", place=world.grid), by=None
    )
    assert site.target == Inspection.Target.SITE and site.target_name == "菜场外"


def test_a_unit_outside_ones_place_cannot_be_inspected(world):
    data = _data(world, unit=shop(world.neighbour_community))
    with pytest.raises(DomainError, match="只能检查本辖区"):
        services.record_inspection(data, by=world.cast["community_worker"])
    assert not Inspection.objects.exists()


def test_a_future_inspection_is_refused(world):
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.record_inspection(_data(world, date=TODAY + DAY), by=None)


def _pest(world, counts, **extra):
    version = checklist(PEST)
    return _data(world, version, counts=counts, **extra)


def test_monitoring_counts_are_saved_per_category(world):
    counts = [
        services.CountData("重点单位", 10, 2, 1),
        services.CountData("居民户", 30, 1, 0),
        services.CountData("一般单位", None, None, None),  # nobody checked these this time
    ]
    inspection = services.record_inspection(
        _pest(world, counts, outdoor_metres=1500, burrows=3), by=None
    )
    rows = {r.category: (r.rooms, r.positive, r.unproofed) for r in inspection.room_counts.all()}
    assert rows == {"重点单位": (10, 2, 1), "居民户": (30, 1, 0)}
    assert (inspection.outdoor_metres, inspection.burrows) == (1500, 3)


@pytest.mark.parametrize(
    ("counts", "extra", "message"),
    [
        ([services.CountData("居民户", 5, 6, 0)], {}, "鼠迹阳性房间数（6）不能多于检查房间数（5）"),
        ([services.CountData("居民户", 5, 0, 7)], {}, "防鼠设施不合格房间数（7）不能多于"),
        ([services.CountData("居民户", None, 2, 0)], {}, "请填写居民户的检查房间数"),
        ([services.CountData("居民户", 5, -1, 0)], {}, "不能为负数"),
        ([], {"burrows": 3}, "请同时填写外环境检查长度"),
        ([], {}, "请至少填写一类房间"),
    ],
)
def test_contradicting_counts_save_nothing(world, counts, extra, message):
    with pytest.raises(DomainError, match=message):
        services.record_inspection(_pest(world, counts, **extra), by=None)
    assert not Inspection.objects.exists() and not RoomCount.objects.exists()


def test_counts_on_a_checklist_without_monitoring_are_refused(world):
    data = _data(world, counts=[services.CountData("居民户", 5, 1, 0)])
    with pytest.raises(DomainError, match="不填写病媒生物监测数"):
        services.record_inspection(data, by=None)


def test_an_order_follows_a_failing_item_and_a_recheck_closes_it(world):
    inspection = inspect(world, fail=1, date=TODAY - 10 * DAY)
    rect = order(inspection, deadline=TODAY - 3 * DAY)
    assert rect.is_overdue() and rect.state == "逾期未整改"
    assert Rectification.objects.overdue().get() == rect
    services.recheck(
        rect,
        services.RecheckData(TODAY - 2 * DAY, passed=False, new_deadline=TODAY + 5 * DAY),
        version=rect.version,
        by=None,
    )
    rect.refresh_from_db()
    assert rect.deadline == TODAY + 5 * DAY and rect.first_deadline == TODAY - 3 * DAY
    assert not rect.is_overdue() and rect.closed_on is None
    services.recheck(rect, services.RecheckData(TODAY, passed=True), version=rect.version, by=None)
    rect.refresh_from_db()
    assert rect.closed_on == TODAY and rect.on_time is False and rect.state == "已整改"
    assert rect.rechecks.count() == 2
    with pytest.raises(DomainError, match="已于"):
        services.recheck(
            rect, services.RecheckData(TODAY, passed=True), version=rect.version, by=None
        )


def test_a_recheck_before_the_order_changes_nothing(world):
    inspection = inspect(world, fail=1, date=TODAY - 10 * DAY)
    rect = order(inspection, issued_on=TODAY - 5 * DAY)
    with pytest.raises(DomainError, match="复查日期不能早于整改通知下达日期"):
        services.recheck(
            rect, services.RecheckData(TODAY - 6 * DAY, passed=True), version=0, by=None
        )
    rect.refresh_from_db()
    assert rect.closed_on is None and not rect.rechecks.exists() and rect.version == 0


def test_a_recheck_from_an_old_page_is_refused(world):
    rect = order(inspect(world, fail=1))
    with pytest.raises(services.ConflictError):
        services.recheck(rect, services.RecheckData(TODAY, passed=True), version=3, by=None)


def test_a_failed_recheck_needs_a_later_deadline(world):
    rect = order(inspect(world, fail=1))
    with pytest.raises(DomainError, match="请填写新的整改期限"):
        services.recheck(rect, services.RecheckData(TODAY, passed=False), version=0, by=None)
    with pytest.raises(DomainError, match="应晚于复查日期"):
        services.recheck(
            rect, services.RecheckData(TODAY, False, new_deadline=TODAY), version=0, by=None
        )


def test_an_order_is_only_for_a_failing_item(world):
    inspection = inspect(world, fail=1, date=TODAY - DAY)
    passing = inspection.answers.filter(failed=False, item__needs_rectification=True).first()
    data = services.OrderData("问题", "店主", TODAY + DAY, item=passing.item)
    with pytest.raises(DomainError, match="只能对本次检查中不合格的项目"):
        services.issue_rectification(inspection, data, by=None)
    early = services.OrderData("问题", "店主", TODAY, issued_on=TODAY - 2 * DAY)
    with pytest.raises(DomainError, match="下达日期不能早于检查日期"):
        services.issue_rectification(inspection, early, by=None)
    late = services.OrderData("问题", "店主", TODAY - DAY, issued_on=TODAY)
    with pytest.raises(DomainError, match="整改期限不能早于下达日期"):
        services.issue_rectification(inspection, late, by=None)
    order(inspection)
    with pytest.raises(DomainError, match="已下达过整改通知"):
        order(inspection)
    assert Rectification.objects.count() == 1


def test_an_ordered_failure_cannot_be_corrected_into_a_pass(world):
    inspection = inspect(world, fail=1)
    order(inspection)
    data = _data(world, answers=passing_answers(inspection.checklist_version))
    with pytest.raises(DomainError, match="已下达整改通知，不能改为合格"):
        services.update_inspection(inspection, data, version=0, by=None)
    inspection.refresh_from_db()
    assert inspection.failures == 1


def test_correcting_an_inspection_moves_its_orders_with_it(world):
    inspection = inspect(world, fail=1)
    rect = order(inspection)
    failing = {a.item_id: a.value for a in inspection.answers.all()}
    data = _data(world, unit=shop(world.neighbour_grid, "隔壁店"), answers=failing)
    services.update_inspection(inspection, data, version=0, by=None)
    rect.refresh_from_db()
    assert rect.place == world.neighbour_grid
    with pytest.raises(services.ConflictError):
        services.update_inspection(inspection, data, version=0, by=None)


def test_agreements_record_their_party_and_term(world):
    unit = shop(world.grid)
    agreement = services.sign_agreement(
        services.AgreementData(
            "消防安全责任书", TODAY - DAY, ends_on=TODAY + 300 * DAY, unit=unit, signer="店主"
        ),
        by=world.cast["community_worker"],
    )
    assert agreement.place == world.grid and agreement.party_name == unit.name
    assert Agreement.objects.in_force().get() == agreement
    assert not Agreement.objects.in_force(TODAY + 400 * DAY).exists()
    with pytest.raises(DomainError, match="截止日期不能早于"):
        services.sign_agreement(
            services.AgreementData("消防安全责任书", TODAY, ends_on=TODAY - DAY, unit=unit),
            by=None,
        )
    with pytest.raises(DomainError, match="请选择签订的"):
        services.sign_agreement(services.AgreementData("消防安全责任书", TODAY), by=None)
    assert Agreement.objects.count() == 1


def test_checklist_versions_allow_one_draft(world):
    fire = Checklist.objects.get(name=FIRE)
    first = services.new_draft(fire, by=None)
    assert services.new_draft(fire, by=None) == first
    assert ChecklistVersion.objects.filter(checklist=fire, published_at__isnull=True).count() == 1


def test_moving_an_item_renumbers_the_draft(world):
    draft = services.new_draft(Checklist.objects.get(name=FIRE), by=None)
    items = list(draft.items.order_by("order", "id"))
    services.move_item(items[2], up=True, by=None)
    services.move_item(items[0], up=True, by=None)  # already first: nothing changes
    order = list(draft.items.order_by("order").values_list("pk", "order"))
    assert order[:3] == [(items[0].pk, 1), (items[2].pk, 2), (items[1].pk, 3)]
    assert [n for _pk, n in order] == list(range(1, len(items) + 1))
    with pytest.raises(DomainError, match="已发布的版本不能修改"):
        services.move_item(checklist().items.first(), up=False, by=None)


def test_a_corrected_inspection_date_stays_before_its_orders(world):
    inspection = inspect(world, fail=1, date=TODAY - 10 * DAY)
    order(inspection, issued_on=TODAY - 8 * DAY)
    failing = {a.item_id: a.value for a in inspection.answers.all()}
    data = _data(world, unit=inspection.unit, answers=failing, date=TODAY - 5 * DAY)
    with pytest.raises(DomainError, match="检查日期不能晚于已下达的整改通知"):
        services.update_inspection(inspection, data, version=0, by=None)
    inspection.refresh_from_db()
    assert inspection.date == TODAY - 10 * DAY and inspection.version == 0


def test_a_put_right_item_gets_no_second_order(world):
    inspection = inspect(world, fail=1, date=TODAY - 10 * DAY)
    first = order(inspection)
    services.recheck(first, services.RecheckData(TODAY, passed=True), version=0, by=None)
    with pytest.raises(DomainError, match="已下达过整改通知"):
        order(inspection)
    assert Rectification.objects.count() == 1


def test_turning_monitoring_off_keeps_an_old_inspections_counts(world):
    counts = [services.CountData("居民户", 30, 1, 0)]
    inspection = services.record_inspection(
        _pest(world, counts, outdoor_metres=800, burrows=2), by=None
    )
    Checklist.objects.filter(name=PEST).update(counts=False)
    data = _pest(world, [], unit=inspection.unit, notes="补记")  # the form shows no counts now
    services.update_inspection(inspection, data, version=0, by=None)
    inspection.refresh_from_db()
    assert inspection.notes == "补记" and (inspection.outdoor_metres, inspection.burrows) == (
        800,
        2,
    )
    assert [(r.rooms, r.positive) for r in inspection.room_counts.all()] == [(30, 1)]


def test_turning_monitoring_on_asks_no_counts_of_an_old_inspection(world):
    inspection = inspect(world)
    Checklist.objects.filter(name=FIRE).update(counts=True)
    data = _data(world, unit=inspection.unit, answers=passing_answers(inspection.checklist_version))
    data.notes = "补记"
    services.update_inspection(inspection, data, version=0, by=None)
    inspection.refresh_from_db()
    assert inspection.notes == "补记" and not inspection.room_counts.exists()

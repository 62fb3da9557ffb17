"""Changing inspections: building and publishing checklists, recording an inspection with its
answers and monitoring counts, issuing rectification orders and re-checking them, and signing
responsibility agreements. Each change is checked whole, saved and audited in one transaction;
bad input raises DomainError with a Chinese message and changes nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PlaceKind
from areas.models import Dwelling, LocalUnit, Place
from audit import services as audit
from inspections.models import (
    Agreement,
    Answer,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    InspectionFile,
    Recheck,
    Rectification,
    RoomCount,
)
from people.models import Rental
from shequ import files, locking
from shequ.errors import DomainError
from shequ.signals import rows_written

if TYPE_CHECKING:
    from accounts.models import User

EARLIEST = datetime.date(2000, 1, 1)
MAX_FILES = 10
MAX_NUMBER = Decimal("99999999")
ITEM_FIELDS = ["order", "label", "kind", "choices", "failing", "unit", "required"]
ITEM_FIELDS += ["needs_rectification"]


class ConflictError(DomainError):
    """Someone else changed the record since this page was opened."""


def _conflict() -> ConflictError:
    return ConflictError(_("该记录刚被他人更新，请刷新页面查看最新情况后再操作"))


def _in_scope(by: User | None, path: str) -> bool:
    return by is None or path.startswith(by.scope_path)


def _check_day(day: datetime.date | None, what: str, field_name: str) -> datetime.date:
    if day is None:
        raise DomainError(_("请填写%(what)s") % {"what": what}, field=field_name)
    if day > timezone.localdate():
        raise DomainError(_("%(what)s不能晚于今天") % {"what": what}, field=field_name)
    if day < EARLIEST:
        raise DomainError(_("%(what)s不合理，应在2000年以后") % {"what": what}, field=field_name)
    return day


# --- Checklists ------------------------------------------------------------------------------


@transaction.atomic
def create_checklist(
    *, name: str, area: str, counts: bool = False, description: str = "", by: User | None
) -> Checklist:
    """A new checklist with an empty first draft to add items to."""
    name = name.strip()
    if not name:
        raise DomainError(_("请填写检查表名称"), field="name")
    if area not in Checklist.Area.values:
        raise DomainError(_("请选择检查领域"), field="area")
    if Checklist.objects.filter(name=name).exists():
        raise DomainError(_("已有名为“%(name)s”的检查表") % {"name": name}, field="name")
    checklist = Checklist.objects.create(
        name=name, area=area, counts=counts, description=description.strip()
    )
    ChecklistVersion.objects.create(checklist=checklist, number=1, created_by=by)
    audit.record(by, "checklist.create", checklist, data={"name": name, "area": area})
    return checklist


@transaction.atomic
def update_checklist(
    checklist: Checklist,
    *,
    name: str,
    area: str,
    counts: bool,
    description: str,
    active: bool,
    by: User | None,
    version: int | None = None,
) -> Checklist:
    """The checklist's name, area and settings; its items change only through a new version.
    `version` is the one the edit page showed (a stale page raises StaleEdit, nothing saved)."""
    checklist = locking.lock_current(checklist, version)
    locking.bump(checklist)
    name = name.strip()
    if not name:
        raise DomainError(_("请填写检查表名称"), field="name")
    if area not in Checklist.Area.values:
        raise DomainError(_("请选择检查领域"), field="area")
    if Checklist.objects.filter(name=name).exclude(pk=checklist.pk).exists():
        raise DomainError(_("已有名为“%(name)s”的检查表") % {"name": name}, field="name")
    fields = ["name", "area", "counts", "description", "active"]
    before = audit.snapshot(checklist, fields)
    checklist.name, checklist.area, checklist.counts = name, area, counts
    checklist.description, checklist.active = description.strip(), active
    checklist.save(update_fields=[*fields, "version"])
    audit.record_save(by, checklist, kind="checklist", fields=fields, before=before)
    return checklist


@dataclass
class ItemData:
    label: str
    kind: str = ChecklistItem.Kind.YES_NO
    choices: str = ""
    failing: str = ""
    unit: str = ""
    required: bool = True
    needs_rectification: bool = False
    order: int | None = None


def _check_item(data: ItemData) -> None:
    if not data.label.strip():
        raise DomainError(_("请填写检查项目"), field="label")
    if data.kind not in ChecklistItem.Kind.values:
        raise DomainError(_("请选择项目类型"), field="kind")
    probe = ChecklistItem(kind=data.kind, choices=data.choices, failing=data.failing)
    options = probe.choice_list()
    if data.kind == ChecklistItem.Kind.CHOICE and len(options) < 2:
        raise DomainError(_("选项题至少要有两个可选值"), field="choices")
    failing = probe.failing_list()
    if failing and data.kind not in (ChecklistItem.Kind.YES_NO, ChecklistItem.Kind.CHOICE):
        raise DomainError(_("只有是/否题和选项题可以设不合格的回答"), field="failing")
    if unknown := [f for f in failing if f not in options]:
        raise DomainError(
            _("不合格的回答“%(value)s”不在可选值（%(options)s）中")
            % {"value": "、".join(unknown), "options": "、".join(options)},
            field="failing",
        )
    if failing and len(failing) == len(options):
        raise DomainError(_("不能把所有回答都设为不合格"), field="failing")
    if data.needs_rectification and not failing:
        raise DomainError(_("须整改的项目要写明哪些回答算不合格"), field="failing")


def _draft(version: ChecklistVersion) -> ChecklistVersion:
    locked = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
    if not locked.is_draft:
        raise DomainError(_("已发布的版本不能修改，请先建立新版本"))
    return locked


@transaction.atomic
def add_item(version: ChecklistVersion, data: ItemData, *, by: User | None) -> ChecklistItem:
    version = _draft(version)
    _check_item(data)
    order = data.order
    if order is None:
        order = (version.items.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    item = ChecklistItem.objects.create(
        version=version,
        order=order,
        label=data.label.strip(),
        kind=data.kind,
        choices=data.choices.strip() if data.kind == ChecklistItem.Kind.CHOICE else "",
        failing=data.failing.strip(),
        unit=data.unit.strip() if data.kind == ChecklistItem.Kind.NUMBER else "",
        required=data.required,
        needs_rectification=data.needs_rectification,
    )
    audit.record_save(by, item, kind="checklist_item", fields=ITEM_FIELDS, before=None)
    return item


@transaction.atomic
def update_item(
    item: ChecklistItem, data: ItemData, *, by: User | None, revision: int | None = None
) -> ChecklistItem:
    """Change an item of a draft; `revision` is the one the edit page showed (a stale page
    raises StaleEdit and changes nothing)."""
    _draft(item.version)
    item = locking.lock_current(item, revision, column="revision")
    locking.bump(item, column="revision")
    _check_item(data)
    before = audit.snapshot(item, ITEM_FIELDS)
    item.label, item.kind = data.label.strip(), data.kind
    item.choices = data.choices.strip() if data.kind == ChecklistItem.Kind.CHOICE else ""
    item.failing = data.failing.strip()
    item.unit = data.unit.strip() if data.kind == ChecklistItem.Kind.NUMBER else ""
    item.required, item.needs_rectification = data.required, data.needs_rectification
    if data.order is not None:
        item.order = data.order
    item.save(update_fields=[*ITEM_FIELDS, "revision"])
    audit.record_save(by, item, kind="checklist_item", fields=ITEM_FIELDS, before=before)
    return item


@transaction.atomic
def remove_item(item: ChecklistItem, *, by: User | None) -> None:
    _draft(item.version)
    audit.record(by, "checklist_item.delete", item, data={"label": item.label})
    item.delete()


@transaction.atomic
def move_item(item: ChecklistItem, *, up: bool, by: User | None) -> ChecklistItem:
    """Swap an item of a draft with the one above (or below) it; the draft's items are then
    numbered 1, 2, 3… in their new order. At either end nothing changes."""
    version = _draft(item.version)
    items = list(version.items.order_by("order", "id"))
    at = next(i for i, each in enumerate(items) if each.pk == item.pk)
    to = at - 1 if up else at + 1
    if not 0 <= to < len(items):
        return item
    items[at], items[to] = items[to], items[at]
    renumbered = [each.pk for number, each in enumerate(items, 1) if each.order != number]
    for number, each in enumerate(items, 1):
        each.order = number
    ChecklistItem.objects.bulk_update(items, ["order"])
    # An edit page opened before the move carries the old number: refuse it, not undo the move.
    ChecklistItem.objects.filter(pk__in=renumbered).update(revision=F("revision") + 1)
    moved = items[to]
    audit.record(by, "checklist_item.move", moved, data={"label": moved.label, "order": to + 1})
    return moved


@transaction.atomic
def publish(version: ChecklistVersion, *, by: User | None) -> ChecklistVersion:
    """Fix a draft's items: from now on new inspections use this version."""
    version = _draft(version)
    if not version.items.exists():
        raise DomainError(_("检查表还没有检查项目，不能发布"))
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    audit.record(by, "checklist.publish", version.checklist, data={"version": version.number})
    return version


@transaction.atomic
def new_draft(checklist: Checklist, *, by: User | None) -> ChecklistVersion:
    """A draft copying the newest version's items, to change them without touching the past."""
    checklist = Checklist.objects.select_for_update().get(pk=checklist.pk)
    if (draft := checklist.draft()) is not None:
        return draft
    latest = checklist.versions.order_by("-number").first()
    draft = ChecklistVersion.objects.create(
        checklist=checklist, number=(latest.number if latest else 0) + 1, created_by=by
    )
    if latest is not None:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(version=draft, **{f: getattr(item, f) for f in ITEM_FIELDS})
            for item in latest.items.all()
        )
    audit.record(by, "checklist.draft", checklist, data={"version": draft.number})
    return draft


# --- Inspections -----------------------------------------------------------------------------


@dataclass
class CountData:
    """The monitoring counts of one kind of premises, as typed (numbers or blanks)."""

    category: str
    rooms: int | None
    positive: int | None = 0
    unproofed: int | None = 0


@dataclass
class InspectionData:
    """What an inspection form says, before checking. Answers are keyed by item id; `notes`
    holds what the inspector wrote beside a failing item."""

    checklist_version: ChecklistVersion
    date: datetime.date | None
    unit: LocalUnit | None = None
    dwelling: Dwelling | None = None
    site: str = ""
    place: Place | None = None  # where a site lies; a unit's or dwelling's place otherwise
    inspectors: list[User] = field(default_factory=list)
    other_inspectors: str = ""
    answers: dict[int, str] = field(default_factory=dict)
    answer_notes: dict[int, str] = field(default_factory=dict)
    counts: list[CountData] = field(default_factory=list)
    outdoor_metres: int | None = None
    burrows: int | None = None
    notes: str = ""


def _target(data: InspectionData, by: User | None) -> tuple[Place, str]:
    targets = [t for t in (data.unit, data.dwelling, data.site.strip()) if t]
    if len(targets) != 1:
        raise DomainError(_("请选择一个检查对象：辖区单位、房屋或场所"), field="target")
    if data.unit is not None:
        place, name = data.unit.place, data.unit.name
        if data.unit.closed_on is not None and data.date and data.unit.closed_on < data.date:
            raise DomainError(
                _("“%(unit)s”已于%(day)s注销/迁出") % {"unit": name, "day": data.unit.closed_on},
                field="target",
            )
    elif data.dwelling is not None:
        place, name = data.dwelling.place, data.dwelling.address
    else:
        if data.place is None:
            raise DomainError(_("请选择场所所在的社区或网格"), field="place")
        place, name = data.place, data.site.strip()
        if len(name) > 100:
            raise DomainError(_("检查场所不能超过100个字"), field="target")
    if place.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID) or place.is_retired:
        raise DomainError(_("检查对象应在在用的社区或网格中"), field="place")
    if not _in_scope(by, place.path):
        raise DomainError(_("只能检查本辖区的对象"), field="target")
    return place, name


def _parse_answer(item: ChecklistItem, raw: str) -> str:
    value = (raw or "").strip()
    if not value:
        if item.required:
            raise DomainError(_("“%(item)s”必须填写") % {"item": item.label}, field="answers")
        return ""
    if item.kind in (ChecklistItem.Kind.YES_NO, ChecklistItem.Kind.CHOICE):
        if value not in item.choice_list():
            raise DomainError(
                _("“%(item)s”的回答“%(value)s”不在可选值中") % {"item": item.label, "value": value},
                field="answers",
            )
    elif item.kind == ChecklistItem.Kind.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or number > MAX_NUMBER:
            raise DomainError(
                _("“%(item)s”应填写不小于0的数字") % {"item": item.label}, field="answers"
            )
        value = format(number.normalize(), "f")
    elif len(value) > 200:
        raise DomainError(_("“%(item)s”不能超过200个字") % {"item": item.label}, field="answers")
    return value


def _check_counts(data: InspectionData, asks: bool) -> list[RoomCount]:
    if not asks:
        typed = any(
            n not in (None, 0) for c in data.counts for n in (c.rooms, c.positive, c.unproofed)
        )
        if typed or data.outdoor_metres is not None or data.burrows is not None:
            raise DomainError(_("这张检查表不填写病媒生物监测数"), field="counts")
        return []
    rows, seen = [], set()
    for count in data.counts:
        if count.category not in RoomCount.Category.values:
            raise DomainError(_("请选择房间类别"), field="counts")
        label = count.category
        numbers = (count.rooms, count.positive or 0, count.unproofed or 0)
        if all(n in (None, 0) for n in numbers):
            continue  # a category nobody checked this time
        if count.rooms is None:
            raise DomainError(_("请填写%(c)s的检查房间数") % {"c": label}, field="counts")
        if any(n < 0 for n in numbers):
            raise DomainError(_("%(c)s的数字不能为负数") % {"c": label}, field="counts")
        if label in seen:
            raise DomainError(_("%(c)s填写了两次") % {"c": label}, field="counts")
        seen.add(label)
        rooms, positive, unproofed = numbers
        if positive > rooms:
            raise DomainError(
                _("%(c)s的鼠迹阳性房间数（%(p)s）不能多于检查房间数（%(r)s）")
                % {"c": label, "p": positive, "r": rooms},
                field="counts",
            )
        if unproofed > rooms:
            raise DomainError(
                _("%(c)s的防鼠设施不合格房间数（%(u)s）不能多于检查房间数（%(r)s）")
                % {"c": label, "u": unproofed, "r": rooms},
                field="counts",
            )
        rows.append(RoomCount(category=label, rooms=rooms, positive=positive, unproofed=unproofed))
    if data.outdoor_metres is not None and data.outdoor_metres < 0:
        raise DomainError(_("外环境检查长度不能为负数"), field="outdoor_metres")
    if data.burrows is not None:
        if data.burrows < 0:
            raise DomainError(_("鼠洞数不能为负数"), field="burrows")
        if data.burrows > 0 and not data.outdoor_metres:
            raise DomainError(_("填写了鼠洞数，请同时填写外环境检查长度"), field="outdoor_metres")
        if data.outdoor_metres is None:
            data.outdoor_metres = 0
    if not rows and data.outdoor_metres is None:
        raise DomainError(_("请至少填写一类房间的检查数，或外环境检查长度"), field="counts")
    return rows


def _answers(
    data: InspectionData, version: ChecklistVersion
) -> list[tuple[ChecklistItem, str, str]]:
    items = list(version.items.all())
    known = {item.pk for item in items}
    if stray := set(data.answers) - known:
        raise DomainError(
            _("检查结果中有不属于这张检查表的项目（%(n)s项）") % {"n": len(stray)}, field="answers"
        )
    result = []
    for item in items:
        value = _parse_answer(item, data.answers.get(item.pk, ""))
        note = (data.answer_notes.get(item.pk) or "").strip()
        if len(note) > 200:
            raise DomainError(
                _("“%(item)s”的问题描述不能超过200个字") % {"item": item.label}, field="answers"
            )
        result.append((item, value, note))
    return result


def _check_files(uploads: list[files.Upload]) -> list[tuple[files.Upload, files.Checked]]:
    if len(uploads) > MAX_FILES:
        raise DomainError(_("每次最多上传%(n)s个文件") % {"n": MAX_FILES}, field="files")
    return [(u, u.check()) for u in uploads]


def _store(
    inspection: Inspection, checked: list, *, recheck: Recheck | None = None
) -> list[InspectionFile]:
    return files.store(
        checked,
        lambda upload, result, stored_as: InspectionFile.objects.create(
            inspection=inspection,
            recheck=recheck,
            kind=upload.kind,
            name=files.display_name(upload.name, result.extension),
            stored_as=stored_as,
            content_type=result.content_type,
            size=len(result.content),
        ),
    )


INSPECTION_FIELDS = ["place", "unit", "dwelling", "site", "target_name", "date", "failures"]
INSPECTION_FIELDS += ["other_inspectors", "notes", "outdoor_metres", "burrows"]


def _checked(data: InspectionData, by: User | None, *, asks: bool | None = None):
    """The checked form; `asks` says whether it carries monitoring counts (by default, whether
    its checklist asks for them)."""
    version = data.checklist_version
    if version is None or version.is_draft:
        raise DomainError(_("请选择已发布的检查表"), field="checklist_version")
    _check_day(data.date, _("检查日期"), "date")
    place, name = _target(data, by)
    answers = _answers(data, version)
    counts = _check_counts(data, version.checklist.counts if asks is None else asks)
    if not data.inspectors and not data.other_inspectors.strip():
        raise DomainError(_("请填写检查人员"), field="inspectors")
    if len(data.other_inspectors) > 100:
        raise DomainError(_("其他检查人员不能超过100个字"), field="other_inspectors")
    return place, name, answers, counts


@transaction.atomic
def record_inspection(
    data: InspectionData, *, by: User | None, uploads: list[files.Upload] = ()
) -> Inspection:
    """Save an inspection with its answers, monitoring counts and photos. A failing answer to
    an item marked "needs rectification" is a finding: the inspection page offers to issue its
    order (issue_rectification)."""
    place, name, answers, counts = _checked(data, by)
    checked = _check_files(list(uploads))
    inspection = Inspection(
        checklist_version=data.checklist_version,
        area=data.checklist_version.checklist.area,
        created_by=by,
    )
    _fill(inspection, data, place, name, answers)
    inspection.save()
    _save_details(inspection, data, answers, counts)
    _store(inspection, checked)
    audit.record_save(by, inspection, kind="inspection", fields=INSPECTION_FIELDS, before=None)
    return inspection


def _fill(inspection: Inspection, data: InspectionData, place, name, answers) -> None:
    inspection.place, inspection.target_name = place, name
    inspection.unit, inspection.dwelling = data.unit, data.dwelling
    inspection.site = data.site.strip() if data.unit is None and data.dwelling is None else ""
    inspection.date, inspection.notes = data.date, data.notes.strip()
    inspection.other_inspectors = data.other_inspectors.strip()
    inspection.failures = sum(1 for item, value, _note in answers if item.fails(value))
    inspection.outdoor_metres, inspection.burrows = data.outdoor_metres, data.burrows


def _save_details(inspection: Inspection, data: InspectionData, answers, counts) -> None:
    inspection.inspectors.set(data.inspectors)
    inspection.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(inspection=inspection, item=item, value=value, failed=item.fails(value), note=note)
        for item, value, note in answers
    )
    inspection.room_counts.all().delete()
    for row in counts:
        row.inspection = inspection
    RoomCount.objects.bulk_create(counts)


@transaction.atomic
def update_inspection(
    inspection: Inspection,
    data: InspectionData,
    *,
    version: int,
    by: User | None,
    uploads: list[files.Upload] = (),
) -> Inspection:
    """Correct an inspection (same checklist version). A failing item that already has an open
    order cannot be turned into a pass here: the re-check closes the order."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.version != version:
        raise _conflict()
    data.checklist_version = locked.checklist_version
    # Whether an inspection carries monitoring counts is its own fact, fixed when it was made:
    # an admin changing the checklist's setting later neither drops its counts nor asks an old
    # inspection for counts nobody took.
    monitored = locked.outdoor_metres is not None or locked.room_counts.exists()
    untouched = not any(
        n is not None for c in data.counts for n in (c.rooms, c.positive, c.unproofed)
    )
    if monitored and untouched and data.outdoor_metres is None and data.burrows is None:
        data.counts = [
            CountData(r.category, r.rooms, r.positive, r.unproofed)
            for r in locked.room_counts.all()
        ]
        data.outdoor_metres, data.burrows = locked.outdoor_metres, locked.burrows
    place, name, answers, counts = _checked(data, by, asks=monitored)
    first_order = locked.rectifications.order_by("issued_on").values_list("issued_on", flat=True)
    if (issued := first_order.first()) is not None and data.date and data.date > issued:
        raise DomainError(
            _("检查日期不能晚于已下达的整改通知（%(day)s）") % {"day": issued}, field="date"
        )
    ordered = set(locked.rectifications.filter(item__isnull=False).values_list("item", flat=True))
    for item, value, _note in answers:
        if item.pk in ordered and not item.fails(value):
            raise DomainError(
                _("“%(item)s”已下达整改通知，不能改为合格；整改后请通过复查销号")
                % {"item": item.label},
                field="answers",
            )
    checked = _check_files(list(uploads))
    before = audit.snapshot(locked, INSPECTION_FIELDS)
    _fill(locked, data, place, name, answers)
    locked.version += 1
    locked.save()
    _save_details(locked, data, answers, counts)
    _store(locked, checked)
    orders = list(locked.rectifications.values_list("pk", flat=True))
    rows_written.send(Rectification, pks=orders)  # as they were, then as they are
    locked.rectifications.update(place=place, place_path=place.path)
    rows_written.send(Rectification, pks=orders)
    audit.record_save(by, locked, kind="inspection", fields=INSPECTION_FIELDS, before=before)
    return locked


@transaction.atomic
def add_files(inspection: Inspection, uploads: list[files.Upload], *, by: User | None) -> list:
    if not uploads:
        raise DomainError(_("请选择要上传的文件"), field="files")
    checked = _check_files(list(uploads))
    stored = _store(inspection, checked)
    audit.record(by, "inspection.files", inspection, data={"files": [f.name for f in stored]})
    return stored


@transaction.atomic
def remove_file(file: InspectionFile, *, by: User | None) -> None:
    audit.record(by, "inspection.file_delete", file.inspection, data={"file": file.name})
    stored_as = file.stored_as
    file.delete()
    transaction.on_commit(lambda: files.remove(stored_as))


# --- Rectification orders ---------------------------------------------------------------------


@dataclass
class OrderData:
    finding: str
    responsible: str
    deadline: datetime.date | None
    issued_on: datetime.date | None = None
    requirement: str = ""
    item: ChecklistItem | None = None


RECTIFICATION_FIELDS = ["finding", "requirement", "responsible", "issued_on", "first_deadline"]
RECTIFICATION_FIELDS += ["deadline", "closed_on"]


@transaction.atomic
def issue_rectification(
    inspection: Inspection, data: OrderData, *, by: User | None
) -> Rectification:
    """整改通知: a finding of `inspection`, who must put it right, by when."""
    issued = data.issued_on or timezone.localdate()
    _check_day(issued, _("下达日期"), "issued_on")
    if issued < inspection.date:
        raise DomainError(
            _("下达日期不能早于检查日期（%(day)s）") % {"day": inspection.date}, field="issued_on"
        )
    finding, responsible = data.finding.strip(), data.responsible.strip()
    if not finding:
        raise DomainError(_("请填写存在问题"), field="finding")
    if len(finding) > 200:
        raise DomainError(_("存在问题不能超过200个字"), field="finding")
    if not responsible:
        raise DomainError(_("请填写整改责任单位或责任人"), field="responsible")
    if len(responsible) > 100:
        raise DomainError(_("整改责任单位/责任人不能超过100个字"), field="responsible")
    if data.deadline is None:
        raise DomainError(_("请填写整改期限"), field="deadline")
    if data.deadline < issued:
        raise DomainError(_("整改期限不能早于下达日期"), field="deadline")
    if data.item is not None:
        answer = inspection.answers.filter(item=data.item).first()
        if answer is None or not answer.failed:
            raise DomainError(_("只能对本次检查中不合格的项目下达整改通知"), field="item")
        if inspection.rectifications.filter(item=data.item).exists():
            # Put right or not, the item's order is the one: a new failure is a new inspection.
            raise DomainError(
                _("“%(item)s”已下达过整改通知") % {"item": data.item.label}, field="item"
            )
    order = Rectification.objects.create(
        inspection=inspection,
        place=inspection.place,
        item=data.item,
        finding=finding,
        requirement=data.requirement.strip(),
        responsible=responsible,
        issued_on=issued,
        first_deadline=data.deadline,
        deadline=data.deadline,
        created_by=by,
    )
    audit.record_save(by, order, kind="rectification", fields=RECTIFICATION_FIELDS, before=None)
    return order


@dataclass
class RecheckData:
    date: datetime.date | None
    passed: bool
    note: str = ""
    new_deadline: datetime.date | None = None


@transaction.atomic
def recheck(
    order: Rectification,
    data: RecheckData,
    *,
    version: int,
    by: User | None,
    uploads: list[files.Upload] = (),
) -> Recheck:
    """复查: rectified (the order is closed on that day) or not yet (a new deadline is set)."""
    locked = Rectification.objects.select_for_update().get(pk=order.pk)
    if locked.version != version:
        raise _conflict()
    if locked.closed_on is not None:
        raise DomainError(_("这份整改通知已于%(day)s销号") % {"day": locked.closed_on})
    day = _check_day(data.date, _("复查日期"), "date")
    if day < locked.issued_on:
        raise DomainError(
            _("复查日期不能早于整改通知下达日期（%(day)s）") % {"day": locked.issued_on},
            field="date",
        )
    last = locked.rechecks.order_by("-date").values_list("date", flat=True).first()
    if last is not None and day < last:
        raise DomainError(_("复查日期不能早于上一次复查（%(day)s）") % {"day": last}, field="date")
    if data.passed:
        new_deadline = None
    else:
        if data.new_deadline is None:
            raise DomainError(_("未整改到位的，请填写新的整改期限"), field="new_deadline")
        if data.new_deadline <= day:
            raise DomainError(_("新的整改期限应晚于复查日期"), field="new_deadline")
        new_deadline = data.new_deadline
    note = data.note.strip()
    checked = _check_files(list(uploads))
    before = audit.snapshot(locked, RECTIFICATION_FIELDS)
    done = Recheck.objects.create(
        rectification=locked, date=day, passed=data.passed, note=note,
        new_deadline=new_deadline, by=by,
    )  # fmt: skip
    if data.passed:
        locked.closed_on = day
    else:
        locked.deadline = new_deadline
    locked.version += 1
    locked.save(update_fields=["closed_on", "deadline", "version"])
    _store(locked.inspection, checked, recheck=done)
    audit.record(
        by,
        "rectification.recheck",
        locked,
        changes=audit.changes(before, locked),
        data={"passed": data.passed, "note": note},
    )
    return done


# --- Responsibility agreements ----------------------------------------------------------------


@dataclass
class AgreementData:
    kind: str
    signed_on: datetime.date | None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    unit: LocalUnit | None = None
    rental: Rental | None = None
    signer: str = ""
    notes: str = ""


AGREEMENT_FIELDS = ["kind", "unit", "rental", "party_name", "signer", "signed_on", "starts_on"]
AGREEMENT_FIELDS += ["ends_on", "notes", "scan_name"]


def _check_agreement(data: AgreementData, by: User | None) -> tuple[Place, str]:
    if data.kind not in Agreement.Kind.values:
        raise DomainError(_("请选择责任书类型"), field="kind")
    if (data.unit is None) == (data.rental is None):
        raise DomainError(_("请选择签订的辖区单位或出租房屋"), field="party")
    _check_day(data.signed_on, _("签订日期"), "signed_on")
    if data.starts_on is None:
        data.starts_on = data.signed_on
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise DomainError(_("有效期截止日期不能早于起始日期"), field="ends_on")
    if data.unit is not None:
        place, party = data.unit.place, data.unit.name
    else:
        place = data.rental.place
        party = f"{data.rental.dwelling.address}（房东：{data.rental.landlord_name}）"
    if not _in_scope(by, place.path):
        raise DomainError(_("只能与本辖区的单位或房东签订"), field="party")
    if len(data.signer.strip()) > 50:
        raise DomainError(_("签字人不能超过50个字"), field="signer")
    return place, party[:100]


@transaction.atomic
def sign_agreement(
    data: AgreementData, *, by: User | None, scan: files.Upload | None = None
) -> Agreement:
    """Record a signed 责任书/承诺书, with its scanned copy (a photo or a PDF)."""
    place, party = _check_agreement(data, by)
    checked = scan.check() if scan is not None else None
    agreement = Agreement(place=place, party_name=party, created_by=by)
    _fill_agreement(agreement, data)
    agreement.save()
    if checked is not None:
        _store_scan(agreement, scan, checked)
    audit.record_save(by, agreement, kind="agreement", fields=AGREEMENT_FIELDS, before=None)
    return agreement


def _fill_agreement(agreement: Agreement, data: AgreementData) -> None:
    agreement.kind, agreement.unit, agreement.rental = data.kind, data.unit, data.rental
    agreement.signer, agreement.notes = data.signer.strip(), data.notes.strip()
    agreement.signed_on, agreement.starts_on = data.signed_on, data.starts_on
    agreement.ends_on = data.ends_on


def _store_scan(agreement: Agreement, scan: files.Upload, checked: files.Checked) -> None:
    old = agreement.scan_stored_as

    def row(upload, result, stored_as):
        agreement.scan_name = files.display_name(upload.name, result.extension)
        agreement.scan_stored_as = stored_as
        agreement.scan_content_type = result.content_type
        agreement.save(update_fields=["scan_name", "scan_stored_as", "scan_content_type"])

    files.store([(scan, checked)], row)
    if old:
        transaction.on_commit(lambda: files.remove(old))


@transaction.atomic
def update_agreement(
    agreement: Agreement,
    data: AgreementData,
    *,
    by: User | None,
    scan: files.Upload | None = None,
    version: int | None = None,
) -> Agreement:
    """Correct a signed agreement; `version` is the one the edit page showed (a stale page
    raises StaleEdit and stores nothing, not even the scan)."""
    agreement = locking.lock_current(agreement, version)
    locking.bump(agreement)
    place, party = _check_agreement(data, by)
    checked = scan.check() if scan is not None else None
    before = audit.snapshot(agreement, AGREEMENT_FIELDS)
    agreement.place, agreement.party_name = place, party
    _fill_agreement(agreement, data)
    agreement.save()
    if checked is not None:
        _store_scan(agreement, scan, checked)
    audit.record_save(by, agreement, kind="agreement", fields=AGREEMENT_FIELDS, before=before)
    return agreement

"""Writing work records: each change validated, saved and audited in one transaction."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PlaceKind
from areas.models import Place
from audit import services as audit
from ledger.models import (
    Participant,
    Quantity,
    QuantityKind,
    ServiceEntry,
    Topic,
    WorkRecord,
    plain,
)
from people.models import Resident, Staff
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

RECORD_FIELDS = ["kind", "title", "date", "start_time", "end_time", "place", "venue",
                 "organiser", "co_organisers", "head_count", "notes"]  # fmt: skip
MAX_HEAD_COUNT = 100_000
MAX_AMOUNT = Decimal("9999999999")
PLANNED_DAYS = 366  # a record may be entered ahead for an event planned up to a year out
EARLIEST = datetime.date(2000, 1, 1)  # older dates are typing slips, not records


@dataclass
class RecordData:
    """What the quick-entry form says about a record, before checking."""

    kind: str
    title: str
    date: datetime.date
    place: Place
    topics: list[Topic]
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    venue: str = ""
    organiser: Staff | None = None
    co_organisers: str = ""
    head_count: int | None = None
    notes: str = ""
    quantities: dict[QuantityKind, Decimal | None] = field(default_factory=dict)


def _in_scope(by: User | None, path: str) -> bool:
    return by is None or path.startswith(by.scope_path)


def check_record(data: RecordData, by: User | None) -> None:
    """Raise DomainError (with the field at fault) when `data` breaks a rule of records; the
    form and the spreadsheet import check with the same rules."""
    if data.kind not in WorkRecord.Kind.values:
        raise DomainError(_("请选择类型"), field="kind")
    if not data.title.strip():
        raise DomainError(_("请填写标题"), field="title")
    if data.place.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID) or data.place.is_retired:
        raise DomainError(_("工作记录应登记到在用的社区或网格"), field="place")
    if not _in_scope(by, data.place.path):
        raise DomainError(_("只能登记本辖区的工作记录"), field="place")
    if data.date > timezone.localdate() + datetime.timedelta(days=PLANNED_DAYS):
        raise DomainError(_("日期不能晚于一年以后"), field="date")
    if data.date < EARLIEST:
        raise DomainError(_("日期不合理，应在2000年以后"), field="date")
    if data.start_time and data.end_time and data.end_time < data.start_time:
        raise DomainError(_("结束时间不能早于开始时间"), field="end_time")
    if not data.topics:
        raise DomainError(_("请至少选择一个工作领域"), field="topics")
    if data.head_count is not None and not 0 <= data.head_count <= MAX_HEAD_COUNT:
        raise DomainError(_("参与人次应在0到100000之间"), field="head_count")
    if data.organiser is not None and (
        _community_path(data.organiser.place_path) != _community_path(data.place.path)
    ):
        raise DomainError(_("组织者应是本社区的工作者"), field="organiser")
    for kind, amount in data.quantities.items():
        if amount is not None and not Decimal(0) <= amount <= MAX_AMOUNT:
            raise DomainError(
                _("“%(item)s”的数量应为不小于0的数字") % {"item": kind.name},
                field=f"q_{kind.pk}",
            )


def _community_path(path: str) -> str:
    """The community part of a community's or a grid's path (区/街道/社区/网格)."""
    return "/".join(path.split("/")[:4]) + "/"


@transaction.atomic
def save_record(record: WorkRecord | None, data: RecordData, *, by: User | None) -> WorkRecord:
    """Register a record (`record=None`) or change one, with its topics and quantities."""
    check_record(data, by)
    creating = record is None
    record = record or WorkRecord(created_by=by)
    before = None if creating else audit.snapshot(record, RECORD_FIELDS)
    before_topics = set() if creating else {t.name for t in record.topics.all()}
    before_amounts = {} if creating else _amounts(record)
    for name in RECORD_FIELDS:
        value = getattr(data, name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.save()
    record.topics.set(data.topics)
    # Only the items the caller speaks of are replaced (the form offers every active item and
    # any retired one the record has).
    record.quantities.filter(kind__in=list(data.quantities)).delete()
    Quantity.objects.bulk_create(
        Quantity(record=record, kind=kind, amount=amount)
        for kind, amount in data.quantities.items()
        if amount  # zero or blank: not counted
    )
    audit.record_save(by, record, kind="record", fields=RECORD_FIELDS, before=before)
    topics = {t.name for t in data.topics}
    amounts = _amounts(record)
    if creating or topics != before_topics or amounts != before_amounts:
        audit.record(
            by,
            "record.details",
            record,
            data={"topics": "、".join(sorted(topics)), "quantities": _shown(amounts)},
        )
    return record


def _amounts(record: WorkRecord) -> dict[str, str]:
    return {
        str(q.kind): f"{q.amount.normalize():f}" for q in record.quantities.select_related("kind")
    }


def _shown(amounts: dict[str, str]) -> str:
    return "、".join(f"{item} {amount}" for item, amount in sorted(amounts.items())) or "—"


@transaction.atomic
def add_participant(
    record: WorkRecord,
    resident: Resident,
    *,
    role: str,
    hours: Decimal | None = None,
    by: User | None,
) -> Participant:
    """A named resident at the record; a volunteer may carry service hours."""
    if not _in_scope(by, resident.place_path):
        raise DomainError(_("只能添加本辖区的居民"))
    if role not in Participant.Role.values:
        raise DomainError(_("请选择角色"), field="role")
    if hours is not None:
        if role != Participant.Role.VOLUNTEER:
            raise DomainError(_("只有志愿者登记服务时长"), field="hours")
        if not Decimal(0) < hours <= 24:
            raise DomainError(_("服务时长应在0到24小时之间"), field="hours")
    if record.participants.filter(resident=resident).exists():
        raise DomainError(_("%(name)s已在参与人员中") % {"name": resident.name})
    participant = Participant.objects.create(
        record=record, resident=resident, role=role, hours=hours
    )
    audit.record(
        by,
        "record.participant_add",
        record,
        data={"name": resident.name, "role": role, "hours": plain(hours)},
    )
    return participant


@transaction.atomic
def remove_participant(participant: Participant, *, by: User | None) -> None:
    record, name = participant.record, participant.resident.name
    participant.delete()
    audit.record(by, "record.participant_remove", record, data={"name": name})


@transaction.atomic
def add_topic(*, code: str, name: str, by: User | None) -> Topic:
    code, name = code.strip().lower(), name.strip()
    if not name:
        raise DomainError(_("请填写名称"), field="name")
    if Topic.objects.filter(code=code).exists():
        raise DomainError(_("代码%(c)s已被使用") % {"c": code}, field="code")
    if Topic.objects.filter(name=name).exists():
        raise DomainError(_("已有名为“%(n)s”的工作领域") % {"n": name}, field="name")
    order = (Topic.objects.order_by("-order").values_list("order", flat=True).first() or 0) + 10
    topic = Topic.objects.create(code=code, name=name, order=order)
    audit.record(by, "topic.create", topic, changes=audit.created(topic, ["code", "name"]))
    return topic


@transaction.atomic
def add_quantity_kind(*, name: str, unit: str, by: User | None) -> QuantityKind:
    name, unit = name.strip(), unit.strip()
    if not name:
        raise DomainError(_("请填写名称"), field="name")
    if not unit:
        raise DomainError(_("请填写单位"), field="unit")
    if QuantityKind.objects.filter(name=name).exists():
        raise DomainError(_("已有名为“%(n)s”的数量项目") % {"n": name}, field="name")
    order = (
        QuantityKind.objects.order_by("-order").values_list("order", flat=True).first() or 0
    ) + 10
    kind = QuantityKind.objects.create(name=name, unit=unit, order=order)
    audit.record(by, "quantity_kind.create", kind, changes=audit.created(kind, ["name", "unit"]))
    return kind


@transaction.atomic
def set_active(item: Topic | QuantityKind, *, active: bool, by: User | None) -> None:
    """Retire a catalogue entry from the entry form (records keep it) or bring it back."""
    if item.active == active:
        return
    item.active = active
    item.save(update_fields=["active"])
    action = "topic.update" if isinstance(item, Topic) else "quantity_kind.update"
    audit.record(by, action, item, changes={"active": [not active, active]})


def find_resident(text: str, *, by: User) -> Resident:
    """The resident a desk worker names by ID number or full name, within their place; a
    Chinese error when none or several match."""
    text = re.sub(r"\s", "", text).upper()
    if not text:
        raise DomainError(_("请填写居民的身份证号码或姓名"), field="who")
    residents = Resident.objects.visible_to(by).present()
    if re.fullmatch(r"\d{17}[\dX]", text):
        found = list(residents.filter(id_number=text)[:2])
    else:
        found = list(residents.filter(name=text)[:2])
    if not found:
        raise DomainError(
            _("本辖区在住居民中没有姓名或身份证号码为“%(t)s”的，请核对；未登记的请先登记")
            % {"t": text},
            field="who",
        )
    if len(found) > 1:
        raise DomainError(
            _("本辖区有多位名为“%(t)s”的居民，请输入身份证号码") % {"t": text}, field="who"
        )
    return found[0]


@transaction.atomic
def log_service(
    resident: Resident,
    *,
    service: str,
    date: datetime.date,
    outcome: str,
    notes: str = "",
    by: User | None,
) -> ServiceEntry:
    """办事登记: one service handled for a resident, counted per type and per worker."""
    if not _in_scope(by, resident.place_path):
        raise DomainError(_("只能为本辖区的居民登记"), field="who")
    if service not in ServiceEntry.Service.values:
        raise DomainError(_("请选择办理事项"), field="service")
    if outcome not in ServiceEntry.Outcome.values:
        raise DomainError(_("请选择办理结果"), field="outcome")
    if date > timezone.localdate():
        raise DomainError(_("办理日期不能晚于今天"), field="date")
    if date < EARLIEST:
        raise DomainError(_("办理日期不合理"), field="date")
    entry = ServiceEntry.objects.create(
        resident=resident,
        service=service,
        date=date,
        outcome=outcome,
        notes=notes.strip()[:200],
        handled_by=by,
        place_id=resident.place_id,
        place_path=resident.place_path,
    )
    audit.record(
        by, "service.create", entry, changes=audit.created(entry, ["service", "date", "outcome"])
    )
    return entry

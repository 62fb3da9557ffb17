"""Writing work records: each change validated, saved and audited in one transaction."""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place, community_path
from audit import services as audit
from audit.models import AuditEntry
from ledger.models import (
    Attachment,
    Minutes,
    Participant,
    Quantity,
    QuantityKind,
    ServiceEntry,
    SignIn,
    Topic,
    Visit,
    WorkRecord,
    names,
    plain,
)
from people.models import GroupCategory, Household, Membership, Residence, Resident, Staff
from people.phones import normalise_mobile
from shequ import files, locking
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
    photos: list[files.Upload] = field(default_factory=list)


def _in_scope(by: User | None, path: str) -> bool:
    return by is None or path.startswith(by.scope_path)


def check_record(data: RecordData, by: User | None, *, kept_place: int | None = None) -> None:
    """Raise DomainError (with the field at fault) when `data` breaks a rule of records; the
    form and the spreadsheet import check with the same rules. A record edited in the place
    it already has (`kept_place`) may stay there after the place was retired."""
    if data.kind not in WorkRecord.Kind.values:
        raise DomainError(_("请选择类型"), field="kind")
    if not data.title.strip():
        raise DomainError(_("请填写标题"), field="title")
    retired = data.place.is_retired and data.place.pk != kept_place
    if data.place.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID) or retired:
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
        community_path(data.organiser.place_path) != community_path(data.place.path)
    ):
        raise DomainError(_("组织者应是本社区的工作者"), field="organiser")
    for kind, amount in data.quantities.items():
        if amount is not None and not Decimal(0) <= amount <= MAX_AMOUNT:
            raise DomainError(
                _("“%(item)s”的数量应为不小于0的数字") % {"item": kind.name},
                field=f"q_{kind.pk}",
            )


@transaction.atomic
def save_record(
    record: WorkRecord | None, data: RecordData, *, by: User | None, version: int | None = None
) -> WorkRecord:
    """Register a record (`record=None`) or change one, with its topics and quantities.
    `version` is the one the edit page showed: a page older than the row is refused
    (StaleEdit) and nothing changes."""
    if record is not None:
        record = locking.lock_current(record, version)
        locking.bump(record)
    check_record(data, by, kept_place=record.place_id if record is not None else None)
    creating = record is None
    record = record or WorkRecord(created_by=by)
    before = None if creating else audit.snapshot(record, RECORD_FIELDS)
    before_topics = set() if creating else {t.name for t in record.topics.all()}
    before_amounts = {} if creating else _amounts(record)
    placed = (record.place_path, record.date)
    for name in RECORD_FIELDS:
        value = getattr(data, name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.save()
    if not creating and (record.place_path, record.date) != placed:
        # Its named participants carry its place path and date. Their rollup cells are the
        # record's own (leaf place, month), which the record's save has marked stale already.
        record.participants.update(place_path=record.place_path, date=record.date)
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
    attach(record, data.photos, by=by)
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


# -- Photos and documents ------------------------------------------------------------------

MAX_ATTACHMENTS = 20  # per record: a day's photos and the papers that go with them


@transaction.atomic
def attach(record: WorkRecord, uploads: list[files.Upload], *, by: User | None) -> list[Attachment]:
    """Check every file first; store them all or none."""
    if not uploads:
        return []
    if record.attachments.count() + len(uploads) > MAX_ATTACHMENTS:
        raise DomainError(
            _("每条记录最多%(n)s个照片和附件") % {"n": MAX_ATTACHMENTS}, field="files"
        )
    checked = [(u, u.check()) for u in uploads]

    def row(upload: files.Upload, result: files.Checked, stored_as: str) -> Attachment:
        attachment = Attachment.objects.create(
            record=record,
            kind=upload.kind,
            name=files.display_name(upload.name, result.extension),
            stored_as=stored_as,
            content_type=result.content_type,
            size=len(result.content),
            width=result.width,
            height=result.height,
            uploaded_by=by if by is not None and by.is_authenticated else None,
        )
        audit.record(
            by, "record.attach", record, data={"name": attachment.name, "kind": upload.kind}
        )
        return attachment

    return files.store(checked, row)


@transaction.atomic
def remove_attachment(attachment: Attachment, *, by: User | None) -> None:
    record, name, stored_as = attachment.record, attachment.name, attachment.stored_as
    attachment.delete()
    audit.record(by, "record.detach", record, data={"name": name, "kind": attachment.kind})
    transaction.on_commit(lambda: files.remove(stored_as))


# -- Meeting minutes -----------------------------------------------------------------------

MINUTES_FIELDS = ["chair", "recorder", "expected", "present", "absent", "agenda", "decisions"]
MEETING_KINDS = (WorkRecord.Kind.MEETING, WorkRecord.Kind.ASSEMBLY)


@dataclass
class MinutesData:
    chair: str = ""
    recorder: str = ""
    expected: int | None = None
    present: str = ""
    absent: str = ""
    agenda: str = ""
    decisions: str = ""


@transaction.atomic
def save_minutes(
    record: WorkRecord, data: MinutesData, *, by: User | None, version: int | None = None
) -> Minutes:
    """Write or correct the minutes of a meeting; the head count follows those present.
    `version` is the one the page showed (0 when it showed no minutes yet): a stale page raises
    StaleEdit and changes nothing."""
    if record.kind not in MEETING_KINDS:
        raise DomainError(_("只有会议和居民会议/议事记录会议纪要"))
    for name in ("chair", "recorder"):
        if len(getattr(data, name).strip()) > 20:
            raise DomainError(_("姓名不能超过20个字"), field=name)
    present, absent = names(data.present), names(data.absent)
    if set(present) & set(absent):
        both = "、".join(sorted(set(present) & set(absent)))
        raise DomainError(_("%(n)s同时列在出席和缺席中") % {"n": both}, field="absent")
    if data.expected is not None:
        if not 0 < data.expected <= MAX_HEAD_COUNT:
            raise DomainError(_("应到人数应为正整数"), field="expected")
        if len(present) + len(absent) > data.expected:
            raise DomainError(
                _("出席%(p)s人、缺席%(a)s人，超过应到的%(e)s人")
                % {"p": len(present), "a": len(absent), "e": data.expected},
                field="expected",
            )
    minutes, creating = Minutes.objects.get_or_create(record=record)
    minutes = locking.lock_current(minutes, version)
    locking.bump(minutes)
    before = None if creating else audit.snapshot(minutes, MINUTES_FIELDS)
    for name in MINUTES_FIELDS:
        value = getattr(data, name)
        setattr(minutes, name, value.strip() if isinstance(value, str) else value)
    minutes.save()
    audit.record_save(by, minutes, kind="minutes", fields=MINUTES_FIELDS, before=before)
    if present and record.head_count != len(present):
        # 参会人数 is those present: the ledger and the statistics read the head count.
        old, record.head_count = record.head_count, len(present)
        record.save(update_fields=["head_count", "updated_at"])
        audit.record(by, "record.update", record, changes={"head_count": [old, len(present)]})
    return minutes


# -- Home visits and a group's coverage ----------------------------------------------------

VISIT_KINDS = (WorkRecord.Kind.VISIT, WorkRecord.Kind.CONDOLENCE)


@transaction.atomic
def add_visit(
    record: WorkRecord,
    *,
    household: Household | None = None,
    resident: Resident | None = None,
    purpose: str,
    findings: str = "",
    by: User | None,
) -> Visit:
    """One household or resident visited, why, and what was found."""
    if record.kind not in VISIT_KINDS:
        raise DomainError(_("只有走访/入户和慰问记录登记走访对象"))
    if (household is None) == (resident is None):
        raise DomainError(_("请选择一户或一位居民"))
    target = household or resident
    if not _in_scope(by, target.place_path):
        raise DomainError(_("只能走访本辖区的户和居民"))
    if not target.place_path.startswith(community_path(record.place_path)):
        raise DomainError(_("只能走访本记录所在社区的户和居民"))
    if purpose not in Visit.Purpose.values:
        raise DomainError(_("请选择走访目的"), field="purpose")
    if len(findings) > 1000:
        raise DomainError(_("走访情况不能超过1000字"), field="findings")
    if record.visits.filter(household=household, resident=resident).exists():
        raise DomainError(_("%(who)s已在本次走访中") % {"who": _visited_name(target)})
    visit = Visit.objects.create(
        record=record,
        household=household,
        resident=resident,
        purpose=purpose,
        findings=findings.strip(),
    )
    audit.record(
        by, "record.visit_add", record, data={"name": _visited_name(target), "purpose": purpose}
    )
    return visit


def _visited_name(target: Household | Resident) -> str:
    if isinstance(target, Household):
        return _("户%(n)s") % {"n": target.number}
    return target.name


@transaction.atomic
def remove_visit(visit: Visit, *, by: User | None) -> None:
    record, name = visit.record, _visited_name(visit.household or visit.resident)
    visit.delete()
    audit.record(by, "record.visit_remove", record, data={"name": name})


def _lived_in_on_visit(visited: str, start: datetime.date, end: datetime.date, **members):
    """Residences in force on the day of a visit in the period to their `visited` side (the
    household, or the resident): who lived in a visited household, or where a visited
    resident lived."""
    day = f"{visited}__visits__record__date"
    return Residence.objects.filter(
        Q(until__isnull=True) | Q(until__gte=F(day)),
        since__lte=F(day),
        **{f"{day}__gte": start, f"{day}__lte": end},
        **members,
    )


@dataclass
class Coverage:
    """走访覆盖: of a group's members in a place during a period, how many were visited."""

    members: int
    visited: int
    by_place: list[tuple[str, int, int]]  # (grid or community, members, visited)
    unvisited: list[Membership]

    @property
    def rate(self) -> float | None:
        return self.visited / self.members if self.members else None


def visit_coverage(
    category: GroupCategory,
    place: Place,
    start: datetime.date,
    end: datetime.date,
    *,
    user: User,
    unvisited_shown: int = 200,
) -> Coverage:
    """Members of `category` in `place` at any time in [start, end], and which of them were
    visited in that period: a resident in person or through a visit to the household they
    lived in on that day; a household likewise, through any of its members."""
    if end < start:
        raise DomainError(_("结束日期不能早于开始日期"), field="end")
    members = (
        Membership.objects.visible_to(user)
        .filter(category=category, place_path__under=place.path, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
    )
    visited_residents, visited_households = _visited(members, start, end)

    def seen(m) -> bool:
        return (m["resident_id"] in visited_residents) or (m["household_id"] in visited_households)

    rows = list(
        members.order_by("place_path", "pk").values(
            "pk", "resident_id", "household_id", "place_path", "place__name"
        )
    )
    per_place: dict[str, list] = {}  # by path: two grids may share a name
    for m in rows:
        counts = per_place.setdefault(m["place_path"], [m["place__name"], 0, 0])
        counts[1] += 1
        counts[2] += seen(m)
    unvisited_ids = [m["pk"] for m in rows if not seen(m)][:unvisited_shown]
    unvisited = list(
        Membership.objects.filter(pk__in=unvisited_ids)
        .select_related("resident", "household", "place")
        .order_by("place_path", "pk")
    )
    return Coverage(
        members=len(rows),
        visited=sum(1 for m in rows if seen(m)),
        by_place=[tuple(counts) for _path, counts in sorted(per_place.items())],
        unvisited=unvisited,
    )


def unvisited_counts(members, start: datetime.date, end: datetime.date) -> dict[int, int]:
    """Of the given memberships (a queryset, in force at some time in [start, end]), how many
    of each category were not visited in the period, as `visit_coverage` decides it: the
    same five queries for any number of categories (one when there are no members)."""
    rows = list(members.values("category_id", "resident_id", "household_id"))
    if not rows:
        return {}
    visited_residents, visited_households = _visited(members, start, end)
    counts: dict[int, int] = {}
    for m in rows:
        seen = m["resident_id"] in visited_residents or m["household_id"] in visited_households
        if not seen:
            counts[m["category_id"]] = counts.get(m["category_id"], 0) + 1
    return counts


def _visited(members, start: datetime.date, end: datetime.date) -> tuple[set[int], set[int]]:
    """The residents and households among `members` visited in [start, end]: in person, or
    through a visit to the household they lived in (or a member of it) on that day."""
    in_period = Q(record__date__gte=start, record__date__lte=end)
    residents = members.filter(resident__isnull=False).values("resident_id")
    households = members.filter(household__isnull=False).values("household_id")
    visited_residents = set(
        Visit.objects.filter(in_period, resident_id__in=residents).values_list(
            "resident_id", flat=True
        )
    ) | set(
        _lived_in_on_visit("household", start, end, resident_id__in=residents).values_list(
            "resident_id", flat=True
        )
    )
    visited_households = set(
        Visit.objects.filter(in_period, household_id__in=households).values_list(
            "household_id", flat=True
        )
    ) | set(
        _lived_in_on_visit("resident", start, end, household_id__in=households).values_list(
            "household_id", flat=True
        )
    )
    return visited_residents, visited_households


# -- Residents' own sign-in by short code --------------------------------------------------

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread off a screen
CODE_LENGTH = 6
SIGNIN_HOURS = 4


@transaction.atomic
def open_signin(record: WorkRecord, *, by: User | None, hours: int = SIGNIN_HOURS) -> str:
    """Give the record a short code residents type (or scan) to sign themselves in; it stays
    open for `hours`."""
    today = timezone.localdate()
    if abs((record.date - today).days) > 1:
        raise DomainError(_("只能为昨天、今天或明天的活动开启签到"))
    if not record.signin_code or record.signin_until <= timezone.now():
        # A code that has expired is not handed out again: an old photo of it leads nowhere.
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))
            if not WorkRecord.objects.filter(signin_code=code).exists():
                break
        record.signin_code = code
    record.signin_until = timezone.now() + datetime.timedelta(hours=hours)
    record.save(update_fields=["signin_code", "signin_until", "updated_at"])
    audit.record(
        by,
        "record.signin_open",
        record,
        data={"open_until": f"{timezone.localtime(record.signin_until):%H:%M}"},
    )
    return record.signin_code


@transaction.atomic
def close_signin(record: WorkRecord, *, by: User | None) -> None:
    """End sign-in now; the code is given up, so an old photo of it leads nowhere."""
    if not record.signin_code:
        return
    record.signin_code, record.signin_until = None, None
    record.save(update_fields=["signin_code", "signin_until", "updated_at"])
    audit.record(by, "record.signin_close", record)


def open_record(code: str) -> WorkRecord:
    code = re.sub(r"\s", "", code).upper()
    record = (
        WorkRecord.objects.filter(signin_code=code, signin_until__gt=timezone.now())
        .select_related("place")
        .first()
        if code
        else None
    )
    if record is None:
        raise DomainError(_("签到码不正确，或本次签到已结束"), field="code")
    return record


@transaction.atomic
def sign_in(record: WorkRecord, *, name: str, phone: str) -> SignIn:
    """A resident signs themselves in. Matched by name and phone to one resident living in the
    record's community, they join the participants; otherwise the sign-in waits for a worker.
    The answer is the same either way, so the page tells nobody who is registered."""
    name = re.sub(r"\s", "", name)
    if not 2 <= len(name) <= 20 or not re.fullmatch(r"[\u4e00-\u9fff·A-Za-z]+", name):
        raise DomainError(_("请填写真实姓名（2至20个汉字或字母）"), field="name")
    try:
        phone = normalise_mobile(phone)
    except DomainError as exc:
        raise DomainError(exc.message, field="phone") from None
    if not phone:
        raise DomainError(_("请填写手机号码"), field="phone")
    earlier = record.signins.filter(phone=phone, name=name).first()
    if earlier is not None:
        return earlier
    found = list(
        Resident.objects.present()
        .filter(place_path__under=community_path(record.place_path), name=name, phone=phone)
        .values_list("pk", flat=True)[:2]
    )
    resident_id = found[0] if len(found) == 1 else None
    signin = SignIn.objects.create(
        record=record,
        name=name,
        phone=phone,
        resident_id=resident_id,
        state=SignIn.State.MATCHED if resident_id else SignIn.State.PENDING,
    )
    if resident_id and not record.participants.filter(resident_id=resident_id).exists():
        # Unless the worker has named them already.
        add_participant(
            record, Resident.objects.get(pk=resident_id), role=Participant.Role.PARTICIPANT, by=None
        )
    audit.record(
        None,
        "record.signin",
        record,
        data={"name": name, "matched": bool(resident_id)},
        username=_("居民自助签到"),
    )
    return signin


@transaction.atomic
def resolve_signin(signin: SignIn, resident: Resident, *, by: User | None) -> None:
    """A worker names the resident behind a sign-in the registry could not match."""
    if signin.state != SignIn.State.PENDING:
        raise DomainError(_("该签到已处理"))
    if not _in_scope(by, resident.place_path):
        raise DomainError(_("只能添加本辖区的居民"))
    if not signin.record.participants.filter(resident=resident).exists():
        add_participant(signin.record, resident, role=Participant.Role.PARTICIPANT, by=by)
    signin.resident, signin.state = resident, SignIn.State.ADDED
    signin.save(update_fields=["resident", "state"])
    audit.record(by, "record.signin_resolve", signin.record, data={"name": signin.name})


@transaction.atomic
def dismiss_signin(signin: SignIn, *, by: User | None) -> None:
    if signin.state != SignIn.State.PENDING:
        raise DomainError(_("该签到已处理"))
    signin.state = SignIn.State.DISMISSED
    signin.save(update_fields=["state"])
    audit.record(by, "record.signin_dismiss", signin.record, data={"name": signin.name})


# -- Households and units a record concerns ------------------------------------------------


@transaction.atomic
def link(
    record: WorkRecord,
    *,
    household: Household | None = None,
    unit: LocalUnit | None = None,
    by: User | None,
) -> None:
    """Note that the record concerns a household or a local unit (a visit, a talk at a shop…)."""
    target = household or unit
    if target is None or (household is not None and unit is not None):
        raise DomainError(_("请选择一户或一个单位"))
    if not _in_scope(by, target.place_path):
        raise DomainError(_("只能关联本辖区的户和单位"))
    related = record.households if household is not None else record.units
    if related.filter(pk=target.pk).exists():
        raise DomainError(_("已关联%(t)s") % {"t": _linked_name(target)})
    related.add(target)
    audit.record(by, "record.link", record, data={"name": _linked_name(target)})


@transaction.atomic
def unlink(
    record: WorkRecord,
    *,
    household: Household | None = None,
    unit: LocalUnit | None = None,
    by: User | None,
) -> None:
    target = household or unit
    related = record.households if household is not None else record.units
    if target is None or not related.filter(pk=target.pk).exists():
        raise DomainError(_("该记录没有关联此户或单位"))
    related.remove(target)
    audit.record(by, "record.unlink", record, data={"name": _linked_name(target)})


def _linked_name(target: Household | LocalUnit) -> str:
    return _("户%(n)s") % {"n": target.number} if isinstance(target, Household) else target.name


SIGNIN_WINDOW = datetime.timedelta(minutes=10)
# Per address per window. A hall of residents shares one address, so one resident's typos must
# not lock the others out; 50 tries against 32⁶ codes still find none.
SIGNIN_WRONG_CODES = 50
SIGNIN_PER_ADDRESS = 60  # per address per window: a hall of residents behind one router


def signin_refused_for(ip: str | None) -> str | None:
    """The Chinese reason an address may not sign in just now, or None. Counted from the audit
    rows, so it holds across server processes."""
    since = timezone.now() - SIGNIN_WINDOW
    rows = AuditEntry.objects.filter(ip=ip, at__gte=since)
    if rows.filter(action="record.signin_wrong_code").count() >= SIGNIN_WRONG_CODES:
        return _("签到码输错次数过多，请10分钟后再试")
    if rows.filter(action="record.signin").count() >= SIGNIN_PER_ADDRESS:
        return _("签到过于频繁，请稍后再试")
    return None


def wrong_code(code: str) -> None:
    audit.record(
        None, "record.signin_wrong_code", data={"code": code[:12]}, username=_("居民自助签到")
    )

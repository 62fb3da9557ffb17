"""Changing cases: opening one, moving it along its flow (cases/flows.py), its parties, surveys
and money, and the half-monthly dispute screening. Each change is checked, saved and audited in
one transaction; a change made from an out-of-date page is refused."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Perm, has_perm
from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place, community_path
from audit import services as audit
from audit.context import current_origin
from audit.models import AuditEntry
from cases.flows import FLOWS, RATINGS, REQUEST, SUPERVISION_GROUPS, UNSATISFIED, Action, Flow
from cases.models import Answer, Case, Event, EventFile, Party, Payment, Screening, Survey
from people import services as people_services
from people.models import GroupCategory, Household, Membership, Resident
from people.phones import normalise_mobile
from shequ import files
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

MAX_AMOUNT = Decimal("9999999999")
MAX_FILES_PER_EVENT = 10
EARLIEST = datetime.date(2000, 1, 1)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed back
CODE_LENGTH = 8
PUBLIC_NAME = "居民自助"  # the actor of what a resident does on the public page
# The public page: how many requests one phone and one address may file, and how many wrong
# tracking codes an address may try, in a window (counted from the audit rows).
PUBLIC_WINDOW = datetime.timedelta(hours=24)
PUBLIC_PER_PHONE = 3
PUBLIC_PER_ADDRESS = 30  # residents behind a carrier's shared address must still get through
LOOKUP_WINDOW = datetime.timedelta(minutes=10)
LOOKUP_WRONG = 20
# What a resident may type: the columns' lengths (PostgreSQL refuses longer text with an error,
# SQLite keeps it), and a comment long enough to say what is still wrong.
PUBLIC_NAME_MAX = 20
PUBLIC_ADDRESS_MAX = 100
PUBLIC_DESCRIPTION_MAX = 1000
PUBLIC_COMMENT_MAX = 500


class ConflictError(DomainError):
    """Someone else changed the case since this page was opened."""


class Throttled(DomainError):
    """Too many requests from one phone or address: the page answers 429."""


def _conflict() -> ConflictError:
    return ConflictError(_("该案件刚被他人更新，请刷新页面查看最新情况后再操作"))


@dataclass
class CaseData:
    """What a worker's form says about a new case, before checking."""

    kind: str
    title: str
    place: Place
    category: str
    received_at: datetime.datetime
    description: str = ""
    channel: str = ""
    due: datetime.date | None = None
    assignee: User | None = None
    reporter: Resident | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    address: str = ""
    subject: Resident | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    guardian: str = ""
    guardian_phone: str = ""
    team: str = ""


def may_handle(user: User, case_path: str, kind: str) -> bool:
    """Whether `user` may be given a case at `case_path`: an active account that edits records
    and whose place covers the case (judicial roles for supervision files)."""
    if not user.is_active or not has_perm(user, Perm.EDIT_RECORDS):
        return False
    if FLOWS[kind].supervision and not has_perm(user, Perm.VIEW_JUDICIAL):
        return False
    return case_path.startswith(user.scope_path)


def check_case(data: CaseData, by: User | None, *, opening: bool = True) -> Flow:
    """Raise DomainError (with the field at fault) when `data` breaks a rule of cases (when not
    `opening`, the rules of a correction: the person of a file does not change)."""
    flow = FLOWS.get(data.kind)
    if flow is None:
        raise DomainError(_("请选择案件类型"), field="kind")
    if flow.supervision and by is not None and not has_perm(by, Perm.VIEW_JUDICIAL):
        raise DomainError(_("无权建立%(kind)s档案") % {"kind": flow.label}, field="kind")
    if not data.title.strip():
        raise DomainError(_("请填写事由"), field="title")
    if data.category not in flow.categories:
        raise DomainError(_("请选择%(what)s") % {"what": flow.category_label}, field="category")
    if flow.channels and data.channel not in flow.channels:
        raise DomainError(_("请选择来源渠道"), field="channel")
    if data.place.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID) or data.place.is_retired:
        raise DomainError(_("案件应登记到在用的社区或网格"), field="place")
    if by is not None and not data.place.path.startswith(by.scope_path):
        raise DomainError(_("只能登记本辖区的案件"), field="place")
    now = timezone.now()
    received = timezone.localtime(data.received_at).date()
    if data.received_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("受理时间不能晚于现在"), field="received_at")
    if received < EARLIEST:
        raise DomainError(_("受理时间不合理，应在2000年以后"), field="received_at")
    if data.due is not None and data.due < received:
        raise DomainError(_("办理期限不能早于受理日期"), field="due")
    if data.assignee is not None and not may_handle(data.assignee, data.place.path, data.kind):
        raise DomainError(_("承办人应是能办理本辖区案件的工作人员"), field="assignee")
    for name in ("reporter_phone", "guardian_phone"):
        try:
            normalise_mobile(getattr(data, name))
        except DomainError as exc:
            raise DomainError(exc.message, field=name) from None
    for resident in (data.reporter, data.subject):
        if resident is not None and not resident.place_path.startswith(
            community_path(data.place.path)
        ):
            raise DomainError(_("%(name)s不在本社区") % {"name": resident.name}, field="subject")
    if flow.supervision and opening:
        if data.subject is None:
            raise DomainError(_("请选择档案对象"), field="subject")
        if data.starts_on is None:
            raise DomainError(_("请填写起始日期"), field="starts_on")
        if Case.objects.filter(
            kind=data.kind, subject=data.subject, closed_at__isnull=True
        ).exists():
            raise DomainError(
                _("%(name)s已有在办的%(kind)s档案")
                % {"name": data.subject.name, "kind": flow.label},
                field="subject",
            )
    if flow.supervision and data.ends_on and data.starts_on and data.ends_on < data.starts_on:
        raise DomainError(_("截止日期不能早于起始日期"), field="ends_on")
    return flow


@transaction.atomic
def open_case(data: CaseData, *, by: User | None) -> Case:
    """Register a case in its flow's first state, with its first timeline entry."""
    flow = check_case(data, by)
    case = Case(
        kind=data.kind,
        state=flow.initial,
        title=data.title.strip(),
        description=data.description.strip(),
        category=data.category,
        channel=data.channel,
        received_at=data.received_at,
        due=data.due,
        assignee=data.assignee,
        reporter=data.reporter,
        reporter_name=data.reporter_name.strip() or (data.reporter.name if data.reporter else ""),
        reporter_phone=normalise_mobile(data.reporter_phone),
        address=data.address.strip(),
        subject=data.subject,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        guardian=data.guardian.strip(),
        guardian_phone=normalise_mobile(data.guardian_phone),
        team=data.team.strip(),
        place=data.place,
        created_by=by,
    )
    if data.due is None and flow.due_days:
        case.due = timezone.localtime(data.received_at).date() + datetime.timedelta(
            days=flow.due_days
        )
    if flow.supervision:
        case.membership = _supervision_membership(data, by)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # Two workers opened the same person's file at once: the constraint caught the second.
        raise DomainError(
            _("%(name)s已有在办的%(kind)s档案") % {"name": data.subject.name, "kind": flow.label},
            field="subject",
        ) from None
    Event.objects.create(
        case=case,
        at=data.received_at if data.received_at < timezone.now() else timezone.now(),
        by=by,
        by_name=by.name if by else PUBLIC_NAME,
        action="open",
        label=flow.opened_label,
        state=case.state,
        note=case.description,
    )
    audit.record(
        by,
        "case.open",
        case,
        changes=audit.created(
            case,
            [
                "kind",
                "title",
                "category",
                "channel",
                "due",
                "assignee",
                "reporter_phone",
                "subject",
            ],
        ),
        username=PUBLIC_NAME,
    )
    if case.assignee is not None and flow.action("assign") in flow.allowed(case.state):
        # Given to someone as it is registered: that is its dispatch (派单) too.
        case = act(
            case,
            "assign",
            by=by,
            version=case.version,
            assignee=case.assignee,
            at=min(data.received_at, timezone.now()),
        )
    return case


# What a worker may correct on a case after registering it; its state and dates move only
# through actions.
EDITABLE = (
    "title",
    "description",
    "category",
    "channel",
    "place",
    "due",
    "reporter_name",
    "reporter_phone",
    "address",
    "ends_on",
    "guardian",
    "guardian_phone",
    "team",
)


@transaction.atomic
def update_case(case: Case, data: CaseData, *, by: User, version: int) -> Case:
    """Correct a case's facts (a mistyped phone, the wrong grid, a category): checked by the
    rules of registering, refused if the case changed since the form was shown, audited with
    what changed. Moving it is allowed within its community only."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.version != version:
        raise _conflict()
    if data.place.pk != locked.place_id and community_path(data.place.path) != community_path(
        locked.place_path
    ):
        raise DomainError(_("案件只能在本社区内调整网格"), field="place")
    fixed = {"kind": locked.kind, "received_at": locked.received_at, "assignee": None,
             "subject": None, "starts_on": locked.starts_on}  # fmt: skip
    check_case(CaseData(**{**data.__dict__, **fixed}), by, opening=False)
    before = audit.snapshot(locked, list(EDITABLE))
    for name in EDITABLE:
        value = getattr(data, name)
        if name.endswith("_phone"):
            value = normalise_mobile(value)
        elif isinstance(value, str):
            value = value.strip()
        if value is None and name == "due":
            continue  # a due date left empty keeps the one the case has
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*EDITABLE, "place_path", "version"])
    audit.record(by, "case.update", locked, changes=audit.changes(before, locked))
    return locked


def _supervision_membership(data: CaseData, by: User | None) -> Membership:
    """The subject's current membership of the file's group; registered now when missing, so
    the file and the group ledger (社区矫正人员台账) are entered once."""
    category = GroupCategory.objects.get(code=SUPERVISION_GROUPS[data.kind])
    current = Membership.objects.filter(
        category=category, resident=data.subject, end__isnull=True
    ).first()
    if current is not None:
        return current
    if data.kind == Case.Kind.CORRECTION:
        attributes = {"correction_type": data.category, "supervisor": data.team}
    else:
        attributes = {"released_on": data.starts_on.isoformat(), "helper": data.team}
    return people_services.add_membership(
        category, resident=data.subject, start=data.starts_on, attributes=attributes, by=by
    )


@transaction.atomic
def act(
    case: Case,
    code: str,
    *,
    by: User | None,
    version: int,
    note: str = "",
    assignee: User | None = None,
    rating: str = "",
    by_name: str = "",
    uploads: list[files.Upload] = (),
    at: datetime.datetime | None = None,
) -> Case:
    """Take action `code` on `case`: check it is allowed from the case's state and has what it
    asks for, change the case, append the timeline entry (with `uploads`, photos or documents)
    and write the audit row. `at` is when it happened, for an action entered later (a visit
    made on the 30th and typed in on the 1st counts in its own month); by default, now.

    `version` is the case's version the acting page showed; if the case changed since, the
    action is refused with ConflictError and nothing changes."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.version != version:
        raise _conflict()
    flow = locked.flow
    action = flow.action(code)
    if action is None:
        raise DomainError(_("没有这项操作"))
    if action not in flow.allowed(locked.state):
        raise DomainError(
            action.refusal
            or _("案件处于“%(state)s”状态，不能%(action)s")
            % {"state": locked.state, "action": action.label}
        )
    if action.once and locked.events.filter(action=action.code).exists():
        raise DomainError(action.once)
    note = note.strip()
    _check_action(locked, action, note=note, assignee=assignee, rating=rating, by=by)
    now = timezone.now()
    at = _checked_moment(locked, at, now)
    if len(uploads) > MAX_FILES_PER_EVENT:
        raise DomainError(_("每次最多上传%(n)s个文件") % {"n": MAX_FILES_PER_EVENT}, field="files")
    checked = [(u, u.check()) for u in uploads]  # every file is refused before anything changes
    today = timezone.localtime(at).date()
    before = audit.snapshot(locked, list(_ACTED_FIELDS))
    locked.state = action.target_for(rating) or locked.state
    if action.code == "assign":
        locked.assignee = assignee
    if rating:
        locked.rating = rating
        if action.target_for(rating) != action.target:
            locked.done_at = None  # reopened: the handling is not finished after all
    if action.code == "mediate" and locked.assignee_id is None and by is not None:
        locked.assignee = by  # whoever mediates first is the dispute's mediator (调解员)
    if action.marks_done:
        locked.done_at = at
    if action.marks_closed:
        locked.closed_at = at
    if action.agreed is not None:
        locked.agreed = action.agreed
    if action.sets_due_days:
        locked.due = today + datetime.timedelta(days=action.sets_due_days)
    if action.extends_due_days:
        locked.due = (locked.due or today) + datetime.timedelta(days=action.extends_due_days)
    locked.version += 1
    locked.save(update_fields=[*_ACTED_FIELDS, "version"])
    data = {"rating": rating} if rating else {}
    if assignee is not None:
        data["assignee"] = assignee.name
    event = Event.objects.create(
        case=locked,
        at=at,
        by=by,
        by_name=(by.name if by else by_name or PUBLIC_NAME),
        action=action.code,
        label=action.label,
        state=locked.state,
        note=note,
        data=data,
    )
    _store(event, checked)
    audit.record(
        by,
        f"case.{_AUDIT_ACTIONS.get(action.code, 'log')}",
        locked,
        changes=audit.changes(before, locked),
        data={"action": str(action.label), "files": len(checked)}
        if checked
        else {"action": str(action.label)},
        username=by_name or PUBLIC_NAME,
    )
    if action.marks_closed and flow.supervision and locked.membership_id:
        _end_membership(locked, today, by)
    return locked


# What an action may change.
_ACTED_FIELDS = ("state", "assignee", "rating", "done_at", "closed_at", "agreed", "due")

# Each action is audited under one of these names (cases with their own label in the audit log);
# supervision file entries share "case.log".
_AUDIT_ACTIONS = {a.code: a.code for f in FLOWS.values() for a in f.actions if a.target} | {
    "note": "log",
    "extend": "extend",
}


def available(case: Case) -> list[Action]:
    """What may be done to the case now: its state's actions, less those taken that go once."""
    allowed = case.flow.allowed(case.state)
    once = [a.code for a in allowed if a.once]
    taken = (
        set(case.events.filter(action__in=once).values_list("action", flat=True)) if once else ()
    )
    return [a for a in allowed if a.code not in taken]


def _checked_moment(case: Case, at: datetime.datetime | None, now: datetime.datetime):
    # The form shows minutes: a time in the present minute is "now", and one in the minute of
    # the previous step is just after it.
    if at is None or at.replace(second=0, microsecond=0) == now.replace(second=0, microsecond=0):
        return now
    if at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("发生时间不能晚于现在"), field="at")
    last = case.events.order_by("-at", "-id").values_list("at", flat=True).first()
    if last is not None and at < last.replace(second=0, microsecond=0):
        raise DomainError(
            _("发生时间不能早于上一步（%(at)s）")
            % {"at": f"{timezone.localtime(last):%Y-%m-%d %H:%M}"},
            field="at",
        )
    return max(at, last) if last is not None else at


def _store(event: Event, checked: list[tuple[files.Upload, files.Checked]]) -> None:
    files.store(
        checked,
        lambda upload, result, stored_as: EventFile.objects.create(
            event=event,
            kind=upload.kind,
            name=files.display_name(upload.name, result.extension),
            stored_as=stored_as,
            content_type=result.content_type,
            size=len(result.content),
        ),
    )


def _check_action(
    case: Case, action: Action, *, note: str, assignee: User | None, rating: str, by
) -> None:
    if action.needs_note and not note:
        raise DomainError(_("请填写%(what)s") % {"what": action.note_label}, field="note")
    if len(note) > 2000:
        raise DomainError(_("说明不能超过2000字"), field="note")
    if action.code == "assign":
        if assignee is None:
            raise DomainError(_("请选择承办人"), field="assignee")
        if not may_handle(assignee, case.place_path, case.kind):
            raise DomainError(_("承办人应是能办理本辖区案件的工作人员"), field="assignee")
    if "rating" in action.asks:
        if rating not in RATINGS:
            raise DomainError(_("请选择评价：满意、基本满意或不满意"), field="rating")
        if rating == UNSATISFIED and not note and by is not None:
            raise DomainError(_("居民不满意时请记下原因"), field="note")
    if by is None and not action.public:
        raise DomainError(_("没有这项操作"))


def refuse_ending_a_followed_membership(membership: Membership) -> None:
    """A 社区矫正/安置帮教 membership ends with its file: ending it in the registry (or by a move
    or a death) while the file is open is refused, so the file and the group ledger agree."""
    file = Case.objects.filter(membership=membership, closed_at__isnull=True).first()
    if file is not None:
        raise DomainError(
            _("%(name)s有在办的%(kind)s档案（%(number)s），请先在档案中登记解除")
            % {"name": membership.resident, "kind": file.flow.label, "number": file.number}
        )


def _end_membership(case: Case, day: datetime.date, by) -> None:
    membership = case.membership
    if membership.end is None:
        people_services.end_membership(membership, end=max(day, membership.start), by=by)


# --- The public page: residents file requests, follow them and rate them with a code. ---


@dataclass
class PublicRequest:
    place: Place
    name: str
    phone: str
    address: str
    description: str
    category: str = "其他"


def public_refused_for(ip: str | None, phone: str | None = None) -> str | None:
    """The Chinese reason this address (or phone) may not file a request now, or None."""
    since = timezone.now() - PUBLIC_WINDOW
    rows = AuditEntry.objects.filter(action="case.public_file", at__gte=since)
    if ip and rows.filter(ip=ip).count() >= PUBLIC_PER_ADDRESS:
        return _("提交过于频繁，请明天再试或拨打社区电话")
    if phone and rows.filter(data__phone_key=_phone_key(phone)).count() >= PUBLIC_PER_PHONE:
        return _("该手机号24小时内已提交%(n)s件诉求，请耐心等待处理，或拨打社区电话") % {
            "n": PUBLIC_PER_PHONE
        }
    return None


def _phone_key(phone: str) -> str:
    """What the audit row keeps of a phone to count its filings: not the number itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{phone}".encode()).hexdigest()[:16]


@transaction.atomic
def file_request(data: PublicRequest) -> Case:
    """A resident's own request from the public page: checked, throttled per phone and per
    address, and given a tracking code."""
    name = data.name.strip()
    address = data.address.strip()
    description = data.description.strip()
    if not name:
        raise DomainError(_("请填写姓名"), field="name")
    if len(name) > PUBLIC_NAME_MAX:
        raise DomainError(_("姓名不能超过%(n)s个字") % {"n": PUBLIC_NAME_MAX}, field="name")
    try:
        phone = normalise_mobile(data.phone)
    except DomainError:
        phone = ""
    if not phone:
        raise DomainError(_("请填写11位手机号码"), field="phone")
    if len(address) > PUBLIC_ADDRESS_MAX:
        raise DomainError(_("地址不能超过%(n)s个字") % {"n": PUBLIC_ADDRESS_MAX}, field="address")
    if not description:
        raise DomainError(_("请说明需要帮助的事情"), field="description")
    if len(description) > PUBLIC_DESCRIPTION_MAX:
        raise DomainError(
            _("内容不能超过%(n)s个字") % {"n": PUBLIC_DESCRIPTION_MAX}, field="description"
        )
    if data.category not in REQUEST.categories:
        raise DomainError(_("请选择问题类别"), field="category")
    if data.place.kind != PlaceKind.COMMUNITY or data.place.is_retired:
        raise DomainError(_("请选择所在社区"), field="place")
    origin = current_origin.get()
    if refused := public_refused_for(origin.ip if origin else None, phone):
        raise Throttled(refused)
    case = open_case(
        CaseData(
            kind=Case.Kind.REQUEST,
            title=description.splitlines()[0][:40],
            description=description,
            place=data.place,
            category=data.category,
            channel="居民自助",
            received_at=timezone.now(),
            reporter_name=name,
            reporter_phone=phone,
            address=address,
        ),
        by=None,
    )
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                Case.objects.filter(pk=case.pk).update(tracking_code=code)
            break
        except IntegrityError:
            continue
    else:
        # Five collisions in 32⁸ codes means something else is wrong; a request without a code
        # could never be followed, so none is kept.
        raise DomainError(_("系统繁忙，请稍后再提交"))
    case.tracking_code = code
    audit.record(None, "case.public_file", case, data={"phone_key": _phone_key(phone)},
                 username=PUBLIC_NAME)  # fmt: skip
    return case


def lookup_refused_for(ip: str | None) -> str | None:
    """The Chinese reason this address may not look a request up now (too many misses), or None."""
    since = timezone.now() - LOOKUP_WINDOW
    wrong = AuditEntry.objects.filter(ip=ip, at__gte=since, action="case.public_wrong_code")
    if wrong.count() >= LOOKUP_WRONG:
        return _("查询码输错次数过多，请10分钟后再试")
    return None


def find_by_code(code: str, phone: str) -> Case | None:
    """The request whose tracking code and reporter's phone both match; a miss is audited so
    that guessing is throttled."""
    # Typed back from a screenshot or a note: spaces and dashes are not part of the code.
    code = re.sub(r"[\s\-]", "", code or "").upper()
    try:
        phone = normalise_mobile(phone or "")
    except DomainError:
        phone = ""
    case = None
    if len(code) == CODE_LENGTH and phone:
        case = (
            Case.objects.filter(tracking_code=code, kind=Case.Kind.REQUEST)
            .select_related("place")
            .first()
        )
        # The phone is stored encrypted: compared once the code (unique) has found the case.
        if case is not None and not hmac.compare_digest(case.reporter_phone, phone):
            case = None
    if case is None:
        audit.record(None, "case.public_wrong_code", data={"tried": code[:12]},
                     username=PUBLIC_NAME)  # fmt: skip
    return case


def rate_by_resident(
    case: Case, *, rating: str, comment: str = "", version: int | None = None
) -> Case:
    """The resident's own follow-up (回访) of a finished request. `version` is the one the
    resident's page showed: a rating given to an outcome that has since changed is refused."""
    comment = comment.strip()
    if len(comment) > PUBLIC_COMMENT_MAX:
        raise DomainError(_("意见不能超过%(n)s个字") % {"n": PUBLIC_COMMENT_MAX}, field="comment")
    return act(
        case,
        "follow_up",
        by=None,
        version=case.version if version is None else version,
        rating=rating,
        note=comment,
        by_name=_("居民本人评价"),
    )


# --- Parties, surveys, money. ---


@transaction.atomic
def add_party(
    case: Case,
    *,
    role: str,
    resident: Resident | None = None,
    household: Household | None = None,
    unit: LocalUnit | None = None,
    name: str = "",
    by: User,
) -> Party:
    if role not in Party.Role.values:
        raise DomainError(_("请选择身份"), field="role")
    chosen = [x for x in (resident, household, unit) if x is not None]
    name = name.strip()
    if len(chosen) > 1 or (not chosen and not name):
        raise DomainError(_("请选择一位居民、一户或一个单位，或填写姓名"), field="name")
    community = community_path(case.place_path)
    for thing in chosen:
        if not thing.place_path.startswith(community):
            raise DomainError(_("只能添加本社区的居民、户或单位"), field="name")
    existing = case.parties.filter(resident=resident, household=household, unit=unit)
    if chosen and existing.exists():
        raise DomainError(_("已经是本案的当事人"), field="name")
    party = Party.objects.create(
        case=case,
        role=role,
        resident=resident,
        household=household,
        unit=unit,
        name="" if chosen else name[:50],
    )
    audit.record(by, "case.party_add", case, data={"party": party.shown_name, "party_role": role})
    return party


@transaction.atomic
def remove_party(party: Party, *, by: User) -> None:
    audit.record(by, "case.party_remove", party.case, data={"party": party.shown_name})
    party.delete()


@transaction.atomic
def add_survey(case: Case, *, question: str, choices: str, by: User) -> Survey:
    _not_a_file(case)
    question = question.strip()
    if not question:
        raise DomainError(_("请填写征询事项"), field="question")
    survey = Survey(case=case, question=question[:200], choices=choices.strip() or "同意,不同意")
    if len(survey.choice_list()) < 2:
        raise DomainError(_("请至少给出两个选项，用逗号分隔"), field="choices")
    survey.save()
    audit.record(by, "case.survey_add", case, data={"question": survey.question})
    return survey


@transaction.atomic
def answer_survey(
    survey: Survey, *, household: Household, answer: str, note: str = "", by: User
) -> Answer:
    """One household's answer; answering again replaces the earlier answer."""
    if answer not in survey.choice_list():
        raise DomainError(
            _("意见应为：%(choices)s") % {"choices": "、".join(survey.choice_list())},
            field="answer",
        )
    if not household.place_path.startswith(community_path(survey.case.place_path)):
        raise DomainError(_("只能征询本社区的住户"), field="household")
    row, _created = Answer.objects.update_or_create(
        survey=survey, household=household, defaults={"answer": answer, "note": note.strip()[:100]}
    )
    audit.record(
        by,
        "case.survey_answer",
        survey.case,
        data={"question": survey.question, "household": household.number, "answer": answer},
    )
    return row


@transaction.atomic
def add_payment(
    case: Case,
    *,
    kind: str,
    who: str,
    amount: Decimal | None,
    date: datetime.date,
    household: Household | None = None,
    note: str = "",
    by: User,
) -> Payment:
    _not_a_file(case)
    if kind not in Payment.Kind.values:
        raise DomainError(_("请选择收支类型"), field="kind")
    who = who.strip() or (household.head.name if household and household.head_id else "")
    if not who:
        raise DomainError(_("请填写付款人或垫付人"), field="who")
    if amount is None or not Decimal("0.01") <= amount <= MAX_AMOUNT:
        raise DomainError(_("金额应为大于0的数字"), field="amount")
    if date > timezone.localdate() or date < EARLIEST:
        raise DomainError(_("日期应在2000年以后、不晚于今天"), field="date")
    if household is not None and not household.place_path.startswith(
        community_path(case.place_path)
    ):
        raise DomainError(_("只能选择本社区的住户"), field="household")
    payment = Payment.objects.create(
        case=case, kind=kind, who=who[:50], household=household, amount=amount, date=date,
        note=note.strip()[:100],
    )  # fmt: skip
    audit.record(
        by, "case.payment", case, data={"kind": kind, "who": payment.who, "amount": str(amount)}
    )
    return payment


def _not_a_file(case: Case) -> None:
    if case.flow.supervision:
        raise DomainError(_("矫正和帮教档案不登记征询和收支"))


def money_summary(case: Case) -> dict[str, Decimal]:
    """Collected, advanced, spent, repaid, and what is left in hand (收取 − 支出) and still owed
    to those who advanced (垫付 − 归还垫付)."""
    totals = {k: Decimal(0) for k in Payment.Kind.values}
    for p in case.payments.all():
        totals[p.kind] += p.amount
    return {
        "collected": totals["收取"],
        "advanced": totals["垫付"],
        "spent": totals["支出"],
        "repaid": totals["归还垫付"],
        "balance": totals["收取"] - totals["支出"],
        "owed": totals["垫付"] - totals["归还垫付"],
    }


# --- The half-monthly dispute screening. ---


def half_month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1 if day.day <= 15 else 16)


@transaction.atomic
def record_screening(
    *,
    place: Place,
    period_start: datetime.date,
    found: int,
    nothing_found: bool,
    notes: str = "",
    by: User,
) -> Screening:
    """One screening per place and half month; 零报告 says explicitly that none was found."""
    if place.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID) or place.is_retired:
        raise DomainError(_("排查应登记到在用的社区或网格"), field="place")
    if not place.path.startswith(by.scope_path):
        raise DomainError(_("只能登记本辖区的排查"), field="place")
    if period_start.day not in (1, 16):
        raise DomainError(_("排查期应从1日或16日开始"), field="period_start")
    if period_start > timezone.localdate():
        raise DomainError(_("不能登记尚未开始的排查期"), field="period_start")
    if found < 0 or found > 1000:
        raise DomainError(_("发现纠纷数应在0到1000之间"), field="found")
    if nothing_found and found:
        raise DomainError(_("零报告不能同时填写发现的纠纷数"), field="found")
    if not nothing_found and not found:
        raise DomainError(_("没有发现纠纷时请勾选“零报告”"), field="nothing_found")
    if Screening.objects.filter(place=place, period_start=period_start).exists():
        raise DomainError(_("该排查期已登记过"), field="period_start")
    # A community's 零报告 and its grids' findings for the same half month cannot both stand.
    same_half = Screening.objects.filter(period_start=period_start)
    grids_found = same_half.filter(place__parent=place, found__gt=0)
    if nothing_found and place.kind == PlaceKind.COMMUNITY and grids_found.exists():
        raise DomainError(_("本社区有网格已报告发现纠纷，不能报零报告"), field="nothing_found")
    community_zero = same_half.filter(place_id=place.parent_id, nothing_found=True)
    if found and place.kind == PlaceKind.GRID and community_zero.exists():
        raise DomainError(_("社区已报本期零报告；网格发现纠纷时，请先与社区核实"), field="found")
    try:
        with transaction.atomic():
            screening = Screening.objects.create(
                place=place,
                period_start=period_start,
                found=found,
                nothing_found=nothing_found,
                notes=notes.strip(),
                by=by,
            )
    except IntegrityError:  # the same half month sent twice at once
        raise DomainError(_("该排查期已登记过"), field="period_start") from None
    audit.record(
        by,
        "case.screening",
        screening,
        data={"half_month": screening.period_label, "found": found, "zero": nothing_found},
    )
    return screening

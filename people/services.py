"""Changes to the registry. Each validates, saves and writes its audit row in one transaction;
forms, imports and the API all call these."""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PlaceKind
from areas.models import Dwelling, Place
from audit import services as audit
from people import idnumber
from people.choices import Relation, ResidentStatus
from people.models import (
    GroupAttribute,
    GroupCategory,
    Household,
    Membership,
    Organisation,
    OrganisationMember,
    Rental,
    Residence,
    Resident,
    Staff,
)
from people.phones import normalise_mobile
from shequ import locking
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

RESIDENT_FIELDS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "education",
    "political_status",
    "marital_status",
    "phone",
    "hukou_type",
    "status",
    "work_unit",
    "notes",
    "place",
]
OPTIONAL_RESIDENT_FIELDS = [
    "ethnicity",
    "education",
    "political_status",
    "marital_status",
    "hukou_type",
    "work_unit",
    "notes",
]


class DuplicateResident(DomainError):
    """The ID number is already registered; `existing` is that resident."""

    def __init__(self, existing: Resident) -> None:
        super().__init__(
            _("身份证号码已登记：%(name)s（%(place)s）")
            % {"name": existing.name, "place": existing.place.name}
        )
        self.existing = existing


class PossibleDuplicate(DomainError):
    """Someone with the same name and birth date exists; saving needs a confirmation."""

    def __init__(self, similar: list[Resident]) -> None:
        names = "、".join(f"{r.name}（{r.place.name}）" for r in similar)
        super().__init__(
            _("已有同名且出生日期相同的居民：%(names)s，请确认不是同一人") % {"names": names}
        )
        self.similar = similar


def check_place(place: Place) -> None:
    if place.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID):
        raise DomainError(_("居民、房屋和户应登记到社区或网格"))
    if place.is_retired:
        raise DomainError(_("“%(place)s”已撤销，不能再登记") % {"place": place.name})


@dataclass(slots=True)
class ResidentData:
    """What a form or an import row says about a resident, before checking."""

    name: str
    id_number: str
    place: Place
    sex: str = ""
    birth_date: datetime.date | None = None
    phone: str = ""
    ethnicity: str = "汉族"
    education: str = ""
    political_status: str = "群众"
    marital_status: str = ""
    hukou_type: str = "户籍"
    work_unit: str = ""
    notes: str = ""


def clean_resident(data: ResidentData, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The checked, normalised field values, or a DomainError in Chinese: the ID number's
    checksum, the sex and birth date it implies against those given, the mobile number."""
    name = data.name.strip()
    if not name:
        raise DomainError(_("请填写姓名"), field="name")
    if len(name) > 50:
        raise DomainError(_("姓名过长"), field="name")
    try:
        parsed = idnumber.parse(data.id_number, today=today)
    except DomainError as exc:
        raise DomainError(exc.message, field="id_number") from None
    if data.sex and data.sex != parsed.sex:
        raise DomainError(
            _("性别“%(given)s”与身份证号码不符（号码显示为%(sex)s）")
            % {"given": data.sex, "sex": parsed.sex},
            field="sex",
        )
    if data.birth_date and data.birth_date != parsed.birth_date:
        raise DomainError(
            _("出生日期%(given)s与身份证号码不符（号码显示为%(birth)s）")
            % {"given": data.birth_date, "birth": parsed.birth_date},
            field="birth_date",
        )
    check_place(data.place)
    try:
        phone = normalise_mobile(data.phone)
    except DomainError as exc:
        raise DomainError(exc.message, field="phone") from None
    values = {
        "name": name,
        "id_number": parsed.number,
        "sex": parsed.sex,
        "birth_date": parsed.birth_date,
        "phone": phone,
        "place": data.place,
    }
    for field, label, choices, max_length in _resident_rules():
        value = getattr(data, field)
        if not value:
            values[field] = ""
            continue
        value = value.strip()
        if choices and value:
            # The choice's own string, so thousands of imported rows share one object each.
            known = choices.get(value)
            if known is None:
                raise DomainError(
                    _("%(label)s“%(value)s”不在可选范围内，应为：%(choices)s")
                    % {"label": label, "value": value, "choices": "、".join(choices)},
                    field=field,
                )
            value = known
        elif len(value) > max_length:
            raise DomainError(_("%(label)s过长") % {"label": label}, field=field)
        values[field] = value
    return values


@functools.cache
def _resident_rules() -> tuple[tuple[str, str, dict[str, str], int], ...]:
    """Each optional resident field with its label, allowed values and length, looked up
    once."""
    rules = []
    for name in OPTIONAL_RESIDENT_FIELDS:
        field = Resident._meta.get_field(name)
        choices = {str(value): str(value) for value, _label in field.choices or ()}
        rules.append((name, str(field.verbose_name), choices, field.max_length or 10_000))
    return tuple(rules)


def similar_residents(name: str, birth_date: datetime.date, *, exclude: int | None = None):
    found = Resident.objects.filter(name=name, birth_date=birth_date).select_related("place")
    return list(found.exclude(pk=exclude)[:5]) if exclude else list(found[:5])


@transaction.atomic
def register_resident(
    data: ResidentData, *, by: User | None, confirm_similar: bool = False
) -> Resident:
    values = clean_resident(data)
    existing = Resident.objects.filter(id_number=values["id_number"]).first()
    if existing is not None:
        raise DuplicateResident(existing)
    if not confirm_similar and (similar := similar_residents(values["name"], values["birth_date"])):
        raise PossibleDuplicate(similar)
    resident = Resident(**values)
    resident.set_initials()
    resident.save()
    audit.record(by, "resident.create", resident, changes=audit.created(resident, RESIDENT_FIELDS))
    return resident


@transaction.atomic
def update_resident(
    resident: Resident, data: ResidentData, *, by: User, version: int | None = None
) -> Resident:
    """Correct a resident's facts. `version` is the one the edit page showed: a page older
    than the row is refused (StaleEdit) and nothing changes."""
    resident = locking.lock_current(resident, version)
    values = clean_resident(data)
    clash = Resident.objects.filter(id_number=values["id_number"]).exclude(pk=resident.pk).first()
    if clash is not None:
        raise DuplicateResident(clash)
    before = audit.snapshot(resident, RESIDENT_FIELDS)
    for field, value in values.items():
        setattr(resident, field, value)
    resident.set_initials()
    diff = audit.changes(before, resident)
    if diff:
        locking.bump(resident)
        resident.save()
        audit.record(by, "resident.update", resident, changes=diff)
    return resident


def reveal(resident: Resident, field: str, *, by: User) -> str:
    """The full value of a masked field; the caller has checked the role. Audited."""
    if field not in Resident.sensitive_fields:
        raise DomainError(_("该字段无需查看原文"))
    audit.record(by, "resident.reveal", resident, data={"field": field})
    return getattr(resident, field)


# --- Households and who lives in them.


def _day_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=1)


def _end_residence(residence: Residence, *, on: datetime.date, reason: str) -> None:
    if on < residence.since:
        raise DomainError(
            _("%(name)s迁入本户的日期是%(since)s，结束日期不能更早")
            % {"name": residence.resident.name, "since": residence.since}
        )
    residence.until, residence.end_reason = on, reason
    residence.save(update_fields=["until", "end_reason"])


def _check_date(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise DomainError(_("日期不能晚于今天"))


@transaction.atomic
def create_household(
    *,
    number: str,
    place: Place,
    head: Resident,
    since: datetime.date,
    dwelling: Dwelling | None = None,
    registration: str = "户籍",
    by: User | None,
) -> Household:
    """A new household with its head as first member."""
    number = number.strip()
    if not number:
        raise DomainError(_("请填写户号"))
    if Household.objects.filter(number=number).exists():
        raise DomainError(_("户号%(number)s已存在") % {"number": number})
    check_place(place)
    if dwelling is not None and dwelling.place_id != place.pk:
        place = dwelling.place
    _check_date(since)
    household = Household(
        number=number, place=place, dwelling=dwelling, registration=registration, head=head
    )
    household.save()
    audit.record(
        by,
        "household.create",
        household,
        changes=audit.created(household, ["number", "dwelling", "registration", "head", "place"]),
    )
    _join(household, head, relation=Relation.HEAD, since=since, by=by)
    return household


def _join(
    household: Household, resident: Resident, *, relation: str, since: datetime.date, by
) -> Residence:
    if resident.status != ResidentStatus.PRESENT:
        raise DomainError(
            _("%(name)s的状态为%(status)s，不能迁入")
            % {"name": resident.name, "status": resident.status}
        )
    current = Residence.objects.filter(resident=resident, until__isnull=True).first()
    if current is not None:
        if current.household_id == household.pk:
            raise DomainError(_("%(name)s已是本户成员") % {"name": resident.name})
        _end_residence(current, on=_day_before(since), reason=Residence.EndReason.MOVED)
        if current.household.head_id == resident.pk:
            Household.objects.filter(pk=current.household_id).update(head=None)
        locking.bump_row(current.household)
    residence = Residence.objects.create(
        household=household, resident=resident, relation=relation, since=since
    )
    if resident.place_id != household.place_id:
        resident.place = household.place
        resident.save(update_fields=["place"])
    audit.record(
        by,
        "household.move_in",
        household,
        data={
            "resident": resident.pk,
            "name": resident.name,
            "relation": relation,
            "since": since.isoformat(),
        },
    )
    return residence


@transaction.atomic
def move_in(
    household: Household,
    resident: Resident,
    *,
    relation: str,
    since: datetime.date,
    by,
    version: int | None = None,
) -> Residence:
    """The resident joins the household from `since`, leaving any other household the day
    before. `version` is the household's as the page showed it (stale: StaleEdit, no change)."""
    household = locking.lock_current(household, version)
    locking.bump_row(household)
    household.version += 1
    if household.dissolved_on is not None:
        raise DomainError(_("该户已注销"))
    _check_date(since)
    if relation == Relation.HEAD:
        if household.head_id and household.head_id != resident.pk:
            raise DomainError(_("本户已有户主，请先变更户主"))
        household.head = resident
        household.save(update_fields=["head"])
    return _join(household, resident, relation=relation, since=since, by=by)


def _leave(resident: Resident, *, on: datetime.date, status: str, action: str, by) -> Resident:
    _check_date(on)
    if resident.status != ResidentStatus.PRESENT:
        raise DomainError(
            _("%(name)s已是%(status)s状态") % {"name": resident.name, "status": resident.status}
        )
    # Residences and memberships end on the last day lived here, as when moving between
    # households: whoever moves out on D is no longer counted on D; whoever dies on D still is.
    last_day = on if status == ResidentStatus.DECEASED else _day_before(on)
    current = Residence.objects.filter(resident=resident, until__isnull=True).first()
    if current is not None:
        reason = (
            Residence.EndReason.DECEASED
            if status == ResidentStatus.DECEASED
            else Residence.EndReason.MOVED_OUT
        )
        _end_residence(current, on=max(last_day, current.since), reason=reason)
        if current.household.head_id == resident.pk:
            Household.objects.filter(pk=current.household_id).update(head=None)
        locking.bump_row(current.household)
    ended = Membership.objects.filter(resident=resident, end__isnull=True)
    for membership in ended:
        _may_end(membership)
        if membership.start > on:
            raise DomainError(
                _("%(group)s登记开始于%(start)s，晚于该日期")
                % {"group": membership.category.name, "start": membership.start}
            )
    ended_count = 0
    for membership in ended:
        membership.end = max(last_day, membership.start)
        membership.save(update_fields=["end"])
        ended_count += 1
    # Patrols, volunteer teams and the like no longer count someone who has gone.
    OrganisationMember.objects.filter(resident=resident, until__isnull=True).update(until=last_day)
    before = audit.snapshot(resident, ["status", "status_date"])
    resident.status, resident.status_date = status, on
    resident.save(update_fields=["status", "status_date"])
    audit.record(
        by,
        action,
        resident,
        changes=audit.changes(before, resident),
        data={"memberships_ended": ended_count},
    )
    return resident


@transaction.atomic
def move_out(resident: Resident, *, on: datetime.date, by) -> Resident:
    """The resident leaves the community: their residence and group memberships end `on`."""
    return _leave(
        resident, on=on, status=ResidentStatus.MOVED_OUT, action="resident.move_out", by=by
    )


@transaction.atomic
def record_death(resident: Resident, *, on: datetime.date, by) -> Resident:
    return _leave(resident, on=on, status=ResidentStatus.DECEASED, action="resident.death", by=by)


@transaction.atomic
def set_head(
    household: Household, resident: Resident, *, by, version: int | None = None
) -> Household:
    household = locking.lock_current(household, version)
    member = household.residences.filter(resident=resident, until__isnull=True).first()
    if member is None:
        raise DomainError(_("户主须是本户现有成员"))
    before = audit.snapshot(household, ["head"])
    household.head = resident
    locking.bump(household)
    household.save(update_fields=["head", "version"])
    member.relation = Relation.HEAD
    member.save(update_fields=["relation"])
    audit.record(by, "household.update", household, changes=audit.changes(before, household))
    return household


@transaction.atomic
def split_household(
    household: Household,
    *,
    members: list[Resident],
    number: str,
    head: Resident,
    on: datetime.date,
    dwelling: Dwelling | None = None,
    by,
    version: int | None = None,
) -> Household:
    """Some members leave to form a new household from `on`; `head` is one of them."""
    household = locking.lock_current(household, version)
    locking.bump_row(household)
    current = {r.resident_id: r for r in household.residences.filter(until__isnull=True)}
    if not members:
        raise DomainError(_("请选择分出的成员"))
    if any(m.pk not in current for m in members):
        raise DomainError(_("分出的成员须是本户现有成员"))
    if head not in members:
        raise DomainError(_("新户户主须是分出的成员之一"))
    if len(members) == len(current):
        raise DomainError(_("不能把全部成员分出，原户至少保留一人"))
    new = create_household(
        number=number,
        place=household.place,
        head=head,
        since=on,
        dwelling=dwelling or household.dwelling,
        registration=household.registration,
        by=by,
    )
    for member in members:
        if member.pk != head.pk:
            _join(new, member, relation=current[member.pk].relation, since=on, by=by)
    Residence.objects.filter(
        household=household, resident__in=members, until=_day_before(on)
    ).update(end_reason=Residence.EndReason.SPLIT)
    audit.record(
        by,
        "household.split",
        household,
        data={"new_household": new.number, "members": [m.pk for m in members]},
    )
    return new


@transaction.atomic
def merge_households(
    source: Household, target: Household, *, on: datetime.date, by, version: int | None = None
) -> Household:
    """Every current member of `source` joins `target` from `on`; `source` is dissolved.
    `version` is the source's as its page showed it (stale: StaleEdit, no change)."""
    source = locking.lock_current(source, version)
    locking.bump_row(target)
    if source.pk == target.pk:
        raise DomainError(_("不能与本户合并"))
    if target.dissolved_on is not None or source.dissolved_on is not None:
        raise DomainError(_("已注销的户不能合并"))
    members = list(source.residences.filter(until__isnull=True).select_related("resident"))
    for residence in members:
        relation = Relation.OTHER if residence.relation == Relation.HEAD else residence.relation
        _join(target, residence.resident, relation=relation, since=on, by=by)
    Residence.objects.filter(
        household=source, until=_day_before(on), end_reason=Residence.EndReason.MOVED
    ).update(end_reason=Residence.EndReason.MERGED)
    source.dissolved_on, source.head = on, None
    source.refresh_from_db(fields=["version"])  # moved on as its members left
    locking.bump(source)
    source.save(update_fields=["dissolved_on", "head", "version"])
    audit.record(
        by, "household.merge", source, data={"into": target.number, "members": len(members)}
    )
    return target


# --- Special groups.


def clean_attributes(category: GroupCategory, raw: dict[str, Any]) -> dict[str, Any]:
    """Each attribute converted to its type and checked; unknown keys refused."""
    attributes = {a.key: a for a in category.attributes.all()}
    unknown = set(raw) - set(attributes)
    if unknown:
        raise DomainError(
            _("%(group)s没有属性：%(keys)s")
            % {"group": category.name, "keys": "、".join(sorted(unknown))}
        )
    result: dict[str, Any] = {}
    for key, attribute in attributes.items():
        value = raw.get(key)
        if value in (None, ""):
            if attribute.required:
                raise DomainError(_("请填写%(label)s") % {"label": attribute.label})
            continue
        result[key] = _convert(attribute, value)
    return result


def _convert(attribute: GroupAttribute, value: Any) -> Any:
    kind, label = attribute.kind, attribute.label
    try:
        if kind == GroupAttribute.Kind.NUMBER:
            number = int(str(value).strip())
            if number < 0:
                raise ValueError
            return number
        if kind == GroupAttribute.Kind.DECIMAL:
            amount = decimal.Decimal(str(value).strip())
            if amount < 0 or not amount.is_finite():
                raise ValueError
            return str(amount.quantize(decimal.Decimal("0.01")))
        if kind == GroupAttribute.Kind.DATE:
            day = (
                value
                if isinstance(value, datetime.date)
                else datetime.date.fromisoformat(str(value).strip()[:10])
            )
            return day.isoformat()
        if kind == GroupAttribute.Kind.BOOLEAN:
            text = str(value).strip().lower()
            if text in {"是", "true", "1", "yes", "y", "on"}:
                return True
            if text in {"否", "false", "0", "no", "n", "off"}:
                return False
            raise ValueError
    except (ValueError, decimal.InvalidOperation):
        raise DomainError(
            _("%(label)s的值“%(value)s”不正确") % {"label": label, "value": value}
        ) from None
    text = str(value).strip()
    if kind == GroupAttribute.Kind.CHOICE and text not in attribute.choice_list():
        raise DomainError(
            _("%(label)s应为：%(choices)s")
            % {"label": label, "choices": "、".join(attribute.choice_list())}
        )
    if len(text) > 200:
        raise DomainError(_("%(label)s过长") % {"label": label})
    return text


@transaction.atomic
def add_membership(
    category: GroupCategory,
    *,
    resident: Resident | None = None,
    household: Household | None = None,
    start: datetime.date,
    attributes: dict[str, Any] | None = None,
    notes: str = "",
    by,
) -> Membership:
    subject = resident if category.subject == GroupCategory.Subject.RESIDENT else household
    if subject is None or (resident is not None and household is not None):
        raise DomainError(
            _("%(group)s登记的对象应为%(subject)s")
            % {"group": category.name, "subject": category.get_subject_display()}
        )
    if not category.active:
        raise DomainError(_("%(group)s已停用") % {"group": category.name})
    _check_date(start)
    if resident is not None and resident.status != ResidentStatus.PRESENT:
        raise DomainError(_("%(name)s不在住，不能登记") % {"name": resident.name})
    open_ = Membership.objects.filter(category=category, end__isnull=True)
    open_ = open_.filter(resident=resident) if resident else open_.filter(household=household)
    if open_.exists():
        raise DomainError(_("已在%(group)s中，请先结束原登记") % {"group": category.name})
    membership = Membership(
        category=category,
        resident=resident,
        household=household,
        start=start,
        attributes=clean_attributes(category, attributes or {}),
        notes=notes.strip(),
        place=subject.place,
    )
    membership.save()
    audit.record(
        by,
        "membership.create",
        membership,
        changes=audit.created(
            membership, ["category", "resident", "household", "start", "attributes"]
        ),
    )
    return membership


# Other apps keep records that follow a membership (a supervision file follows its 社区矫正
# membership); each registers here a check that refuses, in Chinese, to end one while that
# record is open, so the two never disagree.
MEMBERSHIP_END_CHECKS: list[Callable[[Membership], None]] = []


def _may_end(membership: Membership) -> None:
    for check in MEMBERSHIP_END_CHECKS:
        check(membership)


@transaction.atomic
def end_membership(membership: Membership, *, end: datetime.date, by) -> Membership:
    _may_end(membership)
    if membership.end is not None:
        raise DomainError(_("该登记已于%(end)s结束") % {"end": membership.end})
    if end < membership.start:
        raise DomainError(_("结束日期不能早于开始日期%(start)s") % {"start": membership.start})
    _check_date(end)
    membership.end = end
    membership.save(update_fields=["end"])
    audit.record(by, "membership.end", membership, changes={"end": [None, end.isoformat()]})
    return membership


# --- Staff, organisations, rentals and the group catalogue.

STAFF_FIELDS = ["name", "sex", "birth_date", "phone", "post", "education", "political_status",
                "start_date", "end_date", "place"]  # fmt: skip


@transaction.atomic
def save_staff(staff: Staff | None, *, by, version: int | None = None, **values) -> Staff:
    """Register a staff member (`staff=None`) or change one; `version` is the one the edit page
    showed (a stale page raises StaleEdit and changes nothing)."""
    if staff is not None:
        staff = locking.lock_current(staff, version)
        locking.bump(staff)
    place = values["place"]
    if place.kind != PlaceKind.COMMUNITY:
        raise DomainError(_("社区工作者登记到社区"), field="place")
    if not values["name"].strip():
        raise DomainError(_("请填写姓名"), field="name")
    try:
        values["phone"] = normalise_mobile(values.get("phone", ""))
    except DomainError as exc:
        raise DomainError(exc.message, field="phone") from None
    today = timezone.localdate()
    if values["birth_date"] > today.replace(year=today.year - 16):
        raise DomainError(_("出生日期不合理"), field="birth_date")
    if values["start_date"] > today:
        raise DomainError(_("入职日期不能晚于今天"), field="start_date")
    if values.get("end_date") and values["end_date"] < values["start_date"]:
        raise DomainError(_("离职日期不能早于入职日期"), field="end_date")
    creating = staff is None
    staff = staff or Staff()
    before = None if creating else audit.snapshot(staff, STAFF_FIELDS)
    for key, value in values.items():
        setattr(staff, key, value.strip() if isinstance(value, str) else value)
    staff.save()
    audit.record_save(by, staff, kind="staff", fields=STAFF_FIELDS, before=before)
    return staff


ORGANISATION_FIELDS = ["kind", "name", "established", "term_start", "term_end", "dissolved_on",
                       "place"]  # fmt: skip


@transaction.atomic
def save_organisation(organisation: Organisation | None, *, by, **values) -> Organisation:
    if values["place"].kind != PlaceKind.COMMUNITY:
        raise DomainError(_("组织登记到社区"), field="place")
    if not values["name"].strip():
        raise DomainError(_("请填写名称"), field="name")
    if (
        values.get("term_start")
        and values.get("term_end")
        and (values["term_end"] < values["term_start"])
    ):
        raise DomainError(_("届满日期不能早于本届开始日期"), field="term_end")
    creating = organisation is None
    organisation = organisation or Organisation()
    before = None if creating else audit.snapshot(organisation, ORGANISATION_FIELDS)
    for key, value in values.items():
        setattr(organisation, key, value.strip() if isinstance(value, str) else value)
    organisation.save()
    audit.record_save(
        by, organisation, kind="organisation", fields=ORGANISATION_FIELDS, before=before
    )
    return organisation


@transaction.atomic
def add_organisation_member(
    organisation: Organisation,
    *,
    role: str,
    since: datetime.date,
    resident: Resident | None = None,
    staff: Staff | None = None,
    by,
) -> OrganisationMember:
    if (resident is None) == (staff is None):
        raise DomainError(_("请选择一位居民或一位社区工作者"))
    person = resident or staff
    if not person.place_path.startswith(organisation.place_path):
        raise DomainError(_("成员须是本社区的居民或社区工作者"))
    if not role.strip():
        raise DomainError(_("请填写职务"), field="role")
    _check_date(since)
    if organisation.members.filter(resident=resident, staff=staff, until__isnull=True).exists():
        raise DomainError(_("%(name)s已是该组织成员") % {"name": person.name})
    member = OrganisationMember.objects.create(
        organisation=organisation,
        resident=resident,
        staff=staff,
        role=role.strip()[:20],
        since=since,
    )
    locking.bump_row(organisation)  # a renewal page opened before lists other members
    audit.record(
        by,
        "organisation.member_add",
        organisation,
        data={"name": person.name, "role": member.role, "since": since.isoformat()},
    )
    return member


@transaction.atomic
def renew_term(
    organisation: Organisation,
    *,
    start: datetime.date,
    end: datetime.date | None,
    keep: list[OrganisationMember],
    by,
    version: int | None = None,
) -> int:
    """换届: a new term from `start` (to `end`, if known). Current members not in `keep` leave
    on the eve of the new term; those kept serve on. Returns how many left. `version` is the
    organisation's as the page showed it (stale: StaleEdit, nothing changes)."""
    organisation = locking.lock_current(organisation, version)
    _check_date(start)
    if not organisation.is_elected:
        raise DomainError(
            _("%(kind)s不实行换届，成员变动请逐个添加或退出") % {"kind": organisation.kind}
        )
    if organisation.dissolved_on is not None:
        raise DomainError(_("该组织已撤销"))
    if organisation.term_start is not None and start <= organisation.term_start:
        raise DomainError(
            _("新一届的开始日期应晚于本届开始日期%(d)s") % {"d": organisation.term_start},
            field="start",
        )
    if end is not None and end <= start:
        raise DomainError(_("届满日期应晚于新一届的开始日期"), field="end")
    current = list(
        organisation.members.filter(until__isnull=True).select_related("resident", "staff")
    )
    kept = {m.pk for m in keep}
    if kept - {m.pk for m in current}:
        raise DomainError(_("留任的只能是本届在任的成员"), field="keep")
    eve = start - datetime.timedelta(days=1)
    leaving = [m for m in current if m.pk not in kept]
    for member in leaving:
        if member.since > eve:
            raise DomainError(
                _("%(name)s于%(d)s才加入，不能在新一届开始前退出，请勾选留任或先移除")
                % {"name": member.resident or member.staff, "d": member.since},
                field="keep",
            )
        member.until = eve
    OrganisationMember.objects.bulk_update(leaving, ["until"])
    before = audit.snapshot(organisation, ["term_start", "term_end"])
    organisation.term_start, organisation.term_end = start, end
    locking.bump(organisation)
    organisation.save(update_fields=["term_start", "term_end", "version"])
    audit.record(
        by,
        "organisation.renew",
        organisation,
        changes=audit.changes(before, organisation),
        data={
            "kept": len(current) - len(leaving),
            "left": len(leaving),
            "leaving": "、".join(str(m.resident or m.staff) for m in leaving),
        },
    )
    return len(leaving)


@transaction.atomic
def end_organisation_member(member: OrganisationMember, *, until: datetime.date, by) -> None:
    if member.until is not None:
        raise DomainError(_("该成员已于%(d)s退出") % {"d": member.until})
    if until < member.since:
        raise DomainError(_("退出日期不能早于加入日期%(d)s") % {"d": member.since})
    _check_date(until)
    member.until = until
    member.save(update_fields=["until"])
    locking.bump_row(member.organisation)
    audit.record(
        by,
        "organisation.member_end",
        member.organisation,
        data={"name": str(member.resident or member.staff), "until": until.isoformat()},
    )


RENTAL_FIELDS = [
    "landlord_name", "landlord_phone", "tenant_name", "tenant_household", "tenants", "purpose",
    "start", "end",
]  # fmt: skip


@dataclass(slots=True)
class RentalTerms:
    """What a rental form says about a lease, before checking."""

    landlord_name: str
    start: datetime.date
    end: datetime.date | None = None
    landlord_phone: str = ""
    purpose: str = Rental.Purpose.HOME
    tenants: int | None = None
    tenant_name: str = ""
    tenant_household: Household | None = None


def _clean_rental(
    dwelling: Dwelling, terms: RentalTerms, *, other_than: Rental | None = None
) -> dict[str, Any]:
    """The checked values of a rental being registered or edited, or a DomainError."""
    if not terms.landlord_name.strip():
        raise DomainError(_("请填写房东姓名"), field="landlord_name")
    start, end = terms.start, terms.end
    if end is not None and end < start:
        raise DomainError(_("租赁结束日期不能早于开始日期"), field="end")
    if start > timezone.localdate() + datetime.timedelta(days=366):
        raise DomainError(_("租赁开始日期不合理"), field="start")
    overlapping = dwelling.rentals.filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start__lte=end)
    if other_than is not None:
        overlapping = overlapping.exclude(pk=other_than.pk)
    clash = overlapping.order_by("start").first()
    if clash is not None:
        raise DomainError(
            _("该房屋在这段时间已有出租登记（%(start)s至%(end)s，房东%(who)s）")
            % {"start": clash.start, "end": clash.end or _("未定"), "who": clash.landlord_name},
            field="start",
        )
    try:
        phone = normalise_mobile(terms.landlord_phone)
    except DomainError as exc:
        raise DomainError(exc.message, field="landlord_phone") from None
    return {
        "landlord_name": terms.landlord_name.strip()[:50],
        "landlord_phone": phone,
        "tenant_name": terms.tenant_name.strip()[:50],
        "tenant_household": terms.tenant_household,
        "tenants": terms.tenants,
        "purpose": terms.purpose,
        "start": start,
        "end": end,
    }


@transaction.atomic
def register_rental(
    dwelling: Dwelling, terms: RentalTerms, *, landlord: Resident | None = None, by
) -> Rental:
    values = _clean_rental(dwelling, terms)
    rental = Rental.objects.create(
        dwelling=dwelling, landlord=landlord, place=dwelling.place, **values
    )
    end = values["end"]
    if dwelling.usage != Dwelling.Usage.RENTED and (end is None or end >= timezone.localdate()):
        dwelling.usage = Dwelling.Usage.RENTED
        dwelling.save(update_fields=["usage"])
    audit.record(
        by,
        "rental.create",
        rental,
        changes=audit.created(
            rental, ["dwelling", "landlord_name", "landlord_phone", "tenant_name", "start", "end"]
        ),
    )
    return rental


@transaction.atomic
def update_rental(rental: Rental, terms: RentalTerms, *, by, version: int | None = None) -> Rental:
    """Correct a rental's terms, landlord or tenant. The dwelling stays: a lease of another
    dwelling is another rental. `version` is the one the edit page showed (a stale page raises
    StaleEdit and changes nothing)."""
    rental = locking.lock_current(rental, version)
    values = _clean_rental(rental.dwelling, terms, other_than=rental)
    before = audit.snapshot(rental, RENTAL_FIELDS)
    for field, value in values.items():
        setattr(rental, field, value)
    diff = audit.changes(before, rental)
    if diff:
        locking.bump(rental)
        rental.save(update_fields=[*values, "version"])
        audit.record(by, "rental.update", rental, changes=diff)
    return rental


@transaction.atomic
def save_category(
    *, code: str, name: str, subject: str, sensitivity: str, description: str, by
) -> GroupCategory:
    """A new special-group category; its attributes are added one by one."""
    code, name = code.strip().lower(), name.strip()
    if GroupCategory.objects.filter(code=code).exists():
        raise DomainError(_("代码%(c)s已被使用") % {"c": code}, field="code")
    if GroupCategory.objects.filter(name=name).exists():
        raise DomainError(_("已有名为“%(n)s”的类别") % {"n": name}, field="name")
    order = (
        GroupCategory.objects.order_by("-order").values_list("order", flat=True).first() or 0
    ) + 10
    category = GroupCategory.objects.create(
        code=code,
        name=name,
        subject=subject,
        sensitivity=sensitivity,
        description=description,
        order=order,
    )
    audit.record(
        by,
        "category.create",
        category,
        changes=audit.created(category, ["code", "name", "subject", "sensitivity"]),
    )
    return category


@transaction.atomic
def add_attribute(
    category: GroupCategory,
    *,
    key: str,
    label: str,
    kind: str,
    choices: str,
    unit: str,
    required: bool,
    by,
) -> GroupAttribute:
    key, label = key.strip().lower(), label.strip()
    if category.attributes.filter(key=key).exists():
        raise DomainError(_("该类别已有代码为%(k)s的属性") % {"k": key}, field="key")
    if category.attributes.filter(label=label).exists():
        raise DomainError(_("该类别已有名为“%(l)s”的属性") % {"l": label}, field="label")
    attribute = GroupAttribute(
        category=category,
        key=key,
        label=label,
        kind=kind,
        choices=choices.strip(),
        unit=unit.strip(),
        required=required,
    )
    if kind == GroupAttribute.Kind.CHOICE and len(attribute.choice_list()) < 2:
        raise DomainError(_("“选项”类型至少要有两个可选值"), field="choices")
    if required and Membership.objects.filter(category=category, end__isnull=True).exists():
        raise DomainError(_("该类别已有在册登记，新增的属性不能设为必填"), field="required")
    attribute.order = (category.attributes.count() + 1) * 10
    attribute.save()
    audit.record(
        by, "category.attribute_add", category, data={"key": key, "label": label, "kind": kind}
    )
    return attribute


@transaction.atomic
def end_rental(rental: Rental, *, end: datetime.date, by) -> Rental:
    """The lease ends on `end` (the last day let). Ending it early or on time is the same."""
    if rental.end is not None and rental.end < timezone.localdate():
        raise DomainError(_("该租赁已于%(d)s结束") % {"d": rental.end})
    if end < rental.start:
        raise DomainError(_("结束日期不能早于租赁开始日期%(d)s") % {"d": rental.start})
    before = audit.snapshot(rental, ["end"])
    rental.end = end
    rental.save(update_fields=["end"])
    audit.record(by, "rental.end", rental, changes=audit.changes(before, rental))
    return rental

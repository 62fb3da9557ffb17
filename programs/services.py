"""Changing programs: campaigns and their applicants' way through the stages, honours,
assistance, donation drives, supplies and residents' voice. Each change is checked whole, saved
and audited in one transaction; bad input raises DomainError with a Chinese message and changes
nothing."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place
from audit import services as audit
from ledger.models import WorkRecord
from ledger.services import MEETING_KINDS
from people.choices import Registration
from people.models import Household, Membership, Residence, Resident, Staff
from programs.models import (
    Application,
    Assistance,
    Campaign,
    Deliberation,
    Donation,
    DonationDrive,
    Honour,
    Opinion,
    Question,
    Questionnaire,
    Response,
    ResponseAnswer,
    Stock,
    SupplyItem,
    SupplyMove,
)
from shequ import files, locking
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

EARLIEST = datetime.date(2000, 1, 1)
MAX_AMOUNT = Decimal("9999999999")
KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,29}$")
# The group a kind of aid depends on, when there is one: the aid is tied to the recipient's
# membership of that group in force on the day it is given.
AID_GROUPS = {
    Assistance.Kind.SUBSISTENCE: "dibao",
    Assistance.Kind.ELDERLY: "elderly",
    Assistance.Kind.PARTY: "party",
    Assistance.Kind.EMPLOYMENT: "unemployed",
    Assistance.Kind.DISABILITY: "disabled",
}
# Kinds of aid given only to members of their group (低保金 to 低保 households…).
AID_NEEDS_GROUP = {Assistance.Kind.SUBSISTENCE, Assistance.Kind.DISABILITY}
# Where supplies are kept: each community and sub-district has its own store.
STORE_KINDS = (PlaceKind.COMMUNITY, PlaceKind.SUBDISTRICT)


class ConflictError(DomainError):
    """The row changed since the page (or API client) that asks to change it read it."""


def _in_scope(by: User | None, path: str) -> bool:
    return by is None or path.startswith(by.scope_path)


def _day(day: datetime.date | None, what: str, field_name: str, *, future: bool = False):
    if day is None:
        raise DomainError(_("请填写%(what)s") % {"what": what}, field=field_name)
    if not future and day > timezone.localdate():
        raise DomainError(_("%(what)s不能晚于今天") % {"what": what}, field=field_name)
    if day < EARLIEST:
        raise DomainError(_("%(what)s不合理，应在2000年以后") % {"what": what}, field=field_name)
    return day


def _text(value: str, what: str, field_name: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("请填写%(what)s") % {"what": what}, field=field_name)
    if len(value) > limit:
        raise DomainError(
            _("%(what)s不能超过%(n)d个字") % {"what": what, "n": limit}, field=field_name
        )
    return value


# What a person types for money or a quantity: digits, one optional point and decimals, a
# sign only so that a negative gets its own message. No exponent ("1e3"), no inf or nan.
PLAIN_NUMBER = re.compile(r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")


def amount(value: Any, what: str, field_name: str, *, allow_zero: bool = True) -> Decimal:
    """A money amount or quantity as typed: a plain decimal number (thousands separators and
    full-width digits allowed), not negative, at most two decimals."""
    if value in (None, ""):
        return Decimal("0")
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if not PLAIN_NUMBER.match(text):
        raise DomainError(
            _("%(what)s应为数字，如 1200 或 35.50") % {"what": what}, field=field_name
        )
    number = Decimal(text)  # the pattern admits only what Decimal reads as a finite number
    if number < 0:
        raise DomainError(_("%(what)s不能为负数") % {"what": what}, field=field_name)
    if not allow_zero and number == 0:
        raise DomainError(_("%(what)s应大于0") % {"what": what}, field=field_name)
    if number > MAX_AMOUNT:
        raise DomainError(_("%(what)s过大，请核对") % {"what": what}, field=field_name)
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_("%(what)s最多保留两位小数") % {"what": what}, field=field_name)
    return number.quantize(Decimal("0.01"))


def _recordable_place(place: Place | None, by: User | None, *, grids: bool = True) -> Place:
    kinds = {PlaceKind.COMMUNITY, PlaceKind.SUBDISTRICT} | ({PlaceKind.GRID} if grids else set())
    if place is None or place.kind not in kinds or place.is_retired:
        raise DomainError(_("请选择在用的社区或街道"), field="place")
    if not _in_scope(by, place.path):
        raise DomainError(_("只能登记本辖区的记录"), field="place")
    return place


def store_scan(record, scan: files.Upload, checked: files.Checked) -> None:
    """Keep `scan` as the record's scanned copy, replacing the old one after the commit."""
    old = record.scan_stored_as

    def row(upload, result, stored_as):
        record.scan_name = files.display_name(upload.name, result.extension)
        record.scan_stored_as = stored_as
        record.scan_content_type = result.content_type
        record.save(update_fields=["scan_name", "scan_stored_as", "scan_content_type"])

    files.store([(scan, checked)], row)
    if old:
        transaction.on_commit(lambda: files.remove(old))


# --- Campaigns ----------------------------------------------------------------------------------


@dataclass
class CampaignData:
    name: str
    subject: str
    criteria: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    place: Place | None
    eligible_filter: str = ""
    fields: str = ""
    rule: str = Campaign.Rule.MANUAL
    rule_field: str = ""
    rule_per_member: bool = False
    rule_op: str = ""
    rule_value: Decimal | str | None = None  # as typed; the check reads it


CAMPAIGN_FIELDS = ["name", "subject", "criteria", "starts_on", "ends_on", "eligible_filter"]
CAMPAIGN_FIELDS += ["fields", "rule", "rule_field", "rule_per_member", "rule_op", "rule_value"]


def _check_campaign(data: CampaignData, by: User | None) -> Place:
    _text(data.name, _("评选名称"), "name", 60)
    if data.subject not in Campaign.Subject.values:
        raise DomainError(_("请选择评选对象"), field="subject")
    _text(data.criteria, _("评选标准"), "criteria", 5000)
    _day(data.starts_on, _("申报开始日期"), "starts_on", future=True)
    _day(data.ends_on, _("评选截止日期"), "ends_on", future=True)
    if data.ends_on < data.starts_on:
        raise DomainError(_("评选截止日期不能早于申报开始日期"), field="ends_on")
    place = _recordable_place(data.place, by, grids=False)
    probe = Campaign(eligible_filter=data.eligible_filter, fields=data.fields)
    allowed = Registration.values if data.subject == "household" else LocalUnit.Kind.values
    if unknown := [v for v in probe.filter_values() if v not in allowed]:
        raise DomainError(
            _("参评范围中的“%(v)s”不是%(what)s（可填：%(ok)s）")
            % {
                "v": "、".join(unknown),
                "what": _("户别") if data.subject == "household" else _("单位类型"),
                "ok": "、".join(allowed),
            },
            field="eligible_filter",
        )
    keys = [key for key, _label, _unit in probe.field_list()]
    if bad := [k for k in keys if not KEY.match(k)]:
        raise DomainError(
            _("申报数据项的代码“%(k)s”应以字母开头，只含字母、数字和下划线") % {"k": bad[0]},
            field="fields",
        )
    if len(set(keys)) != len(keys):
        raise DomainError(_("申报数据项的代码不能重复"), field="fields")
    if data.rule not in Campaign.Rule.values:
        raise DomainError(_("请选择初审方式"), field="rule")
    if data.rule == Campaign.Rule.THRESHOLD:
        if data.rule_field not in keys:
            raise DomainError(
                _("初审依据的数据项“%(k)s”不存在（已有：%(keys)s）")
                % {"k": data.rule_field, "keys": "、".join(keys) or _("无")},
                field="rule_field",
            )
        if data.rule_op not in ("<=", ">="):
            raise DomainError(_("请选择比较方式"), field="rule_op")
        if data.rule_value in (None, ""):
            raise DomainError(_("请填写标准值"), field="rule_value")
        data.rule_value = amount(data.rule_value, _("标准值"), "rule_value")
        if data.rule_per_member and data.subject != "household":
            raise DomainError(_("只有家庭评选可以按户内人数平均"), field="rule_per_member")
    else:
        data.rule_field, data.rule_op, data.rule_value = "", "", None
        data.rule_per_member = False
    return place


@transaction.atomic
def create_campaign(data: CampaignData, *, by: User | None) -> Campaign:
    place = _check_campaign(data, by)
    campaign = Campaign(place=place, created_by=by)
    for name in CAMPAIGN_FIELDS:
        setattr(campaign, name, getattr(data, name))
    campaign.name, campaign.criteria = data.name.strip(), data.criteria.strip()
    campaign.save()
    audit.record_save(by, campaign, kind="campaign", fields=CAMPAIGN_FIELDS, before=None)
    return campaign


@transaction.atomic
def update_campaign(
    campaign: Campaign, data: CampaignData, *, by: User | None, version: int | None = None
) -> Campaign:
    """Change a campaign's terms; `version` is the one the edit page showed (a stale page raises
    StaleEdit and changes nothing)."""
    campaign = locking.lock_current(campaign, version)
    locking.bump(campaign)
    place = _check_campaign(data, by)
    if campaign.live_applications().exists():
        # The applications were made against these terms: changing them would judge them
        # by data they never reported (a renamed item reads as nothing).
        probe = Campaign(**{name: getattr(data, name) for name in CAMPAIGN_FIELDS})
        if changed := [name for name, (new, old) in _terms(probe, campaign).items() if new != old]:
            raise DomainError(
                _("已有申报，不能再更改评选对象、参评范围、申报数据项或初审规则"),
                field=changed[0],
            )
        first = (
            campaign.live_applications().order_by("applied_on").values_list("applied_on", flat=True)
        )
        if data.starts_on > first.first():
            raise DomainError(
                _("已有%(day)s的申报，申报开始日期不能晚于它") % {"day": first.first()},
                field="starts_on",
            )
    before = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.place = place
    for name in CAMPAIGN_FIELDS:
        setattr(campaign, name, getattr(data, name))
    campaign.name, campaign.criteria = data.name.strip(), data.criteria.strip()
    campaign.save()
    audit.record_save(by, campaign, kind="campaign", fields=CAMPAIGN_FIELDS, before=before)
    return campaign


def _terms(new: Campaign, old: Campaign) -> dict[str, tuple]:
    """What applicants were judged by, as (new, old) pairs compared by meaning, not spelling."""

    def rule_value(c: Campaign):
        return None if c.rule_value is None else Decimal(c.rule_value)

    return {
        "subject": (new.subject, old.subject),
        "eligible_filter": (sorted(new.filter_values()), sorted(old.filter_values())),
        "fields": (new.field_list(), old.field_list()),
        "rule": (new.rule, old.rule),
        "rule_field": (new.rule_field, old.rule_field),
        "rule_per_member": (new.rule_per_member, old.rule_per_member),
        "rule_op": (new.rule_op, old.rule_op),
        "rule_value": (rule_value(new), rule_value(old)),
    }


def _eligible_q(campaign: Campaign, day: datetime.date | None = None) -> Q:
    """The condition on households (or units) that `eligible` selects, for one query over
    several campaigns (`funnels`).

    Without `day`, the campaign's population: those that existed at some time in its period —
    already there by its end, not yet gone before its start — so a closed campaign's figures
    do not drift as households are registered later. With `day`, those there on that day (an
    application's day). A household exists from the day its first member moved in (the
    registry's date, not the day it was typed in); a unit keeps no opening date in the
    registry, so only its closing counts."""
    first, last = (campaign.starts_on, campaign.ends_on) if day is None else (day, day)
    values = campaign.filter_values()
    condition = Q(place_path__startswith=campaign.place_path)
    if campaign.subject == Campaign.Subject.HOUSEHOLD:
        founded = Residence.objects.filter(household=OuterRef("pk"), since__lte=last)
        condition &= Q(Exists(founded))
        condition &= Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=first)
        return condition & Q(registration__in=values) if values else condition
    condition &= Q(closed_on__isnull=True) | Q(closed_on__gt=first)
    return condition & Q(kind__in=values) if values else condition


def _eligible_model(campaign: Campaign) -> type[Household] | type[LocalUnit]:
    return Household if campaign.subject == Campaign.Subject.HOUSEHOLD else LocalUnit


def eligible(campaign: Campaign, day: datetime.date | None = None) -> QuerySet:
    """The households (or units) of the campaign's place it is open to: over its period, or
    on `day`."""
    return _eligible_model(campaign).objects.filter(_eligible_q(campaign, day))


def _members(household: Household, day: datetime.date) -> int:
    return Residence.objects.on(day).filter(household=household).count()


@transaction.atomic
def apply(
    campaign: Campaign,
    *,
    household: Household | None = None,
    unit: LocalUnit | None = None,
    values: dict[str, Any] | None = None,
    applied_on: datetime.date | None = None,
    by: User | None,
) -> Application:
    """申报: a household or unit of the eligible population applies, with the data asked for."""
    applied_on = _day(applied_on or timezone.localdate(), _("申报日期"), "applied_on")
    if not campaign.starts_on <= applied_on <= campaign.ends_on:
        raise DomainError(
            _("申报日期应在评选期间（%(a)s至%(b)s）内")
            % {"a": campaign.starts_on, "b": campaign.ends_on},
            field="applied_on",
        )
    household_subject = campaign.subject == Campaign.Subject.HOUSEHOLD
    applicant = household if household_subject else unit
    if applicant is None or (household is not None and unit is not None):
        raise DomainError(
            _("请选择申报的家庭") if household_subject else _("请选择申报的单位"),
            field="applicant",
        )
    if not _in_scope(by, applicant.place_path):
        raise DomainError(_("只能为本辖区的家庭或单位申报"), field="applicant")
    if not eligible(campaign, applied_on).filter(pk=applicant.pk).exists():
        raise DomainError(
            _("“%(who)s”不在本次评选的参评范围内") % {"who": applicant}, field="applicant"
        )
    if campaign.live_applications().filter(**{campaign.subject: applicant}).exists():
        raise DomainError(_("“%(who)s”已经申报过") % {"who": applicant}, field="applicant")
    values = values or {}
    checked = {}
    for key, label, _unit in campaign.field_list():
        checked[key] = str(amount(values.get(key), label, "values"))
        if values.get(key) in (None, ""):
            raise DomainError(_("请填写%(what)s") % {"what": label}, field="values")
    name = (
        f"{household.number}（{household.head.name}）"
        if household and household.head_id
        else str(applicant)
    )
    application = Application.objects.create(
        campaign=campaign,
        household=household if household_subject else None,
        unit=unit if not household_subject else None,
        applicant_name=name[:100],
        applied_on=applied_on,
        values=checked,
        members=_members(household, applied_on) if household_subject else None,
    )
    audit.record(by, "campaign.apply", campaign, data={"party": name, "values": checked})
    return application


def rule_passes(campaign: Campaign, application: Application) -> tuple[bool, str]:
    """The declarative screening rule on one application: whether it passes, and why."""
    raw = application.values.get(campaign.rule_field)
    if raw in (None, ""):
        raise DomainError(
            _("“%(who)s”的申报没有初审依据的数据，请人工评审") % {"who": application.applicant_name}
        )
    value = Decimal(raw)
    label = {k: lbl for k, lbl, _u in campaign.field_list()}.get(campaign.rule_field, "")
    if campaign.rule_per_member:
        members = application.members or 0
        if members == 0:
            return False, _("户内无在住人员，无法按人均计算")
        value = (value / members).quantize(Decimal("0.01"))
        label = _("人均%(what)s") % {"what": label}
    limit = campaign.rule_value
    ok = value <= limit if campaign.rule_op == "<=" else value >= limit
    word = _("不高于") if campaign.rule_op == "<=" else _("不低于")
    verdict = _("符合") if ok else _("不符合")
    return ok, _("%(label)s %(value)s，%(verdict)s“%(word)s%(limit)s”的标准") % {
        "label": label,
        "value": value,
        "verdict": verdict,
        "word": word,
        "limit": limit,
    }


def _locked(application: Application, stage: str, what: str, shown: str | None) -> Application:
    """The application's row, locked, at `stage`. `shown` is the stage the caller read (None for
    the campaign page, whose buttons are those of the stage it shows): if the application moved
    on since, the decision was made on a stale view and is refused (ConflictError)."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.voided_at is not None:
        raise DomainError(
            _("“%(who)s”的申报已撤回（%(why)s）")
            % {"who": locked.applicant_name, "why": locked.void_reason}
        )
    if shown is not None and locked.stage != shown:
        raise ConflictError(
            _("“%(who)s”的申报刚被他人处理，现为“%(stage)s”，请刷新后再操作")
            % {"who": locked.applicant_name, "stage": locked.get_stage_display()}
        )
    if locked.stage != stage:
        raise DomainError(
            _("“%(who)s”处于“%(stage)s”阶段，不能%(what)s")
            % {"who": locked.applicant_name, "stage": locked.get_stage_display(), "what": what}
        )
    return locked


@transaction.atomic
def review(
    application: Application,
    *,
    passed: bool | None = None,
    reason: str = "",
    day: datetime.date | None = None,
    shown: str | None = None,
    by: User | None,
) -> Application:
    """初审: by the campaign's rule (passed=None) or by the reviewer's decision with a reason."""
    locked = _locked(application, Application.Stage.APPLIED, _("初审"), shown)
    campaign = locked.campaign
    reason = _text(reason, _("评审意见"), "reason", 200, required=False)
    if passed is None:
        if campaign.rule != Campaign.Rule.THRESHOLD:
            raise DomainError(_("本次评选为人工评审，请作出决定并写明理由"), field="passed")
        passed, reason = rule_passes(campaign, locked)
    elif not reason:
        raise DomainError(_("人工评审请写明理由"), field="reason")
    locked.stage = Application.Stage.PASSED if passed else Application.Stage.FAILED
    return _decided(locked, reason, day, by, "campaign.review")


def _decided(locked: Application, reason: str, day, by, action: str) -> Application:
    """Record the first review (初审) or the shortlist decision (入围) in its own fields."""
    day = _day(day or timezone.localdate(), _("评审日期"), "day")
    if action == "campaign.shortlist":
        if locked.reviewed_on is not None and day < locked.reviewed_on:
            raise DomainError(
                _("入围评审日期不能早于初审日期（%(day)s）") % {"day": locked.reviewed_on},
                field="day",
            )
        locked.shortlist_reason, locked.shortlisted_by, locked.shortlisted_on = reason, by, day
        fields = ["stage", "shortlist_reason", "shortlisted_by", "shortlisted_on"]
    else:
        locked.reason, locked.reviewed_by, locked.reviewed_on = reason, by, day
        fields = ["stage", "reason", "reviewed_by", "reviewed_on"]
    if day < locked.applied_on:
        raise DomainError(_("评审日期不能早于申报日期"), field="day")
    locked.save(update_fields=fields)
    audit.record(
        by,
        action,
        locked.campaign,
        data={"party": locked.applicant_name, "stage": locked.stage, "note": reason},
    )
    return locked


@transaction.atomic
def screen_all(campaign: Campaign, *, by: User | None) -> int:
    """Apply the campaign's rule to every application still waiting for its first review."""
    if campaign.rule != Campaign.Rule.THRESHOLD:
        raise DomainError(_("本次评选为人工评审，不能自动初审"))
    waiting = list(campaign.live_applications().filter(stage=Application.Stage.APPLIED))
    for application in waiting:
        review(application, by=by)
    return len(waiting)


@transaction.atomic
def shortlist(
    application: Application,
    *,
    shortlisted: bool,
    reason: str = "",
    day: datetime.date | None = None,
    shown: str | None = None,
    by: User | None,
) -> Application:
    """入围 (or not) after passing the first review."""
    locked = _locked(application, Application.Stage.PASSED, _("确定入围"), shown)
    reason = _text(reason, _("评审意见"), "reason", 200, required=not shortlisted)
    locked.stage = (
        Application.Stage.SHORTLISTED if shortlisted else Application.Stage.NOT_SHORTLISTED
    )
    return _decided(locked, reason, day, by, "campaign.shortlist")


@transaction.atomic
def award(
    campaign: Campaign,
    *,
    household: Household | None = None,
    unit: LocalUnit | None = None,
    application: Application | None = None,
    day: datetime.date | None = None,
    certificate: bool = True,
    shown: str | None = None,
    by: User | None,
) -> Application:
    """评定/授牌: only an applicant who was shortlisted can be awarded. `application` is the
    one a page's row or an API call names (refused if withdrawn, never its successor);
    otherwise the applicant's live application."""
    applicant = household if campaign.subject == Campaign.Subject.HOUSEHOLD else unit
    if application is None and applicant is not None:
        application = campaign.live_applications().filter(**{campaign.subject: applicant}).first()
    if application is None:
        raise DomainError(
            _("“%(who)s”没有申报本次评选，不能授牌") % {"who": applicant or _("该对象")},
            field="applicant",
        )
    locked = _locked(application, Application.Stage.SHORTLISTED, _("授牌"), shown)
    locked.awarded_on = _day(day or timezone.localdate(), _("授牌日期"), "day")
    if locked.awarded_on < locked.applied_on:
        raise DomainError(_("授牌日期不能早于申报日期"), field="day")
    locked.stage, locked.certificate = Application.Stage.AWARDED, certificate
    locked.save(update_fields=["stage", "awarded_on", "certificate"])
    audit.record(
        by,
        "campaign.award",
        campaign,
        data={"party": locked.applicant_name, "certificate": certificate},
    )
    return locked


@dataclass(frozen=True)
class Funnel:
    eligible: int
    applied: int
    passed: int
    shortlisted: int
    awarded: int
    certificates: int

    @property
    def coverage(self) -> Decimal | None:
        """Awarded as a share of the eligible population, in per cent."""
        if not self.eligible:
            return None
        return (Decimal(self.awarded * 100) / self.eligible).quantize(Decimal("0.1"))


def funnel(campaign: Campaign) -> Funnel:
    """Applied → passed the first review → shortlisted → awarded, and the eligible count."""
    return funnels([campaign])[campaign.pk]


def funnels(campaigns: list[Campaign]) -> dict[int, Funnel]:
    """Each campaign's funnel, by its id: one grouped query over the applications and one
    count query per kind of applicant (households, units), however many campaigns."""
    S = Application.Stage
    stages: dict[int, dict[str, int]] = {c.pk: {} for c in campaigns}
    certificates = dict.fromkeys(stages, 0)
    rows = (
        Application.objects.filter(campaign__in=list(stages), voided_at__isnull=True)
        .values_list("campaign", "stage", "certificate")
        .annotate(n=Count("id"))
        .order_by()
    )
    for campaign_id, stage, certificate, n in rows:
        stages[campaign_id][stage] = stages[campaign_id].get(stage, 0) + n
        if stage == S.AWARDED and certificate:
            certificates[campaign_id] += n
    eligible_counts: dict[int, int] = {}
    for subject in Campaign.Subject.values:
        group = [c for c in campaigns if c.subject == subject]
        if not group:
            continue
        places = Q()
        for c in group:
            places |= Q(place_path__startswith=c.place_path)
        counts = (
            _eligible_model(group[0])
            .objects.filter(places)
            .aggregate(**{f"c{c.pk}": Count("pk", filter=_eligible_q(c)) for c in group})
        )
        eligible_counts.update({int(key[1:]): n for key, n in counts.items()})
    result = {}
    for c in campaigns:
        by_stage = stages[c.pk]
        awarded = by_stage.get(S.AWARDED, 0)
        shortlisted = awarded + by_stage.get(S.SHORTLISTED, 0)
        passed = shortlisted + by_stage.get(S.PASSED, 0) + by_stage.get(S.NOT_SHORTLISTED, 0)
        result[c.pk] = Funnel(
            eligible=eligible_counts.get(c.pk, 0),
            applied=sum(by_stage.values()),
            passed=passed,
            shortlisted=shortlisted,
            awarded=awarded,
            certificates=certificates[c.pk],
        )
    return result


# --- Honours ------------------------------------------------------------------------------------


@dataclass
class HonourData:
    title: str
    level: str
    issuer: str
    date: datetime.date | None
    recipient: str
    place: Place | None = None
    unit: LocalUnit | None = None
    staff: Staff | None = None
    notes: str = ""


HONOUR_FIELDS = ["title", "level", "issuer", "date", "recipient", "unit", "staff", "notes"]


def _check_honour(data: HonourData, by: User | None) -> Place:
    _text(data.title, _("荣誉名称"), "title", 100)
    _text(data.issuer, _("授予单位"), "issuer", 100)
    if data.level not in Honour.Level.values:
        raise DomainError(_("请选择级别"), field="level")
    _day(data.date, _("授予日期"), "date")
    if data.recipient == Honour.Recipient.UNIT:
        if data.unit is None:
            raise DomainError(_("请选择获得荣誉的单位"), field="unit")
        place, data.staff = data.unit.place, None
    elif data.recipient == Honour.Recipient.STAFF:
        if data.staff is None:
            raise DomainError(_("请选择获得荣誉的社区工作者"), field="staff")
        place, data.unit = data.staff.place, None
    elif data.recipient == Honour.Recipient.PLACE:
        place, data.unit, data.staff = data.place, None, None
    else:
        raise DomainError(_("请选择获得者类型"), field="recipient")
    return _recordable_place(place, by)


def _fill_honour(honour: Honour, data: HonourData) -> None:
    for name in HONOUR_FIELDS:
        setattr(honour, name, getattr(data, name))
    honour.title, honour.issuer = data.title.strip(), data.issuer.strip()
    honour.notes = (data.notes or "").strip()


@transaction.atomic
def record_honour(data: HonourData, *, by: User | None, scan: files.Upload | None = None) -> Honour:
    """荣誉: a title received by the community, one of its units or one of its staff."""
    place = _check_honour(data, by)
    checked = scan.check() if scan is not None else None
    honour = Honour(place=place, created_by=by)
    _fill_honour(honour, data)
    honour.save()
    if checked is not None:
        store_scan(honour, scan, checked)
    audit.record_save(by, honour, kind="honour", fields=HONOUR_FIELDS, before=None)
    return honour


@transaction.atomic
def update_honour(
    honour: Honour,
    data: HonourData,
    *,
    by: User | None,
    scan: files.Upload | None = None,
    version: int | None = None,
) -> Honour:
    """Correct an honour's facts; a new scan replaces the old one (kept when none is given).
    A stale page (`version` not the row's) raises StaleEdit and stores nothing."""
    honour = locking.lock_current(honour, version)
    locking.bump(honour)
    place = _check_honour(data, by)
    checked = scan.check() if scan is not None else None
    before = audit.snapshot(honour, [*HONOUR_FIELDS, "place", "scan_name"])
    honour.place = place
    _fill_honour(honour, data)
    honour.save()
    if checked is not None:
        store_scan(honour, scan, checked)
    audit.record_save(
        by, honour, kind="honour", fields=[*HONOUR_FIELDS, "place", "scan_name"], before=before
    )
    return honour


# --- Assistance ---------------------------------------------------------------------------------


@dataclass
class AssistanceData:
    kind: str
    source: str
    date: datetime.date | None
    amount: Any = ""
    goods: str = ""
    household: Household | None = None
    resident: Resident | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    notes: str = ""
    # 补发: the worker confirms a second 低保金 for a month already paid is a back-payment.
    back_payment: bool = False
    # The worker confirms a payment like one already entered (same recipient, kind, day and
    # amount) is another one, not the same typed twice.
    not_repeat: bool = False


ASSISTANCE_FIELDS = ["kind", "source", "household", "resident", "membership", "amount", "goods"]
ASSISTANCE_FIELDS += ["period_start", "period_end", "date", "notes"]


def _membership_for(data: AssistanceData) -> Membership | None:
    code = AID_GROUPS.get(data.kind)
    if code is None:
        return None
    holders = Q()
    if data.resident is not None:
        holders |= Q(resident=data.resident)
    if data.household is not None:
        holders |= Q(household=data.household)
        # A member counts while living there on the day of the payment, not once ever.
        living = Residence.objects.on(data.date).filter(household=data.household)
        holders |= Q(resident__in=living.values("resident"))
    return (
        Membership.objects.on(data.date)
        .filter(holders, category__code=code)
        .order_by("-start")
        .first()
    )


BACK_PAYMENT = "补发"


def _recipient_named(data: AssistanceData) -> str:
    """户号 0010010873（户主 张三）, or the resident's name, for a message."""
    if data.household is None:
        return data.resident.name
    head = data.household.head
    if head is None:
        return _("户号%(n)s") % {"n": data.household.number}
    return _("户号%(n)s（户主%(head)s）") % {"n": data.household.number, "head": head.name}


def _check_monthly_once(data: AssistanceData, notes: str, replacing: int | None) -> str:
    """低保金 is paid once a month per household (or person): a second payment for the same
    month is refused as a likely double entry, unless the worker confirms it is a 补发
    (back-payment, e.g. after the amount was raised), which the notes then say."""
    month = data.period_start or data.date
    paid = (
        Assistance.objects.filter(kind=data.kind, voided_at__isnull=True)
        .exclude(pk=replacing)
        .annotate(month_of=Coalesce("period_start", "date"))
        .filter(month_of__year=month.year, month_of__month=month.month)
    )
    if data.household is not None:
        paid = paid.filter(household=data.household)
    else:
        paid = paid.filter(resident=data.resident)
    earlier = paid.order_by("date", "pk").first()
    if earlier is None:
        return notes
    if not data.back_payment:
        raise DomainError(
            _(
                "%(who)s %(month)s的%(kind)s已于%(day)s发放（%(amount)s元），同一月份不能重复发放；"
                "如确属补发，请勾选“确认为补发”"
            )
            % {
                "who": _recipient_named(data),
                "month": f"{month:%Y年%m月}",
                "kind": data.kind,
                "day": f"{earlier.date:%Y-%m-%d}",
                "amount": _plain(earlier.amount),
            },
            field="back_payment",
        )
    if BACK_PAYMENT in notes:
        return notes
    return _text(f"{BACK_PAYMENT}；{notes}" if notes else BACK_PAYMENT, _("备注"), "notes", 200)


@transaction.atomic
def give_assistance(data: AssistanceData, *, by: User | None) -> Assistance:
    """救助/慰问 paid or handed to a household or a resident, tied to the group membership it
    depends on (低保金 to the 低保 household…)."""
    aid = checked_assistance(data, by)
    aid.save()
    audit.record_save(by, aid, kind="assistance", fields=ASSISTANCE_FIELDS, before=None)
    return aid


def _check_not_repeated(
    data: AssistanceData, money: Decimal, goods: str, replacing: int | None
) -> None:
    """The same payment entered twice (a form sent from two tabs, a page saved again) is the
    commonest mistake in an aid ledger: one like it already entered is refused unless the
    worker confirms it is another."""
    same = Assistance.objects.filter(
        kind=data.kind,
        date=data.date,
        amount=money,
        goods=goods,
        household=data.household,
        resident=data.resident,
        voided_at__isnull=True,
    ).exclude(pk=replacing)
    if same.exists():
        raise DomainError(
            _(
                "%(who)s %(day)s已登记过一笔%(amount)s元的%(kind)s，疑似重复登记；"
                "如确是另一笔，请勾选“确认不是重复登记”"
            )
            % {
                "who": _recipient_named(data),
                "day": f"{data.date:%Y-%m-%d}",
                "amount": _plain(money),
                "kind": data.kind,
            },
            field="not_repeat",
        )


def checked_assistance(
    data: AssistanceData, by: User | None, *, replacing: int | None = None
) -> Assistance:
    """The payment `data` describes, checked whole and not yet saved (as the correction of the
    payment `replacing`, when given)."""
    if data.kind not in Assistance.Kind.values:
        raise DomainError(_("请选择救助类型"), field="kind")
    if data.source not in Assistance.Source.values:
        raise DomainError(_("请选择资金/物资来源"), field="source")
    _day(data.date, _("发放日期"), "date")
    money = amount(data.amount, _("金额"), "amount")
    goods = _text(data.goods, _("物资"), "goods", 100, required=False)
    if money == 0 and not goods:
        raise DomainError(_("请填写金额或发放的物资"), field="amount")
    if data.household is None and data.resident is None:
        raise DomainError(_("请选择受助户或受助人"), field="household")
    if data.household is not None and data.resident is not None:
        lives_there = Residence.objects.on(data.date).filter(
            household=data.household, resident=data.resident
        )
        if not lives_there.exists():
            raise DomainError(_("受助人不是该户在发放日的成员"), field="resident")
    recipient = data.resident or data.household
    if not _in_scope(by, recipient.place_path):
        raise DomainError(_("受助对象不在本辖区，不能登记"), field="household")
    if data.period_start and data.period_end and data.period_end < data.period_start:
        raise DomainError(_("所属期间的截止日期不能早于起始日期"), field="period_end")
    notes = _text(data.notes, _("备注"), "notes", 200, required=False)
    if data.kind == Assistance.Kind.SUBSISTENCE:
        notes = _check_monthly_once(data, notes, replacing)
    elif not data.not_repeat:
        _check_not_repeated(data, money, goods, replacing)
    membership = _membership_for(data)
    if membership is None and data.kind in AID_NEEDS_GROUP:
        raise DomainError(
            _("%(kind)s只能发给在册的%(group)s对象：受助对象在发放日没有有效的登记")
            % {"kind": data.kind, "group": "低保" if data.kind == "低保金" else "残疾人"},
            field="kind",
        )
    return Assistance(
        place=recipient.place,
        kind=data.kind,
        source=data.source,
        household=data.household,
        resident=data.resident,
        membership=membership,
        amount=money,
        goods=goods,
        period_start=data.period_start,
        period_end=data.period_end,
        date=data.date,
        notes=notes,
        created_by=by,
    )


# --- Donations ----------------------------------------------------------------------------------


@transaction.atomic
def open_drive(
    *,
    name: str,
    place: Place | None,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None = None,
    purpose: str = "",
    by: User | None,
) -> DonationDrive:
    name = _text(name, _("活动名称"), "name", 60)
    _day(starts_on, _("开始日期"), "starts_on", future=True)
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期"), field="ends_on")
    drive = DonationDrive.objects.create(
        place=_recordable_place(place, by, grids=False),
        name=name,
        purpose=_text(purpose, _("用途"), "purpose", 200, required=False),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
    )
    audit.record(by, "donation.drive", drive, data={"name": name})
    return drive


@dataclass
class DonationData:
    direction: str
    date: datetime.date | None
    party_name: str = ""
    money: Any = ""
    item: str = ""
    quantity: Any = ""
    item_unit: str = ""
    resident: Resident | None = None
    household: Household | None = None
    unit: LocalUnit | None = None
    notes: str = ""


def balance(drive: DonationDrive) -> dict[str, Decimal]:
    """Money ("") and each item still held by the drive: what came in less what went out."""
    result: dict[str, Decimal] = {}
    rows = (
        drive.live_entries().values("direction", "item").annotate(m=Sum("money"), q=Sum("quantity"))
    )
    for row in rows.order_by():
        sign = 1 if row["direction"] == Donation.Direction.IN else -1
        result[""] = result.get("", Decimal(0)) + sign * (row["m"] or 0)
        if row["item"]:
            result[row["item"]] = result.get(row["item"], Decimal(0)) + sign * (row["q"] or 0)
    return result


@transaction.atomic
def record_donation(drive: DonationDrive, data: DonationData, *, by: User | None) -> Donation:
    """A gift into the drive, or a handing-out from it (never more than the drive holds)."""
    drive = DonationDrive.objects.select_for_update().get(pk=drive.pk)
    entry = checked_donation(drive, data, by)
    # Entries follow each other in time, so the balance on any day is the running balance and
    # a handing-out can never be dated before the money it spends came in.
    last = drive.live_entries().order_by("-date").values_list("date", flat=True).first()
    if last is not None and data.date < last:
        raise DomainError(
            _("日期不能早于本活动最近一笔收支（%(day)s），请按时间顺序登记") % {"day": last},
            field="date",
        )
    money, item, quantity = entry.money, entry.item, entry.quantity
    if data.direction == Donation.Direction.OUT:
        held = balance(drive)
        if money > held.get("", 0):
            raise DomainError(
                _("发放金额%(m).2f元超过结余%(b).2f元") % {"m": money, "b": held.get("", 0)},
                field="money",
            )
        if quantity > held.get(item, 0):
            raise DomainError(
                _("发放的%(item)s（%(q)s）超过结余（%(b)s）")
                % {"item": item, "q": _plain(quantity), "b": _plain(Decimal(held.get(item, 0)))},
                field="quantity",
            )
    entry.save()
    audit.record(
        by,
        "donation.in" if entry.direction == Donation.Direction.IN else "donation.out",
        drive,
        data={
            "party": entry.party_name,
            "amount": str(money),
            "item": item,
            "quantity": str(quantity),
        },
    )
    return entry


def checked_donation(drive: DonationDrive, data: DonationData, by: User | None) -> Donation:
    """The drive's entry `data` describes, checked whole (but not against the drive's balance)
    and not yet saved."""
    if data.direction not in Donation.Direction.values:
        raise DomainError(_("请选择捐入或发放"), field="direction")
    _day(data.date, _("日期"), "date")
    if data.date < drive.starts_on:
        raise DomainError(_("日期不能早于活动开始日期"), field="date")
    if drive.ends_on is not None and data.date > drive.ends_on:
        raise DomainError(_("募捐活动已于%(day)s结束") % {"day": drive.ends_on}, field="date")
    money = amount(data.money, _("金额"), "money")
    quantity = amount(data.quantity, _("数量"), "quantity")
    item = _text(data.item, _("物品"), "item", 40, required=quantity > 0)
    if quantity == 0 and item:
        raise DomainError(_("请填写物品数量"), field="quantity")
    if money == 0 and quantity == 0:
        raise DomainError(_("请填写金额或物品数量"), field="money")
    party = data.resident or data.household or data.unit
    if party is not None and not _in_scope(by, party.place_path):
        raise DomainError(_("不能选择辖区外的居民、户或单位"), field="party_name")
    name = _text(
        data.party_name or (str(party) if party else ""), _("捐赠人/受赠人"), "party_name", 100
    )
    return Donation(
        drive=drive,
        direction=data.direction,
        date=data.date,
        resident=data.resident,
        household=data.household,
        unit=data.unit,
        party_name=name,
        money=money,
        item=item,
        quantity=quantity,
        item_unit=_text(data.item_unit, _("单位"), "item_unit", 8, required=False),
        notes=_text(data.notes, _("备注"), "notes", 200, required=False),
        created_by=by,
    )


# --- Supplies -----------------------------------------------------------------------------------


@transaction.atomic
def add_supply_item(*, name: str, unit: str, by: User | None) -> SupplyItem:
    name = _text(name, _("物资名称"), "name", 40)
    unit = _text(unit, _("计量单位"), "unit", 6)
    if SupplyItem.objects.filter(name=name).exists():
        raise DomainError(_("已有物资“%(name)s”") % {"name": name}, field="name")
    item = SupplyItem.objects.create(name=name, unit=unit)
    audit.record(by, "supply.item", item, data={"name": name, "unit": unit})
    return item


@dataclass
class MoveData:
    item: SupplyItem | None
    kind: str
    quantity: Any
    date: datetime.date | None
    counterpart: str = ""
    to_place: Place | None = None
    to_unit: LocalUnit | None = None
    campaign: Campaign | None = None
    record: WorkRecord | None = None
    notes: str = ""


def _stock_place(place: Place | None, by: User | None) -> Place:
    if place is None or place.kind not in STORE_KINDS:
        raise DomainError(_("物资按社区或街道管理，请选择社区或街道"), field="place")
    if place.is_retired or not _in_scope(by, place.path):
        raise DomainError(_("只能管理本辖区的物资"), field="place")
    return place


@transaction.atomic
def move_supplies(place: Place | None, data: MoveData, *, by: User | None) -> SupplyMove:
    """Receive or issue supplies at `place`'s store. An issue never takes more than is on hand,
    even when two are made at the same moment: stock is taken with one conditional UPDATE."""
    move = checked_move(place, data, by)
    place, quantity, issue = move.place, move.quantity, move.is_issue
    stock, _created = Stock.objects.get_or_create(place=place, item=data.item)
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    # Moves follow each other in time, so each one's 结存 is the stock on its day.
    last = (
        SupplyMove.objects.filter(place=place, item=data.item, voided_at__isnull=True)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if last is not None and data.date < last:
        raise DomainError(
            _("日期不能早于%(item)s最近一次出入库（%(day)s），请按时间顺序登记")
            % {"item": data.item.name, "day": last},
            field="date",
        )
    if issue:
        taken = Stock.objects.filter(pk=stock.pk, on_hand__gte=quantity).update(
            on_hand=F("on_hand") - quantity
        )
        if not taken:
            stock.refresh_from_db()
            raise DomainError(
                _("%(item)s库存只有%(n)s%(unit)s，不能发放%(q)s%(unit)s")
                % {
                    "item": data.item.name,
                    "n": _plain(stock.on_hand),
                    "q": _plain(quantity),
                    "unit": data.item.unit,
                },
                field="quantity",
            )
    else:
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
    stock.refresh_from_db()
    move.balance = stock.on_hand
    move.save()
    audit.record(
        by,
        "supply.issue" if issue else "supply.receive",
        move,
        data={"item": data.item.name, "quantity": str(quantity), "party": move.counterpart},
    )
    if issue and data.to_place is not None and data.to_place.kind in STORE_KINDS:
        _receive_issue(move, by)
    return move


def checked_move(place: Place | None, data: MoveData, by: User | None) -> SupplyMove:
    """The move `data` describes at `place`'s store, checked whole (but not against the stock)
    and not yet saved; its 结存 is for the caller to set."""
    place = _stock_place(place, by)
    if data.item is None:
        raise DomainError(_("请选择物资"), field="item")
    if data.kind not in SupplyMove.Kind.values:
        raise DomainError(_("请选择出入库类型"), field="kind")
    quantity = amount(data.quantity, _("数量"), "quantity", allow_zero=False)
    _day(data.date, _("日期"), "date")
    issue = data.kind == SupplyMove.Kind.ISSUED
    targets = [t for t in (data.to_place, data.to_unit, data.campaign, data.record) if t]
    if issue and len(targets) > 1:
        raise DomainError(_("去向只能选一个"), field="counterpart")
    for target in targets:
        path = target.path if isinstance(target, Place) else target.place_path
        if not _in_scope(by, path):
            raise DomainError(_("去向不在本辖区"), field="counterpart")
    if issue and data.to_place is not None and data.to_place.pk == place.pk:
        raise DomainError(_("不能发往本库所在的社区或街道"), field="to_place")
    counterpart = data.counterpart.strip() or (str(targets[0]) if targets else "")
    counterpart = _text(counterpart, _("去向") if issue else _("来源"), "counterpart", 100)
    return SupplyMove(
        place=place,
        item=data.item,
        kind=data.kind,
        quantity=quantity,
        date=data.date,
        counterpart=counterpart,
        to_place=data.to_place if issue else None,
        to_unit=data.to_unit if issue else None,
        campaign=data.campaign if issue else None,
        record=data.record if issue else None,
        notes=_text(data.notes, _("备注"), "notes", 200, required=False),
        created_by=by,
    )


def _receive_issue(issue: SupplyMove, by: User | None) -> SupplyMove:
    """The receiving store's side of an issue to a community or sub-district (which keeps its
    own stock): the matching 调拨入库 there, in the same transaction. Refused there (a later
    move already recorded, a retired place), the issue is refused with it."""
    try:
        receipt = move_supplies(
            issue.to_place,
            MoveData(
                item=issue.item,
                kind=SupplyMove.Kind.ALLOCATED,
                quantity=issue.quantity,
                date=issue.date,
                counterpart=issue.place.name,
                notes=issue.notes,
            ),
            by=by,
        )
    except DomainError as exc:
        raise DomainError(
            _("接收方%(p)s入库未能登记：%(why)s") % {"p": issue.to_place.name, "why": exc.message},
            field="date" if exc.field == "date" else "to_place",
        ) from None
    receipt.issue = issue
    receipt.save(update_fields=["issue"])
    return receipt


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


# --- Residents' voice ---------------------------------------------------------------------------


@dataclass
class DeliberationData:
    topic: str
    date: datetime.date | None
    place: Place | None
    participants: int = 0
    decision: str = ""
    published_on: datetime.date | None = None
    record: WorkRecord | None = None


DELIBERATION_FIELDS = ["topic", "date", "participants", "decision", "published_on", "record"]


@transaction.atomic
def record_deliberation(
    data: DeliberationData,
    *,
    deliberation: Deliberation | None = None,
    by: User | None,
    version: int | None = None,
) -> Deliberation:
    """议事协商: a meeting (linked to its meeting record when there is one) and its decision.
    Changing one, `version` is the one the edit page showed (stale: StaleEdit, nothing saved)."""
    if deliberation is not None:
        deliberation = locking.lock_current(deliberation, version)
        locking.bump(deliberation)
    topic = _text(data.topic, _("议题"), "topic", 100)
    _day(data.date, _("协商日期"), "date")
    place = _recordable_place(data.place, by)
    if data.participants is None or data.participants < 0:
        raise DomainError(_("参加人数不能为负数"), field="participants")
    if data.published_on is not None:
        _day(data.published_on, _("公示日期"), "published_on")
        if data.published_on < data.date:
            raise DomainError(_("公示日期不能早于协商日期"), field="published_on")
        if not data.decision.strip():
            raise DomainError(_("公示前请填写协商结果"), field="decision")
    if data.record is not None:
        _check_meeting_record(data.record, place, data.date, by)
    before = audit.snapshot(deliberation, DELIBERATION_FIELDS) if deliberation else None
    deliberation = deliberation or Deliberation(created_by=by)
    deliberation.place, deliberation.topic, deliberation.date = place, topic, data.date
    deliberation.participants, deliberation.record = data.participants, data.record
    deliberation.decision, deliberation.published_on = data.decision.strip(), data.published_on
    deliberation.save()
    audit.record_save(
        by, deliberation, kind="deliberation", fields=DELIBERATION_FIELDS, before=before
    )
    return deliberation


def _on_one_line(path: str, other: str) -> bool:
    """Whether one place lies within the other (a community and its grids), not beside it."""
    return path.startswith(other) or other.startswith(path)


# A deliberation's meeting record is the meeting itself, entered perhaps a few days apart.
RECORD_NEAR_DAYS = 15


def _check_meeting_record(
    record: WorkRecord, place: Place, day: datetime.date, by: User | None
) -> None:
    """The work record of the meeting: a meeting of the same place (its community, or one of
    the community's grids), held around the day of the deliberation."""
    if not _in_scope(by, record.place_path):
        raise DomainError(_("会议记录不在本辖区"), field="record")
    if record.kind not in MEETING_KINDS:
        raise DomainError(_("请选择类型为会议或居民会议/议事的工作记录"), field="record")
    if not _on_one_line(record.place_path, place.path):
        raise DomainError(
            _("会议记录属于%(p)s，不是本次议事的区划") % {"p": record.place.name}, field="record"
        )
    if abs((record.date - day).days) > RECORD_NEAR_DAYS:
        raise DomainError(
            _("会议记录的日期（%(d)s）与协商日期相差超过%(n)d天，请核对")
            % {"d": record.date, "n": RECORD_NEAR_DAYS},
            field="record",
        )


@dataclass
class OpinionData:
    date: datetime.date | None
    source: str
    category: str
    content: str
    place: Place | None = None
    resident: Resident | None = None
    from_name: str = ""


OPINION_FIELDS = ["date", "source", "category", "content", "resident", "from_name", "outcome"]
OPINION_FIELDS += ["deliberation", "reply"]


@transaction.atomic
def collect_opinion(data: OpinionData, *, by: User | None) -> Opinion:
    """社情民意: what a resident said, where it was heard."""
    _day(data.date, _("收集日期"), "date")
    if data.source not in Opinion.Source.values:
        raise DomainError(_("请选择来源"), field="source")
    if data.category not in Opinion.Category.values:
        raise DomainError(_("请选择类别"), field="category")
    content = _text(data.content, _("内容"), "content", 2000)
    place = data.resident.place if data.resident is not None else data.place
    place = _recordable_place(place, by)
    opinion = Opinion.objects.create(
        place=place,
        date=data.date,
        source=data.source,
        category=data.category,
        content=content,
        resident=data.resident,
        from_name=_text(
            data.from_name or (data.resident.name if data.resident else ""),
            _("反映人姓名"),
            "from_name",
            50,
            required=False,
        ),
        created_by=by,
    )
    audit.record_save(by, opinion, kind="opinion", fields=OPINION_FIELDS, before=None)
    return opinion


@transaction.atomic
def settle_opinion(
    opinion: Opinion,
    *,
    outcome: str,
    deliberation: Deliberation | None = None,
    reply: str = "",
    by: User | None,
    version: int | None = None,
) -> Opinion:
    """What became of an opinion: taken to a deliberation meeting, answered, or referred up.
    `version` is the one the page showed (a stale page raises StaleEdit and changes nothing)."""
    opinion = locking.lock_current(opinion, version)
    if outcome not in Opinion.Outcome.values:
        raise DomainError(_("请选择处理情况"), field="outcome")
    if outcome == Opinion.Outcome.DELIBERATION:
        if deliberation is None:
            raise DomainError(_("请选择提交的议事协商"), field="deliberation")
        if not _in_scope(by, deliberation.place_path):
            raise DomainError(_("议事协商不在本辖区"), field="deliberation")
        if not _on_one_line(deliberation.place_path, opinion.place_path):
            raise DomainError(
                _("议事协商“%(d)s”不是本意见所在社区的议事") % {"d": deliberation},
                field="deliberation",
            )
        if deliberation.date < opinion.date:
            raise DomainError(_("议事协商早于意见收集日期，请核对"), field="deliberation")
    else:
        deliberation = None
    reply = _text(reply, _("答复/办理结果"), "reply", 2000, required=outcome == "已答复")
    before = audit.snapshot(opinion, OPINION_FIELDS)
    opinion.outcome, opinion.deliberation, opinion.reply = outcome, deliberation, reply
    locking.bump(opinion)
    opinion.save(update_fields=["outcome", "deliberation", "reply", "version"])
    audit.record_save(by, opinion, kind="opinion", fields=OPINION_FIELDS, before=before)
    return opinion


@transaction.atomic
def take_to_deliberation(
    opinions: list[Opinion], *, deliberation: Deliberation | None, by: User | None
) -> int:
    """提交议事 for several opinions at once: all of them, or (one refused) none."""
    if not opinions:
        raise DomainError(_("请勾选要提交议事的意见"), field="opinions")
    for opinion in opinions:
        if opinion.outcome != Opinion.Outcome.OPEN:
            raise DomainError(
                _("“%(o)s”已经处理过（%(how)s）")
                % {"o": opinion, "how": opinion.get_outcome_display()},
                field="opinions",
            )
        try:
            settle_opinion(
                opinion, outcome=Opinion.Outcome.DELIBERATION, deliberation=deliberation, by=by
            )
        except DomainError as exc:
            raise DomainError(
                _("“%(o)s”：%(why)s") % {"o": opinion, "why": exc.message}, field=exc.field
            ) from None
    return len(opinions)


# --- Questionnaires -----------------------------------------------------------------------------


@dataclass
class QuestionData:
    text: str
    kind: str = Question.Kind.SINGLE
    choices: str = ""


@transaction.atomic
def create_questionnaire(
    *,
    title: str,
    place: Place | None,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    questions: list[QuestionData],
    intro: str = "",
    by_household: bool = False,
    by: User | None,
) -> Questionnaire:
    """A questionnaire with its questions, fixed once created (answers refer to them)."""
    title = _text(title, _("问卷名称"), "title", 60)
    _day(starts_on, _("开始日期"), "starts_on", future=True)
    _day(ends_on, _("结束日期"), "ends_on", future=True)
    if ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期"), field="ends_on")
    place = _recordable_place(place, by)
    if not questions:
        raise DomainError(_("请至少填写一个问题"), field="questions")
    checked = []
    for number, q in enumerate(questions, start=1):
        text = _text(q.text, _("第%(n)d题") % {"n": number}, "questions", 200)
        if q.kind not in Question.Kind.values:
            raise DomainError(_("第%(n)d题的类型不正确") % {"n": number}, field="questions")
        probe = Question(choices=q.choices)
        options = probe.choice_list()
        if q.kind != Question.Kind.TEXT and len(options) < 2:
            raise DomainError(_("第%(n)d题至少要有两个选项") % {"n": number}, field="questions")
        if len(set(options)) != len(options):
            raise DomainError(_("第%(n)d题的选项有重复") % {"n": number}, field="questions")
        choices = "、".join(options) if q.kind != Question.Kind.TEXT else ""
        if len(choices) > Question._meta.get_field("choices").max_length:
            raise DomainError(
                _("第%(n)d题的选项太长，合计不能超过300个字") % {"n": number}, field="questions"
            )
        checked.append(Question(order=number, text=text, kind=q.kind, choices=choices))
    questionnaire = Questionnaire.objects.create(
        place=place,
        title=title,
        intro=_text(intro, _("说明"), "intro", 2000, required=False),
        starts_on=starts_on,
        ends_on=ends_on,
        by_household=by_household,
        created_by=by,
    )
    for q in checked:
        q.questionnaire = questionnaire
    Question.objects.bulk_create(checked)
    audit.record(by, "questionnaire.create", questionnaire, data={"title": title})
    return questionnaire


@transaction.atomic
def respond(
    questionnaire: Questionnaire,
    *,
    answers: dict[int, Any],
    household: Household | None = None,
    resident: Resident | None = None,
    date: datetime.date | None = None,
    by: User | None,
) -> Response:
    """One household's or resident's answers; a multiple-choice answer is a list of options."""
    day = _day(date or timezone.localdate(), _("填写日期"), "date")
    if not questionnaire.is_open(day):
        raise DomainError(
            _("填写日期不在问卷期间（%(a)s至%(b)s）内")
            % {"a": questionnaire.starts_on, "b": questionnaire.ends_on},
            field="date",
        )
    who = household if questionnaire.by_household else resident
    if who is None:
        raise DomainError(
            _("请选择填写的户") if questionnaire.by_household else _("请选择填写的居民"),
            field="respondent",
        )
    if not who.place_path.startswith(questionnaire.place_path) or not _in_scope(by, who.place_path):
        raise DomainError(_("填写对象不在问卷的范围内"), field="respondent")
    rows = []
    for question in questionnaire.questions.all():
        raw = answers.get(question.pk)
        values = [raw] if isinstance(raw, str) else list(raw or [])
        values = [v.strip() for v in values if v and v.strip()]
        if question.kind == Question.Kind.SINGLE and len(values) > 1:
            raise DomainError(_("“%(q)s”只能选一项") % {"q": question.text}, field="answers")
        if question.kind != Question.Kind.TEXT:
            options = question.choice_list()
            if wrong := [v for v in values if v not in options]:
                raise DomainError(
                    _("“%(q)s”没有选项“%(v)s”") % {"q": question.text, "v": wrong[0]},
                    field="answers",
                )
        for value in dict.fromkeys(values):
            if len(value) > 300:
                raise DomainError(
                    _("“%(q)s”的回答不能超过300个字") % {"q": question.text}, field="answers"
                )
            rows.append(ResponseAnswer(question=question, value=value))
    if not rows:
        raise DomainError(_("答卷是空的"), field="answers")
    try:
        with transaction.atomic():
            response = Response.objects.create(
                questionnaire=questionnaire,
                household=household if questionnaire.by_household else None,
                resident=resident if not questionnaire.by_household else None,
                date=day,
                created_by=by,
            )
    except IntegrityError:
        raise DomainError(
            _("“%(who)s”已经填写过这份问卷") % {"who": who}, field="respondent"
        ) from None
    for row in rows:
        row.response = response
    ResponseAnswer.objects.bulk_create(rows)
    audit.record(by, "questionnaire.respond", questionnaire, data={"party": str(who)})
    return response


def results(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """Per question: how many chose each option (with the share of responses), or the texts."""
    responses = questionnaire.responses.count()
    counted: dict[int, dict[str, int]] = {}
    for question_id, value, n in (
        ResponseAnswer.objects.filter(question__questionnaire=questionnaire)
        .values_list("question", "value")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counted.setdefault(question_id, {})[value] = n
    result = []
    for question in questionnaire.questions.all():
        given = counted.get(question.pk, {})
        if question.kind == Question.Kind.TEXT:
            options = [(v, n, None) for v, n in sorted(given.items())]
        else:
            options = [
                (
                    o,
                    given.get(o, 0),
                    (Decimal(given.get(o, 0) * 100) / responses).quantize(Decimal("0.1"))
                    if responses
                    else None,
                )
                for o in question.choice_list()
            ]
        result.append({"question": question, "responses": responses, "options": options})
    return result

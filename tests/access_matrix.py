"""Every URL of the project, with who may open it and on which object. The access-matrix test
fails when a URL is added without an entry here: a new view declares its access or CI fails.

`get` / `post`: the permission needed for that method (a set of permissions: any one of them;
ANY: any logged-in user; PUBLIC: no login, and a logged-in user is sent on; OPEN: no login, the
same page for everyone; None: the method is not allowed, 405). `kwargs` / `query` build the URL
for an object inside the home community. `scoped`: the object lies in a place, so a same-role
user from next door gets 404. `ok`: the status a permitted GET answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.roles import Perm
from audit import services as audit

ANY = "any"
PUBLIC = "public"
OPEN = "open"


@dataclass(frozen=True)
class Route:
    get: Perm | frozenset[Perm] | str | None
    post: Perm | frozenset[Perm] | str | None = None
    kwargs: Callable[[Any], dict] = field(default=lambda w: {})
    query: Callable[[Any], dict] = field(default=lambda w: {})
    scoped: bool = False
    ok: int = 200
    community_level: bool = False  # the object sits at the community: a grid worker is outside
    # The form offers only communities and sub-districts (a campaign, a drive, a store): a grid
    # worker has none to choose, so the page is not theirs (403 on GET and POST).
    above_grid: bool = False


def _account_request(w):
    """A pending request for a 区级管理员 account of the home district (made once)."""
    if not hasattr(w, "account_request"):
        from accounts import services
        from accounts.roles import Role

        w.account_request = services.request_account(
            username="requested_admin",
            name="申请中",
            role=Role.DISTRICT_ADMIN,
            place=w.district,
            by=w.cast[Role.SYSADMIN],
        )
    return w.account_request


def _resident(w):
    """A resident of the home grid in a household, with a current membership (made once)."""
    if not hasattr(w, "resident"):
        from people import services
        from people.models import GroupCategory
        from people.tests.factories import resident

        w.resident = resident(w.grid, "王五")
        w.household = services.create_household(
            number="M-1", place=w.grid, head=w.resident, since=datetime.date(2020, 1, 1), by=None
        )
        w.membership = services.add_membership(
            GroupCategory.objects.get(code="party"),
            resident=w.resident,
            start=datetime.date(2021, 7, 1),
            attributes={"branch": "第一支部", "party_status": "正式党员"},
            by=None,
        )
    return w.resident


def _dwelling(w):
    if not hasattr(w, "dwelling"):
        from areas.models import Dwelling

        w.dwelling = Dwelling.objects.create(address="甲一网格1号", place=w.grid)
    return w.dwelling


def _unit(w):
    if not hasattr(w, "unit"):
        from areas.models import LocalUnit

        w.unit = LocalUnit.objects.create(name="甲便利店", kind="商铺", place=w.grid)
    return w.unit


def _staff(w):
    if not hasattr(w, "staff"):
        from people.models import Staff

        w.staff = Staff.objects.create(
            name="社工甲",
            sex="女",
            birth_date=datetime.date(1990, 1, 1),
            post="社区专职工作者",
            education="大学本科",
            start_date=datetime.date(2020, 1, 1),
            place=w.community,
        )
    return w.staff


def _organisation(w):
    if not hasattr(w, "organisation"):
        from people.models import Organisation

        w.organisation = Organisation.objects.create(
            kind="巡逻队", name="甲社区巡逻队", place=w.community
        )
    return w.organisation


def _organisation_member(w):
    if not hasattr(w, "organisation_member"):
        w.organisation_member = _organisation(w).members.create(
            staff=_staff(w), role="队长", since=datetime.date(2021, 1, 1)
        )
    return w.organisation_member


def _category_pk() -> int:
    from people.models import GroupCategory

    return GroupCategory.objects.get(code="veteran").pk


def _rental(w):
    if not hasattr(w, "rental"):
        from people.models import Rental

        w.rental = Rental.objects.create(
            dwelling=_dwelling(w),
            landlord_name="房东甲",
            start=datetime.date(2024, 1, 1),
            place=w.grid,
        )
    return w.rental


def _aid():
    """The matrix's assistance and donation drive (programs/tests/aid_factories.py)."""
    from programs.tests import aid_factories

    return aid_factories


def _record(w):
    """A work record of the home grid with one participant (made once)."""
    if not hasattr(w, "record"):
        from ledger.models import WorkRecord

        w.record = WorkRecord.objects.create(
            kind="活动", title="清洁家园", date=datetime.date(2025, 3, 5), place=w.grid
        )
        w.participant = w.record.participants.create(resident=_resident(w), role="志愿者")
    return w.record


def _participant(w):
    _record(w)
    return w.participant


def _meeting(w):
    """A meeting of the home grid (made once)."""
    if not hasattr(w, "meeting"):
        from ledger.models import WorkRecord

        w.meeting = WorkRecord.objects.create(
            kind="会议", title="居委会例会", date=datetime.date(2025, 3, 6), place=w.grid
        )
    return w.meeting


def _visit(w):
    """A home visit in the home grid to the matrix resident (made once)."""
    if not hasattr(w, "visit"):
        from ledger.models import WorkRecord

        record = WorkRecord.objects.create(
            kind="走访/入户", title="走访独居老人", date=datetime.date(2025, 3, 7), place=w.grid
        )
        w.visit = record.visits.create(resident=_resident(w), purpose="日常走访")
    return w.visit


def _attachment(w):
    """A photo of the matrix record, with its files on disk (made once per test)."""
    if not hasattr(w, "attachment"):
        from ledger.demo import sample_photo
        from ledger.models import Attachment
        from shequ import files

        stored_as = files.new_stored_name("jpg")
        checked = files.check_photo(sample_photo(), "现场.jpg")
        files.write(stored_as, checked)
        w.attachment = Attachment.objects.create(
            record=_record(w),
            kind="照片",
            name="现场.jpg",
            stored_as=stored_as,
            content_type="image/jpeg",
            size=len(checked.content),
        )
    return w.attachment


def _signin(w):
    """A sign-in to the matrix record waiting for a worker (made once)."""
    if not hasattr(w, "signin"):
        w.signin = _record(w).signins.create(name="赵六", phone="13800001111", state="待核对")
    return w.signin


def _summary_snapshot(w):
    """A summary of the home community generated from the command line (made once)."""
    if not hasattr(w, "summary_snapshot"):
        from django.utils import timezone

        from reports import services
        from reports.summary import summary_span

        w.summary_snapshot, _content = services.generate_summary(
            w.community, summary_span(timezone.localdate().year), by=None, via=services.CLI
        )
    return w.summary_snapshot


def _summary_template(w):
    """The home community's own summary template (made once)."""
    if not hasattr(w, "summary_template"):
        from reports import documents, services
        from shequ import files

        w.summary_template = services.upload_template(
            w.community,
            "甲社区格式",
            files.Upload("模板.docx", documents.default_template(), files.DOCUMENT),
            by=w.cast["community_head"],
        )
    return w.summary_template


def _case(w):
    """A service request of the home grid (made once)."""
    if not hasattr(w, "case"):
        from cases.tests.factories import open_case

        w.case = open_case(w, "诉求")
    return w.case


def _supervision_file(w):
    """A 社区矫正 file of the home grid (made once)."""
    if not hasattr(w, "supervision_file"):
        from cases.tests.factories import open_case

        w.supervision_file = open_case(w, "矫正", subject=_resident(w))
    return w.supervision_file


def _voice(w, what: str):
    """An opinion, deliberation or questionnaire of the home grid (each made once)."""
    from programs.tests import voice_factories

    return getattr(voice_factories, f"matrix_{what}")(w)


def _event_file(w):
    """A photo on the matrix case's first timeline entry, with its files on disk (made once)."""
    if not hasattr(w, "event_file"):
        from cases.models import EventFile
        from ledger.demo import sample_photo
        from shequ import files

        stored_as = files.new_stored_name("jpg")
        files.write(stored_as, files.check_photo(sample_photo(), "现场.jpg"))
        w.event_file = EventFile.objects.create(
            event=_case(w).events.first(),
            kind="照片",
            name="现场.jpg",
            stored_as=stored_as,
            content_type="image/jpeg",
            size=1,
        )
    return w.event_file


def _party(w):
    if not hasattr(w, "party"):
        w.party = _case(w).parties.create(role="当事人", name="赵六")
    return w.party


def _survey(w):
    if not hasattr(w, "survey"):
        w.survey = _case(w).surveys.create(question="是否同意更换公共水管")
    return w.survey


def _inspection(w):
    """A fire-safety inspection of the matrix unit with one failing item (made once)."""
    if not hasattr(w, "inspection"):
        from inspections.tests.factories import inspect

        w.inspection = inspect(w, unit=_unit(w), fail=1)
    return w.inspection


def _rectification(w):
    """An order for the matrix inspection's failing item (made once)."""
    if not hasattr(w, "rectification"):
        from inspections.tests.factories import order

        w.rectification = order(_inspection(w))
    return w.rectification


def _inspection_file(w):
    """A photo of the matrix inspection, with its files on disk (made once)."""
    if not hasattr(w, "inspection_file"):
        from inspections import services
        from ledger.demo import sample_photo
        from shequ import files

        (w.inspection_file,) = services.add_files(
            _inspection(w), [files.Upload("现场.jpg", sample_photo())], by=None
        )
    return w.inspection_file


def _checklist_pk() -> int:
    from inspections.models import Checklist

    return Checklist.objects.get(name="消防安全检查").pk


def _topic_pk() -> int:
    from ledger.models import Topic

    return Topic.objects.get(code="other").pk


def _import_job(w):
    """An import into the home grid that found errors (made once)."""
    if not hasattr(w, "import_job"):
        from people.models import ImportJob

        w.import_job = ImportJob.objects.create(
            kind="residents",
            file_name="居民.xlsx",
            stored_as="missing.xlsx",
            sha256="0" * 64,
            state=ImportJob.State.INVALID,
            errors=[{"row": 2, "column": "身份证号码", "message": "校验位不正确"}],
            error_count=1,
            place=w.grid,
            created_by=w.cast["community_worker"],
        )
    return w.import_job


# Checklists are read by those who inspect and by those who keep the catalogue.
READ_CHECKLISTS = frozenset({Perm.VIEW_RECORDS, Perm.MANAGE_CATALOGUE})


def _draft_item(w):
    """An item of a new checklist's draft (made once)."""
    if not hasattr(w, "draft_item"):
        from inspections import services

        checklist = services.create_checklist(name="矩阵检查表", area="其他", by=None)
        w.draft_item = services.add_item(
            checklist.draft(), services.ItemData(label="灭火器在有效期内", failing="否"), by=None
        )
    return w.draft_item


def _agreement(w):
    """A fire-safety agreement with the matrix unit, with a scanned photo on disk (made once)."""
    if not hasattr(w, "agreement"):
        from inspections.models import Agreement
        from ledger.demo import sample_photo
        from shequ import files

        stored_as = files.new_stored_name("jpg")
        files.write(stored_as, files.check_photo(sample_photo(), "责任书.jpg"))
        w.agreement = Agreement.objects.create(
            kind="消防安全责任书",
            unit=_unit(w),
            party_name=_unit(w).name,
            signed_on=datetime.date(2025, 1, 2),
            starts_on=datetime.date(2025, 1, 2),
            scan_name="责任书.jpg",
            scan_stored_as=stored_as,
            scan_content_type="image/jpeg",
            place=w.grid,
        )
    return w.agreement


def _fire_checklist_pk() -> int:
    from inspections.models import Checklist

    return Checklist.objects.get(name="消防安全检查").pk


def _fire_version_pk() -> int:
    from inspections.models import Checklist

    return Checklist.objects.get(name="消防安全检查").current().pk


def _insider_entry(w) -> dict:
    entry = audit.record(None, "place.update", w.grid, changes={"name": ["旧", "新"]})
    return {"pk": entry.pk}


# programs: campaigns and honours


def _household(w):
    _resident(w)
    return w.household


def _campaign(w):
    """A household campaign of the home community, open today, reviewed by hand (made once)."""
    if not hasattr(w, "campaign"):
        from django.utils import timezone

        from programs import services

        today = timezone.localdate()
        w.campaign = services.create_campaign(
            services.CampaignData(
                name="平安家庭",
                subject="household",
                criteria="家庭成员遵纪守法",
                starts_on=today - datetime.timedelta(days=30),
                ends_on=today + datetime.timedelta(days=30),
                place=w.community,
                fields="water:全年用水量:吨",
            ),
            by=None,
        )
    return w.campaign


def _application(w):
    """The matrix household's application to the matrix campaign (made once)."""
    if not hasattr(w, "application"):
        from programs import services

        w.application = services.apply(
            _campaign(w), household=_household(w), values={"water": "30"}, by=None
        )
    return w.application


def _honour(w):
    """An honour of the home community with a photo of its certificate (made once)."""
    if not hasattr(w, "honour"):
        from ledger.demo import sample_photo
        from programs import services
        from shequ import files

        w.honour = services.record_honour(
            services.HonourData(
                title="文明社区",
                level="区级",
                issuer="测试区文明办",
                date=datetime.date(2025, 1, 10),
                recipient="社区",
                place=w.community,
            ),
            by=None,
            scan=files.Upload("证书.jpg", sample_photo()),
        )
    return w.honour


ROUTES: dict[str, Route] = {
    # areas
    "areas:home": Route(get=ANY, ok=302),
    "areas:place-list": Route(get=Perm.VIEW_PLACES),
    "areas:place-switch": Route(
        get=Perm.VIEW_PLACES, query=lambda w: {"place": w.grid.pk}, scoped=True, ok=302
    ),
    "areas:district-create": Route(get=Perm.MANAGE_PLACES, post=Perm.MANAGE_PLACES),
    "areas:place-detail": Route(
        get=Perm.VIEW_PLACES, kwargs=lambda w: {"pk": w.grid.pk}, scoped=True
    ),
    "areas:place-add-child": Route(
        get=Perm.MANAGE_PLACES,
        post=Perm.MANAGE_PLACES,
        kwargs=lambda w: {"pk": w.community.pk},
        scoped=True,
    ),
    "areas:place-edit": Route(
        get=Perm.MANAGE_PLACES,
        post=Perm.MANAGE_PLACES,
        kwargs=lambda w: {"pk": w.grid.pk},
        scoped=True,
    ),
    "areas:place-move": Route(
        get=Perm.MANAGE_PLACES,
        post=Perm.MANAGE_PLACES,
        kwargs=lambda w: {"pk": w.grid.pk},
        scoped=True,
    ),
    "areas:place-retire": Route(
        get=Perm.MANAGE_PLACES,
        post=Perm.MANAGE_PLACES,
        kwargs=lambda w: {"pk": w.grid.pk},
        scoped=True,
    ),
    # accounts
    "accounts:login": Route(get=PUBLIC, post=PUBLIC),
    "accounts:logout": Route(get=None, post=ANY),
    "accounts:password-change": Route(get=ANY, post=ANY),
    # Without a second factor pending, the code page sends one home.
    "accounts:second-factor": Route(get=ANY, post=ANY, ok=302),
    "accounts:totp-setup": Route(get=ANY, post=ANY),
    "accounts:totp-disable": Route(get=None, post=ANY),
    "accounts:user-totp-reset": Route(
        get=None, post=Perm.MANAGE_ACCOUNTS, kwargs=lambda w: {"pk": w.subject.pk}, scoped=True
    ),
    "accounts:security-policy": Route(get=Perm.MANAGE_SECURITY, post=Perm.MANAGE_SECURITY),
    "accounts:user-list": Route(get=Perm.MANAGE_ACCOUNTS),
    "accounts:request-list": Route(get=frozenset({Perm.MANAGE_ACCOUNTS, Perm.APPROVE_ACCOUNTS})),
    "accounts:request-decide": Route(
        get=None,
        post=Perm.APPROVE_ACCOUNTS,
        kwargs=lambda w: {"pk": _account_request(w).pk},
        scoped=True,
    ),
    "accounts:user-create": Route(get=Perm.MANAGE_ACCOUNTS, post=Perm.MANAGE_ACCOUNTS),
    "accounts:user-detail": Route(
        get=Perm.MANAGE_ACCOUNTS,
        post=Perm.MANAGE_ACCOUNTS,
        kwargs=lambda w: {"pk": w.subject.pk},
        scoped=True,
    ),
    "accounts:user-password": Route(
        get=None, post=Perm.MANAGE_ACCOUNTS, kwargs=lambda w: {"pk": w.subject.pk}, scoped=True
    ),
    "accounts:user-active": Route(
        get=None, post=Perm.MANAGE_ACCOUNTS, kwargs=lambda w: {"pk": w.subject.pk}, scoped=True
    ),
    "areas:dwelling-list": Route(get=Perm.VIEW_RECORDS),
    "areas:dwelling-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "areas:dwelling-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _dwelling(w).pk},
        scoped=True,
    ),
    "areas:unit-list": Route(get=Perm.VIEW_RECORDS),
    "areas:unit-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "areas:unit-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _unit(w).pk},
        scoped=True,
    ),
    # people
    "people:resident-list": Route(get=Perm.VIEW_RECORDS),
    "people:resident-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "people:resident-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _resident(w).pk}, scoped=True
    ),
    "people:resident-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _resident(w).pk},
        scoped=True,
    ),
    "people:resident-reveal": Route(
        get=None, post=Perm.VIEW_SENSITIVE, kwargs=lambda w: {"pk": _resident(w).pk}, scoped=True
    ),
    "people:resident-leave": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _resident(w).pk}, scoped=True
    ),
    "people:resident-membership-add": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _resident(w).pk, "code": "veteran"},
        scoped=True,
    ),
    "people:membership-end": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.membership)[1].pk},
        scoped=True,
    ),
    "people:household-list": Route(get=Perm.VIEW_RECORDS),
    "people:household-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "people:household-detail": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.household)[1].pk},
        scoped=True,
    ),
    "people:household-move-in": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.household)[1].pk},
        scoped=True,
    ),
    "people:household-head": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.household)[1].pk},
        scoped=True,
    ),
    "people:household-split": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.household)[1].pk},
        scoped=True,
    ),
    "people:household-merge": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.household)[1].pk},
        scoped=True,
    ),
    "people:household-membership-add": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.household)[1].pk, "code": "dibao"},
        scoped=True,
    ),
    "people:import-start": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "people:import-template": Route(get=Perm.EDIT_RECORDS, kwargs=lambda w: {"kind": "residents"}),
    "people:import-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _import_job(w).pk}, scoped=True
    ),
    "people:import-status": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _import_job(w).pk}, scoped=True
    ),
    "people:import-report": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _import_job(w).pk}, scoped=True
    ),
    "people:import-commit": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _import_job(w).pk}, scoped=True
    ),
    "people:ledger-index": Route(get=Perm.VIEW_RECORDS),
    "people:ledger-detail": Route(get=Perm.VIEW_RECORDS, kwargs=lambda w: {"code": "party"}),
    "people:ledger-export": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"code": "party"},
        query=lambda w: {"place": (_resident(w), w.grid)[1].pk},
        scoped=True,
    ),
    "people:ledger-print": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"code": "party"},
        query=lambda w: {"place": (_resident(w), w.grid)[1].pk},
        scoped=True,
    ),
    "people:staff-list": Route(get=Perm.VIEW_RECORDS),
    "people:staff-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "people:staff-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _staff(w).pk},
        scoped=True,
        community_level=True,
    ),
    "people:organisation-list": Route(get=Perm.VIEW_RECORDS),
    "people:organisation-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "people:organisation-detail": Route(
        get=Perm.VIEW_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _organisation(w).pk},
        scoped=True,
        community_level=True,
    ),
    "people:organisation-member-add": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _organisation(w).pk},
        scoped=True,
        community_level=True,
    ),
    "people:organisation-renew": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _organisation(w).pk},
        scoped=True,
        community_level=True,
    ),
    "people:organisation-member-end": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _organisation_member(w).pk},
        scoped=True,
        community_level=True,
    ),
    "people:rental-list": Route(get=Perm.VIEW_RECORDS),
    "people:rental-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "people:rental-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _rental(w).pk},
        scoped=True,
    ),
    "people:rental-end": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _rental(w).pk}, scoped=True
    ),
    "people:category-list": Route(get=Perm.MANAGE_CATALOGUE, post=Perm.MANAGE_CATALOGUE),
    "people:category-detail": Route(
        get=Perm.MANAGE_CATALOGUE,
        post=Perm.MANAGE_CATALOGUE,
        kwargs=lambda w: {"pk": _category_pk()},
    ),
    # audit
    "audit:entry-list": Route(get=Perm.VIEW_AUDIT),
    "audit:entry-detail": Route(get=Perm.VIEW_AUDIT, kwargs=_insider_entry, scoped=True),
    "audit:entry-export": Route(get=Perm.VIEW_AUDIT),
    "ledger:record-list": Route(get=Perm.VIEW_RECORDS),
    "ledger:record-calendar": Route(get=Perm.VIEW_RECORDS),
    "ledger:record-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "ledger:record-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _record(w).pk}, scoped=True
    ),
    "ledger:record-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _record(w).pk},
        scoped=True,
    ),
    "ledger:participant-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _record(w).pk}, scoped=True
    ),
    "ledger:service-list": Route(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "ledger:catalogue": Route(get=Perm.MANAGE_CATALOGUE, post=Perm.MANAGE_CATALOGUE),
    "ledger:catalogue-toggle": Route(
        get=None,
        post=Perm.MANAGE_CATALOGUE,
        kwargs=lambda w: {"what": "topic", "pk": _topic_pk()},
    ),
    "ledger:participant-remove": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _participant(w).pk},
        scoped=True,
    ),
    "ledger:attachment-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _record(w).pk}, scoped=True
    ),
    "ledger:attachment": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _attachment(w).pk}, scoped=True
    ),
    "ledger:attachment-preview": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _attachment(w).pk}, scoped=True
    ),
    "ledger:attachment-remove": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _attachment(w).pk}, scoped=True
    ),
    "ledger:minutes-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _meeting(w).pk},
        scoped=True,
    ),
    "ledger:visit-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _visit(w).record_id}, scoped=True
    ),
    "ledger:visit-remove": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _visit(w).pk}, scoped=True
    ),
    "ledger:visit-coverage": Route(get=Perm.VIEW_RECORDS),
    "ledger:link-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _record(w).pk}, scoped=True
    ),
    "ledger:link-remove": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _record(w).pk}, scoped=True
    ),
    "ledger:signin-toggle": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _record(w).pk}, scoped=True
    ),
    "ledger:signin-resolve": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _signin(w).pk}, scoped=True
    ),
    # inspections: checklists (built by admins) and responsibility agreements
    "inspections:checklist-list": Route(get=READ_CHECKLISTS),
    "inspections:checklist-create": Route(get=Perm.MANAGE_CATALOGUE, post=Perm.MANAGE_CATALOGUE),
    "inspections:checklist-detail": Route(
        get=READ_CHECKLISTS, kwargs=lambda w: {"pk": _fire_checklist_pk()}
    ),
    "inspections:checklist-edit": Route(
        get=Perm.MANAGE_CATALOGUE,
        post=Perm.MANAGE_CATALOGUE,
        kwargs=lambda w: {"pk": _fire_checklist_pk()},
    ),
    "inspections:checklist-new-draft": Route(
        get=None, post=Perm.MANAGE_CATALOGUE, kwargs=lambda w: {"pk": _fire_checklist_pk()}
    ),
    "inspections:checklist-version": Route(
        get=READ_CHECKLISTS, kwargs=lambda w: {"pk": _fire_version_pk()}
    ),
    "inspections:checklist-publish": Route(
        get=None, post=Perm.MANAGE_CATALOGUE, kwargs=lambda w: {"pk": _draft_item(w).version_id}
    ),
    "inspections:checklist-item-add": Route(
        get=None, post=Perm.MANAGE_CATALOGUE, kwargs=lambda w: {"pk": _draft_item(w).version_id}
    ),
    "inspections:checklist-item-edit": Route(
        get=Perm.MANAGE_CATALOGUE,
        post=Perm.MANAGE_CATALOGUE,
        kwargs=lambda w: {"pk": _draft_item(w).pk},
    ),
    "inspections:checklist-item-remove": Route(
        get=None, post=Perm.MANAGE_CATALOGUE, kwargs=lambda w: {"pk": _draft_item(w).pk}
    ),
    "inspections:checklist-item-move": Route(
        get=None, post=Perm.MANAGE_CATALOGUE, kwargs=lambda w: {"pk": _draft_item(w).pk}
    ),
    "inspections:agreement-list": Route(get=Perm.VIEW_RECORDS),
    "inspections:agreement-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "inspections:agreement-coverage": Route(get=Perm.VIEW_RECORDS),
    "inspections:agreement-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _agreement(w).pk}, scoped=True
    ),
    "inspections:agreement-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _agreement(w).pk},
        scoped=True,
    ),
    "inspections:agreement-scan": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _agreement(w).pk}, scoped=True
    ),
    "inspections:agreement-scan-preview": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _agreement(w).pk}, scoped=True
    ),
    # programs: campaigns and honours
    "programs:campaign-list": Route(get=Perm.VIEW_RECORDS),
    "programs:campaign-create": Route(
        get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS, above_grid=True
    ),
    "programs:campaign-detail": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:campaign-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:campaign-eligible": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:campaign-apply": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        query=lambda w: {"applicant": _household(w).pk},
        scoped=True,
        community_level=True,
    ),
    # A manual campaign: 按规则初审 is refused with a message and the page shown again (302).
    "programs:campaign-screen": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:application-review": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:application-shortlist": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:application-award": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:honour-list": Route(get=Perm.VIEW_RECORDS),
    "programs:honour-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "programs:honour-detail": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _honour(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:honour-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _honour(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:honour-scan": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _honour(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:honour-scan-preview": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _honour(w).pk},
        scoped=True,
        community_level=True,
    ),
    # reports
    "reports:statistics": Route(get=Perm.VIEW_RECORDS),
    # programs: assistance, donations and supplies
    "programs:assistance-list": Route(get=Perm.VIEW_RECORDS),
    "programs:assistance-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "programs:assistance-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _aid().assistance(w).pk}, scoped=True
    ),
    "programs:drive-list": Route(get=Perm.VIEW_RECORDS),
    "programs:drive-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS, above_grid=True),
    # A drive is run by the community: a grid worker is outside it.
    "programs:drive-detail": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _aid().drive(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:donation-in": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().drive(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:donation-out": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().drive(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:stock-list": Route(get=Perm.VIEW_RECORDS),
    # Communities buy their own supplies, so whoever records may add an item to the catalogue
    # (EDIT_RECORDS, not MANAGE_CATALOGUE).
    "programs:item-list": Route(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "programs:move-list": Route(get=Perm.VIEW_RECORDS),
    "programs:supply-receive": Route(
        get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS, above_grid=True
    ),
    "programs:supply-issue": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS, above_grid=True),
    # Voids and corrections: an empty form is re-shown with the reason asked for (200).
    "programs:assistance-void": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().assistance(w).pk},
        scoped=True,
    ),
    "programs:assistance-correct": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().assistance(w).pk},
        scoped=True,
    ),
    "programs:donation-void": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().gift(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:donation-correct": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().gift(w).pk},
        scoped=True,
        community_level=True,
    ),
    # A store is kept by the community: a grid worker is outside it.
    "programs:move-void": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().move(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:move-correct": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().move(w).pk},
        scoped=True,
        community_level=True,
    ),
    "programs:application-withdraw": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "reports:indicator-list": Route(get=Perm.VIEW_RECORDS),
    "reports:compare": Route(get=Perm.VIEW_RECORDS),
    "reports:drill": Route(get=Perm.VIEW_RECORDS, kwargs=lambda w: {"indicator_id": "records.all"}),
    # POST generates the .docx for the user's own place and this year (a grid: a form error).
    "reports:summary": Route(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "reports:summary-snapshot": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _summary_snapshot(w).pk},
        scoped=True,
        community_level=True,
    ),
    # A personal summary of another worker of the home community (one's own needs only
    # VIEW_RECORDS; reports/tests/test_subjects.py covers that and the worker without a place).
    "reports:summary-worker": Route(
        get=Perm.REVIEW_STAFF,
        post=Perm.REVIEW_STAFF,
        kwargs=lambda w: {"pk": w.subject.pk},
        scoped=True,
    ),
    "reports:summary-templates": Route(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "reports:summary-template-default": Route(get=Perm.VIEW_RECORDS),
    # A template up the tree from one's place may be read (it fills one's summaries): a grid
    # worker reads the community's.
    "reports:summary-template-file": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _summary_template(w).pk}, scoped=True
    ),
    "reports:summary-template-retire": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _summary_template(w).pk},
        scoped=True,
        community_level=True,
    ),
    # inspections: documents to print
    "inspections:inspection-print": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _inspection(w).pk}, scoped=True
    ),
    "inspections:rectification-print": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _rectification(w).pk}, scoped=True
    ),
    "inspections:checklist-print": Route(
        get=READ_CHECKLISTS, kwargs=lambda w: {"pk": _checklist_pk()}
    ),
    # programs: residents' voice
    "programs:opinion-list": Route(get=Perm.VIEW_RECORDS),
    "programs:opinion-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "programs:opinion-bulk-settle": Route(get=None, post=Perm.EDIT_RECORDS),
    "programs:opinion-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _voice(w, "opinion").pk}, scoped=True
    ),
    "programs:opinion-settle": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _voice(w, "opinion").pk},
        scoped=True,
    ),
    "programs:deliberation-list": Route(get=Perm.VIEW_RECORDS),
    "programs:deliberation-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "programs:deliberation-detail": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _voice(w, "deliberation").pk},
        scoped=True,
    ),
    "programs:deliberation-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _voice(w, "deliberation").pk},
        scoped=True,
    ),
    "programs:questionnaire-list": Route(get=Perm.VIEW_RECORDS),
    "programs:questionnaire-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "programs:questionnaire-detail": Route(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _voice(w, "questionnaire").pk},
        scoped=True,
    ),
    "programs:questionnaire-respond": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _voice(w, "questionnaire").pk},
        scoped=True,
    ),
    # cases
    "cases:mine": Route(get=Perm.VIEW_RECORDS),
    "cases:case-list": Route(get=Perm.VIEW_RECORDS),
    "cases:case-create": Route(
        get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"kind": "request"}
    ),
    "cases:case-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _case(w).pk}, scoped=True
    ),
    "cases:case-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _case(w).pk},
        scoped=True,
    ),
    "cases:case-act": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _case(w).pk, "action": "assign"},
        scoped=True,
    ),
    "cases:event-file": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _event_file(w).pk}, scoped=True
    ),
    "cases:event-file-preview": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _event_file(w).pk}, scoped=True
    ),
    "cases:party-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _case(w).pk}, scoped=True
    ),
    "cases:party-remove": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _party(w).pk}, scoped=True
    ),
    "cases:survey-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _case(w).pk}, scoped=True
    ),
    "cases:survey-answer": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _survey(w).pk}, scoped=True
    ),
    "cases:payment-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _case(w).pk}, scoped=True
    ),
    "cases:screening-list": Route(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "cases:case-print": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _case(w).pk}, scoped=True
    ),
    # inspections: inspections, rectification orders and re-checks
    "inspections:inspection-list": Route(get=Perm.VIEW_RECORDS),
    "inspections:inspection-create": Route(get=Perm.EDIT_RECORDS, post=Perm.EDIT_RECORDS),
    "inspections:inspection-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _inspection(w).pk}, scoped=True
    ),
    "inspections:inspection-edit": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _inspection(w).pk},
        scoped=True,
    ),
    "inspections:inspection-files-add": Route(
        get=None, post=Perm.EDIT_RECORDS, kwargs=lambda w: {"pk": _inspection(w).pk}, scoped=True
    ),
    "inspections:inspection-file": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _inspection_file(w).pk}, scoped=True
    ),
    "inspections:inspection-file-preview": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _inspection_file(w).pk}, scoped=True
    ),
    "inspections:inspection-file-remove": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _inspection_file(w).pk},
        scoped=True,
    ),
    "inspections:rectification-create": Route(
        get=Perm.EDIT_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _inspection(w).pk},
        scoped=True,
    ),
    "inspections:rectification-list": Route(get=Perm.VIEW_RECORDS),
    "inspections:rectification-detail": Route(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _rectification(w).pk}, scoped=True
    ),
    "inspections:rectification-recheck": Route(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _rectification(w).pk},
        scoped=True,
    ),
    # The pages residents open without an account: signing in to an activity, and their own
    # requests (filed, looked up and rated with the tracking code and their phone).
    "signin:form": Route(get=OPEN, post=OPEN),
    "request:file": Route(get=OPEN, post=OPEN),
    "request:track": Route(get=OPEN, post=OPEN),
    "request:rate": Route(get=None, post=OPEN),
    # The API's pages for people: one's own tokens, and the documentation.
    "api-tokens:token-list": Route(get=ANY, post=ANY),
    "api-tokens:token-manage": Route(get=Perm.MANAGE_ACCOUNTS, post=Perm.MANAGE_ACCOUNTS),
    "api:docs": Route(get=ANY),
}


# --- The REST API (/api/v1/) --------------------------------------------------------------
# It authenticates by token, not session, and answers JSON: without a token 401, a role
# without the permission 403, outside the place 404, an allowed POST of an empty body 400.
# `api/tests/test_access.py` runs each entry for every role, at home and next door.


@dataclass(frozen=True)
class ApiRoute:
    get: Perm | str | None
    post: Perm | str | None = None
    kwargs: Callable[[Any], dict] = field(default=lambda w: {})
    query: Callable[[Any], dict] = field(default=lambda w: {})
    scoped: bool = False
    ok: int = 200
    community_level: bool = False  # the object sits at the community: a grid worker is outside
    # POST records at a community's or sub-district's store: a grid worker keeps none (403).
    above_grid: bool = False


def _household(w):
    _resident(w)
    return w.household


def _stock(w):
    """The home community's store of the matrix move's item."""
    from programs.models import Stock

    move = _aid().move(w)
    return Stock.objects.get(place=move.place, item=move.item)


def _indicator_id() -> str:
    from reports import catalogue

    return next(i.id for i in catalogue.INDICATORS if i.needs == Perm.VIEW_RECORDS)


def _fire():
    from inspections.models import Checklist

    return Checklist.objects.get(name="消防安全检查")


def _grid_period(w) -> dict:
    return {"place": w.grid.pk, "year": 2025}


API_ROUTES: dict[str, ApiRoute] = {
    "api:me": ApiRoute(get=Perm.VIEW_PLACES),
    "api:schema": ApiRoute(get=ANY),
    "api:place-list": ApiRoute(get=Perm.VIEW_PLACES),
    "api:place-detail": ApiRoute(
        get=Perm.VIEW_PLACES, kwargs=lambda w: {"pk": w.grid.pk}, scoped=True
    ),
    "api:resident-list": ApiRoute(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "api:resident-detail": ApiRoute(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _resident(w).pk}, scoped=True
    ),
    "api:resident-reveal": ApiRoute(
        get=None, post=Perm.VIEW_SENSITIVE, kwargs=lambda w: {"pk": _resident(w).pk}, scoped=True
    ),
    "api:membership-list": ApiRoute(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "api:membership-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.membership)[1].pk},
        scoped=True,
    ),
    "api:membership-end": ApiRoute(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": (_resident(w), w.membership)[1].pk},
        scoped=True,
    ),
    "api:household-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:household-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _household(w).pk},
        scoped=True,
    ),
    "api:unit-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:unit-detail": ApiRoute(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _unit(w).pk}, scoped=True
    ),
    "api:record-list": ApiRoute(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "api:record-detail": ApiRoute(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _record(w).pk}, scoped=True
    ),
    "api:case-list": ApiRoute(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "api:case-detail": ApiRoute(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _case(w).pk}, scoped=True
    ),
    "api:case-actions": ApiRoute(
        get=Perm.VIEW_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _case(w).pk},
        scoped=True,
    ),
    "api:inspection-list": ApiRoute(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "api:inspection-detail": ApiRoute(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _inspection(w).pk}, scoped=True
    ),
    "api:rectification-issue": ApiRoute(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _inspection(w).pk},
        scoped=True,
    ),
    "api:rectification-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:rectification-detail": ApiRoute(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _rectification(w).pk}, scoped=True
    ),
    "api:rectification-recheck": ApiRoute(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _rectification(w).pk},
        scoped=True,
    ),
    "api:campaign-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:campaign-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:campaign-applications": ApiRoute(
        get=Perm.VIEW_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:application-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:application-review": ApiRoute(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:application-shortlist": ApiRoute(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:application-award": ApiRoute(
        get=None,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _application(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:drive-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:drive-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _aid().gift(w).drive_id},
        scoped=True,
        community_level=True,
    ),
    "api:drive-entries": ApiRoute(
        get=Perm.VIEW_RECORDS,
        post=Perm.EDIT_RECORDS,
        kwargs=lambda w: {"pk": _aid().gift(w).drive_id},
        scoped=True,
        community_level=True,
    ),
    "api:stock-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:stock-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _stock(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:move-list": ApiRoute(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS, above_grid=True),
    "api:move-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _aid().move(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:assistance-list": ApiRoute(get=Perm.VIEW_RECORDS, post=Perm.EDIT_RECORDS),
    "api:assistance-detail": ApiRoute(
        get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _aid().assistance(w).pk}, scoped=True
    ),
    "api:ledger-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:ledger-export": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"code": "population"},
        query=lambda w: {"place": w.grid.pk},
        scoped=True,
    ),
    "api:indicator-list": ApiRoute(get=Perm.VIEW_RECORDS, query=_grid_period, scoped=True),
    "api:indicator-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"indicator_id": _indicator_id()},
        query=_grid_period,
        scoped=True,
    ),
    # Lookups: the catalogues are the same everywhere (a hidden group category is 404 to a
    # role without its permission: api/tests/test_lookups.py); a campaign's items and an
    # account are in a place.
    "api:checklist-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:checklist-detail": ApiRoute(get=Perm.VIEW_RECORDS, kwargs=lambda w: {"pk": _fire().pk}),
    "api:topic-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:quantity-item-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:group-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:group-detail": ApiRoute(get=Perm.VIEW_RECORDS, kwargs=lambda w: {"code": "dibao"}),
    "api:campaign-item-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:campaign-items": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": _campaign(w).pk},
        scoped=True,
        community_level=True,
    ),
    "api:account-list": ApiRoute(get=Perm.VIEW_RECORDS),
    "api:account-detail": ApiRoute(
        get=Perm.VIEW_RECORDS,
        kwargs=lambda w: {"pk": w.cast["community_worker"].pk},
        scoped=True,
    ),
    # Any other path under /api/v1/: a JSON 404 for everyone, token or not.
    "api:not-found": ApiRoute(get=OPEN, post=OPEN, kwargs=lambda w: {"rest": "nothing/"}, ok=404),
}

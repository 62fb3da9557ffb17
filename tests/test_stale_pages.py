"""Optimistic locking on every edit page that had "last save wins": two people open the same
page, one saves, the other's save is refused (409, in Chinese) with what they typed still on
the form and nothing of it written; saving the re-shown form is then a deliberate overwrite."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from tests.live import forms_of

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@dataclass
class Page:
    url: str
    roles: tuple[str, str]  # the two people; the same role twice is one account in two tabs
    field: str  # the text both of them change
    stored: Callable[[], str]  # that text as the database holds it


def _campaign(world) -> Page:
    from programs import services
    from programs.models import Campaign

    campaign = services.create_campaign(
        services.CampaignData(
            name="节水型家庭", subject="household", criteria="原标准", place=world.community,
            starts_on=TODAY - DAY * 30, ends_on=TODAY + DAY * 30,
            fields="water:全年用水量:吨", rule="threshold", rule_field="water", rule_op="<=",
            rule_value=Decimal("30"),
        ),
        by=None,
    )  # fmt: skip
    return Page(
        reverse("programs:campaign-edit", args=[campaign.pk]),
        ("community_worker", "community_head"),
        "criteria",
        lambda: Campaign.objects.get(pk=campaign.pk).criteria,
    )


def _honour(world) -> Page:
    from programs import services
    from programs.models import Honour

    honour = services.record_honour(
        services.HonourData("文明社区", "区级", "区文明办", TODAY, "社区", place=world.community),
        by=None,
    )
    return Page(
        reverse("programs:honour-edit", args=[honour.pk]),
        ("community_worker", "community_head"),
        "notes",
        lambda: Honour.objects.get(pk=honour.pk).notes,
    )


def _deliberation(world) -> Page:
    from programs import services
    from programs.models import Deliberation

    deliberation = services.record_deliberation(
        services.DeliberationData(topic="停车位划线", date=TODAY, place=world.community),
        by=None,
    )
    return Page(
        reverse("programs:deliberation-edit", args=[deliberation.pk]),
        ("community_worker", "community_head"),
        "decision",
        lambda: Deliberation.objects.get(pk=deliberation.pk).decision,
    )


def _minutes(world) -> Page:
    """Neither page showed minutes yet: the first to save writes them, the other is refused."""
    from ledger.models import Minutes, WorkRecord

    meeting = WorkRecord.objects.create(kind="会议", title="两委会", date=TODAY, place=world.grid)
    return Page(
        reverse("ledger:minutes-edit", args=[meeting.pk]),
        ("community_worker", "community_head"),
        "decisions",
        lambda: Minutes.objects.get(record=meeting).decisions,
    )


def _checklist(world) -> Page:
    from inspections.models import Checklist

    checklist = Checklist.objects.order_by("pk").first()
    return Page(
        reverse("inspections:checklist-edit", args=[checklist.pk]),
        ("district_admin", "sysadmin"),
        "description",
        lambda: Checklist.objects.get(pk=checklist.pk).description,
    )


def _checklist_item(world) -> Page:
    from inspections import services
    from inspections.models import Checklist, ChecklistItem

    draft = services.new_draft(Checklist.objects.order_by("pk").first(), by=None)
    item = services.add_item(draft, services.ItemData(label="灭火器在有效期内"), by=None)
    return Page(
        reverse("inspections:checklist-item-edit", args=[item.pk]),
        ("district_admin", "sysadmin"),
        "label",
        lambda: ChecklistItem.objects.get(pk=item.pk).label,
    )


def _agreement(world) -> Page:
    from inspections import services
    from inspections.models import Agreement
    from inspections.tests.factories import shop

    agreement = services.sign_agreement(
        services.AgreementData("消防安全责任书", TODAY, unit=shop(world.grid)), by=None
    )
    return Page(
        reverse("inspections:agreement-edit", args=[agreement.pk]),
        ("community_worker", "community_head"),
        "notes",
        lambda: Agreement.objects.get(pk=agreement.pk).notes,
    )


def _place(world) -> Page:
    from areas.models import Place

    return Page(
        reverse("areas:place-edit", args=[world.grid.pk]),
        ("sysadmin", "sysadmin"),
        "name",
        lambda: Place.objects.get(pk=world.grid.pk).name,
    )


def _staff(world) -> Page:
    from people.models import Staff

    staff = Staff.objects.create(
        name="李社工", sex="女", birth_date=datetime.date(1990, 1, 1), post="社区专职工作者",
        education="大学本科", start_date=datetime.date(2020, 1, 1), place=world.community,
    )  # fmt: skip
    return Page(
        reverse("people:staff-edit", args=[staff.pk]),
        ("community_worker", "community_head"),
        "name",
        lambda: Staff.objects.get(pk=staff.pk).name,
    )


def _rental(world) -> Page:
    from areas.models import Dwelling
    from people.models import Rental

    dwelling = Dwelling.objects.create(address="和平里5号", place=world.grid)
    rental = Rental.objects.create(
        dwelling=dwelling, landlord_name="房东甲", start=datetime.date(2025, 1, 1), place=world.grid
    )
    return Page(
        reverse("people:rental-edit", args=[rental.pk]),
        ("community_worker", "community_head"),
        "tenant_name",
        lambda: Rental.objects.get(pk=rental.pk).tenant_name,
    )


PAGES = {
    "campaign": _campaign,
    "honour": _honour,
    "deliberation": _deliberation,
    "minutes": _minutes,
    "checklist": _checklist,
    "checklist_item": _checklist_item,
    "agreement": _agreement,
    "place": _place,
    "staff": _staff,
    "rental": _rental,
}


def _form_on(html: str) -> dict[str, list[str]]:
    """What the page's own form sends as it stands (lists, for the multiple choices)."""
    form = next(f for f in forms_of(html) if f.method == "post" and f.action in ("", "?"))
    sent: dict[str, list[str]] = {}
    for name, value in form.values():
        if name != "csrfmiddlewaretoken":
            sent.setdefault(name, []).append(value)
    return sent


def _errors(html: str) -> list[str]:
    return re.findall(r'class="error">([^<]*)<|role="alert"><p>([^<]*)<', html)


def _person(world, role: str) -> Client:
    client = Client()
    client.force_login(world.cast[role])
    return client


@pytest.mark.parametrize("kind", PAGES)
def test_a_stale_edit_page_is_refused_with_what_was_typed_kept(world, kind):
    page = PAGES[kind](world)
    a, b = (_person(world, role) for role in page.roles)
    form_a = _form_on(a.get(page.url).content.decode())
    form_b = _form_on(b.get(page.url).content.decode())
    assert form_a["version"][0].isdigit()  # the page carries the version it showed
    typed_a, typed_b = "甲写的内容", "乙写的内容"

    saved = b.post(page.url, {**form_b, page.field: typed_b})
    assert saved.status_code == 302, _errors(saved.content.decode())
    audited = AuditEntry.objects.count()

    stale = a.post(page.url, {**form_a, page.field: typed_a})
    body = stale.content.decode()
    assert stale.status_code == 409
    assert "该记录刚被他人修改" in body and typed_a in body  # told, and the input is kept
    assert page.stored() == typed_b  # nothing of the stale page was written
    assert AuditEntry.objects.count() == audited

    # The re-shown form carries the version as it is now: saving it is a deliberate overwrite.
    again = a.post(page.url, _form_on(body))
    assert again.status_code == 302
    assert page.stored() == typed_a


def test_an_item_page_opened_before_a_move_is_refused_rather_than_undo_it(world):
    from inspections import services
    from inspections.models import Checklist, ChecklistItem

    draft = services.new_draft(Checklist.objects.order_by("pk").first(), by=None)
    last = services.add_item(draft, services.ItemData(label="末项"), by=None)
    url = reverse("inspections:checklist-item-edit", args=[last.pk])
    a = _person(world, "district_admin")
    form = _form_on(a.get(url).content.decode())
    a.post(reverse("inspections:checklist-item-move", args=[last.pk]), {"direction": "up"})
    moved_to = ChecklistItem.objects.get(pk=last.pk).order
    assert moved_to < last.order
    stale = a.post(url, {**form, "label": "末项改名"})
    assert stale.status_code == 409 and "末项改名" in stale.content.decode()
    assert ChecklistItem.objects.get(pk=last.pk).order == moved_to  # the move stays


def test_a_place_page_opened_before_the_grid_moved_is_refused_rather_than_undo_it(world):
    from areas import services
    from areas.models import Place

    url = reverse("areas:place-edit", args=[world.grid.pk])
    a = _person(world, "sysadmin")
    form = _form_on(a.get(url).content.decode())
    services.move_grid(world.grid, to=world.neighbour_community, by=None)
    moved = Place.objects.get(pk=world.grid.pk)
    stale = a.post(url, {**form, "name": "甲改的网格名"})
    assert stale.status_code == 409 and "甲改的网格名" in stale.content.decode()
    assert Place.objects.get(pk=world.grid.pk).code == moved.code != form["code"][0]


# --- Changes posted from a record's page to their own address (an opinion's settling, the
# household changes, an organisation's renewal): the page is the same, the form posts elsewhere.


@dataclass
class Change:
    page: str  # the page the form is on
    action: str  # where the form posts
    typed: dict[str, str | list[str]]  # what the first person types into it
    meanwhile: Callable[[Client], None]  # the second person's change, made first
    stored: Callable[[], object]  # what the first person's change would alter


def _form_to(html: str, action: str) -> dict[str, list[str]]:
    form = next(f for f in forms_of(html) if f.method == "post" and f.action == action)
    sent: dict[str, list[str]] = {}
    for name, value in form.values():
        if name != "csrfmiddlewaretoken":
            sent.setdefault(name, []).append(value)
    return sent


def _post_from(person: Client, page: str, action: str, typed: dict) -> None:
    """The second person's change, made from the page as a browser would."""
    form = _form_to(person.get(page).content.decode(), action)
    done = person.post(action, {**form, **typed})
    assert done.status_code == 302, done.content.decode()[:500]


def _opinion_settle(world) -> Change:
    from programs.models import Opinion
    from programs.tests.voice_factories import opinion

    heard = opinion(world.grid)
    page = reverse("programs:opinion-detail", args=[heard.pk])
    action = reverse("programs:opinion-settle", args=[heard.pk])
    return Change(
        page,
        action,
        {"outcome": "已答复", "reply": "甲写的答复"},
        lambda b: _post_from(b, page, action, {"outcome": "已上报", "reply": "乙写的上报"}),
        lambda: Opinion.objects.values_list("outcome", "reply").get(pk=heard.pk),
    )


def _family(world):
    from people import services
    from people.tests.factories import resident

    head = resident(world.grid, "户主甲", birth=datetime.date(1960, 1, 1))
    son = resident(world.grid, "儿子乙", birth=datetime.date(1988, 1, 1))
    household = services.create_household(
        number="F1", place=world.grid, head=head, since=TODAY - DAY * 400, by=None
    )
    services.move_in(household, son, relation="子", since=TODAY - DAY * 400, by=None)
    newcomer = resident(world.grid, "新人丙", birth=datetime.date(1992, 1, 1), male=False)
    return household, head, son, newcomer


def _household_state(household):
    from people.models import Household, Residence

    return (
        Household.objects.values_list("head", "dissolved_on").get(pk=household.pk),
        sorted(Residence.objects.filter(until__isnull=True).values_list("household", "resident")),
        Household.objects.count(),
    )


def _move_in_from(household, newcomer, since=TODAY):
    """The second person registers someone moving in, from the same household page."""
    page = reverse("people:household-detail", args=[household.pk])
    action = reverse("people:household-move-in", args=[household.pk])
    typed = {"id_number": newcomer.id_number, "relation": "女", "since": since.isoformat()}
    return lambda b: _post_from(b, page, action, typed)


def _household_head(world) -> Change:
    household, _head, son, newcomer = _family(world)
    return Change(
        reverse("people:household-detail", args=[household.pk]),
        reverse("people:household-head", args=[household.pk]),
        {"head": str(son.pk)},
        _move_in_from(household, newcomer),
        lambda: _household_state(household),
    )


def _household_move_in(world) -> Change:
    from people.tests.factories import resident

    household, _head, son, _newcomer = _family(world)
    lodger = resident(world.grid, "租客丁", birth=datetime.date(1995, 1, 1))
    page = reverse("people:household-detail", args=[household.pk])
    head_action = reverse("people:household-head", args=[household.pk])
    return Change(
        page,
        reverse("people:household-move-in", args=[household.pk]),
        {"id_number": lodger.id_number, "relation": "其他", "since": TODAY.isoformat()},
        lambda b: _post_from(b, page, head_action, {"head": str(son.pk)}),
        lambda: _household_state(household),
    )


def _household_split(world) -> Change:
    household, _head, son, newcomer = _family(world)
    return Change(
        reverse("people:household-detail", args=[household.pk]),
        reverse("people:household-split", args=[household.pk]),
        {"number": "F2", "members": [str(son.pk)], "head": str(son.pk), "on": TODAY.isoformat()},
        _move_in_from(household, newcomer),
        lambda: _household_state(household),
    )


def _household_merge(world) -> Change:
    from people import services
    from people.tests.factories import resident

    _household, _head, _son, newcomer = _family(world)
    other_head = resident(world.grid, "邻户戊", birth=datetime.date(1970, 1, 1))
    other = services.create_household(
        number="G1", place=world.grid, head=other_head, since=TODAY - DAY * 400, by=None
    )
    return Change(
        reverse("people:household-detail", args=[other.pk]),
        reverse("people:household-merge", args=[other.pk]),
        {"into": "F1", "on": TODAY.isoformat()},
        _move_in_from(other, newcomer, since=TODAY - DAY * 10),
        lambda: _household_state(other),
    )


def _household_after_a_move_out(world) -> Change:
    """A member moving out (from their own page) moves the household's version on too."""
    from people import services

    household, _head, son, newcomer = _family(world)
    services.move_in(household, newcomer, relation="女", since=TODAY - DAY * 400, by=None)
    return Change(
        reverse("people:household-detail", args=[household.pk]),
        reverse("people:household-head", args=[household.pk]),
        {"head": str(son.pk)},
        lambda b: services.move_out(newcomer, on=TODAY, by=b.session_user),
        lambda: _household_state(household),
    )


def _committee(world):
    from people.models import Organisation
    from people.tests.factories import resident

    organisation = Organisation.objects.create(
        kind="居委会", name="第一居委会", place=world.community,
        term_start=TODAY - DAY * 1800, term_end=TODAY + DAY * 30,
    )  # fmt: skip
    for i, (name, role) in enumerate([("主任甲", "主任"), ("委员乙", "委员")]):
        organisation.members.create(
            resident=resident(world.grid, name, birth=datetime.date(1970, 1, 1 + i)),
            role=role,
            since=TODAY - DAY * 1800,
        )
    return organisation


def _renewal_state(organisation):
    from people.models import Organisation, OrganisationMember

    return (
        Organisation.objects.values_list("term_start", "term_end").get(pk=organisation.pk),
        sorted(
            OrganisationMember.objects.filter(organisation=organisation).values_list("pk", "until")
        ),
    )


def _organisation_renewal(world) -> Change:
    organisation = _committee(world)
    page = reverse("people:organisation-detail", args=[organisation.pk])
    action = reverse("people:organisation-renew", args=[organisation.pk])
    first = (TODAY - DAY * 20).isoformat()
    return Change(
        page,
        action,
        {"start": TODAY.isoformat(), "end": (TODAY + DAY * 1825).isoformat()},
        lambda b: _post_from(b, page, action, {"start": first, "end": ""}),
        lambda: _renewal_state(organisation),
    )


def _renewal_after_a_member_joined(world) -> Change:
    """A member added after the page was opened is not ticked to serve on there: renewing from
    it would end them unseen, so it is refused."""
    from people import services
    from people.tests.factories import resident

    organisation = _committee(world)
    page = reverse("people:organisation-detail", args=[organisation.pk])
    joining = resident(world.grid, "新委员己", birth=datetime.date(1985, 1, 1))

    def meanwhile(b: Client) -> None:
        services.add_organisation_member(
            organisation, role="委员", since=TODAY - DAY * 30, resident=joining,
            by=b.session_user,
        )  # fmt: skip

    return Change(
        page,
        reverse("people:organisation-renew", args=[organisation.pk]),
        {"start": TODAY.isoformat()},
        meanwhile,
        lambda: _renewal_state(organisation),
    )


CHANGES = {
    "opinion_settle": _opinion_settle,
    "household_head": _household_head,
    "household_move_in": _household_move_in,
    "household_split": _household_split,
    "household_merge": _household_merge,
    "household_after_a_move_out": _household_after_a_move_out,
    "organisation_renewal": _organisation_renewal,
    "renewal_after_a_member_joined": _renewal_after_a_member_joined,
}


@pytest.mark.parametrize("kind", CHANGES)
def test_a_stale_change_from_a_record_page_is_refused_with_what_was_typed_kept(world, kind):
    change = CHANGES[kind](world)
    a, b = _person(world, "community_worker"), _person(world, "community_head")
    b.session_user = world.cast["community_head"]
    form_a = _form_to(a.get(change.page).content.decode(), change.action)
    assert form_a["version"][0].isdigit()  # the page carries the version it showed

    change.meanwhile(b)
    before, audited = change.stored(), AuditEntry.objects.count()

    stale = a.post(change.action, {**form_a, **change.typed})
    body = stale.content.decode()
    assert stale.status_code == 409
    assert "该记录刚被他人修改" in body
    shown = _form_to(body, change.action)  # the input comes back as typed
    for name, value in change.typed.items():
        assert shown[name] == (value if isinstance(value, list) else [value]), name
    assert change.stored() == before  # nothing of the stale page was written
    assert AuditEntry.objects.count() == audited

    # The re-shown form carries the version as it is now: saving it is a deliberate change.
    again = a.post(change.action, shown)
    assert again.status_code == 302
    assert change.stored() != before

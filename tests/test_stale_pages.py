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

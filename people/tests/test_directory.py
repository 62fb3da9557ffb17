import datetime

from django.urls import reverse

from areas.models import Dwelling
from audit.models import AuditEntry
from people.models import GroupCategory, Organisation, Rental, Staff
from people.tests.factories import resident


def test_staff_statistics(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("people:staff-create")
    base = {
        "place": world.community.pk,
        "sex": "女",
        "post": "社区专职工作者",
        "political_status": "中共党员",
        "start_date": "2020-01-01",
    }
    client.post(url, {**base, "name": "甲", "birth_date": "1990-01-01", "education": "大学本科"})
    client.post(url, {**base, "name": "乙", "birth_date": "1980-01-01", "education": "初中"})
    assert Staff.objects.count() == 2
    stats = client.get(reverse("people:staff-list")).context["stats"]
    assert stats["count"] == 2 and stats["high_share"] == 50.0 and stats["party"] == 2
    today = datetime.date.today()  # noqa: DTZ011  (ages, to the year)
    assert abs(stats["mean_age"] - ((today.year - 1990) + (today.year - 1980)) / 2) <= 1


def test_staff_bad_input(client, world):
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("people:staff-create"),
        {
            "place": world.community.pk,
            "name": "丙",
            "sex": "男",
            "birth_date": "2020-01-01",
            "post": "网格员",
            "education": "大学本科",
            "political_status": "群众",
            "start_date": "2021-01-01",
        },
    )
    assert "出生日期不合理" in response.content.decode() and not Staff.objects.exists()


def test_organisation_members_come_and_go(client, world):
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("people:organisation-create"),
        {
            "place": world.community.pk,
            "kind": "巡逻队",
            "name": "平安巡逻队",
        },
    )
    organisation = Organisation.objects.get()
    assert response["Location"] == reverse("people:organisation-detail", args=[organisation.pk])
    person = resident(world.grid, "队员甲")
    add = reverse("people:organisation-member-add", args=[organisation.pk])
    client.post(add, {"id_number": person.id_number, "role": "队员", "since": "2024-01-01"})
    client.post(add, {"id_number": person.id_number, "role": "队员", "since": "2024-02-01"})
    member = organisation.members.get()
    client.post(reverse("people:organisation-member-end", args=[member.pk]), {"on": "2023-01-01"})
    member.refresh_from_db()
    assert member.until is None  # before joining: refused
    client.post(reverse("people:organisation-member-end", args=[member.pk]), {"on": "2025-01-01"})
    member.refresh_from_db()
    assert member.until == datetime.date(2025, 1, 1)
    assert AuditEntry.objects.filter(action="organisation.member_add").count() == 1


def test_rental_registration_marks_the_dwelling_rented_and_refuses_overlaps(client, world):
    dwelling = Dwelling.objects.create(
        address="和平里1号", place=world.grid, place_path=world.grid.path
    )
    client.force_login(world.cast["community_worker"])
    data = {
        "address": "和平里1号",
        "landlord_name": "房东甲",
        "landlord_phone": "13911112222",
        "purpose": "居住",
        "start": "2025-01-01",
        "tenants": 2,
    }
    assert client.post(reverse("people:rental-create"), data).status_code == 302
    dwelling.refresh_from_db()
    assert dwelling.usage == "出租" and Rental.objects.count() == 1
    again = client.post(reverse("people:rental-create"), {**data, "start": "2025-06-01"})
    assert "已有出租登记" in again.content.decode() and Rental.objects.count() == 1
    nowhere = client.post(reverse("people:rental-create"), {**data, "address": "不存在"})
    assert "请先登记房屋" in nowhere.content.decode()


def test_admin_adds_a_category_and_an_attribute_without_code(client, world):
    client.force_login(world.cast["sysadmin"])
    client.post(
        reverse("people:category-list"),
        {
            "name": "孤儿",
            "code": "orphan",
            "subject": "resident",
            "sensitivity": "personal",
        },
    )
    category = GroupCategory.objects.get(code="orphan")
    url = reverse("people:category-detail", args=[category.pk])
    bad = client.post(url, {"label": "类型", "key": "type", "kind": "choice", "choices": "单一"})
    assert "至少要有两个" in bad.content.decode()
    client.post(
        url,
        {
            "label": "类型",
            "key": "type",
            "kind": "choice",
            "choices": "事实孤儿、孤儿",
            "required": "on",
        },
    )
    assert category.attributes.get().choice_list() == ["事实孤儿", "孤儿"]


def test_ending_a_rental(client, world):
    dwelling = Dwelling.objects.create(address="和平里2号", place=world.grid)
    rental = Rental.objects.create(
        dwelling=dwelling, landlord_name="房东乙", start=datetime.date(2025, 1, 1), place=world.grid
    )
    client.force_login(world.cast["community_worker"])
    url = reverse("people:rental-end", args=[rental.pk])
    client.post(url, {"on": "2024-12-31"})
    rental.refresh_from_db()
    assert rental.end is None  # before the lease began: refused
    client.post(url, {"on": "2025-06-30"})
    rental.refresh_from_db()
    assert rental.end == datetime.date(2025, 6, 30)
    assert AuditEntry.objects.filter(action="rental.end").count() == 1
    assert "和平里2号" not in client.get(reverse("people:rental-list")).content.decode()


def test_editing_a_rental_keeps_its_dwelling_refuses_bad_terms_and_is_audited(client, world):
    dwelling = Dwelling.objects.create(address="和平里3号", place=world.grid)
    rental = Rental.objects.create(
        dwelling=dwelling, landlord_name="房东丙", start=datetime.date(2025, 1, 1), place=world.grid
    )
    Rental.objects.create(  # a later lease of the same dwelling
        dwelling=dwelling, landlord_name="房东丙", start=datetime.date(2026, 1, 1), place=world.grid
    )
    client.force_login(world.cast["community_worker"])
    url = reverse("people:rental-edit", args=[rental.pk])
    page = client.get(url).content.decode()
    assert "和平里3号" in page and 'value="房东丙"' in page and 'name="address"' not in page
    terms = {"landlord_name": "房东丙", "purpose": "居住", "start": "2025-01-01", "version": 0}
    cases = [
        ({"end": "2024-12-01"}, "不能早于开始日期"),
        ({"end": ""}, "已有出租登记"),  # open-ended, it would overlap the later lease
        ({"end": "2025-12-31", "landlord_phone": "12345"}, "手机号码"),
        ({"end": "2025-12-31", "tenant_household": "没有这户"}, "本辖区没有该户号"),
    ]
    for changes, message in cases:
        response = client.post(url, {**terms, **changes})
        assert response.status_code == 200 and message in response.content.decode()
    rental.refresh_from_db()
    assert rental.end is None and rental.landlord_phone == ""
    assert not AuditEntry.objects.filter(action="rental.update").exists()
    ok = {**terms, "end": "2025-12-31", "landlord_phone": "13911113333", "tenants": 3}
    assert client.post(url, ok).status_code == 302
    rental.refresh_from_db()
    assert (rental.end, rental.tenants) == (datetime.date(2025, 12, 31), 3)
    assert rental.dwelling == dwelling
    entry = AuditEntry.objects.get(action="rental.update")
    assert entry.changes["landlord_phone"] == ["", "139****3333"]


def test_renewing_the_term_ends_those_not_kept_on_its_eve(client, world):
    organisation = Organisation.objects.create(
        kind="居委会",
        name="第一居委会",
        place=world.community,
        term_start=datetime.date(2021, 6, 1),
        term_end=datetime.date(2026, 5, 31),
    )
    members = [
        organisation.members.create(
            resident=resident(world.grid, name, birth=datetime.date(1970, 1, 1 + i)),
            role=role,
            since=datetime.date(2021, 6, 1),
        )
        for i, (name, role) in enumerate(
            [("主任甲", "主任"), ("委员乙", "委员"), ("委员丙", "委员")]
        )
    ]
    client.force_login(world.cast["community_worker"])
    detail = reverse("people:organisation-detail", args=[organisation.pk])
    assert "换届" in client.get(detail).content.decode()
    url = reverse("people:organisation-renew", args=[organisation.pk])
    keep = [members[0].pk, members[2].pk]
    for bad, message in [
        ({"start": "2021-01-01"}, "应晚于本届开始日期"),
        ({"start": "2026-06-01", "end": "2026-01-01"}, "届满日期应晚于"),
        ({"start": ""}, "新一届开始日期：这个字段是必填项。"),
    ]:
        sent = {"keep": keep, "version": 0, **bad}
        page = client.post(url, sent, follow=True).content.decode()
        assert message in page
    organisation.refresh_from_db()
    assert organisation.term_start == datetime.date(2021, 6, 1)
    assert not organisation.members.exclude(until=None).exists()
    assert not AuditEntry.objects.filter(action="organisation.renew").exists()

    client.post(url, {"start": "2026-06-01", "end": "2031-05-31", "keep": keep, "version": 0})
    organisation.refresh_from_db()
    assert (organisation.term_start, organisation.term_end) == (
        datetime.date(2026, 6, 1),
        datetime.date(2031, 5, 31),
    )
    left = organisation.members.exclude(until=None).get()
    assert left.pk == members[1].pk and left.until == datetime.date(2026, 5, 31)
    entry = AuditEntry.objects.get(action="organisation.renew")
    assert entry.data == {"kept": 2, "left": 1, "leaving": "委员乙"}
    client.force_login(world.cast["auditor"])
    shown = client.get(reverse("audit:entry-detail", args=[entry.pk])).content.decode()
    assert "退出成员" in shown and "委员乙" in shown and "kept" not in shown


def test_the_renewal_form_keeps_everyone_unless_unticked_and_only_elected_bodies_renew(
    client, world
):
    patrol = Organisation.objects.create(kind="巡逻队", name="巡逻队", place=world.community)
    committee = Organisation.objects.create(kind="居委会", name="居委会", place=world.community)
    committee.members.create(
        resident=resident(world.grid, "主任丁"), role="主任", since=datetime.date(2021, 6, 1)
    )
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("people:organisation-detail", args=[committee.pk])).content
    assert 'name="keep"' in page.decode() and "checked" in page.decode()
    patrol_page = client.get(reverse("people:organisation-detail", args=[patrol.pk]))
    assert "换届" not in patrol_page.content.decode()
    refused = client.post(
        reverse("people:organisation-renew", args=[patrol.pk]),
        {"start": "2026-01-01", "version": 0},
        follow=True,
    )
    assert "巡逻队不实行换届" in refused.content.decode()
    patrol.refresh_from_db()
    assert patrol.term_start is None


def test_the_rental_form_never_shows_the_landlord_phone_and_keeps_a_tenant_in_another_grid(
    client, world
):
    from people import services

    dwelling = Dwelling.objects.create(address="和平里4号", place=world.grid)
    tenant = services.create_household(
        number="T-9",
        place=world.neighbour_grid,
        head=resident(world.neighbour_grid, "租户戊"),
        since=datetime.date(2024, 1, 1),
        by=None,
    )
    rental = Rental.objects.create(
        dwelling=dwelling,
        landlord_name="房东丁",
        landlord_phone="13911114444",
        tenant_household=tenant,
        start=datetime.date(2025, 1, 1),
        place=world.grid,
    )
    client.force_login(world.cast["grid_worker"])
    url = reverse("people:rental-edit", args=[rental.pk])
    page = client.get(url).content.decode()
    assert "13911114444" not in page and "139****4444" in page
    terms = {"landlord_name": "房东丁", "purpose": "居住", "start": "2025-01-01", "tenants": 4}
    terms["version"] = 0
    assert client.post(url, {**terms, "tenant_household": "T-9"}).status_code == 302
    rental.refresh_from_db()
    assert rental.tenants == 4 and rental.tenant_household == tenant
    assert rental.landlord_phone == "13911114444"  # blank kept it

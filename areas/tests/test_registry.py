from django.urls import reverse
from stdnum.cn import uscc

from areas.models import Building, Dwelling, LocalUnit
from audit.models import AuditEntry

BODY = "92420106MA4K12345"
GOOD_CODE = BODY + uscc.calc_check_digit(BODY)


def test_register_a_dwelling_with_its_estate_and_building(client, world):
    client.force_login(world.cast["community_worker"])
    data = {
        "place": world.grid.pk,
        "address": "阳光花园3栋2单元502室",
        "estate_name": "阳光花园",
        "building_name": "3栋",
        "unit": "2单元",
        "room": "502",
        "usage": "出租",
        "area": "89.5",
    }
    assert client.post(reverse("areas:dwelling-create"), data).status_code == 302
    dwelling = Dwelling.objects.get()
    assert dwelling.building.estate.name == "阳光花园" and dwelling.place_path == world.grid.path
    again = client.post(reverse("areas:dwelling-create"), data)
    assert "已登记地址为" in again.content.decode()
    assert Dwelling.objects.count() == 1 and Building.objects.count() == 1
    assert AuditEntry.objects.filter(action="dwelling.create").count() == 1


def test_unit_credit_code_is_checked_and_unique(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("areas:unit-create")
    data = {
        "name": "便利店",
        "credit_code": BODY + "0",
        "kind": "商铺",
        "place": world.grid.pk,
        "contact_phone": "13912345678",
    }
    if uscc.calc_check_digit(BODY) == "0":
        data["credit_code"] = BODY + "1"
    response = client.post(url, data)
    assert "统一社会信用代码" in response.content.decode() and not LocalUnit.objects.exists()
    assert client.post(url, {**data, "credit_code": GOOD_CODE}).status_code == 302
    response = client.post(url, {**data, "name": "另一家", "credit_code": GOOD_CODE})
    assert "已登记为“便利店”" in response.content.decode()


def test_unit_edit_never_shows_the_phone_and_blank_keeps_it(client, world):
    client.force_login(world.cast["community_worker"])
    unit = LocalUnit.objects.create(
        name="店", kind="商铺", place=world.grid, contact_phone="13912345678"
    )
    url = reverse("areas:unit-edit", args=[unit.pk])
    html = client.get(url).content.decode()
    assert "13912345678" not in html and "139****5678" in html
    client.post(url, {"name": "新店名", "kind": "商铺", "place": world.grid.pk, "version": 0})
    unit.refresh_from_db()
    assert unit.name == "新店名" and unit.contact_phone == "13912345678"


def test_resident_edit_never_shows_the_id_number_and_blank_keeps_it(client, world):
    from people.tests.factories import resident

    person = resident(world.grid, "赵六", phone="13700001111")
    client.force_login(world.cast["community_worker"])
    url = reverse("people:resident-edit", args=[person.pk])
    html = client.get(url).content.decode()
    assert person.id_number not in html and "13700001111" not in html
    client.post(
        url,
        {
            "name": "赵六六",
            "place": world.grid.pk,
            "ethnicity": "汉族",
            "political_status": "群众",
            "hukou_type": "户籍",
            "version": person.version,
        },
    )
    person.refresh_from_db()
    assert person.name == "赵六六" and person.phone == "13700001111"


def _page_form(client, url) -> dict:
    """What the edit page's form would send unchanged."""
    from tests.live import forms_of

    page = forms_of(client.get(url).content.decode())
    form = next(f for f in page if f.method == "post" and f.action in ("", "?"))
    return {k: v for k, v in form.values() if k != "csrfmiddlewaretoken"}


def test_a_stale_unit_page_is_refused_with_what_was_typed_kept(client, world):
    from areas import registry

    unit = LocalUnit.objects.create(name="店", kind="商铺", place=world.grid)
    client.force_login(world.cast["community_worker"])
    url = reverse("areas:unit-edit", args=[unit.pk])
    typed = {**_page_form(client, url), "notes": "甲写的备注"}
    registry.save_unit(unit, name="乙改的店名", kind="商铺", place=world.grid, version=0,
                       by=world.cast["community_head"])  # fmt: skip
    stale = client.post(url, typed)
    body = stale.content.decode()
    assert stale.status_code == 409 and "刚被他人修改" in body and "甲写的备注" in body
    unit.refresh_from_db()
    assert (unit.name, unit.notes, unit.version) == ("乙改的店名", "", 1)
    # Saving the re-shown form is a deliberate overwrite.
    assert client.post(url, {**typed, "version": 1}).status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.notes, unit.version) == ("店", "甲写的备注", 2)


def test_a_stale_dwelling_page_is_refused_with_what_was_typed_kept(client, world):
    from areas import registry

    client.force_login(world.cast["community_worker"])
    dwelling = registry.save_dwelling(
        None, place=world.grid, address="甲一网格1号", usage="自住", by=None
    )
    url = reverse("areas:dwelling-edit", args=[dwelling.pk])
    typed = {**_page_form(client, url), "room": "甲填的101"}
    registry.save_dwelling(dwelling, place=world.grid, address="甲一网格2号", usage="自住",
                           version=0, by=world.cast["community_head"])  # fmt: skip
    stale = client.post(url, typed)
    body = stale.content.decode()
    assert stale.status_code == 409 and "刚被他人修改" in body and "甲填的101" in body
    dwelling.refresh_from_db()
    assert (dwelling.address, dwelling.room, dwelling.version) == ("甲一网格2号", "", 1)

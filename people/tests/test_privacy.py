from django.urls import reverse

from audit.models import AuditEntry
from people.tests.factories import resident


def test_reveal_shows_the_number_once_and_is_audited(client, world):
    person = resident(world.grid, "赵七", phone="13600001111")
    client.force_login(world.cast["community_worker"])
    url = reverse("people:resident-detail", args=[person.pk])
    assert person.id_number not in client.get(url).content.decode()
    response = client.post(
        reverse("people:resident-reveal", args=[person.pk]), {"field": "id_number"}
    )
    assert response["Location"] == url
    assert person.id_number in client.get(url).content.decode()
    assert person.id_number not in client.get(url).content.decode()  # a reload shows it masked
    entry = AuditEntry.objects.get(action="resident.reveal")
    assert entry.data == {"field": "id_number"} and entry.object_id == str(person.pk)


def test_reveal_is_refused_to_a_viewer_and_leaves_no_reveal_row(client, world):
    person = resident(world.grid, "钱八")
    client.force_login(world.cast["viewer"])
    response = client.post(
        reverse("people:resident-reveal", args=[person.pk]), {"field": "id_number"}
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()
    assert (
        person.id_number
        not in client.get(reverse("people:resident-detail", args=[person.pk])).content.decode()
    )


def test_unknown_field_cannot_be_revealed(client, world):
    person = resident(world.grid, "孙九")
    client.force_login(world.cast["community_worker"])
    client.post(reverse("people:resident-reveal", args=[person.pk]), {"field": "name"})
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()


def test_health_groups_are_hidden_from_a_grid_worker(client, world):
    import datetime

    from people import services
    from people.models import GroupCategory

    person = resident(world.grid, "周十")
    services.add_membership(
        GroupCategory.objects.get(code="disabled"),
        resident=person,
        start=datetime.date(2020, 1, 1),
        attributes={"disability_type": "肢体", "grade": "二级"},
        by=None,
    )
    url = reverse("people:resident-detail", args=[person.pk])
    client.force_login(world.cast["grid_worker"])
    assert "残疾" not in client.get(url).content.decode()
    client.force_login(world.cast["community_worker"])
    assert "残疾" in client.get(url).content.decode()


def test_resident_list_tags_groups_but_hides_health_groups_from_a_grid_worker(client, world):
    import datetime

    from people import services
    from people.models import GroupCategory

    person = resident(world.grid, "周十一")
    for code in ("disabled", "party"):
        services.add_membership(
            GroupCategory.objects.get(code=code),
            resident=person,
            start=datetime.date(2020, 1, 1),
            attributes={"disability_type": "肢体", "grade": "二级"}
            if code == "disabled"
            else {"branch": "第一支部", "joined": "2001-07-01", "party_status": "正式党员"},
            by=None,
        )
    url = reverse("people:resident-list")
    client.force_login(world.cast["grid_worker"])
    page = client.get(url).content.decode()
    assert '<span class="tag group">党员</span>' in page and "残疾" not in page
    client.force_login(world.cast["community_worker"])
    assert '<span class="tag group">残疾</span>' in client.get(url).content.decode()


def test_search_reveals_no_hidden_digit_to_a_role_that_sees_numbers_masked(client, world):
    from people.forms import reveals_hidden_digits

    person = resident(world.grid, "郑十二", phone="13812349876")
    number = person.id_number
    assert not reveals_hidden_digits(number[-4:]) and not reveals_hidden_digits(number)
    assert not reveals_hidden_digits("138 1234 9876")
    assert reveals_hidden_digits(number[-5:]) and reveals_hidden_digits("49876")
    url = reverse("people:resident-list")
    client.force_login(world.cast["viewer"])
    for q in (number[-5:], number[-12:], "349876"):
        response = client.get(url, {"q": q})
        assert list(response.context["rows"]) == []
        assert "只输入最后4位" in response.content.decode()
    assert [r.name for r in client.get(url, {"q": number[-4:]}).context["rows"]] == ["郑十二"]
    assert [r.name for r in client.get(url, {"q": number}).context["rows"]] == ["郑十二"]
    client.force_login(world.cast["community_worker"])  # sees numbers in full: any ending
    assert [r.name for r in client.get(url, {"q": number[-8:]}).context["rows"]] == ["郑十二"]

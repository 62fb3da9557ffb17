import datetime

from django.urls import reverse

from audit.models import AuditEntry
from people import services
from people.models import Household
from people.tests.factories import resident

D = datetime.date(2020, 1, 1)


def _family(world):
    head = resident(world.grid, "户主甲", birth=datetime.date(1960, 1, 1))
    son = resident(world.grid, "儿子乙", birth=datetime.date(1988, 1, 1))
    wife = resident(world.grid, "儿媳丙", birth=datetime.date(1990, 1, 1), male=False)
    household = services.create_household(
        number="F1", place=world.grid, head=head, since=D, by=None
    )
    services.move_in(household, son, relation="子", since=D, by=None)
    services.move_in(household, wife, relation="儿媳/女婿", since=D, by=None)
    return household, head, son, wife


def _version(household: Household) -> int:
    """The version the household's page would carry now."""
    return Household.objects.get(pk=household.pk).version


def test_split_through_the_page_keeps_history(client, world):
    household, _head, son, wife = _family(world)
    client.force_login(world.cast["community_worker"])
    url = reverse("people:household-split", args=[household.pk])
    response = client.post(
        url,
        {
            "number": "F2", "members": [son.pk, wife.pk], "head": son.pk, "on": "2024-05-01",
            "version": _version(household),
        },
    )  # fmt: skip
    new = Household.objects.get(number="F2")
    assert response["Location"] == reverse("people:household-detail", args=[new.pk])
    assert new.head == son
    on_day = lambda h, d: sorted(r.resident.name for r in h.residences.on(d))  # noqa: E731
    assert on_day(household, datetime.date(2024, 4, 30)) == sorted(["户主甲", "儿媳丙", "儿子乙"])
    assert on_day(household, datetime.date(2024, 5, 1)) == ["户主甲"]
    assert on_day(new, datetime.date(2024, 5, 1)) == ["儿媳丙", "儿子乙"]
    assert AuditEntry.objects.filter(action="household.split").count() == 1


def test_split_refuses_taking_everyone_and_changes_nothing(client, world):
    household, head, son, wife = _family(world)
    client.force_login(world.cast["community_worker"])
    client.post(
        reverse("people:household-split", args=[household.pk]),
        {
            "number": "F3",
            "members": [head.pk, son.pk, wife.pk],
            "head": son.pk,
            "on": "2024-05-01",
            "version": _version(household),
        },
    )
    assert not Household.objects.filter(number="F3").exists()
    assert household.residences.filter(until__isnull=True).count() == 3


def test_merge_and_change_head(client, world):
    household, _head, son, _wife = _family(world)
    other_head = resident(world.grid, "邻户丁", birth=datetime.date(1970, 1, 1))
    other = services.create_household(
        number="G1", place=world.grid, head=other_head, since=D, by=None
    )
    client.force_login(world.cast["community_worker"])
    client.post(
        reverse("people:household-head", args=[household.pk]),
        {"head": son.pk, "version": _version(household)},
    )
    household.refresh_from_db()
    assert household.head == son
    client.post(
        reverse("people:household-merge", args=[other.pk]),
        {"into": "F1", "on": "2025-01-01", "version": _version(other)},
    )
    other.refresh_from_db()
    assert other.dissolved_on == datetime.date(2025, 1, 1)
    assert household.residences.filter(until__isnull=True).count() == 4
    bad = client.post(
        reverse("people:household-merge", args=[household.pk]),
        {"into": "不存在", "on": "2025-01-01", "version": _version(household)},
        follow=True,
    )
    assert "没有户号为不存在的户" in bad.content.decode()

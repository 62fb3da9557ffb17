import datetime

import pytest

from audit.models import AuditEntry
from people import services
from people.choices import ResidentStatus
from people.models import Resident
from people.services import DuplicateResident, PossibleDuplicate, ResidentData
from people.tests.factories import id_for, resident
from shequ.errors import DomainError

BIRTH = datetime.date(1985, 2, 28)


def _data(world, **changes):
    values = {"name": "李四", "id_number": id_for(BIRTH, male=False), "place": world.grid}
    return ResidentData(**{**values, **changes})


def test_register_derives_sex_and_birth_and_masks_the_log(world):
    r = services.register_resident(_data(world, phone="+86 139-1234-5678"), by=None)
    assert r.sex == "女" and r.birth_date == BIRTH and r.phone == "13912345678"
    assert r.place_path == world.grid.path
    assert (r.name_initials, r.name_initials_alt) == ("ls", "")
    entry = AuditEntry.objects.get(action="resident.create")
    assert entry.changes["phone"] == [None, "139****5678"]
    assert r.id_number not in str(entry.changes)


def test_legacy_15_digit_number_is_converted(world):
    r = services.register_resident(_data(world, id_number="110105491231002"), by=None)
    assert r.id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id_number": "110105198502280021"}, "校验位"),
        ({"id_number": "11010519850230002X"}, "不存在"),
        ({"id_number": "110105209902280021"}, "晚于今天"),
        ({"id_number": "1101051985"}, "18位"),
        ({"sex": "男"}, "性别"),
        ({"birth_date": datetime.date(1985, 3, 1)}, "出生日期"),
        ({"phone": "12345"}, "手机号码"),
        ({"name": " "}, "姓名"),
    ],
)
def test_bad_resident_is_refused_and_nothing_saved(world, change, message):
    with pytest.raises(DomainError) as error:
        services.register_resident(_data(world, **change), by=None)
    assert message in error.value.message
    assert not Resident.objects.exists()


def test_same_id_twice_is_refused_pointing_at_the_existing_resident(world):
    first = services.register_resident(_data(world), by=None)
    with pytest.raises(DuplicateResident) as error:
        services.register_resident(_data(world, id_number=first.id_number.lower()), by=None)
    assert error.value.existing == first
    assert Resident.objects.count() == 1


def test_same_name_and_birth_date_needs_confirmation(world):
    services.register_resident(_data(world), by=None)
    other = _data(world, id_number=id_for(BIRTH, male=False))
    with pytest.raises(PossibleDuplicate):
        services.register_resident(other, by=None)
    services.register_resident(other, by=None, confirm_similar=True)
    assert Resident.objects.count() == 2


def test_move_out_ends_residence_and_memberships(world):
    from people.models import GroupCategory

    head = resident(world.grid)
    household = services.create_household(
        number="H1", place=world.grid, head=head, since=datetime.date(2020, 1, 1), by=None
    )
    party = GroupCategory.objects.get(code="party")
    services.add_membership(
        party,
        resident=head,
        start=datetime.date(2021, 1, 1),
        attributes={"branch": "第一支部", "party_status": "正式党员"},
        by=None,
    )
    services.move_out(head, on=datetime.date(2025, 6, 30), by=None)
    head.refresh_from_db()
    assert head.status == ResidentStatus.MOVED_OUT
    residence = household.residences.get()
    # Moving out on 30 June: the last day lived here is 29 June.
    assert residence.until == datetime.date(2025, 6, 29) and residence.end_reason == "迁出"
    assert head.memberships.get().end == datetime.date(2025, 6, 29)
    household.refresh_from_db()
    assert household.head is None


def test_county_code_newer_than_the_birth_year_is_accepted(world):
    """武昌区 has had code 420106 since 1983; people born before that carry it too."""
    from people import idnumber

    number = idnumber.make("420106", datetime.date(1950, 4, 2), 18, male=True)
    r = services.register_resident(_data(world, id_number=number), by=None)
    assert r.birth_date == datetime.date(1950, 4, 2)


def test_unknown_province_is_refused(world):
    from people import idnumber

    number = idnumber.make("990101", BIRTH, 18, male=False)
    with pytest.raises(DomainError, match="省份代码"):
        services.register_resident(_data(world, id_number=number), by=None)


def test_leaving_ends_team_roles_and_counts_from_the_day_after(world):
    from people.models import Organisation

    person = resident(world.grid, "队员王")
    patrol = Organisation.objects.create(kind="巡逻队", name="巡逻队", place=world.community)
    member = patrol.members.create(resident=person, role="队员", since=datetime.date(2022, 1, 1))
    services.move_out(person, on=datetime.date(2025, 3, 1), by=None)
    member.refresh_from_db()
    assert member.until == datetime.date(2025, 2, 28)

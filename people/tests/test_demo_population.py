import random

from django.db.models import Count

from people import demo, idnumber
from people.models import Household, Membership, Residence, Resident


def test_a_demo_community_is_plausible(world):
    made = demo.populate(world.community, random.Random(7))
    assert 2000 <= made["residents"] <= 4500
    residents = Resident.objects.filter(place_path__under=world.community.path)
    assert residents.count() == made["residents"]
    for resident in residents.order_by("?")[:200]:
        parsed = idnumber.parse(resident.id_number)
        assert (parsed.sex, parsed.birth_date) == (resident.sex, resident.birth_date)
    # Every household has its head living in it, and nobody lives in two places.
    for household in Household.objects.filter(place_path__under=world.community.path)[:100]:
        assert household.residences.filter(resident=household.head, until__isnull=True).exists()
    assert not (
        Residence.objects.filter(until__isnull=True)
        .values("resident")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    groups = dict(Membership.objects.values_list("category__code").annotate(n=Count("id")))
    for code in ("dibao", "elderly", "party", "disabled", "childbearing"):
        assert groups.get(code, 0) > 0, code
    # Realistic shares: party members a few per cent, low-income households a few per cent.
    assert 0.02 < groups["party"] / made["residents"] < 0.12
    assert 0.005 < groups["dibao"] / made["households"] < 0.06
    for m in Membership.objects.filter(category__code="elderly").select_related("resident")[:50]:
        assert m.resident.age_on(demo.TODAY) >= 80
        assert m.start >= m.resident.birth_date

import datetime

from django.urls import reverse

from areas.models import Dwelling
from people import services
from people.tests.factories import resident


def _names(client, **query):
    response = client.get(reverse("people:resident-list"), query)
    return [r.name for r in response.context["rows"]]


def test_search_by_initials_name_id_phone_and_address(client, world):
    zhang = resident(world.grid, "张三", phone="13812345678")
    resident(world.grid, "李四", birth=datetime.date(1990, 2, 2))
    resident(world.grid, "曾小贤", birth=datetime.date(1991, 3, 3))
    dwelling = Dwelling.objects.create(address="阳光花园3栋2单元502室", place=world.grid)
    household = services.create_household(
        number="S1",
        place=world.grid,
        head=zhang,
        since=datetime.date(2020, 1, 1),
        dwelling=dwelling,
        by=None,
    )
    assert household.dwelling == dwelling
    client.force_login(world.cast["community_worker"])
    assert _names(client, q="zs") == ["张三"]
    assert _names(client, q="zxx") == ["曾小贤"] and _names(client, q="cxx") == ["曾小贤"]
    assert _names(client, q="张") == ["张三"]
    assert _names(client, q="李四") == ["李四"] and _names(client, q="李 四") == ["李四"]
    assert _names(client, q=zhang.id_number) == ["张三"]
    assert _names(client, q=zhang.id_number[-6:]) == ["张三"]
    assert _names(client, q="13812345678") == ["张三"]
    assert _names(client, q="3栋2单元") == ["张三"]
    assert _names(client, q="王") == []
    assert _names(client, q="z") == ["张三", "曾小贤"] and _names(client, q="c") == ["曾小贤"]
    assert _names(client, q="5678") == ["张三"]  # the phone's last digits
    assert _names(client, q="12345678") == ["张三"]


def test_the_last_digits_of_an_id_number_find_it_through_its_last_four(client, world):
    from people.idnumber import make
    from people.services import ResidentData, register_resident

    birth = datetime.date(1970, 1, 1)
    ending_in_x = next(
        n
        for n in (make("110105", birth, seq, male=True) for seq in range(1, 999, 2))
        if n.endswith("X")
    )
    x = register_resident(
        ResidentData(name="钱八", id_number=ending_in_x, place=world.grid), by=None
    )
    others = [resident(world.grid, f"赵{i}", birth=birth + datetime.timedelta(i)) for i in range(9)]
    client.force_login(world.cast["community_worker"])
    assert x.id_tail == ending_in_x[-4:] and x.id_tail.endswith("X")
    assert _names(client, q=ending_in_x[-6:].lower()) == ["钱八"]
    assert _names(client, q=ending_in_x[-4:]) == ["钱八"]
    for person in others:
        assert _names(client, q=person.id_number[-8:]) == [person.name]


def test_list_pages_run_in_place_order_with_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for i in range(120):
        place = world.grid if i % 2 else world.neighbour_grid
        resident(place, f"居民{i:03d}", birth=datetime.date(1950, 1, 1) + datetime.timedelta(i))
    client.force_login(world.cast["community_worker"])
    url = reverse("people:resident-list")
    with django_assert_max_num_queries(14):
        first = client.get(url)
    rows = first.context["rows"]
    assert len(rows) == 50
    assert [r.place_path for r in rows] == sorted(r.place_path for r in rows)
    seen = {r.pk for r in rows}
    more = first.context["more"]
    while more:
        page = client.get(url, {"after": more})
        ids = {r.pk for r in page.context["rows"]}
        assert not ids & seen
        seen |= ids
        more = page.context["more"]
    assert len(seen) == 120


def test_an_estate_name_without_address_words_is_found_through_addresses(client, world):
    person = resident(world.grid, "吴一")
    dwelling = Dwelling.objects.create(address="书香门第5栋1单元101室", place=world.grid)
    services.create_household(
        number="S9",
        place=world.grid,
        head=person,
        since=datetime.date(2020, 1, 1),
        dwelling=dwelling,
        by=None,
    )
    client.force_login(world.cast["community_worker"])
    assert _names(client, q="书香门第") == ["吴一"]


def test_address_fallback_pages_through_all_its_residents(client, world):
    dwelling = Dwelling.objects.create(address="书香门第9栋", place=world.grid)
    head = resident(world.grid, "吴零", birth=datetime.date(1960, 1, 1))
    household = services.create_household(
        number="S10",
        place=world.grid,
        head=head,
        since=datetime.date(2020, 1, 1),
        dwelling=dwelling,
        by=None,
    )
    for i in range(55):
        person = resident(
            world.grid, f"住户{i:02d}", birth=datetime.date(1961, 1, 1) + datetime.timedelta(days=i)
        )
        services.move_in(
            household, person, relation="其他", since=datetime.date(2021, 1, 1), by=None
        )
    client.force_login(world.cast["community_worker"])
    url = reverse("people:resident-list")
    first = client.get(url, {"q": "书香门第"})
    assert len(first.context["rows"]) == 50 and "in=address" in first.context["query"]
    second = client.get(f"{url}?{first.context['query']}&after={first.context['more']}")
    assert len(second.context["rows"]) == 6

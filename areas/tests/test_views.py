import pytest
from django.urls import reverse
from django.utils import timezone

from areas.models import Place
from audit.models import AuditEntry


def test_worker_home_is_their_community_with_counts(client, world, django_assert_max_num_queries):
    client.force_login(world.cast["community_worker"])
    response = client.get(reverse("areas:home"))
    assert response["Location"] == reverse("areas:place-detail", args=[world.community.pk])
    # Session, user, menu, place, breadcrumb, children, one per table of figures, the year's
    # key figures (one grouped query per table, and one that finds whether rollup cells cover
    # the year) and what needs attention: fixed.
    with django_assert_max_num_queries(22):
        page = client.get(response["Location"])
    html = page.content.decode()
    assert "甲社区" in html and "甲一网格" in html and "甲二网格" in html
    assert "乙社区" not in html  # the neighbour is not on the page
    tiles = {t.label: t.value for t in page.context["tiles"]}
    assert tiles["网格"] == 2 and tiles["在住居民"] == 0


def test_subdistrict_officer_sees_every_community_and_can_switch(client, world):
    client.force_login(world.cast["subdistrict_admin"])
    page = client.get(reverse("areas:place-detail", args=[world.subdistrict.pk]))
    html = page.content.decode()
    assert "甲社区" in html and "乙社区" in html
    switch = [p.name for p in page.context["switchable_places"]]
    assert "甲社区" in switch and "乙社区" in switch and "丙社区" not in switch
    response = client.get(reverse("areas:place-switch"), {"place": world.neighbour_community.pk})
    assert response["Location"] == reverse(
        "areas:place-detail", args=[world.neighbour_community.pk]
    )


def test_outsider_reading_a_place_is_logged_and_gets_404(client, world):
    client.force_login(world.outsiders["community_worker"])
    response = client.get(reverse("areas:place-detail", args=[world.community.pk]))
    assert response.status_code == 404
    assert "不在您负责的区划之内" in response.content.decode()
    entry = AuditEntry.objects.get(action="access.out_of_scope")
    assert entry.object_id == str(world.community.pk)


def test_add_grid_through_the_form(client, world):
    client.force_login(world.cast["sysadmin"])
    url = reverse("areas:place-add-child", args=[world.community.pk])
    response = client.post(url, {"name": "甲三网格", "code": ""})
    assert response.status_code == 302
    assert Place.objects.filter(parent=world.community, name="甲三网格").exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "code": ""}, "这个字段是必填项"),
        ({"name": "错网格", "code": "abc"}, "只能由数字组成"),
        ({"name": "错网格", "code": "110199001002001"}, "所属社区"),
    ],
)
def test_bad_input_shows_chinese_error_and_saves_nothing(client, world, data, error):
    client.force_login(world.cast["sysadmin"])
    before = Place.objects.count()
    response = client.post(reverse("areas:place-add-child", args=[world.community.pk]), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Place.objects.count() == before


def test_read_only_role_cannot_change_a_place(client, world):
    client.force_login(world.cast["viewer"])
    response = client.post(
        reverse("areas:place-edit", args=[world.grid.pk]), {"name": "改名", "code": ""}
    )
    assert response.status_code == 403
    assert Place.objects.get(pk=world.grid.pk).name == "甲一网格"
    assert AuditEntry.objects.filter(action="access.denied").exists()


def test_wrong_method_is_refused(client, world):
    client.force_login(world.cast["sysadmin"])
    response = client.delete(reverse("areas:place-detail", args=[world.grid.pk]))
    assert response.status_code == 405


def test_move_grid_through_the_form(client, world):
    client.force_login(world.cast["sysadmin"])
    url = reverse("areas:place-move", args=[world.neighbour_grid.pk])
    response = client.post(url, {"to": world.neighbour_community.pk})
    assert response.status_code == 302
    assert Place.objects.get(pk=world.neighbour_grid.pk).parent == world.neighbour_community


def test_retire_through_the_form_keeps_the_place_visible_as_retired(client, world):
    client.force_login(world.cast["sysadmin"])
    url = reverse("areas:place-retire", args=[world.neighbour_grid.pk])
    today = timezone.localdate().isoformat()
    assert client.post(url, {"on": today}).status_code == 302
    page = client.get(reverse("areas:place-detail", args=[world.community.pk]))
    assert "已撤销" in page.content.decode()


def test_place_list_shows_the_subtree_only(client, world, django_assert_max_num_queries):
    client.force_login(world.cast["subdistrict_admin"])
    with django_assert_max_num_queries(10):
        html = client.get(reverse("areas:place-list")).content.decode()
    assert "甲一网格" in html and "乙一网格" in html
    assert "西街道" not in html and "邻区" not in html

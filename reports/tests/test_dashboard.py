import datetime

from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.tests.factories import open_case


def test_the_home_page_shows_the_years_figures_and_what_needs_attention(client, world):
    worker = world.cast["community_worker"]
    late = open_case(
        world, "诉求", received_at=timezone.now() - datetime.timedelta(days=20), assignee=worker
    )
    waiting = open_case(world, "诉求", assignee=worker)
    services.act(waiting, "finish", by=worker, version=waiting.version, note="修好了")
    client.force_login(worker)
    page = client.get(reverse("areas:place-detail", args=[world.community.pk]))
    tiles = {t.label: t for t in page.context["tiles"]}
    assert tiles["本年受理居民诉求"].value == 2
    assert tiles["诉求结案率（0/2）"].value == "0.0%"
    assert tiles["逾期未办结案件"].value == 1 and tiles["逾期未办结案件"].attention
    assert tiles["待回访诉求"].value == 1
    listed = client.get(tiles["逾期未办结案件"].url)
    assert [c.pk for c in listed.context["rows"]] == [late.pk]
    outsider = world.outsiders["community_worker"]
    client.force_login(outsider)
    assert client.get(reverse("areas:place-detail", args=[world.community.pk])).status_code == 404


def test_roles_without_records_see_no_figures(client, world):
    client.force_login(world.cast["sysadmin"])
    page = client.get(reverse("areas:place-detail", args=[world.community.pk]))
    assert "逾期未办结案件" not in page.content.decode()
    assert not any(t.label.startswith("本年") for t in page.context["tiles"])

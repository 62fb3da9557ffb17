"""Who is offered what on the campaign and supplies pages, and what a refused stage action
shows."""

import datetime
import re
from urllib.parse import urljoin

from django.urls import reverse
from django.utils import timezone

from programs import services
from programs.models import Application, Campaign, DonationDrive, SupplyMove
from programs.tests.factories import household

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _campaign(world) -> Campaign:
    return services.create_campaign(
        services.CampaignData(
            name="平安家庭",
            subject="household",
            criteria="家庭和睦",
            starts_on=TODAY - 30 * DAY,
            ends_on=TODAY + 30 * DAY,
            place=world.community,
        ),
        by=None,
    )


def test_a_grid_worker_is_not_offered_forms_whose_place_list_would_be_empty(client, world):
    client.force_login(world.cast["grid_worker"])
    campaigns = client.get(reverse("programs:campaign-list")).content.decode()
    assert "发起评选" not in campaigns
    stock = client.get(reverse("programs:stock-list")).content.decode()
    assert reverse("programs:supply-receive") not in stock
    assert reverse("programs:supply-issue") not in stock
    for name in ("campaign-create", "supply-receive", "supply-issue", "drive-create"):
        url = reverse(f"programs:{name}")
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"place": world.grid.pk, "name": "x"}).status_code == 403, url
    assert not Campaign.objects.exists() and not DonationDrive.objects.exists()
    assert not SupplyMove.objects.exists()
    # A community worker is offered them, with the community to choose.
    client.force_login(world.cast["community_worker"])
    assert "发起评选" in client.get(reverse("programs:campaign-list")).content.decode()
    page = client.get(reverse("programs:supply-receive"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["place"].queryset) == [world.community]


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_a_refused_stage_action_shows_the_campaign_page_with_the_reason(client, world):
    campaign = _campaign(world)
    homes = [household(world.grid) for _ in range(3)]
    apps = [services.apply(campaign, household=h, by=None) for h in homes]
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:application-review", args=[apps[0].pk])
    # A manual decision without its reason: refused, in Chinese, nothing changed.
    page = client.post(
        url, {"passed": "1", "reason": "", "day": TODAY.isoformat(), "stage": "申报"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "人工评审请写明理由" in html and "平安家庭" in html
    assert Application.objects.get(pk=apps[0].pk).stage == "申报"
    # No link on it leads to an address that only takes POST.
    links = [h for h in _hrefs(html) if not h.startswith(("#", "http", "mailto:"))]
    assert any("stage=" in h for h in links)
    for href in links:
        target = urljoin(f"http://testserver{url}", href).removeprefix("http://testserver")
        status = client.get(target.split("#")[0]).status_code
        assert status != 405, f"{href} → {status}"
    # The stage chips go to the campaign page itself.
    detail = reverse("programs:campaign-detail", args=[campaign.pk])
    assert f'href="{detail}?stage=' in html


def test_a_refused_page_pages_through_the_campaign_page(client, world, monkeypatch):
    from programs import campaign_views

    campaign = _campaign(world)
    homes = [household(world.grid) for _ in range(3)]
    apps = [services.apply(campaign, household=h, by=None) for h in homes]
    client.force_login(world.cast["community_worker"])
    monkeypatch.setattr(campaign_views, "PAGE_SIZE", 2)
    url = reverse("programs:application-review", args=[apps[0].pk])
    page = client.post(url, {"passed": "0", "reason": "", "stage": "申报"})
    html = page.content.decode()
    detail = reverse("programs:campaign-detail", args=[campaign.pk])
    assert f'href="{detail}?stage=%E7%94%B3%E6%8A%A5&amp;page=2"' in html
    assert "人工评审请写明理由" in html
    assert Application.objects.filter(stage="申报").count() == 3

"""A community worker's first minutes: log in, see the community, try next door, log out."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from areas.models import Place
from shequ import demo
from tests.browser.conftest import log_in as _log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_worker_sees_own_community_not_the_neighbour_and_logs_out(page: Page, demo_site):
    page.set_viewport_size({"width": 375, "height": 812})

    _log_in(page, demo_site, "sq_worker", "wrong-Pass-1")
    expect(page.get_by_role("alert")).to_contain_text("账号或密码不正确")

    _log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="柳岸社区", exact=True)).to_be_visible()
    expect(page.locator(".who")).to_contain_text("社区工作者")
    expect(page.get_by_role("link", name="第一网格")).to_be_visible()
    # No place switcher for a community worker, and the neighbour is nowhere on the page.
    expect(page.locator("#place-switch")).to_have_count(0)
    expect(page.get_by_text("花园社区")).to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "worker-home-375.png"), full_page=True)

    neighbour = Place.objects.get(name="花园社区")
    response = page.goto(f"{demo_site}/places/{neighbour.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()

    page.get_by_text("菜单").click()  # folded on a phone
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.goto(f"{demo_site}/places/{neighbour.pk - 1}/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def test_subdistrict_officer_moves_into_a_community_with_the_switcher(page: Page, demo_site):
    page.set_viewport_size({"width": 1280, "height": 800})
    _log_in(page, demo_site, "jd_admin", demo.DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="东湖街道", exact=True)).to_be_visible()
    page.locator("#place-switch").select_option(label="\u3000花园社区")
    expect(page.get_by_role("heading", name="花园社区", exact=True)).to_be_visible()
    expect(page.locator(".breadcrumb")).to_contain_text("东湖街道")
    page.screenshot(path=str(SHOTS / "subdistrict-switch-1280.png"), full_page=True)

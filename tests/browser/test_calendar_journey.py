"""A community worker opens the month's calendar from the menu on a desk and on a phone, finds
today's records, and follows "+N 条" to the rest of a busy day."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from areas.models import Place
from ledger.models import Topic, WorkRecord
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def _busy_today() -> None:
    """Six records today in 柳岸社区 (the demo spreads a year thinly), one in 花园社区."""
    today = timezone.localdate()
    law = Topic.objects.get(code="law")
    home, neighbour = Place.objects.get(name="柳岸社区"), Place.objects.get(name="花园社区")
    titles = ["两委班子例会", "平安巡逻", "防诈骗讲座", "入户走访", "垃圾分类宣传", "议事会"]
    for hour, title in zip((8, 9, 10, 14, 15, 19), titles, strict=True):
        WorkRecord.objects.create(
            kind="活动", title=f"今日{title}", date=today, place=home,
            start_time=datetime.time(hour),
        ).topics.add(law)  # fmt: skip
    WorkRecord.objects.create(
        kind="活动", title="花园社区的活动", date=today, place=neighbour
    ).topics.add(law)


def test_a_worker_reads_the_month_on_a_desk_and_on_a_phone(page: Page, demo_site):
    _busy_today()
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    page.get_by_role("link", name="工作日历").click()
    expect(page.get_by_role("heading", name="工作日历")).to_be_visible()
    today = page.locator('td[aria-current="date"]')
    expect(today).to_contain_text("今天")
    expect(today.get_by_role("link", name="今日两委班子例会")).to_be_visible()
    expect(today.get_by_role("link", name="+2 条")).to_be_visible()
    expect(page.get_by_text("花园社区的活动")).to_have_count(0)
    headers = page.locator("table.calendar th").all_inner_texts()
    assert headers == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    page.screenshot(path=str(SHOTS / "record-calendar-1280.png"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    # A list of days: no weekday header row, empty days folded away, nothing wider than the
    # screen, today's records readable.
    expect(page.locator("table.calendar thead")).to_be_hidden()
    expect(today.get_by_role("link", name="今日平安巡逻")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "record-calendar-375.png"), full_page=True)

    today.get_by_role("link", name="+2 条").click()
    expect(page.get_by_role("heading", name="工作记录")).to_be_visible()
    expect(page.get_by_text("今日垃圾分类宣传")).to_be_visible()
    expect(page.get_by_text("今日议事会")).to_be_visible()
    expect(page.get_by_label("日期")).to_have_value(timezone.localdate().isoformat())

"""On a phone at a shop: a worker starts an inspection from the unit list, answers the fire
checklist with big buttons, notes what fails, issues the rectification order from the failing
item, and later re-checks it — a re-check dated before the order is refused with what was
typed kept, the next one closes the order."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inspections.models import Inspection, Rectification
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_an_inspection_on_a_phone_leads_to_an_order_and_a_recheck(page: Page, demo_site):
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    page.goto(f"{demo_site}/units/")
    row = page.locator("tr", has=page.get_by_role("link", name="苏记超市"))
    row.get_by_role("link", name="检查").click()
    expect(page.get_by_role("radio", name="苏记超市")).to_be_checked()
    page.get_by_text("消防安全检查").click()
    page.get_by_role("button", name="下一步：填写检查结果").click()
    expect(page.get_by_role("heading", name="新增检查：消防安全检查")).to_be_visible()

    items = page.locator(".check-item")
    for n in range(items.count()):
        item = items.nth(n)
        choices = item.locator(".answer-choices label")
        if choices.count():
            passing = item.locator(".answer-choices label:not(.fails)")
            (item.locator("label.fails") if n == 0 else passing).first.click()
        elif item.locator("input[type=number]").count():
            item.locator("input[type=number]").fill("2")
    items.first.get_by_role("textbox").fill("两具灭火器已过期")
    page.screenshot(path=str(SHOTS / "inspection-form-390.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("发现1项不合格")).to_be_visible()
    inspection = Inspection.objects.filter(unit__name="苏记超市").latest("pk")
    assert inspection.failures == 1
    unit = inspection.unit

    page.get_by_role("link", name="下达整改通知").click()
    expect(page.get_by_label("存在问题")).to_have_value(
        f"{inspection.answers.get(failed=True).item.label}：两具灭火器已过期"
    )
    person = unit.legal_representative or unit.contact_name
    expect(page.get_by_label("整改责任单位/责任人")).to_have_value(f"苏记超市（{person}）")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已下达整改通知")).to_be_visible()
    order = Rectification.objects.get(inspection=inspection)
    assert order.deadline == timezone.localdate() + datetime.timedelta(days=7)

    page.get_by_role("link", name=order.number).click()
    page.get_by_text("已整改到位", exact=True).click()
    expect(page.get_by_label("新的整改期限")).to_be_hidden()  # only asked when not put right
    early = (order.issued_on - datetime.timedelta(days=1)).isoformat()
    page.get_by_label("复查日期").fill(early)
    page.get_by_label("复查情况").fill("已更换两具新灭火器")
    page.get_by_role("button", name="保存复查").click()
    expect(page.get_by_text("复查日期不能早于整改通知下达日期")).to_be_visible()
    expect(page.get_by_label("复查情况")).to_have_value("已更换两具新灭火器")
    page.get_by_label("复查日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="保存复查").click()
    expect(page.get_by_text("整改通知已销号")).to_be_visible()
    page.screenshot(path=str(SHOTS / "rectification-closed-390.png"), full_page=True)
    order.refresh_from_db()
    assert order.closed_on == timezone.localdate() and order.rechecks.count() == 1

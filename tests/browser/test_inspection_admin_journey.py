"""Responsibility agreements and checklists, as people use them: a worker sees on 签订情况 who
has not signed a fire-safety agreement, registers one with its scan from there, on a phone;
the district admin changes a checklist in a new version and publishes it."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inspections import builtin
from inspections.models import Agreement, Checklist, ChecklistItem, ChecklistVersion
from ledger.demo import sample_photo
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_worker_signs_up_an_unsigned_unit_from_the_coverage_page(page: Page, demo_site, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    scan = tmp_path / "责任书.jpg"
    scan.write_bytes(sample_photo(seed=3))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    page.get_by_text("菜单").click()
    page.get_by_role("link", name="责任书", exact=True).click()
    page.get_by_role("link", name="签订情况").click()
    expect(page.get_by_role("heading", name="责任书签订情况")).to_be_visible()
    # Not the "全部已签订" line the list shows once empty: the demo may leave only one unsigned.
    unsigned = page.locator("#unsigned li:not(.empty)")
    before = unsigned.count()
    assert before > 0
    name = unsigned.first.locator(".party-name a").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "agreement-coverage-390.png"), full_page=True)

    unsigned.first.get_by_role("link", name="登记").click()
    expect(page.locator(".party")).to_contain_text(name)
    expect(page.get_by_label("类型")).to_have_value("消防安全责任书")
    ends = timezone.localdate() + datetime.timedelta(days=365)
    page.get_by_label("有效期至").fill(ends.isoformat())
    page.get_by_label("签字人").fill("负责人")
    page.get_by_label("扫描件").set_input_files(str(scan))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("有效", exact=True)).to_be_visible()
    expect(page.locator(".scan img")).to_be_visible()
    page.screenshot(path=str(SHOTS / "agreement-detail-390.png"), full_page=True)
    agreement = Agreement.objects.get(party_name=name)
    assert agreement.ends_on == ends and agreement.scan_content_type == "image/jpeg"

    page.goto(f"{demo_site}/inspections/agreements/coverage/")
    expect(page.locator("#signed")).to_contain_text(name)
    expect(page.locator("#unsigned li:not(.empty)")).to_have_count(before - 1)


def test_an_admin_changes_a_checklist_in_a_new_version(page: Page, demo_site):
    # A live-server test's database is emptied after each test, migration data included.
    builtin.ensure(Checklist, ChecklistVersion, ChecklistItem, now=timezone.now())
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, demo_site, "qu_admin", demo.DEFAULT_PASSWORD)
    page.get_by_role("link", name="检查表", exact=True).click()
    page.get_by_role("link", name="食品卫生检查").click()
    expect(page.get_by_text("当前检查项目（第1版）")).to_be_visible()
    page.get_by_role("button", name="建立新版本").click()
    expect(page.get_by_text("已建立第2版草稿")).to_be_visible()

    page.get_by_label("检查项目").fill("明厨亮灶设施正常使用")
    page.get_by_label("不合格的回答").fill("否")
    page.get_by_label("不合格须整改").check()
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_text("已添加“明厨亮灶设施正常使用”")).to_be_visible()
    page.get_by_role("button", name="上移“明厨亮灶设施正常使用”").click()
    labels = page.locator(".checklist-items .item-label").all_inner_texts()
    assert labels[-2].endswith("明厨亮灶设施正常使用")
    page.get_by_role("button", name="发布第2版").click()
    expect(page.get_by_text("已发布第2版")).to_be_visible()
    food = Checklist.objects.get(name="食品卫生检查")
    assert food.current().number == 2 and food.draft() is None
    assert food.current().items.count() == 8

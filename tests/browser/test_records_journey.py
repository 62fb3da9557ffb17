"""A community worker logs an activity on a phone and finds it in the 活动台账 export."""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from ledger.models import WorkRecord
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_worker_logs_an_activity_on_a_phone_and_finds_it_in_the_ledger(page: Page, demo_site):
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    page.goto(f"{demo_site}/records/new/")
    expect(page.get_by_role("heading", name="登记工作记录")).to_be_visible()

    page.get_by_label("类型").select_option("活动")
    page.get_by_label("老龄").check()
    page.get_by_label("文体").check()
    page.get_by_label("标题").fill("银龄健步走")
    page.get_by_label("地点").fill("滨江步道")
    page.get_by_label("参与人次").fill("46")
    page.get_by_label("物品（件）").fill("40")
    page.get_by_label("资金（元）").fill("-1")  # refused, nothing saved
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("“资金”的数量应为不小于0的数字")).to_be_visible()
    assert not WorkRecord.objects.filter(title="银龄健步走").exists()
    page.get_by_label("资金（元）").fill("600")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="银龄健步走")).to_be_visible()

    for name in ("王", "李"):  # two named participants, found through the registry's search
        page.get_by_placeholder("姓名、拼音首字母、身份证号、手机、地址").fill(name)
        page.get_by_role("button", name="查找").click()
        page.locator("ul.found li").first.get_by_role("button", name="添加").click()
        expect(page.get_by_text("已添加")).to_be_visible()
    record = WorkRecord.objects.get(title="银龄健步走")
    assert record.participants.count() == 2 and record.head_count == 46
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "record-detail-375.png"), full_page=True)

    page.goto(f"{demo_site}/people/ledgers/activities/")
    expect(page.get_by_text("银龄健步走")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    mine = next(row for row in rows if "银龄健步走" in row)
    assert 46 in mine and "资金600元、物品40件" in mine  # in catalogue order
    assert any("老龄" in str(v) for v in mine)

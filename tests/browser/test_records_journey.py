"""A community worker logs an activity on a phone, with a photo, and finds it in the 活动台账
export; residents sign themselves in to an activity by its code on their own phones."""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from ledger.demo import sample_photo
from ledger.models import SignIn, WorkRecord
from people.models import Resident
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
    page.get_by_label("照片").set_input_files(
        files=[{"name": "健步走.jpg", "mimeType": "image/jpeg", "buffer": sample_photo(7)}]
    )
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="银龄健步走")).to_be_visible()
    photo = page.locator(".photos img").first
    expect(photo).to_be_visible()
    # The preview really loads: wait for the image itself, not only its element (a broken
    # image completes with no width and the wait times out).
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )

    for name in ("王", "李"):  # two named participants, found through the registry's search
        page.get_by_placeholder("姓名、拼音首字母、身份证号、手机、地址、户号、单位名称").fill(name)
        page.get_by_role("button", name="查找").click()
        page.locator("ul.found li").first.get_by_role("button", name="添加").click()
        expect(page.get_by_text("已添加")).to_be_visible()
    record = WorkRecord.objects.get(title="银龄健步走")
    assert record.participants.count() == 2 and record.head_count == 46
    assert record.attachments.get().name == "健步走.jpg"
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


def test_residents_sign_in_by_code_on_their_own_phones(page: Page, browser, demo_site):
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    page.goto(f"{demo_site}/records/new/")
    page.get_by_label("类型").select_option("讲座")
    page.get_by_label("法治").check()
    page.get_by_label("标题").fill("反诈知识讲座")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="开启现场签到").click()
    code = page.locator(".signin-code .code").inner_text().strip()
    expect(page.locator(".signin-code svg")).to_be_visible()  # the QR code
    link = page.locator(".signin-code .muted").first.inner_text().strip()
    assert link.endswith(f"/signin/?code={code}")

    record = WorkRecord.objects.get(title="反诈知识讲座")
    registered = (  # someone living in the record's community, so the sign-in matches
        Resident.objects.filter(status="在住", place_path__startswith=record.place.path)
        .exclude(phone="")
        .order_by("pk")[0]
    )
    phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    resident_page = phone.new_page()
    resident_page.goto(f"{demo_site}/signin/")  # typed by hand: the code, then name and phone
    resident_page.get_by_label("签到码").fill(code.lower())
    resident_page.get_by_role("button", name="下一步").click()
    expect(resident_page.get_by_text("反诈知识讲座")).to_be_visible()
    resident_page.get_by_label("姓名").fill(registered.name)
    resident_page.get_by_label("手机号码").fill("12")  # refused in Chinese, nothing kept
    resident_page.get_by_role("button", name="签到").click()
    expect(resident_page.get_by_text("手机号码“12”不正确")).to_be_visible()
    assert not SignIn.objects.exists()
    resident_page.get_by_label("手机号码").fill(registered.phone)
    resident_page.get_by_role("button", name="签到").click()
    expect(resident_page.get_by_text("签到成功")).to_be_visible()

    stranger = phone.new_page()
    stranger.goto(link)  # scanned from the QR code
    stranger.get_by_label("姓名").fill("路人甲")
    stranger.get_by_label("手机号码").fill("13900001234")
    stranger.get_by_role("button", name="签到").click()
    expect(stranger.get_by_text("签到成功")).to_be_visible()
    phone.close()

    page.reload()
    participants = page.locator("#participants table")
    expect(participants.get_by_text(registered.name)).to_be_visible()
    expect(page.get_by_text("待核对的签到")).to_be_visible()
    expect(page.get_by_text("139****1234")).to_be_visible()
    page.locator("ul.found li", has_text="路人甲").get_by_role("button", name="忽略").click()
    expect(page.get_by_text("已处理路人甲的签到")).to_be_visible()
    assert SignIn.objects.get(name="路人甲").state == SignIn.State.DISMISSED

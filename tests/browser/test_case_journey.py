"""A resident files a request on the public page; a worker dispatches, handles and finishes it
on the case screens; the resident rates it with the tracking code; the worker closes it, and
the rates on the case list move by exactly that case."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from cases.models import Case
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def _rate(page: Page, label: str) -> tuple[int, int]:
    """The numerator and denominator a rate tile shows: "结案率（12/40）"."""
    text = page.locator(".tile-label", has_text=label).inner_text()
    numerator, denominator = re.search(r"（(\d+)/(\d+)）", text).groups()
    return int(numerator), int(denominator)


def _list_rates(page: Page, site: str) -> dict[str, tuple[int, int]]:
    page.goto(f"{site}/cases/list/?kind=诉求")
    expect(page.get_by_role("heading", name="居民诉求/报修")).to_be_visible()
    rates = {"结案率": _rate(page, "结案率")}
    if page.locator(".tile-label", has_text="满意率").count():
        rates["满意率"] = _rate(page, "满意率")
    else:
        rates["满意率"] = (0, 0)
    return rates


def test_a_request_filed_by_a_resident_is_handled_rated_and_counted(
    browser: Browser, page: Page, demo_site
):
    SHOTS.mkdir(exist_ok=True)
    worker = User.objects.get(username="sq_worker")
    resident = browser.new_context(viewport={"width": 375, "height": 780}, locale="zh-CN")
    phone = resident.new_page()
    phone.goto(f"{demo_site}/request/?c={worker.place.code}")
    phone.get_by_label("问题类别").select_option("环境卫生")
    phone.get_by_label("姓名").fill("李先生")
    phone.get_by_label("手机号码").fill("13712345678")
    phone.get_by_label("地址").fill("5号楼东侧")
    phone.get_by_label("需要帮助的事情").fill("5号楼东侧垃圾桶满溢三天没人清运")
    phone.get_by_role("button", name="提交").click()
    code = phone.locator("#tracking-code").inner_text().strip()
    case = Case.objects.get(tracking_code=code)

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    before = _list_rates(page, demo_site)
    page.get_by_role("link", name="我的案件").first.click()
    waiting = page.locator("section", has=page.get_by_role("heading", name="待派单"))
    waiting.get_by_role("link", name=case.title).first.click()
    expect(page.get_by_role("heading", name=case.title)).to_be_visible()
    expect(page.get_by_text("137****5678")).to_be_visible()

    page.get_by_label("承办人").select_option(str(worker.pk))
    page.get_by_role("button", name="确认派单").click()
    expect(page.get_by_text("已派单").first).to_be_visible()
    page.get_by_role("button", name="确认开始处理").click()
    expect(page.locator(".tag", has_text="处理中")).to_be_visible()
    page.get_by_role(
        "button", name="确认办结"
    ).click()  # the next step is open; its result is required
    result = page.get_by_label("办理结果（居民查询时可见）")
    assert result.evaluate("el => el.validity.valueMissing")  # the browser holds the form back
    expect(page.locator(".tag", has_text="处理中")).to_be_visible()
    result.fill("已联系环卫当天清运，并增加清运频次")
    page.get_by_role("button", name="确认办结").click()
    expect(page.locator(".tag", has_text="已办结")).to_be_visible()
    page.screenshot(path=str(SHOTS / "case-finished-1280.png"), full_page=True)

    phone.goto(f"{demo_site}/request/track/")
    phone.get_by_label("查询码").fill(code)
    phone.get_by_label("手机号码").fill("13712345678")
    phone.get_by_role("button", name="查询", exact=True).click()
    expect(phone.get_by_text("已联系环卫当天清运，并增加清运频次")).to_be_visible()
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator(".state-tag")).to_have_text("已回访")
    resident.close()

    page.reload()
    expect(page.locator(".tag", has_text="已回访")).to_be_visible()
    expect(page.get_by_text("满意").first).to_be_visible()
    page.get_by_role("button", name="确认结案").click()
    expect(page.locator(".tag", has_text="已结案")).to_be_visible()

    after = _list_rates(page, demo_site)
    closed, total = before["结案率"]
    assert after["结案率"] == (closed + 1, total)  # the request was counted since it was filed
    satisfied, rated = before["满意率"]
    assert after["满意率"] == (satisfied + 1, rated + 1)
    page.screenshot(path=str(SHOTS / "case-list-1280.png"), full_page=True)

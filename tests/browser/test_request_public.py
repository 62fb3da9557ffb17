"""A resident on a phone files a request from the community's poster link, keeps the tracking
code, looks the request up, and rates it once the community has finished it. The workers' side
is done through the services here: its screens come later."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from accounts.models import User
from cases import services
from cases.flows import FAIRLY_SATISFIED
from cases.models import Case

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
WIDTH = 375


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_a_resident_files_tracks_and_rates_a_request_on_a_phone(browser: Browser, demo_site):
    SHOTS.mkdir(exist_ok=True)
    worker = User.objects.get(username="sq_worker")
    community = worker.place
    phone = browser.new_context(viewport={"width": WIDTH, "height": 780}, locale="zh-CN")
    page = phone.new_page()
    demo_cases = Case.objects.count()  # the demo's own year of cases

    page.goto(f"{demo_site}/accounts/login/")
    page.get_by_role("link", name="居民自助报事").click()
    expect(page.get_by_role("heading", name="我要报事")).to_be_visible()
    page.goto(f"{demo_site}/request/?c={community.code}")  # the link on the office's poster
    expect(page.get_by_label("所在社区")).to_have_value(str(community.pk))
    page.get_by_label("问题类别").select_option("水电维修")
    page.get_by_label("姓名").fill("王女士")
    page.get_by_label("手机号码").fill("139 1234")
    page.get_by_label("地址").fill("3号楼2单元501")
    page.get_by_label("需要帮助的事情").fill("厨房水管漏水 <b>很急</b>")
    _fits(page)
    page.screenshot(path=str(SHOTS / "request-file-375.png"), full_page=True)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("请填写11位手机号码")).to_be_visible()
    assert Case.objects.count() == demo_cases

    page.get_by_label("手机号码").fill("139 1234 5678")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    code = page.locator("#tracking-code").inner_text().strip()
    filed = Case.objects.get(tracking_code=code)  # the phone is stored encrypted: found by code
    assert filed.reporter_phone == "13912345678"
    expect(page.get_by_text("请保存好查询码")).to_be_visible()
    _fits(page)
    page.screenshot(path=str(SHOTS / "request-filed-375.png"), full_page=True)

    page.get_by_role("link", name="查询办理进度").click()
    expect(page.get_by_label("查询码")).to_have_value(code)
    page.get_by_label("手机号码").fill("13800000000")
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("查询码或手机号码不正确，请核对后再试")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator(".state-tag")).to_have_text("已受理")
    expect(page.get_by_text("厨房水管漏水 <b>很急</b>")).to_be_visible()  # as typed, as text
    expect(page.get_by_text("139****5678")).to_be_visible()

    case = filed
    for code_, note in (("assign", ""), ("start", "上门查看"), ("finish", "已更换进水阀门")):
        case = services.act(
            case, code_, by=worker, version=case.version, note=note,
            assignee=worker if code_ == "assign" else None,
        )  # fmt: skip

    page.get_by_role("link", name="查询另一件诉求").click()
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator(".state-tag")).to_have_text("已办结")
    expect(page.get_by_text("已更换进水阀门")).to_be_visible()
    expect(page.get_by_text("上门查看")).to_have_count(0)
    expect(page.get_by_text(worker.name)).to_have_count(0)
    page.get_by_label("基本满意").check()
    page.get_by_label("意见建议（选填）").fill("师傅很耐心")
    _fits(page)
    page.screenshot(path=str(SHOTS / "request-track-375.png"), full_page=True)
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价！")).to_be_visible()
    expect(page.locator(".state-tag")).to_have_text("已回访")
    _fits(page)
    page.screenshot(path=str(SHOTS / "request-rated-375.png"), full_page=True)
    case.refresh_from_db()
    assert (case.state, case.rating) == ("已回访", FAIRLY_SATISFIED)
    phone.close()

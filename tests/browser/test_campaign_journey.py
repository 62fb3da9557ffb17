"""A community worker runs a small 评选活动 from application to award: sets up a household
campaign with a per-member water threshold (a rule on a data item that does not exist is
refused in Chinese, nothing saved), registers three households on a phone from the list of
those who have not applied, screens them by the rule, shortlists one and turns the other
down with a reason, awards the one with a certificate, and reads the funnel and the coverage
(awarded ÷ eligible) on the campaign page. The household that failed the rule is offered no
action, and an award posted for it anyway is refused."""

import datetime
import re
from pathlib import Path

import pytest
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from people.models import Household
from programs.models import Application, Campaign
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NAME = "节水示范家庭"  # the demo already runs a 节水型家庭 in this community
LIMIT = 30  # tonnes of water a year per member


def _row(page: Page, who: str) -> Locator:
    return page.locator("#applicants tbody tr", has_text=who)


def _lines(element: Locator) -> int:
    """How many lines the element's text takes on screen."""
    return element.evaluate(
        """el => { const r = document.createRange(); r.selectNodeContents(el);
                   return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""
    )


def _apply(page: Page, site: str, campaign: Campaign, *, per_member: int) -> tuple[str, int]:
    """From the list of eligible households not yet applied, register the first one with
    people living in it, reporting `per_member` tonnes a year for each of them."""
    page.goto(f"{site}/programs/campaigns/{campaign.pk}/eligible/")
    expect(page.get_by_role("heading", name="尚未申报的家庭")).to_be_visible()
    rows = page.locator("table tbody tr")
    chosen = next(
        r for r in rows.all() if r.locator("td[data-label='人数']").inner_text().strip() != "0"
    )
    number = chosen.locator("td[data-label='户号']").inner_text().strip()
    chosen.get_by_role("link", name="登记申报").click()
    expect(page.get_by_role("heading", name="登记申报")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(f"户 {number}"))).to_be_visible()
    members = int(re.search(r"在住(\d+)人", page.locator("section.card").inner_text()).group(1))
    page.get_by_label("全年用水量（吨）").fill(str(per_member * members))
    page.get_by_role("button", name="确认申报").click()
    expect(page.get_by_text(f"已登记“{number}”的申报")).to_be_visible()
    return number, members


def test_a_worker_runs_a_campaign_from_application_to_award(page: Page, demo_site):
    SHOTS.mkdir(exist_ok=True)
    today = timezone.localdate()
    ends = today + datetime.timedelta(days=30)
    page.set_viewport_size(DESK)
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    community = User.objects.get(username="sq_worker").place

    page.get_by_role("link", name="评选活动").click()
    page.get_by_role("link", name="发起评选").click()
    expect(page.get_by_role("heading", name="发起评选活动")).to_be_visible()
    page.get_by_label("评选名称").fill(NAME)
    expect(page.get_by_label("家庭（户）")).to_be_checked()
    page.get_by_label("评选标准").fill(f"全年人均用水量不超过{LIMIT}吨，节水器具使用率高")
    page.get_by_label("评选截止").fill(ends.isoformat())
    expect(page.get_by_label("评选范围")).to_have_value(str(community.pk))
    page.get_by_label("户籍户").check()
    page.get_by_label("常住户").check()
    page.get_by_label("申报数据项").fill("water:全年用水量:吨")
    page.get_by_label("按申报数据自动初审").check()
    page.get_by_label("初审依据的数据项").fill("electricity")  # not among the data items
    page.get_by_label("按户内人数平均（人均）").check()
    page.get_by_label("比较").select_option(label="不高于")
    page.get_by_label("标准值").fill(str(LIMIT))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("初审依据的数据项“electricity”不存在（已有：water）")).to_be_visible()
    assert not Campaign.objects.filter(name=NAME).exists()
    expect(page.get_by_label("申报数据项")).to_have_value("water:全年用水量:吨")  # kept
    page.screenshot(path=str(SHOTS / "campaign-form-refused.png"), full_page=True)
    page.get_by_label("初审依据的数据项").fill("water")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"已发起“{NAME}”")).to_be_visible()
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    expect(
        page.get_by_text(f"按申报数据自动初审：人均全年用水量不高于{LIMIT}吨/人为通过")
    ).to_be_visible()
    campaign = Campaign.objects.get(name=NAME)

    # 参评范围: the community's 户籍 and 常住 households still registered at the deadline.
    eligible = (
        Household.objects.filter(
            place_path__startswith=community.path, registration__in=["户籍", "常住"]
        )
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=ends))
        .count()
    )
    coverage = page.locator("#funnel .coverage")
    expect(coverage).to_have_text(
        re.compile(rf"覆盖率\s*0\.0%\s*授牌 0 ÷ 参评范围 {eligible}（户）")
    )
    expect(page.get_by_text("还没有申报")).to_be_visible()

    # On the doorstep, on a phone: three households apply, two within the limit, one over.
    page.set_viewport_size(PHONE)
    frugal, frugal_members = _apply(page, demo_site, campaign, per_member=LIMIT - 8)
    expect(page.get_by_text(f"参评范围{eligible}，已申报1")).to_be_visible()
    page.screenshot(path=str(SHOTS / "campaign-eligible-390.png"), full_page=True)
    careful, _ = _apply(page, demo_site, campaign, per_member=LIMIT)  # on the limit
    wasteful, _ = _apply(page, demo_site, campaign, per_member=LIMIT + 15)
    expect(page.get_by_text(f"参评范围{eligible}，已申报3")).to_be_visible()
    for number in (frugal, careful, wasteful):  # no longer among those to visit
        expect(page.locator("table tbody").get_by_role("link", name=number)).to_have_count(0)

    page.get_by_role("link", name="返回评选").click()
    expect(page.get_by_role("link", name="全部（3）")).to_be_visible()
    # The section's buttons make room for its heading on a phone rather than squeezing it
    # into a column of single characters.
    assert _lines(page.get_by_role("heading", name="申报情况")) == 1
    page.screenshot(path=str(SHOTS / "campaign-applied-390.png"), full_page=True)

    # 按规则初审, after the confirmation the browser asks for.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="按规则初审（3份待审）").click()
    expect(page.get_by_text("已按规则初审3份申报")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("按规则初审"))).to_have_count(0)
    for number in (frugal, careful):
        expect(_row(page, number).get_by_text("初审通过", exact=True)).to_be_visible()
    failed = _row(page, wasteful)
    expect(failed.get_by_text("初审未通过", exact=True)).to_be_visible()
    expect(failed).to_contain_text(
        f"人均全年用水量 {LIMIT + 15:.2f}，不符合“不高于{LIMIT:.2f}”的标准"
    )
    expect(_row(page, frugal)).to_contain_text(f"{(LIMIT - 8) * frugal_members}（人均{LIMIT - 8}）")

    # Back at the desk: one household shortlisted; the other turned down, with a reason.
    page.set_viewport_size(DESK)
    row = _row(page, careful)
    row.get_by_text("入围评定", exact=True).click()
    row.get_by_label("未入围").check()
    row.get_by_role("button", name="确认入围评定").click()
    row = _row(page, careful)  # the page came back with the form open and the refusal in it
    expect(row.get_by_text("请填写评审意见")).to_be_visible()
    assert Application.objects.get(campaign=campaign, household__number=careful).stage == "初审通过"
    row.get_by_label("评审意见").fill("用水量恰在标准线上，节水措施较少")
    row.get_by_role("button", name="确认入围评定").click()
    expect(page.get_by_text(re.compile(f"“{careful}（.+）”未入围"))).to_be_visible()
    expect(_row(page, careful).get_by_text("未入围", exact=True)).to_be_visible()

    row = _row(page, frugal)
    row.get_by_text("入围评定", exact=True).click()
    row.get_by_label("入围", exact=True).check()
    row.get_by_role("button", name="确认入围评定").click()
    expect(page.get_by_text(re.compile(f"“{frugal}（.+）”入围"))).to_be_visible()
    expect(_row(page, frugal).get_by_text("入围", exact=True)).to_be_visible()

    row = _row(page, frugal)
    row.get_by_text("授牌", exact=True).click()
    expect(row.get_by_label("已发证书/牌匾")).to_be_checked()
    row.get_by_role("button", name="确认授牌").click()
    expect(page.get_by_text(re.compile(f"已为“{frugal}.*”授牌"))).to_be_visible()
    row = _row(page, frugal)
    expect(row.get_by_text("评定/授牌")).to_be_visible()
    expect(row).to_contain_text(f"{today.isoformat()} · 已发证书")

    # The funnel and the coverage, each share of the eligible households.
    funnel = page.locator("#funnel svg title")
    expect(funnel).to_have_text(f"参评{eligible}，申报3，初审通过2，入围1，授牌1")
    share = f"{100 / eligible:.1f}%"
    expect(coverage).to_have_text(
        re.compile(rf"覆盖率\s*{re.escape(share)}\s*授牌 1 ÷ 参评范围 {eligible}（户）")
    )
    expect(page.get_by_role("link", name="全部（3）")).to_be_visible()
    expect(page.get_by_role("link", name="评定/授牌（1）")).to_be_visible()
    expect(page.get_by_role("link", name="初审未通过（1）")).to_be_visible()
    page.screenshot(path=str(SHOTS / "campaign-awarded.png"), full_page=True)

    # Neither the household that failed the rule nor the one turned down is offered anything.
    for number in (wasteful, careful):
        expect(_row(page, number).locator("td.act details")).to_have_count(0)
        expect(_row(page, number).get_by_role("button")).to_have_count(0)
    # And an award posted for the failed one anyway (a stale page, a crafted request) is refused.
    failed_application = Application.objects.get(campaign=campaign, household__number=wasteful)
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    refused = page.request.post(
        f"{demo_site}/programs/campaigns/applications/{failed_application.pk}/award/",
        form={"csrfmiddlewaretoken": token, "day": today.isoformat(), "certificate": "on"},
    )
    assert refused.ok
    assert "处于“初审未通过”阶段，不能授牌" in refused.text()
    failed_application.refresh_from_db()
    assert failed_application.stage == "初审未通过" and failed_application.awarded_on is None

    page.get_by_role("link", name="返回", exact=True).click()
    line = page.locator("table.campaigns tbody tr", has=page.get_by_role("link", name=NAME))
    expect(line.locator("td[data-label='授牌']")).to_have_text("1")
    expect(line.locator("td[data-label='覆盖率']")).to_have_text(share)

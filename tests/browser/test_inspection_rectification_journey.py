"""On a phone at a shop: a worker starts an inspection from the unit list, answers the fire
checklist with big buttons, notes what fails, issues the rectification order from the failing
item, and later re-checks it — a re-check dated before the order is refused with what was
typed kept, the next one closes the order. Back at the desk, the year's 安全检查与爱国卫生
figures on the statistics page and the 隐患整改台账 (on screen and as .xlsx) have moved by
exactly that one inspection and that one order."""

import datetime
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inspections.models import Inspection, Rectification
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
COMMUNITY = "柳岸社区"  # sq_worker's community in the demo


def _safety_figures(page: Page, site: str, shot: str) -> dict[str, tuple[str, str]]:
    """The 安全检查与爱国卫生 tiles of the community's current year as a person reads them:
    name → (the big figure, what is in brackets: the unit, or a rate's numerator/denominator)."""
    page.goto(f"{site}/statistics/")
    place = page.locator("form.filters").get_by_label("区划")
    place.select_option(place.locator("option", has_text=COMMUNITY).get_attribute("value"))
    page.get_by_label("年度").fill(str(timezone.localdate().year))
    page.get_by_role("button", name="统计").click()
    expect(page.get_by_role("heading", name=f"统计 · {COMMUNITY}")).to_be_visible()
    heading = page.get_by_role("heading", name="安全检查与爱国卫生")
    section = page.locator("section.stats", has=heading)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    figures = {}
    for tile in section.locator(".tile").all():
        label = tile.locator(".tile-label").inner_text().strip()
        name, bracket = re.fullmatch(r"(.+?)（(.+)）", label).groups()
        figures[name] = (tile.locator(".tile-n").inner_text().strip(), bracket)
    return figures


def _count(figures: dict, name: str) -> int:
    return int(figures[name][0].replace(",", ""))


def _percent(top: int, bottom: int) -> tuple[str, str]:
    """A rate tile as the page writes it: "17.6%" and "26/148"."""
    return f"{top / bottom * 100:.1f}%", f"{top}/{bottom}"


def _open_ledger(page: Page, site: str) -> None:
    """The 隐患整改台账 of the community from 1 January to today, chosen on its own form."""
    page.goto(f"{site}/people/ledgers/")
    page.get_by_role("link", name="隐患整改台账").click()
    place = page.locator("form.filters").get_by_label("区划")
    place.select_option(place.locator("option", has_text=COMMUNITY).get_attribute("value"))
    today = timezone.localdate()
    page.get_by_label("起始日期").fill(today.replace(month=1, day=1).isoformat())
    page.get_by_label("截止日期").fill(today.isoformat())
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name=f"{COMMUNITY}隐患整改台账")).to_be_visible()
    expect(page.get_by_text(f"统计期间：{today.year}-01-01至{today.isoformat()}")).to_be_visible()


def _ledger_count(page: Page) -> int:
    head = page.locator(".page-head .muted").inner_text()
    return int(re.search(r"共(\d+)条", head).group(1))


def test_an_inspection_on_a_phone_leads_to_an_order_and_a_recheck(page: Page, demo_site):
    SHOTS.mkdir(exist_ok=True)
    today = timezone.localdate()

    # At the desk first: this year's figures and the ledger as they stand.
    page.set_viewport_size(DESK)
    log_in(page, demo_site, "sq_worker", demo.DEFAULT_PASSWORD)
    before = _safety_figures(page, demo_site, "statistics-safety-before.png")
    inspected, failed = _count(before, "开展检查"), _count(before, "检查不合格")
    issued, done = _count(before, "下达整改通知"), _count(before, "整改到位")
    due, on_time = _count(before, "到期应整改"), _count(before, "按期整改")
    overdue = _count(before, "逾期未整改")
    # Each rate's brackets are the very figures on the tiles beside it.
    assert before["检查不合格率"] == _percent(failed, inspected)
    assert before["隐患整改率"] == _percent(done, issued)
    assert before["按期整改率"] == _percent(on_time, due)
    _open_ledger(page, demo_site)
    listed = _ledger_count(page)
    assert listed == issued  # every order issued this year so far, none issued later

    page.set_viewport_size(PHONE)
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
    assert order.deadline == today + datetime.timedelta(days=7)

    page.get_by_role("link", name=order.number).click()
    page.get_by_text("已整改到位", exact=True).click()
    expect(page.get_by_label("新的整改期限")).to_be_hidden()  # only asked when not put right
    early = (order.issued_on - datetime.timedelta(days=1)).isoformat()
    page.get_by_label("复查日期").fill(early)
    page.get_by_label("复查情况").fill("已更换两具新灭火器")
    page.get_by_role("button", name="保存复查").click()
    expect(page.get_by_text("复查日期不能早于整改通知下达日期")).to_be_visible()
    expect(page.get_by_label("复查情况")).to_have_value("已更换两具新灭火器")
    page.get_by_label("复查日期").fill(today.isoformat())
    page.get_by_role("button", name="保存复查").click()
    expect(page.get_by_text("整改通知已销号")).to_be_visible()
    page.screenshot(path=str(SHOTS / "rectification-closed-390.png"), full_page=True)
    order.refresh_from_db()
    assert order.closed_on == today and order.rechecks.count() == 1

    # Back at the desk: one more inspection, failed; one more order, issued, due (it was put
    # right), put right within its first deadline; nothing more overdue.
    page.set_viewport_size(DESK)
    after = _safety_figures(page, demo_site, "statistics-safety-after.png")
    assert after["开展检查"] == (str(inspected + 1), "次")
    assert after["检查不合格"] == (str(failed + 1), "次")
    assert after["下达整改通知"] == (str(issued + 1), "份")
    assert after["整改到位"] == (str(done + 1), "份")
    assert after["到期应整改"] == (str(due + 1), "份")
    assert after["按期整改"] == (str(on_time + 1), "份")
    assert after["逾期未整改"] == (str(overdue), "份")
    assert after["检查不合格率"] == _percent(failed + 1, inspected + 1)
    assert after["隐患整改率"] == _percent(done + 1, issued + 1)
    assert after["按期整改率"] == _percent(on_time + 1, due + 1)
    assert after["辖区单位检查覆盖率"] == before["辖区单位检查覆盖率"]  # 苏记超市 was counted

    _open_ledger(page, demo_site)
    assert _ledger_count(page) == listed + 1
    headers = [h.strip() for h in page.locator("table.ledger thead th").all_inner_texts()]
    line = page.locator("table.ledger tbody tr", has_text=order.number)
    expect(line).to_have_count(1)
    # The ledger is wider than the screen: scroll it sideways to its re-check columns.
    page.locator("section.scroll-x").evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    line.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "rectification-ledger.png"), full_page=True)
    texts = [cell.strip() for cell in line.locator("td").all_inner_texts()]
    shown = dict(zip(headers, texts, strict=True))
    assert shown["检查对象"] == "苏记超市"
    assert shown["存在问题"] == order.finding
    assert shown["下达日期"] == today.isoformat()
    assert shown["整改期限"] == (today + datetime.timedelta(days=7)).isoformat()
    assert shown["延期至"] == ""
    assert shown["复查情况"] == f"{today.isoformat()}复查：已整改到位"
    assert shown["整改完成日期"] == today.isoformat()
    assert shown["是否按期"] == "是"
    assert shown["状态"] == "已整改"

    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename == f"{COMMUNITY}隐患整改台账{today:%Y%m%d}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][0] == f"{COMMUNITY}隐患整改台账"
    head = next(r for r in rows if r[0] == "序号")
    # After the rows: a blank row and the lines to sign.
    assert rows[-1][0].startswith("制表人：") and not any(rows[-2])
    body = rows[rows.index(head) + 1 : -2]
    assert len(body) == listed + 1
    cells = dict(zip(head, next(r for r in body if r[1] == order.number), strict=True))
    midnight = datetime.datetime.combine(today, datetime.time())
    assert cells["检查对象"] == "苏记超市"
    assert cells["下达日期"] == midnight  # a real date cell, not text
    assert cells["整改期限"] == midnight + datetime.timedelta(days=7)
    assert cells["复查情况"] == f"{today.isoformat()}复查：已整改到位"
    assert cells["整改完成日期"] == midnight
    assert cells["是否按期"] == "是" and cells["状态"] == "已整改"

"""The community head opens the year-end summary, generates the Word document, and follows a
figure to the records behind it."""

import io
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Page, expect

from reports.models import SummarySnapshot
from shequ import demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_the_head_generates_the_summary_and_opens_a_figure(page: Page, demo_site, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, demo_site, "sq_head", demo.DEFAULT_PASSWORD)
    page.get_by_role("link", name="工作总结").first.click()
    expect(page.get_by_role("heading", name="工作总结 · 柳岸社区")).to_be_visible()
    title = page.locator(".summary-title").inner_text()
    assert title.startswith("柳岸社区")
    expect(page.get_by_role("heading", name="二、日常工作开展情况")).to_be_visible()
    page.screenshot(path=str(SHOTS / "summary-1280.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="生成Word文档").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"{title}.docx"
    document = Document(io.BytesIO(saved.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.startswith(title) and "附件：统计数字及口径" in text
    snapshot = SummarySnapshot.objects.get()
    assert snapshot.by.username == "sq_head"
    page.reload()
    expect(page.locator("#snapshots").get_by_text(snapshot.sha256[:12])).to_be_visible()

    # The count of activities opens the activities it counts.
    link = page.locator("#summary a[href*='/indicators/records.activity/']").first
    shown = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", name="开展活动 · 柳岸社区")).to_be_visible()
    expect(page.locator("#indicator-total")).to_have_text(shown)
    page.screenshot(path=str(SHOTS / "summary-drill-1280.png"), full_page=True)

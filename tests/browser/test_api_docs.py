"""A worker makes an API token on the account page, copies the secret shown once, reads the
API's documentation page (rendered under the site's CSP, nothing from another host), and the
token answers for them."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.roles import Role
from areas import services as areas
from areas.kinds import PlaceKind
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
PASSWORD = "Api-docs-2026"
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_worker_makes_a_token_and_reads_the_api_docs(page: Page, live_server, transactional_db):
    district = areas.create_place(
        kind=PlaceKind.DISTRICT, name="测试区", code="110199000000", parent=None, by=None
    )
    sub = areas.create_place(
        kind=PlaceKind.SUBDISTRICT, name="东街道", code="110199001000", parent=district, by=None
    )
    community = areas.create_place(
        kind=PlaceKind.COMMUNITY, name="甲社区", code="110199001001", parent=sub, by=None
    )
    worker = User(username="api_worker", name="接口用户", role=Role.COMMUNITY_WORKER)
    worker.place = community
    worker.set_password(PASSWORD)
    worker.save()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    log_in(page, live_server.url, "api_worker", PASSWORD)
    page.goto(f"{live_server.url}/accounts/tokens/")
    expect(page.get_by_role("heading", name="接口令牌")).to_be_visible()
    page.get_by_label("名称").fill("数据平台同步")
    page.get_by_label("当前密码").fill(PASSWORD)  # a new token asks for the password again
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_text("令牌只显示这一次")).to_be_visible()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("shq_")
    expect(page.get_by_role("cell", name="数据平台同步")).to_be_visible()

    page.get_by_role("link", name="接口文档").first.click()
    expect(page.get_by_role("heading", name="接口文档（shequ 接口 1）")).to_be_visible()
    expect(page.get_by_role("heading", name="POST /api/v1/residents/", exact=True)).to_be_visible()
    expect(page.get_by_text("登记工作记录（与快速登记同一服务）").first).to_be_visible()
    # An enum shows its values with their labels, not "object" and a markdown list.
    expect(page.get_by_text("community_worker（社区工作者）").first).to_be_attached()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "api-docs.png")
    page.get_by_role("link", name="GET /api/v1/records/", exact=True).click()
    expect(page.get_by_role("heading", name="GET /api/v1/records/", exact=True)).to_be_in_viewport()

    answer = page.request.get(
        f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200 and answer.json()["user"] == "api_worker"
    assert not problems, problems  # no CSP violation, no request to another host

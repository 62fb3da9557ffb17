import os
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts import totp

# Playwright's sync API runs an event loop in the test's thread, which Django takes for async
# code touching the ORM; the tests' own ORM calls (and the database flush after each) are
# synchronous. Set for the whole run because the flush happens after function fixtures end.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def demo_site(live_server, transactional_db):
    call_command("demo", stdout=StringIO())
    return live_server.url


def log_in(page: Page, site: str, username: str, password: str) -> None:
    page.goto(f"{site}/")
    expect(page.get_by_role("heading", name="社区工作平台")).to_be_visible()
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if page.get_by_role("heading", name="设置双因素认证").count():
        # A role that must use a second factor sets it up at its first login: type the secret
        # the page shows into the "phone app" (accounts.totp) and confirm with its code.
        expect(page.locator(".qr svg")).to_be_visible()
        secret = page.locator("[data-secret]").inner_text().replace(" ", "")
        page.get_by_label("当前密码").fill(password)
        page.get_by_label("验证码").fill(totp.code_at(secret))
        page.get_by_role("button", name="启用").click()
        expect(page.get_by_text("双因素认证已启用")).to_be_visible()

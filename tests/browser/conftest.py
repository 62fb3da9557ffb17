import os

import pytest

# Playwright's sync API runs an event loop in the test's thread, which Django takes for async
# code touching the ORM; the tests' own ORM calls (and the database flush after each) are
# synchronous. Set for the whole run because the flush happens after function fixtures end.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}

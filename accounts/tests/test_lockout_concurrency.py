"""Guesses sent all at once, over real HTTP against a live (threaded) server on the test
database's file or PostgreSQL: the lockout counts them as if they came one after another, so the
guesses past the limit are refused without being tried."""

from __future__ import annotations

import urllib.request

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from conftest import TEST_PASSWORD
from tests.live import Person, Response, _Refuse, at_once

# Transactional: the live server's threads see what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)

GUESSES = 30
WRONG = "Wrong-guess-1"
LOGIN = reverse("accounts:login")


class Guest(Person):
    """Someone at the login page, not logged in: the page's CSRF cookie and token only."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.cookies = {}
        self.opener = urllib.request.build_opener(_Refuse)
        self.page = self.get(LOGIN)

    def guess(self, username: str, password: str = WRONG) -> Response:
        return self.submit(LOGIN, self.page.form(), username=username, password=password)


@pytest.fixture
def server(live_server):
    """The live server, taking as many connections at once as there are guesses (Django's
    server listens with a queue of 10, and a burst past it may be reset)."""
    live_server.thread.httpd.socket.listen(GUESSES * 2)
    return live_server


def _count(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


def test_thirty_guesses_at_once_lock_the_account_after_five(server, world, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 1000  # the account's limit alone
    guests = [Guest(server.url) for _ in range(GUESSES)]
    answers = at_once(*[lambda g=g: g.guess("in_community_worker") for g in guests])
    assert all(a.status == 200 for a in answers)  # none logged in
    # Five tried and failed, one lockout; the other 25 refused untried.
    assert _count("auth.login_failed") == 5
    assert _count("auth.lockout") == 1
    assert _count("auth.login_blocked") == GUESSES - 5
    # Those refused and the fifth say so (a fourth may too, if the lock came before its page).
    assert sum("账号已锁定" in a.text for a in answers) >= GUESSES - 4
    # The right password is refused too while the lockout lasts.
    answer = Guest(server.url).guess("in_community_worker", TEST_PASSWORD)
    assert answer.status == 200 and "账号已锁定" in answer.text
    assert not AuditEntry.objects.filter(action="auth.login").exists()
    assert User.objects.get(username="in_community_worker").last_login is None


def test_guesses_at_once_over_many_accounts_stop_the_address(server, world, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 6
    names = [f"nobody{i}" for i in range(GUESSES)]  # one guess each: no account reaches 5
    guests = [Guest(server.url) for _ in names]
    answers = at_once(*[lambda g=g, n=n: g.guess(n) for g, n in zip(guests, names, strict=True)])
    assert all(a.status == 200 for a in answers)
    assert _count("auth.login_failed") == 6
    assert _count("auth.address_lockout") == 1
    assert _count("auth.login_blocked") == GUESSES - 6
    assert _count("auth.lockout") == 0

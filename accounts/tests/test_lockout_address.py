"""Lockout per client address: one address failing across many accounts is stopped, and the
account lockout it can cause is temporary, so the owner gets in again from their own address."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from conftest import TEST_PASSWORD

GUESSER, OWNER = "10.0.0.66", "10.0.0.7"


def _login(client, username, password=TEST_PASSWORD, *, ip):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_one_address_failing_across_many_accounts_is_stopped(client, world, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 6
    for username in ("in_community_worker", "in_community_head", "in_grid_worker") * 2:
        _login(client, username, "wrong-Pass-1", ip=GUESSER)
    assert not AuditEntry.objects.filter(action="auth.lockout").exists()  # no account locked
    stop = AuditEntry.objects.get(action="auth.address_lockout")
    assert stop.ip == GUESSER and stop.data["failures"] == 6
    # Even the right password of another account is refused from that address, and no login
    # is made.
    response = _login(client, "in_viewer", ip=GUESSER)
    assert response.status_code == 200
    assert "本机登录失败次数过多" in response.content.decode()
    assert not AuditEntry.objects.filter(action="auth.login").exists()
    blocked = AuditEntry.objects.get(action="auth.login_blocked")
    assert blocked.ip == GUESSER and blocked.data == {"blocked_by": "address"}
    # Another address is not concerned.
    assert _login(client, "in_viewer", ip=OWNER).status_code == 302


def test_failures_below_the_address_limit_stop_nothing(client, world, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 6
    for username in ("in_community_worker", "in_community_head", "in_grid_worker", "in_viewer"):
        _login(client, username, "wrong-Pass-1", ip=GUESSER)
    assert _login(client, "in_viewer", ip=GUESSER).status_code == 302
    assert not AuditEntry.objects.filter(action="auth.address_lockout").exists()


def test_naming_an_account_cannot_keep_its_owner_out(client, world, settings):
    settings.LOCKOUT_ADDRESS_FAILURES, settings.LOCKOUT_ADDRESS_MINUTES = 10, 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            _login(client, "in_community_worker", "wrong-Pass-1", ip=GUESSER)
        # The account lockout holds for everyone, its owner too, for its ten minutes.
        assert "账号已锁定" in _login(client, "in_community_worker", ip=OWNER).content.decode()
        clock.shift(datetime.timedelta(minutes=10, seconds=1))
        for _ in range(5):
            _login(client, "in_community_worker", "wrong-Pass-1", ip=GUESSER)
        assert AuditEntry.objects.filter(action="auth.lockout").count() == 2
        assert AuditEntry.objects.filter(action="auth.address_lockout").count() == 1
        clock.shift(datetime.timedelta(minutes=10, seconds=1))
        # The guesser's address is stopped, so it cannot lock the account a third time…
        for _ in range(5):
            response = _login(client, "in_community_worker", "wrong-Pass-1", ip=GUESSER)
            assert "本机登录失败次数过多" in response.content.decode()
        assert AuditEntry.objects.filter(action="auth.lockout").count() == 2
        # …and the owner, from their own address, logs in.
        assert _login(client, "in_community_worker", ip=OWNER).status_code == 302


def test_an_address_stop_ends_after_its_minutes(client, world, settings):
    settings.LOCKOUT_ADDRESS_FAILURES, settings.LOCKOUT_ADDRESS_MINUTES = 3, 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for username in ("in_community_worker", "in_community_head", "in_grid_worker"):
            _login(client, username, "wrong-Pass-1", ip=GUESSER)
        clock.shift(datetime.timedelta(minutes=59))
        assert _login(client, "in_viewer", ip=GUESSER).status_code == 200
        clock.shift(datetime.timedelta(minutes=1))
        assert _login(client, "in_viewer", ip=GUESSER).status_code == 302


PROXY = "127.0.0.1"


def _login_via_proxy(client, username, password=TEST_PASSWORD, *, forwarded):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_proxy_each_client_is_its_own_address_and_a_forged_one_is_ignored(
    client, world, settings
):
    settings.BEHIND_PROXY, settings.LOCKOUT_ADDRESS_FAILURES = True, 6
    # The guesser sends its own X-Forwarded-For naming the owner; the proxy appends the
    # guesser's real address, and only that one counts.
    for username in ("in_community_worker", "in_community_head", "in_grid_worker") * 2:
        _login_via_proxy(client, username, "wrong-Pass-1", forwarded=f"{OWNER}, {GUESSER}")
    stop = AuditEntry.objects.get(action="auth.address_lockout")
    assert stop.ip == GUESSER
    blocked = _login_via_proxy(client, "in_viewer", forwarded=GUESSER)
    assert "本机登录失败次数过多" in blocked.content.decode()
    # Everyone else behind the same proxy still gets in: the proxy itself is not stopped.
    assert _login_via_proxy(client, "in_viewer", forwarded=OWNER).status_code == 302
    assert AuditEntry.objects.get(action="auth.login").ip == OWNER


def test_without_the_proxy_setting_x_forwarded_for_is_not_believed(client, world, settings):
    settings.BEHIND_PROXY = False
    _login_via_proxy(client, "in_viewer", forwarded=OWNER)
    assert AuditEntry.objects.get(action="auth.login").ip == PROXY

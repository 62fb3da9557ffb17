import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from conftest import TEST_PASSWORD

LOGIN = "/accounts/login/"


def _login(client, username, password=TEST_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_lands_on_home_and_is_audited_with_ip(client, world):
    response = _login(client, "in_community_worker")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == world.cast["community_worker"]
    assert entry.ip == "127.0.0.1"
    assert entry.place_path == world.community.path


def test_login_renews_the_session_key(client, world):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _login(client, "in_community_worker")
    assert client.session.session_key != before


def test_wrong_password_is_refused_in_chinese_and_audited(client, world):
    response = _login(client, "in_community_worker", "wrong-Pass-1")
    assert response.status_code == 200
    assert "账号或密码不正确" in response.content.decode()
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.actor is None and entry.actor_username == "in_community_worker"
    assert entry.place_path == world.community.path  # the auditors of that place see it


def test_five_failures_lock_the_account_for_ten_minutes(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            _login(client, "in_community_worker", "wrong-Pass-1")
        assert AuditEntry.objects.filter(action="auth.lockout").count() == 1
        # Even the right password is refused while locked.
        response = _login(client, "in_community_worker")
        assert response.status_code == 200
        assert "账号已锁定" in response.content.decode()
        assert AuditEntry.objects.filter(action="auth.login_blocked").count() == 1
        clock.shift(datetime.timedelta(minutes=9, seconds=59))
        assert _login(client, "in_community_worker").status_code == 200
        clock.shift(datetime.timedelta(minutes=10))
        assert _login(client, "in_community_worker").status_code == 302


def test_four_failures_then_success_starts_the_count_again(client, world):
    for _ in range(4):
        _login(client, "in_community_worker", "wrong-Pass-1")
    assert _login(client, "in_community_worker").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        _login(client, "in_community_worker", "wrong-Pass-1")
    assert not AuditEntry.objects.filter(action="auth.lockout").exists()
    assert _login(client, "in_community_worker").status_code == 302


def test_lockout_of_one_account_leaves_others_alone(client, world):
    for _ in range(5):
        _login(client, "in_community_worker", "wrong-Pass-1")
    assert _login(client, "in_community_head").status_code == 302


def test_idle_session_ends_after_thirty_minutes(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _login(client, "in_community_worker")
        home = reverse("areas:place-detail", args=[world.community.pk])
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(home).status_code == 200  # activity moves the expiry forward
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(home).status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get(home)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_logout_is_post_only_and_audited(client, world):
    _login(client, "in_community_worker")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert AuditEntry.objects.filter(action="auth.logout").count() == 1
    assert client.get(reverse("areas:home")).status_code == 302


def test_deactivated_account_cannot_log_in_and_loses_its_session(client, world):
    from accounts import services

    _login(client, "in_community_worker")
    worker, sysadmin = world.cast["community_worker"], world.cast["sysadmin"]
    services.set_active(worker, active=False, by=sysadmin)
    assert client.get(reverse("areas:home")).status_code == 302  # sent to login
    response = _login(client, "in_community_worker")
    assert response.status_code == 200
    # Ended, not merely refused while the account is off: switched on again, the account's
    # old sessions stay ended (Django alone would let them in again).
    services.set_active(worker, active=True, by=sysadmin)
    _login(client, "in_community_worker")
    assert client.get(reverse("people:resident-list")).status_code == 200
    services.set_active(worker, active=False, by=sysadmin)
    services.set_active(worker, active=True, by=sysadmin)
    assert client.get(reverse("people:resident-list"))["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!xyz", "至少需要8个字符"),
        ("abcdefgh1", "至少3类"),
        ("Password1", "太常见"),
        ("Passw0rd", "太常见"),
        ("20261129", "只包含数字"),
    ],
)
def test_password_policy(world, password, message):
    from accounts import services
    from shequ.errors import DomainError

    with pytest.raises(DomainError) as error:
        services.reset_password(world.subject, password=password, by=world.cast["sysadmin"])
    assert message in error.value.message
    world.subject.refresh_from_db()
    assert world.subject.check_password(TEST_PASSWORD)


def test_the_failure_that_locks_says_so(client, world):
    for _ in range(4):
        _login(client, "in_community_worker", "wrong-Pass-1")
    response = _login(client, "in_community_worker", "wrong-Pass-1")
    assert "账号已锁定" in response.content.decode()


def test_wrong_old_passwords_on_the_password_page_count_towards_the_lockout(client, world):
    """修改密码 tries the old password as a login does: a wrong one is audited and counts, the
    fifth locks the account, and while locked even the right one changes nothing."""
    from django.test import Client

    user = world.cast["community_worker"]
    client.force_login(user)
    change = reverse("accounts:password-change")
    new = "Xin-mima-2026"

    def _change(old):
        return client.post(change, {"old_password": old, "new_password": new, "new_password2": new})

    for _ in range(5):
        response = _change("wrong-Pass-1")
        assert response.status_code == 200 and "原密码不正确" in response.content.decode()
    failed = AuditEntry.objects.filter(action="auth.reauth_failed")
    assert failed.count() == 5 and {e.actor for e in failed} == {user}
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 5
    assert AuditEntry.objects.filter(action="auth.lockout", actor_username=user.username).exists()
    # The right old password is refused while locked, and nothing changes.
    response = _change(TEST_PASSWORD)
    assert response.status_code == 200 and "账号已锁定" in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.login_blocked").count() == 1
    assert not AuditEntry.objects.filter(action="auth.password_change").exists()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD) and not user.check_password(new)
    # So is a fresh login.
    assert "账号已锁定" in _login(Client(), user.username).content.decode()

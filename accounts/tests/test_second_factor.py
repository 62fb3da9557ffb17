"""The second factor, the sessions it and logout end, the absolute timeout, and the password
history."""

import base64
import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts import services, totp
from accounts.models import PasswordHistory
from audit.models import AuditEntry
from conftest import TEST_PASSWORD
from shequ.errors import DomainError

LOGIN = "/accounts/login/"
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def _login(client, username, password=TEST_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.parametrize(
    ("at", "code"),
    # RFC 6238 appendix B (SHA-1), last six digits of its eight.
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_test_vectors(at, code):
    assert totp.code_at(RFC_SECRET, at) == code
    assert totp.matching_step(RFC_SECRET, code, at=at) == at // 30
    assert totp.matching_step(RFC_SECRET, code, at=at + 90) is None  # too old
    assert totp.matching_step(RFC_SECRET, code, after=at // 30, at=at) is None  # used


def _enrol(client, password=TEST_PASSWORD) -> str:
    """Set up the second factor from the setup page as a user would: the secret it shows."""
    page = client.get(reverse("accounts:totp-setup"))
    secret = client.session["totp_secret_new"]
    assert totp.grouped(secret) in page.content.decode()
    assert "<svg" in page.content.decode()
    response = client.post(
        reverse("accounts:totp-setup"), {"password": password, "code": totp.code_at(secret)}
    )
    assert response.status_code == 302
    return secret


def test_a_role_that_must_have_a_second_factor_sets_it_up_before_anything_else(client, world):
    response = _login(client, "in_sysadmin")
    assert response["Location"] == reverse("accounts:totp-setup")
    # Every other page sends it back to the setup; nothing is logged in as done yet.
    home = reverse("accounts:user-list")
    assert client.get(home)["Location"] == reverse("accounts:totp-setup")
    assert not AuditEntry.objects.filter(action="auth.login").exists()
    assert AuditEntry.objects.filter(action="auth.password_ok").count() == 1
    # A wrong code or password changes nothing.
    bad = client.post(reverse("accounts:totp-setup"), {"password": TEST_PASSWORD, "code": "000000"})
    assert "验证码不正确" in bad.content.decode()
    bad = client.post(reverse("accounts:totp-setup"), {"password": "x", "code": "123456"})
    assert "密码不正确" in bad.content.decode()
    world.cast["sysadmin"].refresh_from_db()
    assert not world.cast["sysadmin"].has_totp
    _enrol(client)
    assert client.get(home).status_code == 200
    assert AuditEntry.objects.filter(action="auth.totp_enable").count() == 1
    assert AuditEntry.objects.filter(action="auth.login").count() == 1


def test_login_with_a_second_factor_asks_for_a_fresh_code(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _login(client, "in_auditor")
        secret = _enrol(client)
        client.post(reverse("accounts:logout"))
        clock.shift(datetime.timedelta(seconds=31))
        response = _login(client, "in_auditor")
        assert response["Location"] == reverse("accounts:second-factor")
        page = reverse("audit:entry-list")
        assert client.get(page)["Location"] == reverse("accounts:second-factor")
        wrong = client.post(reverse("accounts:second-factor"), {"code": "12345"})
        assert "验证码不正确" in wrong.content.decode()
        code = totp.code_at(secret)
        assert client.post(reverse("accounts:second-factor"), {"code": code}).status_code == 302
        assert client.get(page).status_code == 200
        # The same code cannot be used twice, even within its 30 seconds.
        client.post(reverse("accounts:logout"))
        _login(client, "in_auditor")
        again = client.post(reverse("accounts:second-factor"), {"code": code})
        assert "已使用过" in again.content.decode()
    assert AuditEntry.objects.filter(action="auth.totp_failed").count() == 2


def test_five_wrong_codes_lock_the_account_and_end_the_half_login(client, world):
    user = world.cast["community_worker"]
    user.totp_secret, user.totp_confirmed_at = RFC_SECRET, timezone.now()
    user.save()
    _login(client, user.username)
    for _ in range(4):
        client.post(reverse("accounts:second-factor"), {"code": "000000"})
    response = client.post(reverse("accounts:second-factor"), {"code": "000000"}, follow=True)
    assert "账号已锁定" in response.content.decode()
    assert client.get(reverse("areas:home"))["Location"].startswith(LOGIN)
    # Logging in again with the right password does not reset the count while locked.
    assert "锁定" in _login(client, user.username).content.decode()


def test_a_worker_may_turn_it_on_and_off_an_administrator_may_not_turn_it_off(client, world):
    client.force_login(world.cast["community_worker"])
    _enrol(client)
    client.post(reverse("accounts:totp-disable"), {"password": "wrong"})
    world.cast["community_worker"].refresh_from_db()
    assert world.cast["community_worker"].has_totp
    client.post(reverse("accounts:totp-disable"), {"password": TEST_PASSWORD})
    world.cast["community_worker"].refresh_from_db()
    assert not world.cast["community_worker"].has_totp
    admin = world.cast["district_admin"]
    admin.totp_secret, admin.totp_confirmed_at = RFC_SECRET, timezone.now()
    admin.save()
    with pytest.raises(DomainError, match="必须使用双因素认证"):
        services.disable_totp(admin, password=TEST_PASSWORD)
    admin.refresh_from_db()
    assert admin.has_totp


def test_an_administrator_resets_a_lost_phone_and_its_sessions_end(client, world):
    worker = world.cast["community_worker"]
    worker.totp_secret, worker.totp_confirmed_at = RFC_SECRET, timezone.now()
    worker.save()
    client.force_login(worker)
    home = reverse("areas:place-detail", args=[world.community.pk])
    assert client.get(home).status_code == 200
    services.reset_totp(worker, by=world.cast["sysadmin"])
    assert client.get(home)["Location"].startswith(LOGIN)
    worker.refresh_from_db()
    assert not worker.has_totp and worker.totp_secret == ""
    assert AuditEntry.objects.filter(action="user.totp_reset").count() == 1
    with pytest.raises(DomainError, match="尚未启用"):
        services.reset_totp(worker, by=world.cast["sysadmin"])


def test_logout_ends_the_sessions_on_every_device(client, world, django_user_model):
    from django.test import Client

    phone = Client()
    _login(client, "in_community_worker")
    _login(phone, "in_community_worker")
    home = reverse("areas:place-detail", args=[world.community.pk])
    assert phone.get(home).status_code == 200
    client.post(reverse("accounts:logout"))
    assert phone.get(home)["Location"].startswith(LOGIN)


def test_a_session_ends_after_its_hours_however_active(client, world):
    rules = {**_rules(), "session_max_hours": 1}
    services.set_policy(rules, by=world.cast["security_officer"])
    start = timezone.now()
    home = reverse("areas:place-detail", args=[world.community.pk])
    with time_machine.travel(start, tick=False) as clock:
        _login(client, "in_community_worker")
        for _ in range(3):
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get(home).status_code == 200
        clock.shift(datetime.timedelta(minutes=1))
        response = client.get(home, follow=True)
        assert "登录已超过1小时" in response.content.decode()
        assert response.redirect_chain[-1][0].startswith(LOGIN)


def test_none_of_the_last_five_passwords_comes_back(world):
    subject, admin = world.subject, world.cast["sysadmin"]
    used = [TEST_PASSWORD]
    for n in range(5):
        password = f"Fresh-pass-{n}x"
        services.reset_password(subject, password=password, by=admin)
        used.append(password)
    assert PasswordHistory.objects.filter(user=subject).count() == 5
    for password in used[-5:]:
        with pytest.raises(DomainError, match="最近5次"):
            services.reset_password(subject, password=password, by=admin)
    subject.refresh_from_db()
    assert subject.check_password(used[-1])
    # The sixth back is allowed again.
    services.reset_password(subject, password=used[0], by=admin)
    subject.refresh_from_db()
    assert subject.check_password(used[0])


def _rules(**changes) -> dict:
    from dataclasses import asdict

    from accounts import policy

    now = asdict(policy.defaults())
    return {**now, "totp_roles": sorted(now["totp_roles"]), **changes}


def test_the_security_officer_sets_the_rules_and_every_login_follows_them(client, world):
    officer = world.cast["security_officer"]
    client.force_login(officer)
    url = reverse("accounts:security-policy")
    page = client.get(url).content.decode()
    assert "连续登录失败几次锁定账号" in page
    form = {
        "lockout_failures": 3,
        "lockout_minutes": 15,
        "idle_minutes": 10,
        "session_max_hours": 8,
        "totp_roles": ["community_head"],
    }
    assert client.post(url, form).status_code == 302
    entry = AuditEntry.objects.get(action="security.policy")
    assert entry.changes["lockout_failures"] == [5, 3]
    # Three failures now lock; the login page says so.
    other = world.cast["community_worker"]
    from django.test import Client

    anon = Client()
    assert "连续3次输错密码" in anon.get(LOGIN).content.decode()
    for _ in range(3):
        _login(anon, other.username, "wrong-Pass-1")
    assert AuditEntry.objects.filter(action="auth.lockout").count() == 1
    # The community head must now set up a second factor at login.
    head = Client()
    assert _login(head, "in_community_head")["Location"] == reverse("accounts:totp-setup")
    # Ten idle minutes end a session.
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        viewer = Client()
        _login(viewer, "in_viewer")
        home = reverse("areas:place-detail", args=[world.community.pk])
        assert viewer.get(home).status_code == 200
        clock.shift(datetime.timedelta(minutes=11))
        response = viewer.get(home, follow=True)
        assert "已超过10分钟无操作" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lockout_failures": 1}, "应在3至10之间"),
        ({"idle_minutes": 600}, "应在5至120之间"),
        ({"session_max_hours": "x"}, "应在1至24之间"),
        ({"totp_roles": ["nobody"]}, "没有这样的角色"),
    ],
)
def test_a_policy_out_of_bounds_is_refused_and_nothing_changes(world, changes, message):
    from accounts.models import SecurityPolicy

    with pytest.raises(DomainError, match=message):
        services.set_policy(_rules(**changes), by=world.cast["security_officer"])
    assert not SecurityPolicy.objects.exists()
    assert not AuditEntry.objects.filter(action="security.policy").exists()


def test_the_roles_the_rules_name_keep_their_second_factor(world):
    from accounts import policy

    services.set_policy(_rules(totp_roles=[]), by=world.cast["security_officer"])
    assert policy.current().totp_roles == policy.ALWAYS_TOTP


def test_a_session_that_times_out_leaves_the_accounts_other_sessions_alone(client, world):
    from django.test import Client

    desk = Client()
    home = reverse("areas:place-detail", args=[world.community.pk])
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _login(client, "in_community_worker")  # a phone, then left alone
        assert client.get(home).status_code == 200
        clock.shift(datetime.timedelta(minutes=20))
        _login(desk, "in_community_worker")
        clock.shift(datetime.timedelta(minutes=15))
        assert desk.get(home).status_code == 200
        assert client.get(home)["Location"].startswith(LOGIN)  # 35 idle minutes
        assert desk.get(home).status_code == 200
    assert AuditEntry.objects.filter(action="auth.timeout").count() == 1
    assert not AuditEntry.objects.filter(action="auth.logout").exists()


def test_wrong_passwords_on_the_second_factor_pages_count_towards_the_lockout(client, world):
    """Setting the second factor up, or switching it off, tries the password as a login does: a
    wrong one is audited and counts, and while locked even the right one changes nothing."""
    user = world.cast["community_worker"]
    client.force_login(user)
    secret = _enrol(client)
    setup, disable = reverse("accounts:totp-setup"), reverse("accounts:totp-disable")
    for _ in range(3):
        client.post(disable, {"password": "wrong-Pass-1"})
    client.get(setup)
    other = client.session["totp_secret_new"]
    for _ in range(2):
        page = client.post(setup, {"password": "wrong-Pass-1", "code": totp.code_at(other)})
        assert "密码不正确" in page.content.decode()
    failed = AuditEntry.objects.filter(action="auth.reauth_failed")
    assert failed.count() == 5 and {e.actor for e in failed} == {user}
    assert AuditEntry.objects.filter(action="auth.lockout", actor_username=user.username).exists()
    # Locked: the right password neither replaces the second factor nor switches it off.
    page = client.post(setup, {"password": TEST_PASSWORD, "code": totp.code_at(other)})
    assert "账号已锁定" in page.content.decode()
    response = client.post(disable, {"password": TEST_PASSWORD}, follow=True)
    assert "账号已锁定" in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.login_blocked").count() == 2
    user.refresh_from_db()
    assert user.has_totp and user.totp_secret == secret

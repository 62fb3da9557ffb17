"""No page resets the credentials of an administrative account or re-enables one, so a
系统管理员 cannot take over a 审计员's or 安全管理员's account alone; the server's operator does
it at the console (`shequ account`), audited with no acting user."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEntry
from conftest import TEST_PASSWORD
from shequ.errors import DomainError

REFUSED = "不能在页面上办理"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SECURITY_OFFICER])
def test_an_administrator_cannot_reset_an_administrative_account(world, role):
    target, admin = world.cast[role], world.cast[Role.SYSADMIN]
    target.totp_secret, target.totp_confirmed_at = "JBSWY3DPEHPK3PXP", timezone.now()
    target.save()
    with pytest.raises(DomainError, match=REFUSED):
        services.reset_password(target, password="Jieguan-2026x", by=admin)
    with pytest.raises(DomainError, match=REFUSED):
        services.reset_totp(target, by=admin)
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD) and target.has_totp
    assert not target.must_change_password
    assert not AuditEntry.objects.filter(action__in=["user.password_reset", "user.totp_reset"])


def test_the_page_refuses_it_in_chinese_and_changes_nothing(client, world):
    target, admin = world.cast[Role.AUDITOR], world.cast[Role.SYSADMIN]
    client.force_login(admin)
    url = reverse("accounts:user-password", args=[target.pk])
    response = client.post(url, {"password": "Jieguan-2026x"}, follow=True)
    assert REFUSED in response.content.decode()
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD)


def test_an_administrative_account_is_stopped_on_the_page_but_re_enabled_at_the_console(world):
    target, admin = world.cast[Role.AUDITOR], world.cast[Role.SYSADMIN]
    # Not the last 审计员 over its district (that one a page may not stop).
    User.objects.create(
        username="second_auditor", name="第二位", role=Role.AUDITOR, place=target.place
    )
    services.set_active(target, active=False, by=admin)  # taking access away: allowed
    with pytest.raises(DomainError, match=REFUSED):
        services.set_active(target, active=True, by=admin)
    target.refresh_from_db()
    assert not target.is_active
    call_command("account", "activate", target.username)
    target.refresh_from_db()
    assert target.is_active
    row = AuditEntry.objects.get(action="user.activate")
    assert row.actor is None


def test_the_console_resets_an_administrative_accounts_password_and_second_factor(
    world, monkeypatch
):
    target = world.cast[Role.SECURITY_OFFICER]
    target.totp_secret, target.totp_confirmed_at = "JBSWY3DPEHPK3PXP", timezone.now()
    target.save()
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "Linshi-mima-2026")
    call_command("account", "password", target.username)
    call_command("account", "totp", target.username)
    target.refresh_from_db()
    assert target.check_password("Linshi-mima-2026") and target.must_change_password
    assert not target.has_totp
    for action in ("user.password_reset", "user.totp_reset"):
        assert AuditEntry.objects.get(action=action).actor is None


def test_the_console_refuses_a_mismatch_or_a_weak_password_and_changes_nothing(world, monkeypatch):
    target = world.cast[Role.AUDITOR]
    answers = iter(["Linshi-mima-2026", "Linshi-mima-2027"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="不一致"):
        call_command("account", "password", target.username)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "short")
    with pytest.raises(CommandError):
        call_command("account", "password", target.username)
    with pytest.raises(CommandError, match="没有账号"):
        call_command("account", "totp", "nobody-here")
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD) and not target.must_change_password
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()

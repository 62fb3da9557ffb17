"""Account controls of issue 10: taking an administrative role away waits for a second person,
a temporary password joins the history, and the pages offer only what the user may do."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AccountRequest, User
from accounts.roles import Role
from audit.models import AuditEntry
from conftest import TEST_PASSWORD
from shequ.errors import DomainError

CHANGE = reverse("accounts:password-change")


# --- Removing an administrative role -----------------------------------------------------


def test_taking_an_administrative_role_away_waits_for_the_security_officer(client, world):
    auditor, admin = world.cast[Role.AUDITOR], world.cast[Role.SYSADMIN]
    client.force_login(admin)
    url = reverse("accounts:user-detail", args=[auditor.pk])
    data = {"name": auditor.name, "role": "viewer", "place": world.community.pk, "phone": ""}
    response = client.post(url, data, follow=True)
    assert "角色变更已提交申请" in response.content.decode()
    auditor.refresh_from_db()
    assert auditor.role == Role.AUDITOR and auditor.place == world.district  # not yet
    req = AccountRequest.objects.get(account=auditor)
    assert (req.kind, req.old_role, req.role) == ("change", "auditor", "viewer")
    assert not AuditEntry.objects.filter(action="user.update").exists()
    # The requester cannot approve it; the 安全管理员 can.
    with pytest.raises(DomainError, match="不能审批本人提交的申请"):
        services.decide_request(req, approve=True, by=admin)
    services.decide_request(req, approve=True, by=world.cast[Role.SECURITY_OFFICER])
    auditor.refresh_from_db()
    assert auditor.role == Role.VIEWER and auditor.place == world.community


def test_the_service_diverts_a_removal_to_a_request(world):
    officer, admin = world.cast[Role.SECURITY_OFFICER], world.cast[Role.SYSADMIN]
    services.update_user(
        officer, name="改名", role=Role.VIEWER, place=world.community, phone="", by=admin
    )
    officer.refresh_from_db()
    assert officer.name == "改名" and officer.role == Role.SECURITY_OFFICER
    assert AccountRequest.objects.get(account=officer).role == Role.VIEWER


def test_ordinary_role_changes_still_happen_at_once(world):
    subject = world.subject
    services.update_user(
        subject, name=subject.name, role=Role.VIEWER, place=subject.place, phone="",
        by=world.cast[Role.SYSADMIN],
    )  # fmt: skip
    subject.refresh_from_db()
    assert subject.role == Role.VIEWER and not AccountRequest.objects.exists()
    with pytest.raises(DomainError, match="无需审批"):
        services.request_role_change(
            subject, role=Role.COMMUNITY_WORKER, place=subject.place,
            by=world.cast[Role.SYSADMIN],
        )  # fmt: skip


# --- A temporary password joins the history -----------------------------------------------


def _change(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password": new, "new_password2": new})


def test_a_temporary_password_cannot_come_back_as_ones_own(client, world):
    subject = world.subject
    services.reset_password(subject, password="Linshi-2026a", by=world.cast[Role.SYSADMIN])
    client.force_login(subject)
    assert _change(client, "Linshi-2026a", "Ziji-mima-2026").status_code == 302
    # Later the owner changes again and tries to take the temporary one as "new".
    client.force_login(User.objects.get(pk=subject.pk))
    response = _change(client, "Ziji-mima-2026", "Linshi-2026a")
    assert "不能使用最近5次用过的密码" in response.content.decode()
    assert User.objects.get(pk=subject.pk).check_password("Ziji-mima-2026")


def test_an_approved_accounts_temporary_password_is_in_its_history(world):
    req = services.request_account(
        username="new_officer", name="新安全员", role=Role.SECURITY_OFFICER, place=None,
        by=world.cast[Role.SYSADMIN],
    )  # fmt: skip
    decided = services.decide_request(req, approve=True, by=world.cast[Role.SECURITY_OFFICER])
    user = User.objects.get(username="new_officer")
    services.change_own_password(
        user, old_password=decided.temporary_password, new_password="Ziji-mima-2026"
    )
    with pytest.raises(DomainError, match="最近5次"):
        services.change_own_password(
            user, old_password="Ziji-mima-2026", new_password=decided.temporary_password
        )


# --- The pages ---------------------------------------------------------------------------


def test_the_403_page_names_whom_to_ask(client, world):
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    page = client.get(reverse("accounts:user-list"))
    assert page.status_code == 403
    text = page.content.decode()
    assert "测试区的系统管理员" in text and "调整您的角色" in text
    client.force_login(world.cast[Role.DISTRICT_ADMIN])
    text = client.get(reverse("audit:entry-list")).content.decode()
    assert "测试区的系统管理员" in text and "须经安全管理员批准" in text
    # The separated duties are told their rights are fixed, not whom to ask (the 系统管理员
    # would be told to ask itself).
    for role, page in (
        (Role.AUDITOR, "accounts:user-list"),
        (Role.SYSADMIN, "people:resident-list"),
        (Role.SECURITY_OFFICER, "people:resident-list"),
    ):
        client.force_login(world.cast[role])
        text = client.get(reverse(page)).content.decode()
        assert "按三权分立" in text and "系统管理员提出申请" not in text, role


def test_no_second_factor_link_while_the_password_must_change(client, world):
    subject = world.subject
    client.force_login(subject)
    setup = reverse("accounts:totp-setup")
    assert setup in client.get(CHANGE).content.decode()
    services.reset_password(subject, password="Linshi-2026a", by=world.cast[Role.SYSADMIN])
    client.force_login(User.objects.get(pk=subject.pk))
    page = client.get(CHANGE)
    assert page.status_code == 200 and setup not in page.content.decode()


def test_a_timed_out_page_comes_back_whole_after_login(client, world):
    import time

    from accounts import second_factor

    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    session = client.session  # logged in longer ago than the policy's hours allow
    session[second_factor.LOGIN_AT] = time.time() - 1000 * 3600
    session.save()
    response = client.get(reverse("accounts:user-list") + "?q=a&role=viewer")
    login = response["Location"]
    assert (
        login == reverse("accounts:login") + "?next=%2Faccounts%2Fusers%2F%3Fq%3Da%26role%3Dviewer"
    )
    page = client.get(login)
    assert 'value="/accounts/users/?q=a&amp;role=viewer"' in page.content.decode()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/"])
def test_the_login_still_refuses_a_next_off_this_site(client, world, target):
    response = client.post(
        reverse("accounts:login") + "?" + f"next={target}",
        {"username": "in_viewer", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SECURITY_OFFICER, Role.DISTRICT_ADMIN])
def test_the_user_page_offers_no_refused_buttons_for_an_administrative_account(client, world, role):
    target = world.cast[role]
    target.totp_secret, target.totp_confirmed_at = "JBSWY3DPEHPK3PXP", timezone.now()
    target.is_active = False
    target.save()
    client.force_login(world.cast[Role.SYSADMIN])
    page = client.get(reverse("accounts:user-detail", args=[target.pk])).content.decode()
    assert reverse("accounts:user-password", args=[target.pk]) not in page
    assert reverse("accounts:user-totp-reset", args=[target.pk]) not in page
    assert 'name="active" value="1"' not in page  # no re-enable button
    assert f"shequ account password {target.username}" in page


def test_the_user_page_still_offers_them_for_an_ordinary_account(client, world):
    target = world.subject
    target.totp_secret, target.totp_confirmed_at = "JBSWY3DPEHPK3PXP", timezone.now()
    target.is_active = False
    target.save()
    client.force_login(world.cast[Role.SYSADMIN])
    page = client.get(reverse("accounts:user-detail", args=[target.pk])).content.decode()
    assert reverse("accounts:user-password", args=[target.pk]) in page
    assert reverse("accounts:user-totp-reset", args=[target.pk]) in page
    assert 'name="active" value="1"' in page and "shequ account" not in page

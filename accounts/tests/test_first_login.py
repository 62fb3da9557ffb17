"""A password someone else chose is temporary (等保 identity): an account an administrator made
or reset, or one approved on request, sets its own password before it does anything else."""

import pytest
from django.urls import reverse

from accounts import services, totp
from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEntry
from conftest import TEST_PASSWORD
from shequ.errors import DomainError

LOGIN, CHANGE = reverse("accounts:login"), reverse("accounts:password-change")
HOME = reverse("areas:home")
NOTICE = "您的密码由管理员设置，请先修改为只有您自己知道的密码"
OWN = "Ziji-mima-2026"


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def _change(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password": new, "new_password2": new})


def _free(client) -> bool:
    """The home page (which may lead on to the user's place) is reached, not 修改密码."""
    response = client.get(HOME, follow=True)
    return response.status_code == 200 and CHANGE not in [u for u, _ in response.redirect_chain]


def _assert_held_at_the_password_page(client):
    for page in (HOME, reverse("accounts:user-list"), reverse("api-tokens:token-list")):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == CHANGE, page
    page = client.get(CHANGE)
    assert page.status_code == 200 and NOTICE in page.content.decode()


def test_an_account_an_administrator_made_sets_its_own_password_first(client, world):
    client.force_login(world.cast[Role.SYSADMIN])
    data = {
        "username": "new_worker",
        "name": "新同事",
        "role": "community_worker",
        "place": world.community.pk,
        "phone": "",
        "password": "Linshi-2026",
    }
    assert client.post(reverse("accounts:user-create"), data).status_code == 302
    assert User.objects.get(username="new_worker").must_change_password
    client.logout()

    assert _login(client, "new_worker", "Linshi-2026").status_code == 302
    _assert_held_at_the_password_page(client)
    # The temporary password again is refused, and the account stays held.
    again = _change(client, "Linshi-2026", "Linshi-2026")
    assert again.status_code == 200 and "不能使用最近5次用过的密码" in again.content.decode()
    assert User.objects.get(username="new_worker").must_change_password
    assert client.get(HOME)["Location"] == CHANGE

    done = _change(client, "Linshi-2026", OWN)
    assert done.status_code == 302
    user = User.objects.get(username="new_worker")
    assert not user.must_change_password and user.check_password(OWN)
    assert _free(client)


def test_a_wrong_old_password_changes_nothing_and_the_account_stays_held(client, world):
    subject = world.subject
    services.reset_password(subject, password="Linshi-2026", by=world.cast[Role.SYSADMIN])
    _login(client, "subject", "Linshi-2026")
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    response = _change(client, "Cuowu-2026", OWN)
    assert response.status_code == 200 and "原密码不正确" in response.content.decode()
    subject.refresh_from_db()
    assert subject.must_change_password and subject.check_password("Linshi-2026")
    # Only the failure is written, as a failed login is (it counts towards the lockout).
    added = AuditEntry.objects.filter(id__gt=last).values_list("action", flat=True)
    assert sorted(added) == ["auth.login_failed", "auth.reauth_failed"]
    assert client.get(HOME)["Location"] == CHANGE


def test_a_password_an_administrator_reset_is_temporary(client, world):
    client.force_login(world.cast[Role.SYSADMIN])
    url = reverse("accounts:user-password", args=[world.subject.pk])
    assert client.post(url, {"password": "Chongzhi-2026"}).status_code == 302
    world.subject.refresh_from_db()
    assert world.subject.must_change_password
    client.logout()
    _login(client, "subject", "Chongzhi-2026")
    _assert_held_at_the_password_page(client)
    assert _change(client, "Chongzhi-2026", OWN).status_code == 302
    world.subject.refresh_from_db()
    assert not world.subject.must_change_password
    assert _free(client)


def test_an_approved_account_sets_up_its_second_factor_then_its_own_password(client, world):
    request = services.request_account(
        username="new_admin",
        name="新区级管理员",
        role=Role.DISTRICT_ADMIN,
        place=world.district,
        by=world.cast[Role.SYSADMIN],
    )
    decided = services.decide_request(request, approve=True, by=world.cast[Role.SECURITY_OFFICER])
    assert User.objects.get(username="new_admin").must_change_password
    temporary = decided.temporary_password

    # The second factor comes first: the password page is not reached on the password alone.
    response = _login(client, "new_admin", temporary)
    assert response["Location"] == reverse("accounts:totp-setup")
    assert client.get(CHANGE)["Location"] == reverse("accounts:totp-setup")
    client.get(reverse("accounts:totp-setup"))
    secret = client.session["totp_secret_new"]
    enrolled = client.post(
        reverse("accounts:totp-setup"),
        {"password": temporary, "code": totp.code_at(secret)},
    )
    assert enrolled.status_code == 302
    _assert_held_at_the_password_page(client)
    assert _change(client, temporary, OWN).status_code == 302
    assert _free(client)


def test_no_api_token_is_made_on_a_temporary_password(world):
    subject = world.subject
    services.reset_password(subject, password="Linshi-2026", by=world.cast[Role.SYSADMIN])
    with pytest.raises(DomainError, match="请先修改管理员设置的初始密码"):
        services.reauthenticate(subject, password="Linshi-2026", code="")


def test_the_operators_accounts_and_the_cast_are_not_held(client, world):
    # The demo loader and set-up commands (`by=None`), `shequ createsuperuser` (the operator
    # chooses their own password at the console) and the test cast log straight in.
    made = services.create_user(
        username="system_made",
        name="系统",
        role=Role.COMMUNITY_WORKER,
        place=world.community,
        password="Xitong-2026",
        by=None,
    )
    boss = User.objects.create_superuser("boss", password="Laoban-2026")
    assert not made.must_change_password and not boss.must_change_password
    assert not User.objects.filter(must_change_password=True).exists()
    _login(client, "in_viewer", TEST_PASSWORD)
    assert _free(client)

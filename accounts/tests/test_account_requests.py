"""Second approval of administrative accounts (三权分立): a 系统管理员's new account of an
administrative role, or an account given one, is a request; a 安全管理员 other than the
requester approves it before anything changes; a rejected request changes nothing."""

import html
import re

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AccountRequest, User
from accounts.roles import Role
from audit.models import AuditEntry
from shequ.errors import DomainError

ADMIN = {
    "username": "new_auditor",
    "name": "新审计员",
    "role": "auditor",
    "phone": "13812345678",
}
ORDINARY = {**ADMIN, "role": "community_worker", "password": "Shenji-2026"}
CREATE, LIST = reverse("accounts:user-create"), reverse("accounts:request-list")


def _decide(client, req, decision, note=""):
    return client.post(
        reverse("accounts:request-decide", args=[req.pk]), {"decision": decision, "note": note}
    )


@pytest.mark.parametrize("role", ["district_admin", "auditor", "security_officer", "sysadmin"])
def test_a_new_administrative_account_waits_for_the_security_officer(client, world, role):
    place = world.district if role == "district_admin" else None
    client.force_login(world.cast[Role.SYSADMIN])
    data = {**ADMIN, "role": role, "place": place.pk if place else ""}
    response = client.post(CREATE, data)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not User.objects.filter(username="new_auditor").exists()  # not yet
    req = AccountRequest.objects.get()
    assert req.state == "pending" and req.role == role
    assert AuditEntry.objects.filter(action="account_request.create").count() == 1
    assert not AuditEntry.objects.filter(action="user.create").exists()
    # The pending request is listed for the requester, with no way to approve it…
    page = client.get(LIST).content.decode()
    assert "新审计员" in page and "待安全管理员审批" in page
    # …and the requester cannot approve it (not their permission, nor their own request).
    assert _decide(client, req, "approve").status_code == 403
    with pytest.raises(DomainError, match="不能审批本人提交的申请"):
        services.decide_request(req, approve=True, by=world.cast[Role.SYSADMIN])
    assert not User.objects.filter(username="new_auditor").exists()
    # The 安全管理员 approves: the account is made now, with a password the system made, on
    # the approval's answer for the approver only.
    officer = world.cast[Role.SECURITY_OFFICER]
    client.force_login(officer)
    assert "新审计员" in client.get(LIST).content.decode()
    answer = _decide(client, req, "approve", "核对无误")
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    user = User.objects.get(username="new_auditor")
    assert user.role == role and user.place == place and user.is_active
    assert user.must_change_password and user.phone == "13812345678"
    password = _shown_password(answer)
    assert user.check_password(password)
    req.refresh_from_db()
    assert req.state == "approved" and req.decided_by == officer and req.account == user
    approve = AuditEntry.objects.get(action="account_request.approve")
    assert approve.actor == officer and approve.data["note"] == "核对无误"
    made = AuditEntry.objects.get(action="user.create")
    assert made.actor == officer and made.data["requested_by"] == "in_sysadmin"
    # Kept nowhere in clear: no audit row, no request column; shown once only.
    assert not [e for e in AuditEntry.objects.all() if password in str(e.__dict__)]
    assert password not in str(AccountRequest.objects.get().__dict__)
    assert password not in client.get(LIST).content.decode()
    client.force_login(world.cast[Role.SYSADMIN])  # the requester never sees it
    assert password not in client.get(LIST).content.decode()
    page = client.get(reverse("accounts:user-detail", args=[user.pk])).content.decode()
    assert password not in page


def _shown_password(answer) -> str:
    found = re.search(
        r'<p class="temporary-password"><code>([^<]+)</code>', answer.content.decode()
    )
    assert found, "the temporary password is not on the approval's answer"
    return html.unescape(found.group(1))


def test_the_temporary_password_is_strong_and_new_each_time():
    from django.contrib.auth import password_validation

    made = {services.temporary_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert len(password) >= 14
        password_validation.validate_password(password)  # length, classes, not common


def test_a_rejected_request_changes_nothing(client, world):
    client.force_login(world.cast[Role.SYSADMIN])
    client.post(CREATE, {**ADMIN, "place": ""})
    req = AccountRequest.objects.get()
    users = User.objects.count()
    client.force_login(world.cast[Role.SECURITY_OFFICER])
    assert _decide(client, req, "reject", "未见审批单").status_code == 302
    assert User.objects.count() == users
    req.refresh_from_db()
    assert req.state == "rejected" and req.account is None
    assert AuditEntry.objects.filter(action="account_request.reject").count() == 1
    # A decided request is not decided again.
    response = _decide(client, req, "approve")
    assert response.status_code == 302 and User.objects.count() == users
    assert not AuditEntry.objects.filter(action="account_request.approve").exists()


def test_giving_an_account_an_administrative_role_waits_for_approval(client, world):
    subject = world.subject
    client.force_login(world.cast[Role.SYSADMIN])
    url = reverse("accounts:user-detail", args=[subject.pk])
    data = {"name": "改名", "role": "district_admin", "place": world.district.pk, "phone": ""}
    assert client.post(url, data).status_code == 302
    subject.refresh_from_db()
    # The name changes at once; the role and place wait.
    assert subject.name == "改名" and subject.role == Role.COMMUNITY_WORKER
    assert subject.place == world.community
    req = AccountRequest.objects.get(account=subject)
    assert (req.kind, req.old_role, req.role) == ("change", "community_worker", "district_admin")
    # A second request for the same account waits for the first.
    assert "已有待审批的申请" in client.post(url, data).content.decode()
    assert AccountRequest.objects.count() == 1
    client.force_login(world.cast[Role.SECURITY_OFFICER])
    _decide(client, req, "approve")
    subject.refresh_from_db()
    assert subject.role == Role.DISTRICT_ADMIN and subject.place == world.district
    update = AuditEntry.objects.get(action="user.update", changes__has_key="role")
    assert update.actor == world.cast[Role.SECURITY_OFFICER]


def test_a_rejected_role_change_leaves_the_account_as_it_was(client, world):
    subject = world.subject
    req = services.request_role_change(
        subject, role=Role.SYSADMIN, place=None, by=world.cast[Role.SYSADMIN]
    )
    services.decide_request(req, approve=False, by=world.cast[Role.SECURITY_OFFICER])
    subject.refresh_from_db()
    assert subject.role == Role.COMMUNITY_WORKER and subject.place == world.community


def test_nobody_approves_a_request_about_their_own_account(world):
    officer = world.cast[Role.SECURITY_OFFICER]
    req = services.request_role_change(
        officer, role=Role.SYSADMIN, place=None, by=world.cast[Role.SYSADMIN]
    )
    with pytest.raises(DomainError, match="不能审批与本人账号有关的申请"):
        services.decide_request(req, approve=True, by=officer)
    officer.refresh_from_db()
    assert officer.role == Role.SECURITY_OFFICER


def test_the_services_refuse_an_administrative_account_made_directly(world):
    with pytest.raises(DomainError, match="须经安全管理员审批"):
        services.create_user(
            username="sneaky",
            name="直建",
            role=Role.SYSADMIN,
            place=None,
            password="Zhijian-2026",
            by=world.cast[Role.SYSADMIN],
        )
    assert not User.objects.filter(username="sneaky").exists()
    # The command line (by=None: the server's operator) still may.
    services.create_user(
        username="operator_made",
        name="运维",
        role=Role.SYSADMIN,
        place=None,
        password="Zhijian-2026",
        by=None,
    )


def test_a_pending_request_keeps_its_username(client, world):
    client.force_login(world.cast[Role.SYSADMIN])
    client.post(CREATE, {**ADMIN, "place": ""})
    again = client.post(CREATE, {**ORDINARY, "place": world.community.pk})
    assert "已存在" in again.content.decode()
    assert not User.objects.filter(username="new_auditor").exists()


def test_bad_request_input_is_refused_and_nothing_saved(client, world):
    client.force_login(world.cast[Role.SYSADMIN])
    entries, users = AuditEntry.objects.count(), User.objects.count()
    # The requester may not choose an administrative account's password…
    response = client.post(CREATE, {**ADMIN, "password": "Shenji-2026", "place": ""})
    assert "由系统在批准时生成" in response.content.decode()
    # …and must give an ordinary one's, a good one.
    response = client.post(CREATE, {**ORDINARY, "password": "", "place": world.community.pk})
    assert "请输入初始密码" in response.content.decode()
    response = client.post(CREATE, {**ORDINARY, "password": "short", "place": world.community.pk})
    assert "至少需要8个字符" in response.content.decode()
    assert not AccountRequest.objects.exists() and AuditEntry.objects.count() == entries
    assert User.objects.count() == users


def test_an_officer_of_another_district_neither_sees_nor_decides(client, world):
    req = services.request_account(
        **{**ADMIN, "role": Role.DISTRICT_ADMIN},
        place=world.district,
        by=world.cast[Role.SYSADMIN],
    )
    client.force_login(world.outsiders[Role.SECURITY_OFFICER])
    assert "新审计员" not in client.get(LIST).content.decode()
    assert _decide(client, req, "approve").status_code == 404
    req.refresh_from_db()
    assert req.state == "pending" and not User.objects.filter(username="new_auditor").exists()


def test_ordinary_roles_are_made_at_once_as_before(client, world):
    client.force_login(world.cast[Role.SYSADMIN])
    data = {**ORDINARY, "place": world.community.pk}
    assert client.post(CREATE, data).status_code == 302
    assert User.objects.filter(username="new_auditor", role="community_worker").exists()
    assert not AccountRequest.objects.exists()


@pytest.mark.parametrize("administrative", [True, False])
def test_a_new_role_ends_the_accounts_sessions_and_tokens(client, world, administrative):
    from django.test import Client

    from api import services as api_services
    from api.models import ApiToken

    subject = world.subject
    theirs = Client()
    theirs.force_login(subject)
    home = reverse("accounts:password-change")
    assert theirs.get(home).status_code == 200
    api_services.create_token(subject, name="t", expires_at=None, by=subject)
    if administrative:  # through the request and its approval
        req = services.request_role_change(
            subject, role=Role.DISTRICT_ADMIN, place=world.district, by=world.cast[Role.SYSADMIN]
        )
        services.decide_request(req, approve=True, by=world.cast[Role.SECURITY_OFFICER])
    else:  # an ordinary role, at once
        services.update_user(
            subject,
            name=subject.name,
            role=Role.VIEWER,
            place=subject.place,
            phone="",
            by=world.cast[Role.SYSADMIN],
        )
    # The session made under the old role is over, and so is the token.
    assert theirs.get(home).status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_an_account_approved_into_an_administrative_role_starts_again_as_a_new_one(client, world):
    """A 系统管理员 who knows an ordinary account's password (it made or reset it) does not take
    over the administrative account it asks that one to become: on approval the account gets a
    password the system made, shown to the approver only, and no second factor."""
    from django.test import Client

    from accounts import totp
    from api import services as api_services
    from api.models import ApiToken
    from conftest import TEST_PASSWORD

    subject = world.subject
    secret = totp.new_secret()
    services.enable_totp(subject, secret=secret, password=TEST_PASSWORD, code=totp.code_at(secret))
    api_services.create_token(subject, name="t", expires_at=None, by=subject)
    req = services.request_role_change(
        subject, role=Role.DISTRICT_ADMIN, place=world.district, by=world.cast[Role.SYSADMIN]
    )
    client.force_login(world.cast[Role.SECURITY_OFFICER])
    answer = _decide(client, req, "approve")
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    assert "已改为区级管理员" in answer.content.decode()
    password = _shown_password(answer)
    subject.refresh_from_db()
    assert subject.role == Role.DISTRICT_ADMIN
    assert not subject.check_password(TEST_PASSWORD) and subject.check_password(password)
    assert subject.must_change_password and not subject.has_totp and not subject.totp_secret
    assert ApiToken.objects.get().revoked_at is not None
    officer = world.cast[Role.SECURITY_OFFICER]
    for action in ("user.password_reset", "user.totp_reset"):
        assert AuditEntry.objects.get(action=action, object_id=str(subject.pk)).actor == officer
    assert not [e for e in AuditEntry.objects.all() if password in str(e.__dict__)]
    # The password the requester knew no longer logs in; the new one does, and the account
    # sets up its second factor again, then a password of its own.
    theirs = Client()
    login = reverse("accounts:login")
    refused = theirs.post(login, {"username": subject.username, "password": TEST_PASSWORD})
    assert refused.status_code == 200 and "账号或密码不正确" in refused.content.decode()
    owner = Client()
    response = owner.post(login, {"username": subject.username, "password": password})
    assert response["Location"] == reverse("accounts:totp-setup")
    owner.get(reverse("accounts:totp-setup"))
    new = owner.session["totp_secret_new"]
    setup = {"password": password, "code": totp.code_at(new)}
    assert owner.post(reverse("accounts:totp-setup"), setup).status_code == 302
    change = reverse("accounts:password-change")
    assert owner.get(reverse("areas:home"))["Location"] == change
    own = "Ziji-mima-2026"
    data = {"old_password": password, "new_password": own, "new_password2": own}
    assert owner.post(change, data).status_code == 302
    subject.refresh_from_db()
    assert not subject.must_change_password and subject.check_password(own)


def test_an_account_whose_administrative_role_is_taken_away_keeps_its_password(client, world):
    district_admin = world.cast[Role.DISTRICT_ADMIN]
    req = services.request_role_change(
        district_admin, role=Role.VIEWER, place=world.district, by=world.cast[Role.SYSADMIN]
    )
    decided = services.decide_request(req, approve=True, by=world.cast[Role.SECURITY_OFFICER])
    assert decided.temporary_password == ""
    district_admin.refresh_from_db()
    assert district_admin.role == Role.VIEWER and not district_admin.must_change_password

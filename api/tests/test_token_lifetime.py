"""Token lifetime: a default and longest lifetime, revoked with the account's credentials,
stopped after days unused, made only after the password (and code) again, and revocable by the
account managers of the token's place."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts
from accounts import totp
from accounts.roles import Role
from api import services
from api.models import ApiToken
from api.tests.conftest import ApiClient, token_for
from audit.models import AuditEntry
from conftest import TEST_PASSWORD

ME = "/api/v1/me/"
NEW = "Neu-pass-2026!"


def _create(client, **data):
    return client.post(
        reverse("api-tokens:token-list"),
        {"name": "同步", "expires_on": "", "password": TEST_PASSWORD, **data},
    )


# (a) lifetime


def test_a_token_without_an_expiry_lives_the_longest_lifetime(world, settings):
    settings.API_TOKEN_MAX_DAYS = 90
    worker = world.cast[Role.COMMUNITY_WORKER]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        secret = token_for(worker)
        token = ApiToken.objects.get(user=worker)
        assert token.expires_at == timezone.now() + datetime.timedelta(days=90)
        for _ in range(3):  # used every 29 days, so never idle
            clock.shift(datetime.timedelta(days=29))
            assert ApiClient(secret).get(ME).status_code == 200
        clock.shift(datetime.timedelta(days=3, seconds=1))
        response = ApiClient(secret).get(ME)
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_token", "message": "令牌已过期", "fields": {}}


def test_an_expiry_beyond_the_longest_lifetime_is_refused_and_nothing_is_made(client, world):
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    later = (timezone.localdate() + datetime.timedelta(days=91)).isoformat()
    response = _create(client, expires_on=later)
    assert "有效期最长90天" in response.content.decode()
    assert not response.context["secret"]
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="api_token.create").exists()


def test_the_last_allowed_day_may_be_chosen(client, world):
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    last = timezone.localdate() + datetime.timedelta(days=90)
    response = _create(client, expires_on=last.isoformat())
    assert response.context["secret"], response.content.decode()
    assert timezone.localdate(ApiToken.objects.get().expires_at) == last


# (b) revoked with the credentials


@pytest.mark.parametrize(
    "change",
    [
        lambda w, u: accounts.change_own_password(u, old_password=TEST_PASSWORD, new_password=NEW),
        lambda w, u: accounts.reset_password(u, password=NEW, by=w.cast[Role.SYSADMIN]),
        lambda w, u: accounts.set_active(u, active=False, by=w.cast[Role.SYSADMIN]),
        lambda w, u: (
            setattr(u, "totp_confirmed_at", timezone.now()),
            accounts.reset_totp(u, by=w.cast[Role.SYSADMIN]),
        ),
    ],
    ids=["password-change", "password-reset", "deactivation", "second-factor-reset"],
)
def test_every_token_is_revoked_when_the_credentials_change(world, change):
    worker = world.cast[Role.COMMUNITY_WORKER]
    secrets = [token_for(worker, "一"), token_for(worker, "二")]
    other = token_for(world.cast[Role.COMMUNITY_HEAD])
    change(world, worker)
    assert ApiToken.objects.filter(user=worker, revoked_at__isnull=True).count() == 0
    for secret in secrets:
        response = ApiClient(secret).get(ME)
        assert response.status_code == 401 and response.json()["code"] == "invalid_token"
    assert ApiClient(other).get(ME).status_code == 200  # another account's token lives on
    entry = AuditEntry.objects.get(action="api_token.revoke_all")
    assert entry.object_id == str(worker.pk) and len(entry.data["tokens"]) == 2


def test_a_refused_password_change_revokes_nothing(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    secret = token_for(worker)
    with pytest.raises(accounts.DomainError):
        accounts.change_own_password(worker, old_password="wrong", new_password=NEW)
    assert ApiClient(secret).get(ME).status_code == 200
    assert not AuditEntry.objects.filter(action="api_token.revoke_all").exists()


# (c) idle timeout


def test_a_token_unused_for_the_idle_days_stops_working(world, settings):
    settings.API_TOKEN_IDLE_DAYS = 30
    worker = world.cast[Role.COMMUNITY_WORKER]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        used, unused = token_for(worker, "常用"), token_for(worker, "闲置")
        clock.shift(datetime.timedelta(days=20))
        assert ApiClient(used).get(ME).status_code == 200
        clock.shift(datetime.timedelta(days=10, seconds=1))
        response = ApiClient(unused).get(ME)
        assert response.status_code == 401
        assert response.json()["message"] == "令牌已连续30天未使用，已失效"
        assert ApiClient(used).get(ME).status_code == 200  # used 10 days ago
        assert list(ApiToken.objects.live().values_list("name", flat=True)) == ["常用"]


# (d) re-authentication


def test_creating_a_token_needs_the_password_again(client, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    client.force_login(worker)
    response = _create(client, password="wrong-Pass-1")
    assert response.status_code == 200 and not response.context["secret"]
    assert "密码不正确" in response.content.decode()
    assert not ApiToken.objects.exists()
    assert AuditEntry.objects.filter(action="auth.reauth_failed", actor=worker).count() == 1
    # It counts towards the lockout like a failed login.
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 1
    assert _create(client).context["secret"]


def test_a_locked_account_cannot_make_a_token(client, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    client.force_login(worker)
    for _ in range(5):
        _create(client, password="wrong-Pass-1")
    response = _create(client)
    assert "账号已锁定" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_role_that_needs_a_second_factor_gives_a_fresh_code(client, world):
    admin = world.cast[Role.SYSADMIN]
    secret = totp.new_secret()
    admin.totp_secret, admin.totp_confirmed_at = secret, timezone.now()
    admin.save()
    client.force_login(admin)
    for code in ("", "000000"):
        response = _create(client, code=code)
        assert "验证码不正确" in response.content.decode()
    assert not ApiToken.objects.exists()
    assert _create(client, code=totp.code_at(secret)).context["secret"]
    assert ApiToken.objects.filter(user=admin).count() == 1


# (e) revocation by the account managers


def test_an_account_manager_revokes_the_tokens_of_their_place_only(client, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    secret = token_for(worker, "区平台")
    token = ApiToken.objects.get(user=worker)
    manage = reverse("api-tokens:token-manage")
    # A manager of another district neither sees it nor can revoke it.
    client.force_login(world.outsiders[Role.SYSADMIN])
    assert "区平台" not in client.get(manage).content.decode()
    assert client.post(manage, {"revoke": token.pk}).status_code == 404
    # A role that manages no account is refused.
    client.force_login(world.cast[Role.COMMUNITY_HEAD])
    assert client.get(manage).status_code == 403
    assert client.post(manage, {"revoke": token.pk}).status_code == 403
    assert ApiClient(secret).get(ME).status_code == 200
    # The manager of its place sees it and revokes it, audited as theirs.
    admin = world.cast[Role.SYSADMIN]
    client.force_login(admin)
    page = client.get(manage)
    assert "区平台" in page.content.decode() and token.prefix in page.content.decode()
    assert client.post(manage, {"revoke": "x"}).status_code == 302
    assert client.post(manage, {"revoke": token.pk}).status_code == 302
    assert ApiClient(secret).get(ME).status_code == 401
    entry = AuditEntry.objects.get(action="api_token.revoke")
    assert entry.actor == admin and entry.object_id == str(token.pk)


def test_the_managers_list_costs_the_same_queries_for_many_tokens(
    client, world, django_assert_max_num_queries
):
    for role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.VIEWER):
        token_for(world.cast[role], "一")
        token_for(world.cast[role], "二")
    client.force_login(world.cast[Role.SYSADMIN])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("api-tokens:token-manage")).status_code == 200


def test_a_revoked_token_of_another_is_not_listed(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    token_for(worker)
    services.revoke_all(worker, reason="test", by=None)
    assert not services.manageable_tokens(world.cast[Role.SYSADMIN]).exists()

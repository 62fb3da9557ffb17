"""Tokens: created on the account page (secret shown once, only its hash kept), listed,
revoked; refused when revoked, expired, malformed or when the account is deactivated."""

from __future__ import annotations

import datetime
import hashlib
import json
import os

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts
from accounts.roles import Role
from api import services
from api.models import ApiToken, CallCount
from api.tests.conftest import ApiClient, token_for
from audit.models import AuditEntry
from conftest import TEST_PASSWORD

ME = "/api/v1/me/"


def _page(client, **data):
    if "name" in data:
        data.setdefault("password", TEST_PASSWORD)
    return client.post(reverse("api-tokens:token-list"), data)


def test_a_token_is_shown_once_and_only_its_hash_is_kept(client, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    client.force_login(worker)
    response = _page(client, name="数据平台同步", expires_on="")
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("shq_") and secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=worker)
    assert token.name == "数据平台同步"
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    # The list never shows it again.
    listed = client.get(reverse("api-tokens:token-list"))
    assert secret not in listed.content.decode() and token.prefix in listed.content.decode()
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor == worker and secret not in str(entry.data)
    # It works, as its user.
    me = ApiClient(secret).get(ME)
    assert me.status_code == 200
    assert me.json()["user"] == worker.username and me.json()["role"] == worker.role


def test_a_token_without_a_name_is_refused_and_nothing_is_made(client, world):
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    response = _page(client, name="  ", expires_on="")
    assert response.status_code == 200 and not response.context["secret"]
    assert "请填写令牌名称" in response.content.decode() or response.context["form"].errors
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="api_token.create").exists()


def test_an_expiry_in_the_past_is_refused(client, world):
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    response = _page(client, name="旧", expires_on="2020-01-01")
    assert "有效期应晚于现在" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_ends_the_token_and_only_ones_own(client, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    secret = token_for(worker)
    token = ApiToken.objects.get(user=worker)
    other = world.cast[Role.COMMUNITY_HEAD]
    client.force_login(other)
    assert _page(client, revoke=str(token.pk)).status_code == 404  # not theirs
    assert ApiClient(secret).get(ME).status_code == 200
    client.force_login(worker)
    assert _page(client, revoke=str(token.pk)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = ApiClient(secret).get(ME)
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_token", "message": "令牌已吊销", "fields": {}}
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=worker).count() == 1


def test_an_expired_token_is_refused(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    _token, secret = services.create_token(
        worker, name="短期", expires_at=timezone.now() + datetime.timedelta(hours=1), by=worker
    )
    assert ApiClient(secret).get(ME).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = ApiClient(secret).get(ME)
    assert response.status_code == 401 and response.json()["message"] == "令牌已过期"


def test_a_deactivated_accounts_tokens_are_refused(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    secret = token_for(worker)
    accounts.set_active(worker, active=False, by=world.cast[Role.SYSADMIN])
    response = ApiClient(secret).get(ME)
    assert response.status_code == 401 and response.json()["message"] == "令牌已吊销"
    # Even a token the deactivation did not revoke (a change made outside the services).
    secret = token_for(world.cast[Role.GRID_WORKER])
    type(worker).objects.filter(role=Role.GRID_WORKER).update(is_active=False)
    response = ApiClient(secret).get(ME)
    assert response.status_code == 401 and response.json()["message"] == "账号已停用"


@pytest.mark.parametrize(
    "header",
    ["Token abc", "Bearer", "Bearer shq_00000000_nothing", "Bearer not-a-token", "Basic eDp5"],
)
def test_a_malformed_or_unknown_token_is_401(world, header):
    token_for(world.cast[Role.COMMUNITY_WORKER])
    response = ApiClient().client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_guessed_secret_with_a_real_prefix_is_refused(world):
    secret = token_for(world.cast[Role.COMMUNITY_WORKER])
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert ApiClient(forged).get(ME).status_code == 401


def test_calls_are_throttled_per_token(world, monkeypatch):
    from api.auth import TokenRateThrottle

    monkeypatch.setattr(
        TokenRateThrottle, "THROTTLE_RATES", {**TokenRateThrottle.THROTTLE_RATES, "token": "3/min"}
    )
    one = ApiClient(token_for(world.cast[Role.COMMUNITY_WORKER]))
    two = ApiClient(token_for(world.cast[Role.COMMUNITY_HEAD]))
    assert [one.get(ME).status_code for _ in range(3)] == [200, 200, 200]
    refused = one.get(ME)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert two.get(ME).status_code == 200  # another token has its own count


def _calls_in_another_process(secret: str, times: int) -> list[int]:
    """`times` calls with the token from a forked process (as another gunicorn worker would
    make them, with its own memory and its own database connection): their statuses."""
    connections.close_all()  # neither process may carry on the other's connection
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        os.close(reader)
        try:
            statuses = [ApiClient(secret).get(ME).status_code for _ in range(times)]
            os.write(writer, json.dumps(statuses).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as answer:
        statuses = json.loads(answer.read() or "[]")
    os.waitpid(pid, 0)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_the_count_is_shared_between_server_processes(world, monkeypatch):
    from api.auth import TokenRateThrottle

    monkeypatch.setattr(
        TokenRateThrottle, "THROTTLE_RATES", {**TokenRateThrottle.THROTTLE_RATES, "token": "3/min"}
    )
    # One fixed moment for both processes, so no window ends between their calls.
    monkeypatch.setattr(TokenRateThrottle, "timer", staticmethod(lambda: 1_800_000_010.0))
    secret = token_for(world.cast[Role.COMMUNITY_WORKER])
    assert _calls_in_another_process(secret, 2) == [200, 200]
    refused = ApiClient(secret)
    assert [refused.get(ME).status_code for _ in range(2)] == [200, 429]
    assert int(refused.get(ME)["Retry-After"]) == 50  # the rest of the minute
    assert _calls_in_another_process(secret, 1) == [429]
    assert CallCount.objects.get().calls == 6  # one row: every call of the window


@pytest.mark.django_db(transaction=True)
def test_a_new_window_starts_afresh_and_ended_windows_are_pruned(world, monkeypatch):
    from api.auth import TokenRateThrottle

    monkeypatch.setattr(
        TokenRateThrottle, "THROTTLE_RATES", {**TokenRateThrottle.THROTTLE_RATES, "token": "2/min"}
    )
    now = [1_800_000_010.0]
    monkeypatch.setattr(TokenRateThrottle, "timer", staticmethod(lambda: now[0]))
    one = ApiClient(token_for(world.cast[Role.COMMUNITY_WORKER]))
    two = ApiClient(token_for(world.cast[Role.COMMUNITY_HEAD]))
    assert [one.get(ME).status_code for _ in range(3)] == [200, 200, 429]
    assert two.get(ME).status_code == 200
    now[0] += 60  # the next minute
    assert one.get(ME).status_code == 200
    # The ended minute's rows went when the new one started; only the live window is left.
    assert list(CallCount.objects.values_list("starts", "calls")) == [(1_800_000_060, 1)]


def test_calls_without_a_valid_token_are_throttled_by_address(world, monkeypatch):
    from api.auth import AnonymousRateThrottle

    monkeypatch.setattr(
        AnonymousRateThrottle,
        "THROTTLE_RATES",
        {**AnonymousRateThrottle.THROTTLE_RATES, "anonymous": "2/min"},
    )
    guesses = [ApiClient("shq_00000000_guess").get(ME).status_code for _ in range(2)]
    assert [*guesses, ApiClient().get(ME).status_code] == [401, 401, 429]
    # A valid token is counted by itself, not by the address.
    assert ApiClient(token_for(world.cast[Role.VIEWER])).get(ME).status_code == 200


def test_every_call_is_audited_with_its_token(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    secret = token_for(worker)
    ApiClient(secret).get(ME)
    ApiClient(secret).get("/api/v1/places/999999/")
    rows = list(AuditEntry.objects.filter(action="api.call").order_by("id"))
    assert [(r.actor, r.data["path"], r.data["status"]) for r in rows] == [
        (worker, ME, 200),
        (worker, "/api/v1/places/999999/", 404),
    ]
    assert all(r.data["token"] == services.prefix_of(secret) for r in rows)

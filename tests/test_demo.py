"""`shequ demo`: the synthetic district, its accounts, and what each account may see."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import policy, totp
from accounts.models import User
from areas.kinds import PlaceKind
from areas.models import Place
from audit.models import AuditEntry
from shequ import demo


@pytest.fixture
def demo_db(db):
    call_command("demo", "--no-population", stdout=StringIO())


def test_demo_builds_the_district(demo_db):
    kinds = {kind: Place.objects.filter(kind=kind).count() for kind in PlaceKind.values}
    assert kinds["district"] == 1 and kinds["subdistrict"] == 2 and kinds["community"] == 6
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY):
        assert 3 <= community.children.count() <= 6
        assert re.fullmatch(r"\d{12}", community.code)
    assert User.objects.count() == len(demo.ACCOUNTS)


def test_demo_is_idempotent_and_deterministic(demo_db):
    places = list(Place.objects.order_by("code").values_list("code", "name"))
    entries = AuditEntry.objects.count()
    out = StringIO()
    call_command("demo", "--no-population", stdout=out)
    assert "新增区划0个、账号0个" in out.getvalue()
    assert list(Place.objects.order_by("code").values_list("code", "name")) == places
    assert AuditEntry.objects.count() == entries


def test_if_empty_leaves_an_existing_database_alone(world):
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "未载入演示数据" in out.getvalue()
    assert not Place.objects.filter(name="临江区").exists()


@pytest.mark.parametrize("account", demo.ACCOUNTS, ids=lambda a: a.username)
def test_each_demo_account_logs_in_and_sees_exactly_its_subtree(client, demo_db, account):
    response = client.post(
        reverse("accounts:login"),
        {"username": account.username, "password": demo.DEFAULT_PASSWORD},
    )
    assert response.status_code == 302, f"{account.username} could not log in"
    user = User.objects.get(username=account.username)
    # 区级管理员, 系统管理员 and 审计员 set up their second factor at the first login.
    must = user.role in policy.current().totp_roles
    assert (response["Location"] == reverse("accounts:totp-setup")) == must
    if must:
        client.get(response["Location"])
        code = totp.code_at(client.session["totp_secret_new"])
        setup = {"password": demo.DEFAULT_PASSWORD, "code": code}
        assert client.post(reverse("accounts:totp-setup"), setup).status_code == 302
    for place in Place.objects.all():
        status = client.get(reverse("areas:place-detail", args=[place.pk])).status_code
        inside = user.place is None or place.path.startswith(user.place.path)
        assert status == (200 if inside else 404), (account.username, place.name, status)


def test_demo_password_comes_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("SHEQU_DEMO_PASSWORD", "Other-Demo-2026")
    call_command("demo", "--no-population", stdout=StringIO())
    assert User.objects.get(username="sq_worker").check_password("Other-Demo-2026")

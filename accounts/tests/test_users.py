import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import GRANTS, PLACE_KINDS, Perm, Role
from audit.models import AuditEntry

GOOD = {
    "username": "new_worker",
    "name": "新同事",
    "role": "community_worker",
    "phone": "13812345678",
    "password": "Xinren-2026",
}


def test_sysadmin_creates_an_account_and_the_phone_is_masked_in_the_log(client, world):
    client.force_login(world.cast["sysadmin"])
    response = client.post(reverse("accounts:user-create"), {**GOOD, "place": world.community.pk})
    assert response.status_code == 302
    user = User.objects.get(username="new_worker")
    assert user.place == world.community and user.check_password("Xinren-2026")
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.changes["phone"] == [None, "138****5678"]
    assert "13812345678" not in str(entry.changes)
    assert "password" not in entry.changes


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"role": "grid_worker"}, "网格员只能分配到：网格"),
        ({"password": "short"}, "至少需要8个字符"),
        ({"password": "alllowercase"}, "至少3类"),
        ({"phone": "1381234"}, "请输入11位手机号"),
        ({"username": "in_viewer"}, "已存在"),
        ({"username": "张三"}, "只能包含字母"),
        ({"name": ""}, "这个字段是必填项"),
    ],
)
def test_bad_account_input_is_refused_and_nothing_saved(client, world, change, error):
    client.force_login(world.cast["sysadmin"])
    users, entries = User.objects.count(), AuditEntry.objects.count()
    data = {**GOOD, "place": world.community.pk, **change}
    response = client.post(reverse("accounts:user-create"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert User.objects.count() == users
    assert AuditEntry.objects.count() == entries


def test_district_sysadmin_cannot_assign_outside_their_district(client, world):
    client.force_login(world.outsiders["sysadmin"])  # assigned to the other district
    data = {**GOOD, "place": world.community.pk}
    response = client.post(reverse("accounts:user-create"), data)
    assert response.status_code == 200  # the place is not even offered
    assert not User.objects.filter(username="new_worker").exists()


def test_edit_records_before_and_after(client, world):
    client.force_login(world.cast["sysadmin"])
    url = reverse("accounts:user-detail", args=[world.subject.pk])
    response = client.post(
        url,
        {"name": "改名", "role": "community_head", "place": world.community.pk, "phone": ""},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.changes["role"] == ["community_worker", "community_head"]
    assert entry.changes["name"] == ["subject", "改名"]


def test_sysadmin_cannot_deactivate_themselves(client, world):
    admin = world.cast["sysadmin"]
    client.force_login(admin)
    client.post(reverse("accounts:user-active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active


def test_user_list_is_scoped_and_costs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.outsiders["sysadmin"])
    with django_assert_max_num_queries(10):  # session, user, menu, page, count, breadcrumb…
        html = client.get(reverse("accounts:user-list")).content.decode()
    assert "out_community_worker" not in html  # assigned to C2, in the home district
    assert "in_community_worker" not in html
    client.force_login(world.cast["sysadmin"])
    html = client.get(reverse("accounts:user-list"), {"q": "community_worker"}).content.decode()
    assert "in_community_worker" in html and "out_community_worker" in html


def test_separation_of_duties():
    """Nobody who reads resident data manages accounts or reads the audit log, and the
    administrators who do see no resident data."""
    for role, perms in GRANTS.items():
        if Perm.VIEW_RECORDS in perms:
            assert Perm.MANAGE_ACCOUNTS not in perms and Perm.VIEW_AUDIT not in perms, role
    assert Perm.VIEW_RECORDS not in GRANTS[Role.SYSADMIN]
    assert Perm.VIEW_RECORDS not in GRANTS[Role.AUDITOR]
    assert GRANTS[Role.VIEWER] & {Perm.EDIT_RECORDS, Perm.MANAGE_PLACES} == set()
    assert set(PLACE_KINDS) == set(Role)


def test_edit_form_never_shows_the_phone_in_full_and_blank_keeps_it(client, world):
    subject = world.subject
    subject.phone = "13912345678"
    subject.save(update_fields=["phone"])
    client.force_login(world.cast["sysadmin"])
    url = reverse("accounts:user-detail", args=[subject.pk])
    html = client.get(url).content.decode()
    assert "13912345678" not in html and "139****5678" in html
    data = {"name": "subject", "role": "community_worker", "place": world.community.pk}
    client.post(url, {**data, "phone": ""})
    subject.refresh_from_db()
    assert subject.phone == "13912345678"
    client.post(url, {**data, "clear_phone": "on"})
    subject.refresh_from_db()
    assert subject.phone == ""
    assert AuditEntry.objects.get(action="user.update").changes["phone"] == ["139****5678", ""]


def test_createsuperuser_makes_a_whole_system_administrator_and_logs_it(db, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-pass-2026")
    call_command("createsuperuser", "--noinput", "--username", "root", "--name", "管理员")
    root = User.objects.get(username="root")
    assert root.role == Role.SYSADMIN and root.place is None and root.scope_path == ""
    assert AuditEntry.objects.filter(action="user.create", object_id=str(root.pk)).exists()


def test_whole_system_admin_sees_accounts_without_a_place_including_their_own(client, world):
    admin = world.cast["sysadmin"]  # place: the whole system
    client.force_login(admin)
    html = client.get(reverse("accounts:user-list"), {"role": "sysadmin"}).content.decode()
    assert "in_sysadmin" in html
    assert client.get(reverse("accounts:user-detail", args=[admin.pk])).status_code == 200


def test_nobody_changes_their_own_role_or_place(client, world):
    admin = world.outsiders["sysadmin"]  # a district system administrator
    client.force_login(admin)
    url = reverse("accounts:user-detail", args=[admin.pk])
    data = {"name": admin.name, "role": "district_admin", "place": world.other_district.pk}
    response = client.post(url, data)
    assert "不能修改自己的角色" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.SYSADMIN


def test_usernames_differing_only_in_case_are_one_account(client, world):
    client.force_login(world.cast["sysadmin"])
    data = {**GOOD, "username": "IN_VIEWER", "place": world.community.pk}
    response = client.post(reverse("accounts:user-create"), data)
    assert "已存在" in response.content.decode()
    assert not User.objects.filter(username="IN_VIEWER").exists()


def test_role_and_place_mismatch_is_shown_under_the_place_field(client, world):
    client.force_login(world.cast["sysadmin"])
    data = {**GOOD, "role": "grid_worker", "place": world.community.pk}
    form = client.post(reverse("accounts:user-create"), data).context["form"]
    assert "网格员只能分配到" in " ".join(form.errors["place"])


def test_createsuperuser_refuses_a_weak_password(db, monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "123")
    with pytest.raises(CommandError, match="密码不符合要求"):
        call_command("createsuperuser", "--noinput", "--username", "root", "--name", "管理员")
    assert not User.objects.filter(username="root").exists()


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.AUDITOR])
def test_the_last_active_officer_or_auditor_over_a_place_is_not_deactivated(client, world, role):
    """Without an active 安全管理员 over a place nobody approves its requests, without an 审计员
    nobody reads its log: a page stops one only while another of the same role covers it."""
    from accounts import services

    # The home one is the last over its place: the 安全管理员 over the whole system (the other
    # one sits in the other district), the 审计员 over district D (the other over D2).
    last = world.cast[role]
    client.force_login(world.cast[Role.SYSADMIN])
    entries = AuditEntry.objects.count()
    url = reverse("accounts:user-active", args=[last.pk])
    page = client.post(url, {"active": "0"}, follow=True).content.decode()
    assert f"是所辖范围内最后一位在用的{role.label}" in page
    last.refresh_from_db()
    assert last.is_active and AuditEntry.objects.count() == entries
    # One in a place below does not cover the district; one over the district does.
    below_place = world.district if last.place is None else world.subdistrict
    below = User.objects.create(username="below", name="下级", role=role, place=below_place)
    client.post(url, {"active": "0"})
    last.refresh_from_db()
    assert last.is_active
    below.delete()
    User.objects.create(username="second", name="第二位", role=role, place=last.place)
    client.post(url, {"active": "0"})
    last.refresh_from_db()
    assert not last.is_active
    assert AuditEntry.objects.filter(action="user.deactivate", object_id=str(last.pk)).exists()
    # The second is now the last; with no acting user (the system) it may still be stopped.
    second = User.objects.get(username="second")
    with pytest.raises(services.DomainError, match="最后一位在用的"):
        services.set_active(second, active=False, by=world.cast[Role.SYSADMIN])
    services.set_active(second, active=False, by=None)
    second.refresh_from_db()
    assert not second.is_active

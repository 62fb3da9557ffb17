from django.urls import reverse

from accounts import services as accounts
from audit import services as audit
from audit.masking import mask
from audit.models import AuditEntry


def test_mask_keeps_ends_and_hides_the_middle():
    assert mask("13812345678") == "138****5678"
    assert mask("110101199003074518") == "110***********4518"
    assert mask("12") == "**"
    assert mask(None) == ""


def test_permission_denial_is_logged_with_the_path(client, world):
    client.force_login(world.cast["community_worker"])
    assert client.get(reverse("audit:entry-list")).status_code == 403
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == world.cast["community_worker"]
    assert entry.data["path"] == reverse("audit:entry-list")


def test_auditor_sees_the_log_of_their_place_only(client, world):
    audit.record(None, "place.update", world.grid, changes={"name": ["甲", "乙"]})
    audit.record(None, "place.update", world.other_district, changes={"name": ["丙", "丁"]})
    client.force_login(world.cast["auditor"])
    url = reverse("audit:entry-list")
    entries = client.get(url, {"action": "place.update"}).context["entries"]
    assert [e.object_repr for e in entries] == ["甲一网格"]
    client.force_login(world.outsiders["auditor"])
    entries = client.get(url, {"action": "place.update"}).context["entries"]
    assert [e.object_repr for e in entries] == ["邻区"]


def test_auditor_filters_by_account_action_and_date(client, world):
    accounts.reset_password(world.subject, password="Neu-pass-2026", by=world.cast["sysadmin"])
    audit.record(None, "place.update", world.grid)
    client.force_login(world.cast["auditor"])
    url = reverse("audit:entry-list")
    found = client.get(url, {"username": "in_sysadmin"}).context["entries"]
    assert [e.action for e in found] == ["user.password_reset"]
    found = client.get(url, {"action": "place.update"}).context["entries"]
    assert [e.action for e in found] == ["place.update"]
    found = client.get(url, {"start": "2000-01-01", "end": "2000-01-02"}).context["entries"]
    assert found == []


def test_bad_filter_shows_a_chinese_error(client, world):
    client.force_login(world.cast["auditor"])
    response = client.get(reverse("audit:entry-list"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()
    assert response.context["entries"] == []


def test_list_pages_back_in_time_with_a_fixed_query_count(
    client, world, django_assert_max_num_queries
):
    for i in range(120):
        audit.record(None, "place.update", world.grid, data={"i": i})
    client.force_login(world.cast["auditor"])
    url = reverse("audit:entry-list")
    with django_assert_max_num_queries(8):
        first = client.get(url, {"action": "place.update"})
    assert len(first.context["entries"]) == 50
    older = first.context["older"]
    second = client.get(url, {"action": "place.update", "before": older})
    assert second.context["entries"][0].pk < older
    third = client.get(url, {"action": "place.update", "before": second.context["older"]})
    assert len(third.context["entries"]) == 20 and third.context["older"] is None


def test_detail_shows_before_and_after(client, world):
    entry = audit.record(None, "place.update", world.grid, changes={"name": ["旧名", "新名"]})
    client.force_login(world.cast["auditor"])
    html = client.get(reverse("audit:entry-detail", args=[entry.pk])).content.decode()
    assert "旧名" in html and "新名" in html and "修改区划" in html
    assert "<td>名称</td>" in html  # the field's Chinese name, not "name"


def test_every_action_the_code_writes_has_a_chinese_name():
    """Scans the source for the actions passed to audit.record and audit.record_save."""
    import pathlib
    import re

    from audit.actions import ACTION_LABELS

    root = pathlib.Path(__file__).resolve().parents[2]
    written = set()
    for path in root.glob("*/**/*.py"):
        if {".venv", "tests", "migrations"} & set(path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'record\(\s*[\w.]+,\s*"([a-z]+\.[a-z_]+)"', text))
        for kind in re.findall(r'kind="([a-z]+)",\s*fields=', text):
            written |= {f"{kind}.create", f"{kind}.update"}
    assert len(written) > 30  # the scan finds what it looks for
    assert sorted(a for a in written if a not in ACTION_LABELS) == []


def test_every_data_key_the_code_writes_has_a_chinese_name():
    """Scans the source for the keys of the `data={…}` dicts passed to audit.record."""
    import pathlib
    import re

    from audit.actions import DATA_LABELS

    root = pathlib.Path(__file__).resolve().parents[2]
    written = set()
    for path in root.glob("*/**/*.py"):
        if {".venv", "tests", "migrations"} & set(path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        for body in re.findall(r"\bdata=\{(.*?)\}", text, flags=re.DOTALL):
            written |= set(re.findall(r'"([a-z_0-9]+)":', body))
    assert len(written) > 15  # the scan finds what it looks for
    assert sorted(k for k in written if k not in DATA_LABELS) == []

"""The audit log's hash chain: rows are sealed after commit, a verification names the first row
where the chain breaks, and old rows move to an archive file that can be checked on its own."""

import datetime
import gzip
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit import chain, views
from audit import services as audit
from audit.actions import action_label
from audit.models import AuditArchive, AuditEntry, ChainHead
from shequ.errors import DomainError


def _sealed(rows: int, capture, **kwargs) -> list[AuditEntry]:
    made = []
    with capture(execute=True):
        for n in range(rows):
            made.append(audit.record(None, "place.update", username=f"u{n}", **kwargs))
    return list(AuditEntry.objects.filter(pk__in=[e.pk for e in made]).order_by("seq"))


def _without_guard():
    """Drop the database's append-only trigger for this test's transaction only, as someone
    with direct database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_entry_append_only ON audit_auditentry")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


def test_rows_are_sealed_in_order_when_their_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        for n in range(3):
            audit.record(None, "place.update", username=f"u{n}")
    # One seal per transaction, however many rows it wrote; nothing sealed before commit.
    assert len(callbacks) == 1
    assert not AuditEntry.objects.exclude(row_hash="").exists()
    callbacks[0]()
    rows = list(AuditEntry.objects.order_by("id"))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == chain.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert ChainHead.objects.get().seq == 3
    assert ChainHead.objects.get().hash == rows[-1].row_hash


def test_a_rolled_back_row_takes_no_place_in_the_chain(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit.record(None, "place.update", username="gone")
        raise RuntimeError
    assert callbacks == []
    kept = _sealed(1, django_capture_on_commit_callbacks)
    assert kept[0].seq == 1
    assert chain.verify().ok


def test_verify_passes_an_intact_chain_and_seals_what_is_pending(
    db, django_capture_on_commit_callbacks
):
    _sealed(4, django_capture_on_commit_callbacks)
    audit.record(None, "place.update", username="pending")  # committed by nobody yet
    verdict = chain.verify()
    assert verdict.ok
    assert (verdict.checked, verdict.sealed_now) == (5, 1)


def test_a_changed_row_is_named_as_the_first_break(db, django_capture_on_commit_callbacks):
    rows = _sealed(5, django_capture_on_commit_callbacks)
    _without_guard()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = 'forged' WHERE id = %s", [rows[2].pk]
        )
    verdict = chain.verify()
    assert not verdict.ok
    assert (verdict.broken.entry_id, verdict.broken.seq) == (rows[2].pk, 3)
    assert "内容与哈希不符" in str(verdict.broken)
    assert verdict.checked == 2
    with pytest.raises(CommandError, match=f"审计记录#{rows[2].pk}"):
        call_command("audit", "verify")


def test_a_row_rehashed_after_a_change_breaks_the_next_one(db, django_capture_on_commit_callbacks):
    rows = _sealed(4, django_capture_on_commit_callbacks)
    _without_guard()
    forged = rows[1]
    forged.object_repr = "forged"
    new_hash = chain.digest(
        forged.prev_hash,
        chain.content(AuditEntry.objects.values(*chain.HASHED).get(pk=forged.pk))
        | {"object_repr": "forged"},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = 'forged', row_hash = %s WHERE id = %s",
            [new_hash, forged.pk],
        )
    verdict = chain.verify()
    assert (verdict.broken.entry_id, verdict.broken.seq) == (rows[2].pk, 3)
    assert "前一条哈希不符" in verdict.broken.reason


def test_a_removed_row_and_a_removed_tail_are_both_found(db, django_capture_on_commit_callbacks):
    rows = _sealed(5, django_capture_on_commit_callbacks)
    _without_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [rows[4].pk])
    verdict = chain.verify(seal=False)
    assert verdict.broken.entry_id is None
    assert "最后1条记录被删除" in verdict.broken.reason
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [rows[1].pk])
    verdict = chain.verify(seal=False)
    assert (verdict.broken.entry_id, verdict.broken.seq) == (rows[2].pk, 3)
    assert "缺少链序号2至2" in verdict.broken.reason


def test_the_database_refuses_to_touch_a_sealed_row_or_to_seal_a_changed_one(
    db, django_capture_on_commit_callbacks
):
    (sealed,) = _sealed(1, django_capture_on_commit_callbacks)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET row_hash = 'x', prev_hash = 'y' WHERE id = %s",
            [sealed.pk],
        )
    pending = audit.record(None, "place.update", username="pending")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET seq = 9, row_hash = 'x', action = 'forged' WHERE id = %s",
            [pending.pk],
        )
    assert AuditEntry.objects.get(pk=pending.pk).action == "place.update"
    assert AuditEntry.objects.get(pk=sealed.pk).row_hash == sealed.row_hash


def _old_rows(capture, days: int, count: int) -> list[AuditEntry]:
    at = timezone.now() - datetime.timedelta(days=days)
    with capture(execute=True):
        for n in range(count):
            AuditEntry.objects.create(action="place.update", actor_username=f"old{n}", at=at)
        audit.record(None, "place.update", username="recent")
    return list(AuditEntry.objects.order_by("seq"))


def test_archive_moves_old_rows_to_a_file_and_the_chain_goes_on(
    db, django_capture_on_commit_callbacks, tmp_path
):
    rows = _old_rows(django_capture_on_commit_callbacks, 400, 3)
    out = tmp_path / "audit.jsonl.gz"
    before = timezone.localdate() - datetime.timedelta(days=200)
    call_command("audit", "archive", "--before", before.isoformat(), "--out", str(out))
    kept = AuditEntry.objects.order_by("id")
    # The three old rows left; the recent one and the archive's own row remain.
    assert [e.actor_username for e in kept] == ["recent", "shequ audit archive"]
    record = AuditArchive.objects.get()
    assert (record.first_seq, record.upto_seq, record.rows) == (1, 3, 3)
    assert record.last_hash == rows[2].row_hash
    assert chain.verify().ok
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert [line.get("actor_username") for line in lines[1:]] == ["old0", "old1", "old2"]
    assert chain.verify_file(out) == (3, None)
    call_command("audit", "verify", "--archive", str(out))


def test_a_changed_archive_file_is_found(db, django_capture_on_commit_callbacks, tmp_path):
    _old_rows(django_capture_on_commit_callbacks, 400, 3)
    out = tmp_path / "audit.jsonl.gz"
    chain.archive(timezone.localdate() - datetime.timedelta(days=190), out, by="test")
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    lines[2] = lines[2].replace("old1", "forged")
    forged = tmp_path / "forged.jsonl.gz"
    with gzip.open(forged, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    checked, broken = chain.verify_file(forged)
    assert (checked, broken.seq) == (1, 2)
    with pytest.raises(CommandError, match="归档文件校验失败"):
        call_command("audit", "verify", "--archive", str(forged))
    (tmp_path / "junk.gz").write_bytes(b"not gzip")
    assert "不是审计归档文件" in chain.verify_file(tmp_path / "junk.gz")[1].reason


def test_archive_keeps_at_least_180_days_and_changes_nothing_when_refused(
    db, django_capture_on_commit_callbacks, tmp_path
):
    _old_rows(django_capture_on_commit_callbacks, 400, 2)
    out = tmp_path / "a.jsonl.gz"
    too_recent = timezone.localdate() - datetime.timedelta(days=chain.RETENTION_DAYS - 1)
    with pytest.raises(DomainError, match="至少保留180天"):
        chain.archive(too_recent, out, by="test")
    with pytest.raises(CommandError, match="日期2026-13-01无效"):
        call_command("audit", "archive", "--before", "2026-13-01", "--out", str(out))
    out.write_bytes(b"")
    with pytest.raises(DomainError, match="已存在"):
        chain.archive(too_recent - datetime.timedelta(days=2), out, by="test")
    empty = tmp_path / "empty.jsonl.gz"
    with pytest.raises(DomainError, match="没有可归档"):
        chain.archive(timezone.localdate() - datetime.timedelta(days=600), empty, by="test")
    assert not empty.exists()
    assert AuditEntry.objects.count() == 3
    assert not AuditArchive.objects.exists()


def test_archive_refuses_a_broken_chain(db, django_capture_on_commit_callbacks, tmp_path):
    rows = _old_rows(django_capture_on_commit_callbacks, 400, 2)
    _without_guard()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [rows[0].pk])
    with pytest.raises(DomainError, match="审计链已断裂"):
        chain.archive(
            timezone.localdate() - datetime.timedelta(days=200), tmp_path / "a.gz", by="t"
        )
    assert AuditEntry.objects.count() == 3


def test_the_database_lets_only_archived_rows_go(db, django_capture_on_commit_callbacks):
    """On both databases (migrations 0004, 0005)."""
    rows = _sealed(2, django_capture_on_commit_callbacks)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [rows[0].pk])
    assert AuditEntry.objects.count() == 2


def test_auditor_exports_what_the_search_selects(client, world):
    worker = world.cast["community_worker"]
    audit.record(worker, "place.update", world.grid, changes={"name": ["甲", "乙"]})
    audit.record(None, "place.update", world.other_district, changes={"name": ["丙", "丁"]})
    auditor = world.cast["auditor"]
    client.force_login(auditor)
    response = client.get(reverse("audit:entry-export"), {"action": "place.update"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert len(values) == 1  # the other district's row is not the auditor's to see
    assert values[0][7] == "甲一网格"
    assert "甲 → 乙" in values[0][9]
    assert values[0][3] == str(worker.get_role_display())  # the role's name, not its code
    # The conditions as the search form names them.
    assert f"操作：{action_label('place.update')}" in sheet["A2"].value
    assert "place.update" not in sheet["A2"].value
    assert "导出人" in sheet.oddFooter.left.text
    assert auditor.name in sheet.oddFooter.left.text
    exported = AuditEntry.objects.get(action="audit.export")
    assert exported.data["rows"] == 1
    assert exported.data["filters"] == {"action": "place.update"}


def test_export_refuses_too_many_rows_and_a_bad_filter(client, world, monkeypatch):
    for n in range(3):
        audit.record(None, "place.update", world.grid, changes={"name": [str(n), "x"]})
    monkeypatch.setattr(views, "EXPORT_LIMIT", 2)
    client.force_login(world.cast["auditor"])
    response = client.get(reverse("audit:entry-export"), {"action": "place.update"}, follow=True)
    assert "一次最多导出2条" in response.content.decode()
    response = client.get(reverse("audit:entry-export"), {"start": "not-a-date"}, follow=True)
    assert "查询条件有误" in response.content.decode()
    assert not AuditEntry.objects.filter(action="audit.export").exists()

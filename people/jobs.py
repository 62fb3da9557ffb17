"""Running an uploaded spreadsheet: the check, then (on the worker's say-so) the import. Small
files run inside the request; larger ones in a background thread that reports its progress on
the job row, which the page polls."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from people import importing
from people.models import ImportJob
from shequ.errors import DomainError
from shequ.xlsx import SpreadsheetError, estimate_rows

log = logging.getLogger(__name__)


def _path(job: ImportJob) -> Path:
    return Path(settings.UPLOAD_DIR) / job.stored_as


def create(*, kind: str, place, upload, by) -> ImportJob:
    """Store the upload and start checking it."""
    if kind not in importing.KINDS:
        raise DomainError(_("请选择导入内容"), field="kind")
    if not upload.name.lower().endswith(".xlsx"):
        raise DomainError(_("请上传.xlsx格式的Excel文件（旧版.xls请先另存为.xlsx）"), field="file")
    if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise DomainError(
            _("文件超过%(mb)d MB，请拆分后分批导入")
            % {"mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)},
            field="file",
        )
    Path(settings.UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
    stored_as = f"{uuid.uuid4().hex}.xlsx"  # the user's file name is never used as a path
    digest = hashlib.sha256()
    # Readable by the server's account only: the file holds whole ID numbers and phones.
    descriptor = os.open(
        Path(settings.UPLOAD_DIR) / stored_as, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
    )
    with os.fdopen(descriptor, "wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    job = ImportJob.objects.create(
        kind=kind,
        file_name=Path(upload.name).name[:200],
        stored_as=stored_as,
        sha256=digest.hexdigest(),
        place=place,
        created_by=by,
    )
    audit.record(
        by, "import.upload", job, data={"kind": kind, "file": job.file_name, "sha256": job.sha256}
    )
    start(job, "check")
    return job


def confirm(job: ImportJob, *, by) -> bool:
    """Import a checked file, once: of two confirmations at the same time, one wins."""
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
        state=ImportJob.State.IMPORTING
    )
    if not claimed:
        return False
    start(job, "import", by=by)
    return True


def start(job: ImportJob, step: str, *, by=None) -> None:
    """Run `step` ("check" or "import") now, or in the background for a large file; the rows
    are written in the name of `by` (who confirmed), else of the uploader."""
    size = _path(job).stat().st_size
    with _path(job).open("rb") as handle:
        total = estimate_rows(handle)
    state = ImportJob.State.CHECKING if step == "check" else ImportJob.State.IMPORTING
    ImportJob.objects.filter(pk=job.pk).update(state=state, total=total, done=0)
    by_id = by.pk if by is not None else None
    if size > settings.IMPORT_BACKGROUND_BYTES:
        threading.Thread(target=_run_in_thread, args=(job.pk, step, by_id), daemon=True).start()
    else:
        run(job.pk, step, by_id)
    job.refresh_from_db()


def _run_in_thread(job_id: int, step: str, by_id: int | None) -> None:
    close_old_connections()
    try:
        run(job_id, step, by_id)
    finally:
        connection.close()


def run(job_id: int, step: str, by_id: int | None = None) -> None:
    from accounts.models import User

    job = ImportJob.objects.select_related("place", "created_by").get(pk=job_id)
    kind = importing.KINDS[job.kind]
    user = User.objects.filter(pk=by_id).first() if by_id else job.created_by

    def progress(n: int) -> None:
        # Progress is for the bar only: a moment when the row is locked (SQLite shares one
        # lock per table between connections of an in-memory database) just skips a tick.
        try:
            ImportJob.objects.filter(pk=job_id).update(done=n)
        except OperationalError:
            log.debug("import job %s: progress not saved this time", job_id)

    ctx = importing.Context(place=job.place, user=user, progress=progress)
    result: dict = {"finished_at": timezone.now()}
    try:
        with _path(job).open("rb") as handle:
            if step == "check":
                plan = importing.check_file(kind, handle, ctx)
                ok_state = ImportJob.State.CHECKED
            else:
                plan = importing.import_file(
                    kind, handle, ctx, file_name=job.file_name, sha256=job.sha256
                )
                ok_state = ImportJob.State.DONE
        result.update(
            state=ok_state if plan.ok else ImportJob.State.INVALID,
            total=plan.total,
            done=plan.total,
            counts={**plan.counts(), **plan.extra},
            errors=[
                {"row": p.row, "column": p.column, "message": p.message} for p in plan.problems
            ],
            warnings=[
                {"row": p.row, "column": p.column, "message": p.message} for p in plan.warnings
            ],
            error_count=plan.problem_count,
            message="",
        )
    except SpreadsheetError as exc:
        result.update(state=ImportJob.State.INVALID, message=exc.message, error_count=1)
    except Exception:
        log.exception("import job %s failed", job_id)
        result.update(
            state=ImportJob.State.FAILED,
            message=_("导入过程中系统出错，没有写入任何数据。请稍后重试或联系系统管理员。"),
        )
    _save_result(job_id, result)
    if result["state"] != ImportJob.State.CHECKED:
        # Imported, refused or failed: the file is not needed again (a refused file's error
        # report is made from the job's saved errors), and it is not kept beside the database.
        _path(job).unlink(missing_ok=True)


def _save_result(job_id: int, result: dict) -> None:
    """The outcome must be saved: retried briefly while another connection holds the table."""
    for attempt in range(20):
        try:
            ImportJob.objects.filter(pk=job_id).update(**result)
            return
        except OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))

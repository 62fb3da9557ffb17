"""Writes of the reports app: uploading and retiring a summary template, and generating a
summary (the .docx and its snapshot, with an audit row)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Perm, has_perm
from areas.kinds import PlaceKind
from areas.models import Place
from audit import services as audit
from people.ledgers import Span
from reports import documents
from reports.models import SummarySnapshot, SummaryTemplate
from reports.subjects import DEPARTMENT, PLACE_SUBJECT, WORKER, Subject, department
from reports.summary import Summary, build, text
from shequ import files
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

WEB, CLI = SummarySnapshot.Via.WEB, SummarySnapshot.Via.CLI
OFFICES = (PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY)
MAX_LINES = 20  # items of 存在的不足 or 下一步工作计划
MAX_LINE = 500


# --- Templates ---------------------------------------------------------------------------------


def template_for(place: Place) -> SummaryTemplate | None:
    """The nearest template up the tree from `place` (the place's own first), the newest at
    that place; None: the default template."""
    return (
        SummaryTemplate.objects.filter(
            place_id__in=[*place.ancestor_ids(), place.pk], retired_at__isnull=True
        )
        .order_by(Length("place_path").desc(), "-uploaded_at", "-id")
        .first()
    )


def template_bytes(template: SummaryTemplate | None) -> bytes:
    if template is None:
        return documents.DEFAULT_TEMPLATE.read_bytes()
    path = files.path(template.stored_as)
    if not path.is_file():
        raise DomainError(
            _("模板“%(name)s”的文件已丢失，请重新上传或停用它") % {"name": template.name}
        )
    return path.read_bytes()


@transaction.atomic
def upload_template(place: Place, name: str, upload: files.Upload, *, by: User) -> SummaryTemplate:
    """Store an office's template after filling it once with sample figures: a template that
    cannot be filled is refused whole, with the reason, and nothing is stored."""
    if place.kind not in OFFICES:
        raise DomainError(_("模板只能上传到社区、街道或区"), field="place")
    checked = files.check_document(upload.data, upload.name)
    if checked.extension != "docx":
        raise DomainError(_("请上传Word（.docx）格式的模板"), field="file")
    documents.check_template(checked.content)
    stored_as = files.new_stored_name("docx")
    written = files.write(stored_as, checked)
    try:
        template = SummaryTemplate.objects.create(
            place=place,
            name=name.strip() or files.display_name(upload.name, "docx").removesuffix(".docx"),
            file_name=files.display_name(upload.name, "docx"),
            stored_as=stored_as,
            size=len(checked.content),
            sha256=hashlib.sha256(checked.content).hexdigest(),
            uploaded_by=by,
        )
        audit.record(
            by,
            "summary.template.upload",
            template,
            data={"template": template.name, "sha256": template.sha256, "place": place.name},
        )
    except BaseException:
        for each in written:
            each.unlink(missing_ok=True)
        raise
    return template


@transaction.atomic
def retire_template(template: SummaryTemplate, *, by: User) -> SummaryTemplate:
    """Stop using a template; its file stays, since snapshots name it."""
    if template.retired_at is None:
        template.retired_at = timezone.now()
        template.save(update_fields=["retired_at"])
        audit.record(by, "summary.template.retire", template, data={"template": template.name})
    return template


# --- Generating --------------------------------------------------------------------------------


def _may(by: User | None) -> Callable[[Perm], bool]:
    """What the reader may see: a user's role; from the command line (no user), everything,
    as the server's operator already holds the database."""
    if by is None:
        return lambda perm: True
    return lambda perm: has_perm(by, perm)


def department_subject(code: str) -> Subject:
    found = department(code)
    if found is None:
        raise DomainError(_("没有编号为“%(code)s”的部门") % {"code": code}, field="department")
    return Subject(DEPARTMENT, department=found)


def worker_subject(worker: User) -> Subject:
    """A worker's personal summary: only for an active account that records work and sits at
    a place (its summary counts that place's records that are the worker's own)."""
    if not worker.is_active or not has_perm(worker, Perm.EDIT_RECORDS):
        raise DomainError(
            _("%(name)s不是登记和办理记录的在岗工作人员，不能生成个人工作总结")
            % {"name": worker.name or worker.username},
            field="worker",
        )
    if worker.place_id is None:
        raise DomainError(_("该账号没有所属区划，不能生成个人工作总结"), field="worker")
    return Subject(WORKER, worker=worker)


def summary_place(place: Place | None, subject: Subject) -> Place:
    """The place a summary counts over: the chosen office, or a worker's own place."""
    if subject.kind == WORKER:
        return subject.worker.place
    if place is None or place.kind not in OFFICES:
        raise DomainError(_("工作总结按社区、街道或区生成，请选择其中之一"), field="place")
    return place


def summarise(
    place: Place | None, span: Span, *, by: User | None, subject: Subject = PLACE_SUBJECT
) -> Summary:
    return build(summary_place(place, subject), span, may=_may(by), subject=subject)


def lines(value: str) -> list[str]:
    """The items typed in a prompt box, one a line, blank lines dropped."""
    items = [line.strip() for line in value.replace("\r", "").split("\n")]
    items = [line[:MAX_LINE] for line in items if line]
    return items[:MAX_LINES]


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def snapshot_figures(summary: Summary, ctx: dict) -> dict:
    """What a snapshot keeps: every figure evaluated (value and records), the rates, the
    texts as printed, and the period."""
    figures = summary.figures
    return {
        "span": [summary.span.start.isoformat(), summary.span.end.isoformat()],
        "indicators": {
            i.id: {
                "name": str(i.name),
                "unit": str(i.unit),
                "value": _plain(figures.totals[i.id]),
                "rows": figures.rows.get(i.id, 0),
            }
            for i in summary.indicators
        },
        "rates": {
            r.id: dict(
                zip(("numerator", "denominator"), map(_plain, figures.rate(r)[:2]), strict=True)
            )
            for r in summary.rates
        },
        "unreported_half_months": summary.unreported,
        "unvisited": {gap.code: gap.count for gap in summary.unvisited},
        "subject": _subject_record(summary.subject),
        "text": {
            "intro": text(summary.intro),
            "basic": ctx["basic"],
            "sections": ctx["sections"],
            "shortcomings": ctx["shortcomings"],
            "plans": ctx["plans"],
        },
    }


def _subject_record(subject: Subject) -> dict:
    return {
        "kind": subject.kind,
        "department": subject.department.code if subject.department else "",
        "worker": subject.worker.username if subject.worker else "",
    }


def generate_summary(
    place: Place | None,
    span: Span,
    *,
    by: User | None,
    via: str = WEB,
    shortcomings: list[str] | None = None,
    plans: list[str] | None = None,
    subject: Subject = PLACE_SUBJECT,
) -> tuple[SummarySnapshot, bytes]:
    """Fill the place's template with its summary and keep the snapshot: the file, its
    SHA-256, the figures, the template, who and when, with an audit row — all or nothing.
    `shortcomings` / `plans`: the prompts as the head edited them (None: as seeded).
    `subject`: a department's or a worker's summary (a worker's counts over the worker's
    place, whatever `place` says)."""
    summary = summarise(place, span, by=by, subject=subject)
    place = summary.place
    template = template_for(place)
    at = timezone.now()
    ctx = documents.context(
        summary,
        shortcomings=shortcomings
        if shortcomings is not None
        else [text(p) for p in summary.shortcomings],
        plans=plans if plans is not None else [text(p) for p in summary.plans],
        by=by.name if by is not None else _("命令行"),
        at=at,
    )
    whose = place.name
    if subject.kind == WORKER:
        whose = _("%(place)s中%(name)s本人") % {"place": place.name, "name": subject.worker.name}
    elif subject.kind == DEPARTMENT:
        whose = _("%(place)s%(department)s方面") % {
            "place": place.name,
            "department": subject.department.name,
        }
    note = _(
        "以上数字由社区工作平台于%(at)s根据%(place)s登记的记录统计（%(period)s），生成人：%(by)s。"
        "“记录数”是每项数字所依据的记录条数，可在平台“统计”页面逐项打开核对。"
    ) % {
        "at": ctx["generated_at"],
        "place": whose,
        "period": ctx["period"],
        "by": ctx["generated_by"],
    }
    content = documents.fill(template_bytes(template), ctx, documents.appendix(summary), note)
    sha256 = hashlib.sha256(content).hexdigest()
    stored_as = files.new_stored_name("docx")
    written = files.write(stored_as, files.Checked(content, files.DOCUMENTS["docx"][0], "docx"))
    try:
        with transaction.atomic():
            snapshot = SummarySnapshot.objects.create(
                place=place,
                subject=subject.kind,
                department=subject.department.code if subject.department else "",
                worker=subject.worker,
                title=summary.title,
                year=span.end.year,
                start=span.start,
                end=span.end,
                template=template,
                template_name=template.name if template else _("默认模板"),
                figures=snapshot_figures(summary, ctx),
                stored_as=stored_as,
                size=len(content),
                sha256=sha256,
                via=via,
                by=by,
            )
            audit.record(
                by,
                "summary.generate",
                snapshot,
                data={
                    "title": snapshot.title,
                    "template": snapshot.template_name,
                    "sha256": sha256,
                    "via": via,
                    "subject": snapshot.get_subject_display(),
                    **({"department": str(subject.department.name)} if subject.department else {}),
                    **({"worker": subject.worker.username} if subject.worker else {}),
                },
                username="cli" if by is None else "",
            )
    except BaseException:
        for each in written:
            each.unlink(missing_ok=True)
        raise
    return snapshot, content


def snapshot_bytes(snapshot: SummarySnapshot) -> bytes:
    """The file as it was handed out; refused if it is gone or no longer what was stored."""
    path = files.path(snapshot.stored_as)
    content = path.read_bytes() if path.is_file() else b""
    if hashlib.sha256(content).hexdigest() != snapshot.sha256:
        raise DomainError(_("该存档的文件已丢失或被改动，与生成时的SHA-256不一致"))
    return content

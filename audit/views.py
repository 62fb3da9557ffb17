from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm
from accounts.scope import get_for_user, require
from audit import presentation
from audit import services as audit
from audit.actions import action_label
from audit.forms import AuditFilterForm
from audit.models import AuditEntry
from shequ import files, xlsx

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
COLUMNS = [
    xlsx.Column(_("时间"), 19),
    xlsx.Column(_("账号"), 14, as_text=True),
    xlsx.Column(_("角色"), 12),
    xlsx.Column(_("IP地址"), 16, as_text=True),
    xlsx.Column(_("操作"), 18),
    xlsx.Column(_("对象类型"), 14),
    xlsx.Column(_("对象"), 28),
    xlsx.Column(_("区划路径"), 20, as_text=True),
    xlsx.Column(_("变更与附加信息"), 50),
    xlsx.Column(_("链序号"), 10),
]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet]:
    """The filter form and the rows it selects (none while the form is invalid)."""
    entries = AuditEntry.objects.visible_to(request.user)
    filters = AuditFilterForm(request.GET)
    if not filters.is_valid():
        return filters, entries.none()
    data = filters.cleaned_data
    if data["username"]:
        entries = entries.filter(actor_username__icontains=data["username"].strip())
    if data["action"]:
        entries = entries.filter(action=data["action"])
    if data["object_type"]:
        entries = entries.filter(object_type=data["object_type"])
    if data["q"]:
        entries = entries.filter(object_repr__icontains=data["q"].strip())
    if data["ip"]:
        entries = entries.filter(ip=data["ip"])
    if data["start"]:
        entries = entries.filter(at__gte=_day_start(data["start"]))
    if data["end"]:
        entries = entries.filter(at__lt=_day_start(data["end"] + datetime.timedelta(days=1)))
    return filters, entries


@login_required
@require_http_methods(["GET"])
def entry_list(request: HttpRequest) -> HttpResponse:
    """The auditor's search. Pages go back in time by id (keyset), so the thousandth page costs
    what the first does."""
    require(request.user, Perm.VIEW_AUDIT)
    filters, entries = _filtered(request)
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    rows = list(entries.order_by("-id")[: PAGE_SIZE + 1])
    older = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/entry_list.html",
        {
            "entries": rows[:PAGE_SIZE],
            "filters": filters,
            "older": older,
            "query": query.urlencode(),
            "is_first_page": not before,
            "export_limit": EXPORT_LIMIT,
        },
    )


@login_required
@require_http_methods(["GET"])
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_for_user(AuditEntry.objects, request.user, pk=pk)
    data = presentation.data_rows(entry.object_type, entry.data)
    return render(
        request,
        "audit/entry_detail.html",
        {
            "entry": entry,
            "object_type": presentation.object_type_label(entry.object_type),
            "changes": presentation.change_rows(entry.object_type, entry.changes),
            "data": data,
        },
    )


def _details(entry: AuditEntry) -> str:
    parts = [
        f"{label}：{old if old is not None else '—'} → {new if new is not None else '—'}"
        for label, old, new in presentation.change_rows(entry.object_type, entry.changes)
    ]
    parts += [
        f"{label}：{value}"
        for label, value in presentation.data_rows(entry.object_type, entry.data)
    ]
    return "；".join(parts)


@login_required
@require_http_methods(["GET"])
def entry_export(request: HttpRequest) -> HttpResponse:
    """The rows the auditor's search selects, as .xlsx: newest first, at most EXPORT_LIMIT.
    The export is itself written to the log, with its conditions and row count."""
    require(request.user, Perm.VIEW_AUDIT)
    filters, entries = _filtered(request)
    if not filters.is_valid():
        messages.error(request, _("查询条件有误，请改正后再导出"))
        return redirect(f"{reverse('audit:entry-list')}?{request.GET.urlencode()}")
    count = entries.count()
    if count > EXPORT_LIMIT:
        messages.error(
            request,
            _("符合条件的记录有%(n)s条，一次最多导出%(max)s条，请缩小时间范围")
            % {"n": count, "max": EXPORT_LIMIT},
        )
        return redirect(f"{reverse('audit:entry-list')}?{request.GET.urlencode()}")
    now = timezone.localtime()
    who = f"{request.user.name}（{request.user.get_role_display()}）"
    conditions = {k: str(v) for k, v in filters.cleaned_data.items() if v not in (None, "")}
    # In the sheet as the search form shows them: the field's label, an action's name.
    values = {"action": action_label, "object_type": presentation.object_type_label}
    shown = "，".join(
        f"{filters.fields[k].label}：{values[k](v) if k in values else v}"
        for k, v in conditions.items()
    )
    rows = (
        (
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_username or _("系统"),
            presentation.role_label(e.actor_role) if e.actor_role else "",
            e.ip or "",
            action_label(e.action),
            presentation.object_type_label(e.object_type) if e.object_type else "",
            e.object_repr,
            e.place_path,
            _details(e),
            e.seq,
        )
        for e in entries.order_by("-id").iterator(chunk_size=2000)
    )
    content = xlsx.write_table(
        _("审计记录"),
        _("条件：%(c)s　　制表：%(who)s　　共%(n)d条")
        % {
            "c": shown or _("全部"),
            "who": who,
            "n": count,
        },
        COLUMNS,
        rows,
        footer=xlsx.export_footer(who, now),
        sheet_name=str(_("审计记录")),
    )
    audit.record(request.user, "audit.export", data={"rows": count, "filters": conditions})
    return files.attachment(content, "xlsx", f"审计记录{now:%Y%m%d%H%M}.xlsx")

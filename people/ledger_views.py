"""Ledger pages: pick a ledger, a place and a day; read it on screen or take it as .xlsx."""

from __future__ import annotations

import datetime
import tempfile

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm, has_perm
from accounts.scope import require
from areas.models import Place
from audit import services as audit
from people.forms import PlaceField
from people.import_views import xlsx_response
from people.ledgers import LEDGERS, Ledger, Span
from shequ import xlsx
from shequ.replica import reads_replica
from shequ.widgets import DatePicker

PAGE = 50  # rows on screen, as in every list; the export has them all


class LedgerForm(forms.Form):
    place = PlaceField(
        label=gettext_lazy("区划"),
        queryset=Place.objects.none(),
        required=False,
        empty_label=gettext_lazy("请选择区划"),
    )
    start = forms.DateField(label=gettext_lazy("起始日期"), required=False, widget=DatePicker())
    on = forms.DateField(label=gettext_lazy("统计日期"), required=False, widget=DatePicker())

    def __init__(self, *args, user, period: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.visible_to(user).active().order_by("code")
        if period:
            self.fields["on"].label = gettext_lazy("截止日期")
        else:
            del self.fields["start"]

    def clean_on(self):
        day = self.cleaned_data.get("on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("不能晚于今天"))
        return day

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("on")
        if start and end and start > end:
            self.add_error("start", _("起始日期不能晚于截止日期"))
        return data


PRINT_LIMIT = 2000
# The lines a printed or exported ledger leaves to sign, as inspectors expect them.
SIGNATURES = (gettext_lazy("制表人"), gettext_lazy("审核人"), gettext_lazy("负责人"))


def ledger_for(user, code: str) -> Ledger:
    ledger = LEDGERS.get(code)
    if ledger is None:
        raise Http404
    require(user, ledger.needs)
    return ledger


def choose(
    request: HttpRequest, ledger: Ledger
) -> tuple[LedgerForm, Place | None, datetime.date | Span]:
    """The form, the place, and the day (or, for a period ledger, the span: from 1 January of
    the end day's year unless chosen) the request asks for."""
    place = request.user.place if request.user.place_id else None
    day = timezone.localdate()
    # The user's place and today unless the query says otherwise: a pager link ("?page=2")
    # then keeps showing what it pages through.
    data = request.GET.copy()
    data.setdefault("place", str(place.pk) if place else "")
    data.setdefault("on", day.isoformat())
    if ledger.period and not data.get("start"):
        # From 1 January of the end day's year (a ledger asked up to 2025-12-31 covers 2025).
        try:
            end = datetime.date.fromisoformat(data["on"])
        except ValueError:
            end = day  # the form says what is wrong with it
        data["start"] = end.replace(month=1, day=1).isoformat()
    form = LedgerForm(data, user=request.user, period=ledger.period)
    if form.is_valid():
        place = form.cleaned_data["place"] or place
        day = form.cleaned_data["on"] or day
    if ledger.period:
        start = (form.cleaned_data.get("start") if form.is_valid() else None) or day.replace(
            month=1, day=1
        )
        return form, place, Span(min(start, day), day)
    return form, place, day


def _when(day: datetime.date | Span) -> str:
    if isinstance(day, Span):
        return _("统计期间：%(start)s至%(end)s") % {"start": day.start, "end": day.end}
    return _("统计日期：%(day)s") % {"day": day}


def _audit_when(day: datetime.date | Span) -> dict:
    if isinstance(day, Span):
        return {"period": f"{day.start.isoformat()}—{day.end.isoformat()}"}
    return {"day": day.isoformat()}


@login_required
@require_http_methods(["GET"])
def ledger_index(request: HttpRequest) -> HttpResponse:
    return render(request, "people/ledger_index.html", {"ledgers": ledgers_for(request.user)})


def ledgers_for(user) -> list[Ledger]:
    """The ledgers the centre lists to this user (and the API's catalogue)."""
    require(user, Perm.VIEW_RECORDS)
    return [ledger for ledger in LEDGERS.values() if has_perm(user, ledger.needs)]


@login_required
@require_http_methods(["GET"])
@reads_replica
def ledger_detail(request: HttpRequest, code: str) -> HttpResponse:
    ledger = ledger_for(request.user, code)
    form, place, day = choose(request, ledger)
    context = {
        "ledger": ledger,
        "form": form,
        "place": place,
        "when": _when(day),
        "export_query": form.data.urlencode() if hasattr(form.data, "urlencode") else "",
        "current_place": place,
    }
    if place is not None and form.errors == {}:
        page = Paginator(ledger.source(place, day, request.user), PAGE).get_page(
            request.GET.get("page")
        )
        offset = (page.number - 1) * PAGE
        context.update(
            page=page,
            # On screen numbers stay masked for everyone; the resident's page reveals one.
            rows=list(ledger.render(page.object_list, day, full=False)),
            offset=offset,
        )
        audit.record(
            request.user,
            "ledger.view",
            place,
            data={"ledger": ledger.code, **_audit_when(day), "page": page.number},
        )
    return render(request, "people/ledger_detail.html", context)


@login_required
@require_http_methods(["GET"])
@reads_replica
def ledger_export(request: HttpRequest, code: str) -> HttpResponse:
    ledger = ledger_for(request.user, code)
    form, place, day = choose(request, ledger)
    if place is None or form.errors:
        raise Http404
    return export(ledger, place, day, request.user)


def export(ledger: Ledger, place: Place, day: datetime.date | Span, user) -> HttpResponse:
    """The ledger as .xlsx, streamed, and its `ledger.export` audit row (what, for which place
    and period, how many rows, whether numbers went out in full). The page's export and the
    API's (api/ledger_views.py) both answer with this."""
    full = has_perm(user, Perm.VIEW_SENSITIVE)
    now = timezone.localtime()
    who = f"{user.name}（{user.get_role_display()}）"
    # Streamed: rows go from the database cursor into the workbook one by one, and the file
    # from a temporary file to the browser, so a ledger of 100,000 rows needs no more memory
    # than a short one (bench: export).
    count = ledger.count(place, day, user)
    written = 0

    def counted(rows):
        nonlocal written
        for row in rows:
            written += 1
            yield row

    rows, sums = ledger.totalling(counted(ledger.rows(place, day, user)))
    out = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response once sent)
    xlsx.write_table(
        f"{place.name}{ledger.title}",
        _("%(when)s　　制表：%(who)s　　共%(n)d条") % {"when": _when(day), "who": who, "n": count},
        [xlsx.Column(c.header, c.width, as_text=c.as_text) for c in ledger.columns],
        rows,
        footer=xlsx.export_footer(who, now),
        sheet_name=str(ledger.title),
        signatures=[str(who) for who in SIGNATURES],
        totals=sums if ledger.has_totals else None,
        out=out,
    )
    out.seek(0)
    audit.record(
        user,
        "ledger.export",
        place,
        data={
            "ledger": ledger.code,
            **_audit_when(day),
            "rows": written,
            "full_numbers": full,
        },
    )
    end = day.end if isinstance(day, Span) else day
    return xlsx_response(out, f"{place.name}{ledger.title}{end:%Y%m%d}.xlsx")


@login_required
@require_http_methods(["GET"])
@reads_replica
def ledger_print(request: HttpRequest, code: str) -> HttpResponse:
    """The ledger on one page for the printer: title, place, period, numbered rows (numbers
    masked, as on screen) and the lines to sign. At most PRINT_LIMIT rows; a longer ledger is
    printed from its .xlsx."""
    ledger = ledger_for(request.user, code)
    form, place, day = choose(request, ledger)
    if place is None or form.errors:
        raise Http404
    records = ledger.source(place, day, request.user)
    total = records.count()
    shown = records[:PRINT_LIMIT]
    rows = list(ledger.render(shown, day, full=False))
    audit.record(
        request.user,
        "ledger.print",
        place,
        data={"ledger": ledger.code, **_audit_when(day), "rows": len(rows)},
    )
    return render(
        request,
        "people/ledger_print.html",
        {
            "ledger": ledger,
            "place": place,
            "when": _when(day),
            "rows": rows,
            # A print cut short would total only part: its 合计 is the .xlsx's.
            "sums": ledger.totals(rows) if ledger.has_totals and total == len(rows) else None,
            "total": total,
            "cut": total > len(rows),
            "limit": PRINT_LIMIT,
            "signatures": SIGNATURES,
            "printed_by": f"{request.user.name}（{request.user.get_role_display()}）",
            "printed_at": timezone.localtime(),
            "export_query": form.data.urlencode(),
        },
    )

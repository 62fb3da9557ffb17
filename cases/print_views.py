"""A case printed as a .docx: the whole supervision file, or a request's, petition's or
dispute's record, for the paper file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user
from audit import services as audit
from cases import documents
from cases.models import Case
from shequ import files


@login_required
@require_http_methods(["GET"])
def case_print(request: HttpRequest, pk: int) -> HttpResponse:
    # Supervision files are outside `visible_to` for roles without the judicial right: 404.
    case = get_for_user(
        Case.objects.select_related("place__parent", "assignee", "subject"), request.user, pk=pk
    )
    events = list(case.events.order_by("at", "id"))
    full = has_perm(request.user, Perm.VIEW_SENSITIVE)
    content = documents.case_document(case, events, full=full, printed_by=request.user)
    file_name = f"{documents.title_of(case)}{case.number}.docx"
    audit.record(
        request.user,
        "case.print",
        case,
        data={"file": file_name, "rows": len(events), "full_numbers": full},
    )
    return files.attachment(content, "docx", file_name)

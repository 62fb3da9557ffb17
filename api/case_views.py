"""Cases through the API beyond reading them: opening one (the new-case form and
`cases.services.open_case`) and the actions its state allows (the case page's action forms and
`cases.services.act`), with the page's permission checks and the service's state machine."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from api import serializers as s
from api.base import ApiView, BodyNames, body_schema, idempotent_create, json_body
from api.errors import Conflict, Invalid, form_errors
from api.views import IDEMPOTENCY, OBJECT_ERRORS, WRITE_ERRORS, CaseList, _error, case_detail
from cases import services
from cases.flows import FLOWS, REQUEST
from cases.forms import ActionForm, CaseForm, case_initial
from cases.models import Case
from cases.views import case_data
from shequ.errors import DomainError


def _case_detail(case: Case) -> dict:
    return case_detail(case)


# --- Opening a case -----------------------------------------------------------------------


# The deadline is `deadline` in the body, as in the answer; the page's form calls it `due`.
_CASE_NAMES = BodyNames(due="deadline")


def _case_body_schema() -> dict:
    """Every field some kind's form has; `kind` says which of them apply (the page's form for
    that kind), so only `kind` is required by the schema and the form checks the rest."""
    fields: dict = {}
    offered: dict[str, dict[str, list[str]]] = {"category": {}, "channel": {}}
    for kind, flow in FLOWS.items():
        form_fields = CaseForm(flow=flow, user=User(role="viewer")).fields
        for name, field in form_fields.items():
            fields.setdefault(name, field)
        for name, by_kind in offered.items():  # each kind's own, as its form offers them
            if name in form_fields:
                choices = form_fields[name].choices
                by_kind[kind] = [str(v) for v, _label in choices if v != ""]
    schema = body_schema(
        fields,
        extra={
            "kind": {
                "type": "string",
                "enum": list(FLOWS),
                "description": "类型（决定适用的字段，同登记页面）",
            }
        },
    )
    properties = schema["properties"]
    for name, by_kind in offered.items():
        # Every kind's values (a 纠纷 may be 物业 though a 诉求 may not); the form checks that
        # the value is one of its kind's.
        every = list(dict.fromkeys(v for values in by_kind.values() for v in values))
        per_kind = "；".join(f"{kind}：{'、'.join(values)}" for kind, values in by_kind.items())
        label = properties[name]["description"]
        properties[name] = {
            "type": "string",
            "enum": every,
            "description": _("{label}，各类型可选：{per_kind}").format(
                label=label, per_kind=per_kind
            ),
        }
    properties["received_at"]["format"] = "date-time"
    properties["place"] = {"type": "integer", "description": properties["place"]["description"]}
    schema["required"] = ["kind"]
    return _CASE_NAMES.schema(schema)


def _open_case_form(request: Request, data: dict) -> tuple[CaseForm, object]:
    flow = FLOWS.get(data.get("kind")) if isinstance(data.get("kind"), str) else None
    if flow is None:
        raise Invalid({"kind": [_("没有这种案件类型")]})
    require(request.user, Perm.EDIT_RECORDS)
    if flow.supervision:
        require(request.user, Perm.VIEW_JUDICIAL)  # as the page: 403, not a form error
    user = request.user
    # What the body leaves out is what the page's form starts with (cases.forms.case_initial).
    filled = {**case_initial(flow, user), **{k: v for k, v in data.items() if k != "kind"}}
    return CaseForm(filled, flow=flow, user=user), flow


class Cases(CaseList):
    """The case list (GET, in api/views.py) and, by POST, a new case of one kind through the
    new-case page's form."""

    @extend_schema(
        request={"application/json": _case_body_schema()},
        parameters=[IDEMPOTENCY],
        responses={201: s.CaseDetailSerializer, **WRITE_ERRORS},
        summary="登记案件（与登记页面同一服务）",
    )
    def post(self, request: Request) -> Response:
        data = _CASE_NAMES.read(json_body(request))

        @_CASE_NAMES.reported()
        def create():
            form, flow = _open_case_form(request, data)
            if not form.is_valid():
                raise Invalid(form_errors(form))
            try:
                case = services.open_case(case_data(form, flow, request.user), by=request.user)
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 201, _case_detail(case)

        return idempotent_create(request, create)


# --- Actions ------------------------------------------------------------------------------


class ActionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    target = s.Choice(s.CASE_STATES, allow_null=True, help_text=_("转入的状态；null 为状态不变"))
    asks = serializers.ListField(child=serializers.CharField(), help_text=_("需填写的项目"))
    needs_note = serializers.BooleanField()
    note_prompt = serializers.CharField(help_text=_("说明一栏的名称（同案件页面）"))


class ActionsSerializer(serializers.Serializer):
    state = s.Choice(s.CASE_STATES)
    version = serializers.IntegerField(help_text=_("操作时须带上的版本号"))
    actions = ActionSerializer(many=True, help_text=_("当前状态下可做的操作（同案件页面）"))


def _action_fields() -> dict:
    form = ActionForm(
        action=REQUEST.action("assign"), case=Case(kind=REQUEST.kind), user=User(role="viewer")
    )
    fields = {name: f for name, f in form.fields.items() if name != "files"}
    fields["rating"] = ActionForm.base_fields["rating"]
    return fields


def _action_schema() -> dict:
    schema = body_schema(
        _action_fields(),
        extra={
            "action": {"type": "string", "description": "操作代码（见 GET 的 actions）"},
            "assignee": {"type": "integer", "description": "承办人（派单时）"},
        },
    )
    schema["required"] = ["action", "version"]
    return schema


class CaseActions(ApiView):
    """GET: what the case page offers now (its version, and the actions its state allows);
    POST: take one of them, as the page's action form does."""

    @extend_schema(
        responses={200: ActionsSerializer, **OBJECT_ERRORS}, summary="案件当前可做的操作"
    )
    def get(self, request: Request, pk: int) -> Response:
        case = get_for_user(Case.objects.select_related("place"), request.user, pk=pk)
        offered = services.available(case) if has_perm(request.user, Perm.EDIT_RECORDS) else []
        return Response(
            {
                "state": case.state,
                "version": case.version,
                "actions": [
                    {
                        "code": a.code,
                        "label": str(a.label),
                        "target": a.target,
                        "asks": list(a.asks),
                        "needs_note": a.needs_note,
                        "note_prompt": str(a.note_label),
                    }
                    for a in offered
                ],
            }
        )

    @extend_schema(
        request={"application/json": _action_schema()},
        parameters=[IDEMPOTENCY],
        responses={
            200: s.CaseDetailSerializer,
            **OBJECT_ERRORS,
            **WRITE_ERRORS,
            409: _error(
                409,
                "当前状态不能做此操作；案件已被他人修改（版本号不符）；"
                "或 Idempotency-Key 已用于另一个请求",
            ),
        },
        summary="对案件做一项操作（派单、办结、回访、结案……同案件页面）",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = get_for_user(
            Case.objects.select_related("place"), request.user, pk=pk, perm=Perm.EDIT_RECORDS
        )
        data = json_body(request)

        def act():
            code = data.get("action")
            step = case.flow.action(code) if isinstance(code, str) else None
            if step is None:
                raise Invalid({"action": [_("没有这项操作")]})
            fields = {k: v for k, v in data.items() if k != "action"}
            form = ActionForm(fields, action=step, case=case, user=request.user, prefix=None)
            if not form.is_valid():
                raise Invalid(form_errors(form))
            chosen = form.cleaned_data
            try:
                acted = services.act(
                    case,
                    step.code,
                    by=request.user,
                    version=chosen["version"],
                    note=chosen.get("note", ""),
                    assignee=chosen.get("assignee"),
                    rating=chosen.get("rating", ""),
                    at=chosen.get("at"),
                )
            except services.ConflictError as exc:
                raise Conflict(exc.message) from exc
            except DomainError as exc:
                if exc.field is None:  # the case's state (or a step taken once) refuses it
                    raise Conflict(exc.message) from exc
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 200, _case_detail(acted)

        return idempotent_create(request, act)

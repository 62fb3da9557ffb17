"""What every API view shares: the role check, one audit row per call, keyset pages, filters
and bodies read through the UI's own forms, and idempotency keys on creating calls."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Perm
from api.auth import RolePermission
from api.errors import Conflict, Invalid, form_errors
from api.models import IdempotentAnswer
from areas.paging import after_in_place_order
from audit import services as audit

PAGE_SIZE = 50
IDEMPOTENCY_HEADER = "Idempotency-Key"


class ApiView(APIView):
    permission_classes = [RolePermission]
    read_perm: Perm | None = Perm.VIEW_RECORDS
    write_perm: Perm | None = Perm.EDIT_RECORDS

    def initial(self, request, *args, **kwargs):
        """Calls without a valid token are counted by address before they are refused, so
        guessing tokens (or filling the audit log with refusals) is throttled too."""
        try:
            self.perform_authentication(request)
        except exceptions.AuthenticationFailed:
            self.check_throttles(request)
            raise
        if not request.user.is_authenticated:
            self.check_throttles(request)
        super().initial(request, *args, **kwargs)
        query = request.query_params
        refuse_nul({k: query.getlist(k) for k in query})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        _audit_call(request, response)
        return response


def _audit_call(request: Request, response: Response) -> None:
    """Every call leaves an audit row, as a page does that reads or writes records: who (the
    token's user), which token, what was asked and what was answered."""
    user = getattr(request, "_user", None)
    user = user if user is not None and user.is_authenticated else None
    token = getattr(request, "_auth", None)
    data = {
        "method": request.method,
        "path": request.get_full_path()[:300],
        "status": response.status_code,
    }
    if token is not None and hasattr(token, "prefix"):
        data["token"] = token.prefix
    audit.record(user, "api.call", data=data)


# --- Filters and bodies through the UI's forms ---------------------------------------------


def _field_schema(field: forms.Field) -> dict:
    if isinstance(field, forms.ModelMultipleChoiceField):
        return {"type": "array", "items": {"type": "string"}}
    if isinstance(field, forms.ModelChoiceField):
        return {"type": "string"}
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):
        schema: dict = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, forms.DecimalField):
        return {"type": "string", "format": "decimal"}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    if isinstance(field, forms.TimeField):
        return {"type": "string", "format": "time"}
    if isinstance(field, forms.ChoiceField):
        choices = [str(value) for value, _label in field.choices if value != ""]
        return {"type": "string", "enum": choices} if choices else {"type": "string"}
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def query_parameters(
    form_class: type[forms.Form] | None,
    *,
    skip: tuple[str, ...] = (),
    enums: dict[str, list[str]] | None = None,
) -> list:
    """The list filters of a UI form as OpenAPI query parameters (the schema follows the form),
    and the page's cursor last. `enums` lists the values of a filter whose choices the form
    sets per user (or checks itself): the values the list's answers give for that field."""
    fields = form_class.base_fields if form_class is not None else {}
    enums = enums or {}
    params = [
        OpenApiParameter(
            name,
            {"type": "string", "enum": enums[name]} if name in enums else _field_schema(field),
            required=False,
            description=str(field.label or name),
        )
        for name, field in fields.items()
        if name not in skip
    ]
    params.append(
        OpenApiParameter(
            "cursor", str, required=False, description=_("上一页答复中的 next 所带的游标")
        )
    )
    return params


def body_schema(fields: dict[str, forms.Field], *, extra: dict | None = None) -> dict:
    """A JSON request body shaped like a UI form (its fields, which of them are required)."""
    properties = {name: _field_schema(field) for name, field in fields.items()}
    for name, field in fields.items():
        properties[name]["description"] = str(field.label or name)
    properties.update(extra or {})
    required = [name for name, field in fields.items() if field.required and not _default(field)]
    for name, field in fields.items():
        if _default(field):
            properties[name]["default"] = str(field.initial)
    return {"type": "object", "properties": properties, "required": required}


def _default(field: forms.Field):
    """What the form shows filled in (a model default: 汉族, 群众, 户籍), which a JSON body
    may leave out."""
    initial = field.initial
    return None if initial in (None, "") or callable(initial) else initial


def with_defaults(form_class, data: dict, **kwargs) -> forms.Form:
    """The form bound to `data`, with the fields it leaves out at the form's own defaults."""
    unbound = form_class(**kwargs)
    filled = {
        name: _default(field)
        for name, field in unbound.fields.items()
        if name not in data and _default(field) is not None
    }
    return form_class({**filled, **data}, **kwargs)


def bound_filters(request: Request, form_class, **kwargs) -> forms.Form:
    """The list's filters read from the query, as the UI's list reads them; refused ones are a
    400 with the form's Chinese messages (the UI shows them above the list). A parameter the
    list does not take (a misspelt filter, which would otherwise list everything) is a 400."""
    from api.docs import query_names

    known = query_names(request.path, request.method)
    unknown = [name for name in request.query_params if known is not None and name not in known]
    if unknown:
        raise Invalid({name: [_("不认识的字段")] for name in unknown})
    data = request.query_params.copy()
    data.pop("cursor", None)
    form = form_class(data, user=request.user, **kwargs)
    if not form.is_valid():
        raise Invalid(form_errors(form))
    return form


def cursor(request: Request) -> int | None:
    """The keyset cursor: the id of the last row of the page before (opaque to clients)."""
    value = request.query_params.get("cursor", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Invalid({"cursor": [_("游标无效")]})
    return int(value)


def page(request: Request, data: list, more: int | None, carry: dict | None = None) -> Response:
    """{"results": [...], "next": the URL of the next page or null}; `carry`: query parameters
    the next page needs besides the request's own."""
    next_url = None
    if more is not None:
        query = request.query_params.copy()
        for name, value in (carry or {}).items():
            query[name] = value
        query["cursor"] = str(more)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Response({"results": data, "next": next_url})


def keyset_page(
    request: Request,
    rows: QuerySet,
    shown: Callable[[list], list] | type[serializers.BaseSerializer],
    order: tuple[str, ...] = ("-date", "-pk"),
) -> Response:
    """One page of `rows` in `order`, starting after the row the cursor names. `order` is by id
    ("pk" or "-pk"), by place ("place_path", "pk"), by one unique field ("code"), or by a field
    then id, either way ("-date", "-pk"). `shown` is a serializer, or turns the page's rows into
    their answer (for lists that annotate rows or audit reads first)."""
    rows = _after_cursor(rows, cursor(request), order)
    found = list(rows.order_by(*order)[: PAGE_SIZE + 1])
    more = found[PAGE_SIZE - 1].pk if len(found) > PAGE_SIZE else None
    found = found[:PAGE_SIZE]
    if isinstance(shown, type):
        return page(request, shown(found, many=True).data, more)
    return page(request, shown(found), more)


def cursor_in(request: Request, rows: QuerySet) -> int | None:
    """The cursor, refused (400) unless it names one of `rows`: a cursor the user cannot see,
    or one from another list, is an error, never a silent first page."""
    before = cursor(request)
    if before is not None and not rows.filter(pk=before).exists():
        raise Invalid({"cursor": [_("游标无效")]})
    return before


def _after_cursor(rows: QuerySet, before: int | None, order: tuple[str, ...]) -> QuerySet:
    if before is None:
        return rows
    if order in (("pk",), ("-pk",), ("place_path", "pk")) and not rows.filter(pk=before).exists():
        raise Invalid({"cursor": [_("游标无效")]})  # these orders need no look-up of the row
    if order in (("pk",), ("-pk",)):
        return rows.filter(**{"pk__lt" if order[0] == "-pk" else "pk__gt": before})
    if order == ("place_path", "pk"):
        return after_in_place_order(rows, before)
    field = order[0].lstrip("-")
    op = "lt" if order[0].startswith("-") else "gt"
    last = rows.filter(pk=before).values_list(field, flat=True).first()
    if last is None:
        raise Invalid({"cursor": [_("游标无效")]})
    if len(order) == 1:  # a unique field: it alone places the row
        return rows.filter(**{f"{field}__{op}": last})
    return rows.filter(Q(**{f"{field}__{op}": last}) | Q(**{field: last, f"pk__{op}": before}))


def page_serializer(item: type[serializers.Serializer], name: str):
    """The schema of a page of `item`s."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next": serializers.URLField(allow_null=True, help_text=_("下一页；没有则为 null")),
            "__module__": __name__,
        },
    )


class BodyNames:
    """Body names that differ from the UI form's, so a body says what the answer says
    (`deadline`, where the case form says `due`): the schema shows the body's names, the body
    is read into the form's names, and the form's errors come back under the body's names."""

    def __init__(self, **body_of_form: str) -> None:
        self.body = body_of_form
        self.form = {body: form for form, body in body_of_form.items()}

    def schema(self, schema: dict) -> dict:
        schema["properties"] = {
            self.body.get(name, name): prop for name, prop in schema["properties"].items()
        }
        schema["required"] = [self.body.get(name, name) for name in schema.get("required", [])]
        return schema

    def read(self, data: dict) -> dict:
        """The body's fields under the form's names."""
        return {self.form.get(name, name): value for name, value in data.items()}

    def errors(self, errors: dict[str, list[str]]) -> dict[str, list[str]]:
        return {self.body.get(name, name): messages for name, messages in errors.items()}

    @contextmanager
    def reported(self):
        """Refusals raised inside name the body's fields."""
        try:
            yield
        except Invalid as exc:
            exc.fields = self.errors(exc.fields)
            raise


def _body_names(request: Request) -> set[str] | None:
    """The fields the schema gives this call's JSON body (None: the schema has no body)."""
    from api.docs import body_fields

    return body_fields(request.path, request.method)


def json_body(request: Request) -> dict:
    """The JSON object of the body; a field the endpoint does not take (a misspelt or guessed
    name, which would otherwise be dropped unseen) is refused, and nothing is done."""
    data = request.data
    if not isinstance(data, dict):
        raise Invalid({"_": [_("请求内容应为JSON对象")]})
    refuse_nul(data)
    known = _body_names(request)
    unknown = [name for name in data if known is not None and name not in known]
    if unknown:
        raise Invalid({str(name): [_("不认识的字段")] for name in unknown})
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul(data: dict) -> None:
    """NUL characters are no text anyone types, and PostgreSQL refuses them even in a lookup
    (a 500, where a 400 is due): refused up front, per field."""
    bad = {
        str(k).replace("\x00", ""): [_("不能包含空字符")] for k, v in data.items() if _has_nul(v)
    }
    if bad or any(_has_nul(k) for k in data):
        raise Invalid(bad or {"_": [_("不能包含空字符")]})


# --- Idempotency keys -------------------------------------------------------------------


def _fingerprint(data: Any) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _replay(request: Request, key: str, fingerprint: str) -> Response | None:
    kept = IdempotentAnswer.objects.filter(user=request.user, key=key).first()
    if kept is None:
        return None
    endpoint = f"{request.method} {request.path}"
    if kept.fingerprint != fingerprint or kept.endpoint != endpoint:
        raise Conflict(_("该Idempotency-Key已用于另一个请求，请换一个新的"))
    return Response(kept.body, status=kept.status, headers={"Idempotent-Replayed": "true"})


def idempotent_create(request: Request, create) -> Response:
    """Run `create()` (which returns (status, body)) once per Idempotency-Key: the same key with
    the same body answers the first answer again and creates nothing; the same key with another
    body is 409. The created rows and the kept answer commit together, so a crash between them
    leaves neither; two retries racing meet at the unique key and the loser replays."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        status, body = create()
        return Response(body, status=status)
    if len(key) > 100:
        raise Invalid({IDEMPOTENCY_HEADER: [_("Idempotency-Key最长100个字符")]})
    fingerprint = _fingerprint(request.data)
    replayed = _replay(request, key, fingerprint)
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            status, body = create()
            IdempotentAnswer.objects.create(
                user=request.user,
                key=key,
                endpoint=f"{request.method} {request.path}",
                fingerprint=fingerprint,
                status=status,
                body=body,
            )
    except IntegrityError:
        replayed = _replay(request, key, fingerprint)
        if replayed is None:
            raise
        return replayed
    return Response(body, status=status)

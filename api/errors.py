"""One error body for every refusal: {"code": "...", "message": "中文…", "fields": {...}}.

`fields` names each refused field with its Chinese messages (empty for errors not about a
field). DRF's exceptions, Django's Http404 and PermissionDenied and the services' DomainError
all come out this way; nothing reaches the client as an HTML page or a stack trace."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from shequ.errors import DomainError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Invalid(exceptions.APIException):
    """Bad input, with the Chinese messages per field (from a form or a service)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, fields: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(message or _("提交的内容有误，请按提示修改"))
        self.fields = fields


def body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def form_errors(form) -> dict[str, list[str]]:
    """A Django form's errors as {field: [messages]}; errors of the whole form under "_"."""
    return {
        ("_" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


def _fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
    if isinstance(detail, list):
        return {"_": [str(m) for m in detail]}
    return {}


def _shaped(exc: Exception) -> tuple[int, dict, dict[str, str]]:
    """Status, body and extra headers for a refusal."""
    if isinstance(exc, Http404 | exceptions.NotFound):
        return 404, body("not_found", _("对象不存在或不在您的辖区内")), {}
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return 403, body("forbidden", _("您的角色无权执行此操作")), {}
    if isinstance(exc, DomainError):
        fields = {exc.field or "_": [exc.message]}
        return 400, body("invalid", exc.message, fields), {}
    if isinstance(exc, Invalid):
        return 400, body("invalid", str(exc.detail), exc.fields), {}
    if isinstance(exc, exceptions.ValidationError):
        return 400, body("invalid", _("提交的内容有误，请按提示修改"), _fields(exc.detail)), {}
    if isinstance(exc, exceptions.ParseError):
        return 400, body("malformed", _("请求内容不是有效的JSON")), {}
    if isinstance(exc, exceptions.NotAuthenticated):
        return 401, body("unauthenticated", _("请在Authorization头中提供接口令牌")), {}
    if isinstance(exc, exceptions.AuthenticationFailed):
        return 401, body("invalid_token", str(exc.detail)), {}
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        headers = {"Retry-After": str(wait)}
        return 429, body("throttled", _("请求过于频繁，请%(n)d秒后再试") % {"n": wait}), headers
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, body("method_not_allowed", _("不支持该请求方式")), {}
    if isinstance(exc, exceptions.NotAcceptable):
        return 406, body("not_acceptable", _("只提供JSON格式")), {}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, body("unsupported_media_type", _("请求内容应为JSON")), {}
    if isinstance(exc, Conflict):
        return 409, body("conflict", str(exc.detail)), {}
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, body(exc.default_code, str(exc.detail)), {}
    raise exc


def handler(exc: Exception, context: dict) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]. A refused permission is audited as in the UI."""
    try:
        status_code, payload, headers = _shaped(exc)
    except Exception:
        return None
    request = context.get("request")
    if status_code == 403 and request is not None:
        from audit import services as audit

        user = request.user if request.user.is_authenticated else None
        audit.record(
            user, "access.denied", data={"path": request.path[:300], "method": request.method}
        )
    response = Response(payload, status=status_code, headers=headers)
    if status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="shequ"'
    return response

"""The OpenAPI schema (generated from the views by drf-spectacular) and the documentation page
that shows it: rendered on the server from the same schema, so it works under the site's CSP
(no script at all) and needs nothing from another host."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import authentication, permissions

from api.auth import ApiTokenAuthentication

METHODS = ("get", "post", "put", "patch", "delete")


class Schema(SpectacularJSONAPIView):
    """/api/v1/schema/: for a token or a logged-in session."""

    authentication_classes = [ApiTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]


@functools.cache
def schema() -> dict:
    """The schema, generated once per process (it changes only with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(spec: dict, node: dict | None) -> dict:
    if not node:
        return {}
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return spec["components"]["schemas"].get(name, {})
    return node


def _properties(spec: dict, node: dict | None) -> list[dict]:
    node = _resolve(spec, node)
    required = set(node.get("required", []))
    rows = []
    for name, prop in node.get("properties", {}).items():
        prop = _resolve(spec, prop) if "$ref" in prop else prop
        kind = prop.get("type", "object")
        if kind == "array":
            kind = f"array<{_resolve(spec, prop.get('items')).get('type', 'object')}>"
        rows.append(
            {
                "name": name,
                "type": kind + (f" ({prop['format']})" if prop.get("format") else ""),
                "required": name in required,
                "description": prop.get("description", ""),
                "enum": prop.get("enum", []),
            }
        )
    return rows


def endpoints(spec: dict) -> list[dict]:
    """Each operation with its parameters, body fields and answers, in path order."""
    rows = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ok = next((c for c in op["responses"] if c.startswith("2")), None)
            answer = (
                op["responses"][ok].get("content", {}).get("application/json", {}) if ok else {}
            )
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _properties(spec, body.get("schema")),
                    "ok": ok,
                    "answer": _properties(spec, answer.get("schema")),
                    "errors": sorted(c for c in op["responses"] if not c.startswith("2")),
                }
            )
    return rows


@login_required
@require_GET
def docs_page(request: HttpRequest) -> HttpResponse:
    spec = schema()
    return render(
        request,
        "api/docs.html",
        {"info": spec["info"], "endpoints": endpoints(spec)},
    )

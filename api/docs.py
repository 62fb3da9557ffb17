"""The OpenAPI schema (generated from the views by drf-spectacular) and the documentation page
that shows it: rendered on the server from the same schema, so it works under the site's CSP
(no script at all) and needs nothing from another host."""

from __future__ import annotations

import functools
import re

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import authentication, permissions

from api.auth import ApiTokenAuthentication

METHODS = ("get", "post", "put", "patch", "delete")
CHOICE_LINE = re.compile(r"^\* `([^`]*)` - (.*)$", re.MULTILINE)


class Schema(SpectacularJSONAPIView):
    """/api/v1/schema/: for a token or a logged-in session."""

    authentication_classes = [ApiTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]


@functools.cache
def schema() -> dict:
    """The schema, generated once per process (it changes only with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


@functools.cache
def _operations() -> list[tuple[tuple[str, ...], str, frozenset[str] | None, frozenset[str]]]:
    """Each operation's path (split, `{…}` for a parameter), method, body fields and query
    parameters."""
    spec = schema()
    rows = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            node = _resolve(spec, body.get("schema"))
            names = frozenset(node["properties"]) if "properties" in node else None
            query = frozenset(p["name"] for p in op.get("parameters", []) if p["in"] == "query")
            rows.append((tuple(path.strip("/").split("/")), method.upper(), names, query))
    # Literal segments before parameters: /cases/export/ before /cases/{id}/.
    rows.sort(key=lambda row: sum(part.startswith("{") for part in row[0]))
    return rows


def _operation(path: str, method: str):
    parts = path.strip("/").split("/")
    for row in _operations():
        template, op_method = row[0], row[1]
        if (
            op_method == method
            and len(template) == len(parts)
            and all(t == p or t.startswith("{") for t, p in zip(template, parts, strict=True))
        ):
            return row
    return None


def body_fields(path: str, method: str) -> frozenset[str] | None:
    """The fields the schema gives the JSON body of `method path` (None: no body there)."""
    row = _operation(path, method)
    return row[2] if row else None


def query_names(path: str, method: str) -> frozenset[str] | None:
    """The query parameters the schema gives `method path` (None: no such operation)."""
    row = _operation(path, method)
    return row[3] if row else None


def _resolve(spec: dict, node: dict | None) -> dict:
    """The node with a bare `$ref`, or an `allOf`/`oneOf` of one `$ref` (how drf-spectacular
    writes a choice field or a nested serializer that carries its own description or
    nullability), replaced by the component it names; the node's own keys win."""
    if not node:
        return {}
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return spec["components"]["schemas"].get(name, {})
    for key in ("allOf", "oneOf"):
        parts = node.get(key)
        if parts and len(parts) == 1 and "$ref" in parts[0]:
            own = {k: v for k, v in node.items() if k != key}
            return {**_resolve(spec, parts[0]), **own}
    return node


def _choices(prop: dict) -> list[str]:
    """An enum's values, each with its label from drf-spectacular's description lines
    ("* `value` - label") when there is one."""
    labels = dict(CHOICE_LINE.findall(prop.get("description", "")))
    return [f"{v}（{labels[str(v)]}）" if str(v) in labels else str(v) for v in prop["enum"]]


def _kind(spec: dict, prop: dict) -> str:
    kind = prop.get("type", "object")
    if kind == "array":
        return f"array<{_kind(spec, _resolve(spec, prop.get('items')))}>"
    if kind == "object" and prop.get("properties"):
        return "object {" + ", ".join(prop["properties"]) + "}"
    return kind


def _properties(spec: dict, node: dict | None) -> list[dict]:
    node = _resolve(spec, node)
    required = set(node.get("required", []))
    rows = []
    for name, prop in node.get("properties", {}).items():
        prop = _resolve(spec, prop)
        enum = _choices(prop) if prop.get("enum") else []
        description = prop.get("description", "")
        if enum and CHOICE_LINE.search(description):
            description = ""  # the generated "* `value` - label" list: shown as the values
        rows.append(
            {
                "name": name,
                "type": _kind(spec, prop) + (f" ({prop['format']})" if prop.get("format") else ""),
                "required": name in required,
                "description": description,
                "enum": enum,
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

"""Ledger exports through the API: the catalogue the ledger centre lists, and each ledger's
.xlsx, made, refused and audited by the ledger centre's own code (people/ledger_views.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scope import get_for_user
from api.base import ApiView, page, page_serializer
from api.errors import Invalid, form_errors
from api.views import OBJECT_ERRORS, READ_ERRORS
from areas.models import Place
from people import ledger_views

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LedgerSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    period = serializers.BooleanField(help_text=_("按期间（start 至 on）统计；否则按统计日（on）"))
    columns = serializers.ListField(child=serializers.CharField())
    export = serializers.CharField(help_text=_("导出地址"))


class LedgerList(ApiView):
    @extend_schema(
        responses={200: page_serializer(LedgerSerializer, "LedgerPage"), **READ_ERRORS},
        summary="台账目录（与台账中心相同：本角色可看的台账）",
    )
    def get(self, request: Request) -> Response:
        return page(
            request,
            [
                {
                    "code": ledger.code,
                    "title": str(ledger.title),
                    "description": str(ledger.description),
                    "period": ledger.period,
                    "columns": [str(h) for h in ledger.headers()],
                    "export": request.build_absolute_uri(
                        reverse("api:ledger-export", args=[ledger.code])
                    ),
                }
                for ledger in ledger_views.ledgers_for(request.user)
            ],
            None,  # one page: the catalogue is short
        )


LEDGER_PARAMETERS = [
    OpenApiParameter("place", int, required=False, description="区划（不填为本人所在区划）"),
    OpenApiParameter("on", OpenApiTypes.DATE, required=False, description="统计日期或截止日期"),
    OpenApiParameter(
        "start", OpenApiTypes.DATE, required=False, description="起始日期（按期间的台账）"
    ),
]


class LedgerExport(ApiView):
    """The same .xlsx as the ledger centre's 导出 button, with the same `ledger.export` audit
    row (which ledger, place, day or period, how many rows, whether numbers were full)."""

    @extend_schema(
        parameters=LEDGER_PARAMETERS,
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="台账 .xlsx"),
            **OBJECT_ERRORS,
        },
        summary="导出台账 .xlsx（与台账中心同一导出，记入审计）",
    )
    def get(self, request: Request, code: str):
        ledger = ledger_views.ledger_for(request.user, code)
        given = request.query_params.get("place", "")
        if given.isdigit() and len(given) < 18:
            get_for_user(Place, request.user, pk=int(given))  # outside the place: 404
        form, place, day = ledger_views.choose(request, ledger)
        if form.errors:
            raise Invalid(form_errors(form))
        if place is None:
            raise Invalid({"place": [_("请选择区划")]})
        return ledger_views.export(ledger, place, day, request.user)

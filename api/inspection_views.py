"""Inspections and rectification orders through the API: the lists with their pages' filters
(inspections.queries), each record with its findings or re-checks, and the re-check (复查:
put right, or a new deadline) through inspections.services.recheck, as the order's page."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Perm
from accounts.scope import get_for_user
from api import serializers as s
from api.base import (
    PAGE_SIZE,
    ApiView,
    body_schema,
    bound_filters,
    cursor,
    idempotent_create,
    json_body,
    page,
    page_serializer,
    query_parameters,
)
from api.errors import Conflict, Invalid, form_errors
from api.views import IDEMPOTENCY, OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS, _error
from inspections import services
from inspections.forms import InspectionFilterForm, RecheckForm, RectificationFilterForm
from inspections.models import Inspection, Rectification
from inspections.queries import filter_inspections, filter_rectifications
from shequ.errors import DomainError


def _newest_after(rows, before: int | None, field: str):
    """The rows after the row `before` in newest-first (`field`, id) order."""
    if before is None:
        return rows
    last = rows.filter(pk=before).values_list(field, flat=True).first()
    if last is None:
        raise Invalid({"cursor": [_("游标无效")]})
    return rows.filter(Q(**{f"{field}__lt": last}) | Q(**{field: last, "pk__lt": before}))


class InspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    area = serializers.CharField()
    checklist = serializers.CharField(source="checklist_version.checklist.name")
    target = serializers.CharField(help_text=_("检查对象类别：单位、住户或场所"))
    target_name = serializers.CharField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    inspectors = serializers.CharField(source="inspector_names")
    failures = serializers.IntegerField(help_text=_("不合格项数"))
    result = serializers.CharField()
    open_orders = serializers.IntegerField(help_text=_("未销号的整改通知数"))
    place = s.PlaceRef()


class FindingSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.label")
    value = serializers.CharField()
    failed = serializers.BooleanField()
    note = serializers.CharField()


class InspectionDetailSerializer(InspectionSerializer):
    site = serializers.CharField()
    notes = serializers.CharField()
    answers = FindingSerializer(many=True, source="answer_list", help_text=_("各检查项目的结果"))
    rectifications = serializers.ListField(
        child=serializers.IntegerField(), source="order_ids", help_text=_("整改通知")
    )


class RectificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    inspection = serializers.IntegerField(source="inspection_id")
    finding = serializers.CharField()
    requirement = serializers.CharField()
    responsible = serializers.CharField()
    issued_on = serializers.DateField()
    first_deadline = serializers.DateField()
    deadline = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    version = serializers.IntegerField(help_text=_("复查时须带上的版本号"))
    place = s.PlaceRef()


class RecheckSerializer(serializers.Serializer):
    date = serializers.DateField()
    passed = serializers.BooleanField()
    note = serializers.CharField()
    new_deadline = serializers.DateField(allow_null=True)
    by = serializers.CharField(source="by_name")


class RectificationDetailSerializer(RectificationSerializer):
    rechecks = RecheckSerializer(many=True, source="recheck_list")


def _inspections(user):
    return (
        Inspection.objects.visible_to(user)
        .select_related("place", "checklist_version__checklist")
        .prefetch_related(
            Prefetch("inspectors", queryset=User.objects.only("name", "username").order_by("pk"))
        )
        .annotate(
            open_orders=Count("rectifications", filter=Q(rectifications__closed_on__isnull=True))
        )
    )


class InspectionList(ApiView):
    @extend_schema(
        operation_id="inspections_list",
        parameters=query_parameters(InspectionFilterForm),
        responses={
            200: page_serializer(InspectionSerializer, "InspectionPage"),
            **READ_ERRORS,
        },
        summary="检查记录（与检查列表相同的筛选，新的在前）",
    )
    def get(self, request: Request) -> Response:
        filters = bound_filters(request, InspectionFilterForm)
        rows = filter_inspections(_inspections(request.user), filters)
        rows = _newest_after(rows, cursor(request), "date")
        rows = list(rows.order_by("-date", "-pk")[: PAGE_SIZE + 1])
        more = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
        shown = InspectionSerializer(rows[:PAGE_SIZE], many=True).data
        return page(request, rows, shown, more)


class InspectionDetail(ApiView):
    @extend_schema(responses={200: InspectionDetailSerializer, **OBJECT_ERRORS}, summary="检查记录")
    def get(self, request: Request, pk: int) -> Response:
        inspection = get_for_user(_inspections(request.user), request.user, pk=pk)
        inspection.answer_list = list(
            inspection.answers.select_related("item").order_by("item__order", "item_id")
        )
        inspection.order_ids = list(
            inspection.rectifications.order_by("pk").values_list("pk", flat=True)
        )
        return Response(InspectionDetailSerializer(inspection).data)


def _orders(user):
    return Rectification.objects.visible_to(user).select_related("place")


class RectificationList(ApiView):
    @extend_schema(
        operation_id="rectifications_list",
        parameters=query_parameters(RectificationFilterForm),
        responses={
            200: page_serializer(RectificationSerializer, "RectificationPage"),
            **READ_ERRORS,
        },
        summary="整改通知（与整改通知列表相同的筛选，新的在前）",
    )
    def get(self, request: Request) -> Response:
        filters = bound_filters(request, RectificationFilterForm)
        rows = filter_rectifications(_orders(request.user), filters, timezone.localdate())
        rows = _newest_after(rows, cursor(request), "issued_on")
        rows = list(rows.order_by("-issued_on", "-pk")[: PAGE_SIZE + 1])
        more = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
        shown = RectificationSerializer(rows[:PAGE_SIZE], many=True).data
        return page(request, rows, shown, more)


def _order_detail(order: Rectification) -> dict:
    order.recheck_list = [
        {
            "date": r.date,
            "passed": r.passed,
            "note": r.note,
            "new_deadline": r.new_deadline,
            "by_name": (r.by.name or r.by.username) if r.by else "",
        }
        for r in order.rechecks.select_related("by").order_by("date", "pk")
    ]
    return RectificationDetailSerializer(order).data


class RectificationDetail(ApiView):
    @extend_schema(
        responses={200: RectificationDetailSerializer, **OBJECT_ERRORS}, summary="整改通知"
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_order_detail(get_for_user(_orders(request.user), request.user, pk=pk)))


def _recheck_schema() -> dict:
    fields = {k: f for k, f in RecheckForm.base_fields.items() if k not in ("files", "passed")}
    schema = body_schema(
        fields, extra={"passed": {"type": "boolean", "description": "是否已整改到位"}}
    )
    schema["required"] = ["version", "date", "passed"]
    return schema


class RectificationRecheck(ApiView):
    """复查, as the order's page: put right (the order is closed that day), or not yet (a new
    deadline). Photos are added on the page."""

    @extend_schema(
        request={"application/json": _recheck_schema()},
        parameters=[IDEMPOTENCY],
        responses={
            200: RectificationDetailSerializer,
            **OBJECT_ERRORS,
            **WRITE_ERRORS,
            409: _error(409, "整改通知已被他人更新或已销号；或 Idempotency-Key 已用于另一个请求"),
        },
        summary="复查整改通知（与整改通知页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        order = get_for_user(_orders(request.user), request.user, pk=pk, perm=Perm.EDIT_RECORDS)
        data = json_body(request)

        def recheck():
            fields = dict(data)
            passed = fields.get("passed")
            if isinstance(passed, bool):
                fields["passed"] = "1" if passed else "0"
            form = RecheckForm(fields)
            if not form.is_valid():
                raise Invalid(form_errors(form))
            chosen = form.cleaned_data
            try:
                services.recheck(
                    order,
                    services.RecheckData(
                        date=chosen["date"],
                        passed=chosen["passed"],
                        note=chosen["note"],
                        new_deadline=None if chosen["passed"] else chosen["new_deadline"],
                    ),
                    version=chosen["version"],
                    by=request.user,
                )
            except services.ConflictError as exc:
                raise Conflict(exc.message) from exc
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 200, _order_detail(_orders(request.user).get(pk=order.pk))

        return idempotent_create(request, recheck)

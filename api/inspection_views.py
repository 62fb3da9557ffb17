"""Inspections and rectification orders through the API: the lists with their pages' filters
(inspections.queries), each record with its findings or re-checks; recording an inspection
with its findings (inspections.services.record_inspection, through the page's InspectionForm),
issuing a rectification order for a failing item (issue_rectification, prefilled as the page
is) and the re-check (复查: put right, or a new deadline) through inspections.services.recheck,
as the pages. Photos are added on the pages."""

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
    ApiView,
    body_schema,
    bound_filters,
    idempotent_create,
    json_body,
    keyset_page,
    page_serializer,
    query_parameters,
)
from api.errors import Conflict, Invalid, form_errors
from api.views import IDEMPOTENCY, OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS, _error
from areas.models import Dwelling, LocalUnit
from inspections import services
from inspections.forms import (
    COUNT_COLUMNS,
    InspectionFilterForm,
    InspectionForm,
    RecheckForm,
    RectificationFilterForm,
    RectificationForm,
    StartForm,
)
from inspections.models import Checklist, ChecklistItem, Inspection, Rectification, RoomCount
from inspections.queries import filter_inspections, filter_rectifications, order_initial
from shequ.errors import DomainError


def _inspection_schema() -> dict:
    fields = InspectionForm.base_fields
    schema = body_schema(
        {k: fields[k] for k in ("date", "other_inspectors", "notes", "site", "place")},
        extra={
            "checklist": {"type": "integer", "description": "检查表"},
            "checklist_version": {
                "type": "integer",
                "description": "检查表版本（已发布的；不填为最新版本）",
            },
            "unit": {"type": "integer", "description": "检查的辖区单位（单位、房屋、场所三选一）"},
            "dwelling": {"type": "integer", "description": "检查的房屋"},
            "inspectors": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "检查人员（账号编号；不填为本人）",
            },
            "answers": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "各检查项目的结果：{检查项目编号: 结果}",
            },
            "answer_notes": {
                "type": "object",
                "additionalProperties": {"type": "string", "maxLength": 200},
                "description": "不合格项目的问题描述：{检查项目编号: 描述}",
            },
            "counts": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
                "description": "病媒生物监测数：{场所类别: {rooms, positive, unproofed}}",
            },
            "outdoor_metres": {
                "type": "integer",
                "minimum": 0,
                "description": "外环境检查长度（米）",
            },
            "burrows": {"type": "integer", "minimum": 0, "description": "鼠洞数"},
        },
    )
    schema["required"] = ["checklist", "date"]
    return schema


class DwellingRef(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.CharField()


class InspectionRef(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    target_name = serializers.CharField()


class OrderRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("整改通知编号"))


class InspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    area = s.Choice(Checklist.Area.choices)
    area_label = s.Label(Checklist.Area.choices, source="area")
    checklist = s.NamedRef(source="checklist_version.checklist")
    target = s.Choice(Inspection.Target.choices, help_text=_("检查对象类别"))
    target_label = s.Label(Inspection.Target.choices, source="target")
    target_name = serializers.CharField()
    unit = s.NamedRef(allow_null=True, help_text=_("被检查单位"))
    dwelling = DwellingRef(allow_null=True, help_text=_("被检查房屋"))
    inspectors = s.UserRef(many=True, help_text=_("检查人员（账号）"))
    other_inspectors = serializers.CharField(help_text=_("其他检查人员（非本系统账号）"))
    failures = serializers.IntegerField(help_text=_("不合格项数"))
    result = s.Choice(Inspection.Result.choices, source="result_code")
    result_label = s.Label(Inspection.Result.choices, source="result_code")
    open_orders = serializers.IntegerField(help_text=_("未销号的整改通知数"))
    place = s.PlaceRef()


class ItemRef(serializers.Serializer):
    """A checklist item, named as every other reference is: {id, name}."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="label")


class FindingSerializer(serializers.Serializer):
    item = ItemRef(help_text=_("检查项目"))
    value = serializers.CharField()
    failed = serializers.BooleanField()
    note = serializers.CharField()


class InspectionDetailSerializer(InspectionSerializer):
    site = serializers.CharField()
    notes = serializers.CharField()
    answers = FindingSerializer(many=True, source="answer_list", help_text=_("各检查项目的结果"))
    rectifications = OrderRef(many=True, source="order_list", help_text=_("整改通知"))


class RectificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    inspection = InspectionRef()
    finding = serializers.CharField()
    requirement = serializers.CharField()
    responsible = serializers.CharField()
    issued_on = serializers.DateField()
    first_deadline = serializers.DateField()
    deadline = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    state = s.Choice(Rectification.State.choices, source="state_code")
    state_label = s.Label(Rectification.State.choices, source="state_code")
    version = serializers.IntegerField(help_text=_("复查时须带上的版本号"))
    place = s.PlaceRef()


class RecheckSerializer(serializers.Serializer):
    date = serializers.DateField()
    passed = serializers.BooleanField()
    note = serializers.CharField()
    new_deadline = serializers.DateField(allow_null=True)
    by = s.UserRef(allow_null=True, help_text=_("复查人"))


class RectificationDetailSerializer(RectificationSerializer):
    rechecks = RecheckSerializer(many=True, source="recheck_list")


def _inspections(user):
    return (
        Inspection.objects.visible_to(user)
        .select_related("place", "checklist_version__checklist", "unit", "dwelling")
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
        return keyset_page(request, rows, InspectionSerializer, ("-date", "-pk"))

    @extend_schema(
        request={"application/json": _inspection_schema()},
        parameters=[IDEMPOTENCY],
        responses={201: InspectionDetailSerializer, **OBJECT_ERRORS, **WRITE_ERRORS},
        summary="登记检查及其结果（与新增检查页面同一表单和服务）",
    )
    def post(self, request: Request) -> Response:
        return record_inspection(request)


class InspectionDetail(ApiView):
    @extend_schema(responses={200: InspectionDetailSerializer, **OBJECT_ERRORS}, summary="检查记录")
    def get(self, request: Request, pk: int) -> Response:
        inspection = get_for_user(_inspections(request.user), request.user, pk=pk)
        return Response(_inspection_detail(inspection))


def _inspection_detail(inspection: Inspection) -> dict:
    inspection.answer_list = list(
        inspection.answers.select_related("item").order_by("item__order", "item_id")
    )
    inspection.order_list = list(inspection.rectifications.order_by("pk"))
    return InspectionDetailSerializer(inspection).data


def _orders(user):
    return Rectification.objects.visible_to(user).select_related("place", "inspection")


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
        return keyset_page(request, rows, RectificationSerializer, ("-issued_on", "-pk"))


def _order_detail(order: Rectification) -> dict:
    order.recheck_list = list(order.rechecks.select_related("by").order_by("date", "pk"))
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
                    form.recheck_data(),
                    version=chosen["version"],
                    by=request.user,
                )
            except services.ConflictError as exc:
                raise Conflict(exc.message) from exc
            except DomainError as exc:
                if exc.field is None:  # the order's state refuses it (closed already)
                    raise Conflict(exc.message) from exc
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 200, _order_detail(_orders(request.user).get(pk=order.pk))

        return idempotent_create(request, recheck)


# --- Recording an inspection, issuing an order ------------------------------------------------

# The body's plain fields, as the page's form names them; what the service's refusals name.
INSPECTION_FIELDS = ("date", "site", "place", "other_inspectors", "notes")
INSPECTION_FIELDS += ("outdoor_metres", "burrows")
REFUSED_FIELDS = {*INSPECTION_FIELDS, "checklist", "target", "unit", "dwelling"}
REFUSED_FIELDS |= {"inspectors", "answers", "answer_notes", "counts"}


def _scalars(data: dict, names) -> dict:
    """The named fields of `data` as a form reads them: text, numbers and null only (a list or
    an object where the form wants one value is refused on its field)."""
    bad = {
        name: [_("应为文字或数字")]
        for name in names
        if isinstance(data.get(name), list | dict | bool)
    }
    if bad:
        raise Invalid(bad)
    return {name: data[name] for name in names if data.get(name) is not None}


def _keyed(data: dict, name: str) -> dict:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid({name: [_("应为以检查项目编号为键的对象")]})
    return value


def _inspection_target(user: User, data: dict) -> tuple[LocalUnit | None, Dwelling | None, bool]:
    """The unit or dwelling inspected (404 outside the user's place, as the page), or a site
    (named in `site`, with its `place`)."""
    chosen = [name for name in ("unit", "dwelling", "site") if data.get(name) not in (None, "")]
    if len(chosen) != 1:
        raise Invalid({"target": [_("请选择一个检查对象：辖区单位、房屋或场所")]})
    name = chosen[0]
    if name == "site":
        return None, None, True
    pk = data[name]
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise Invalid({name: [_("应为编号（整数）")]})
    model = LocalUnit if name == "unit" else Dwelling
    found = get_for_user(model.objects.select_related("place"), user, pk=pk)
    return (found, None, False) if name == "unit" else (None, found, False)


def _checklist_version(user: User, data: dict):
    """The checklist's newest published version, or the published one named (the version the
    client's form was made from)."""
    raw = data.get("checklist")
    start = StartForm({"checklist": raw if isinstance(raw, int | str) else ""}, user=user)
    start.is_valid()
    checklist = start.cleaned_data.get("checklist")
    if checklist is None:
        raise Invalid({"checklist": start.errors.get("checklist") or [_("请选择检查表")]})
    wanted = data.get("checklist_version")
    if wanted is None:
        return checklist.current()
    version = (
        checklist.versions.filter(pk=wanted, published_at__isnull=False).first()
        if isinstance(wanted, int) and not isinstance(wanted, bool)
        else None
    )
    if version is None:
        raise Invalid({"checklist_version": [_("没有这个已发布的检查表版本")]})
    return version


def _form_data(user: User, data: dict, version) -> dict:
    """The JSON body as the page's InspectionForm would be posted."""
    form_data = _scalars(data, INSPECTION_FIELDS)
    form_data["checklist_version"] = version.pk
    inspectors = data.get("inspectors", [user.pk])
    if not isinstance(inspectors, list) or any(
        isinstance(i, bool) or not isinstance(i, int) for i in inspectors
    ):
        raise Invalid({"inspectors": [_("应为检查人员账号编号的列表")]})
    form_data["inspectors"] = inspectors
    items = {str(pk) for pk in version.items.values_list("pk", flat=True)}
    for name, prefix in (("answers", "a"), ("answer_notes", "n")):
        given = _keyed(data, name)
        unknown = sorted(str(k) for k in given if str(k) not in items)
        if unknown:
            raise Invalid({name: [_("没有这个检查项目：") + "、".join(unknown)]})
        odd = [k for k, v in given.items() if isinstance(v, list | dict | bool)]
        if odd:
            raise Invalid({f"{name}.{odd[0]}": [_("应为文字或数字")]})
        form_data.update({f"{prefix}_{k}": v for k, v in given.items() if v is not None})
    counts = _keyed(data, "counts")
    categories = set(RoomCount.Category.values)
    columns = {column for column, _label in COUNT_COLUMNS}
    for category, row in counts.items():
        if category not in categories or not isinstance(row, dict):
            raise Invalid({"counts": [_("没有这类场所：") + str(category)]})
        for column, value in row.items():
            if column not in columns or isinstance(value, list | dict | bool):
                raise Invalid({f"counts.{category}": [_("没有这一栏：") + str(column)]})
            if value is not None:
                form_data[f"c_{category}_{column}"] = value
    return form_data


def _body_field(name: str) -> str:
    """A form field's name as the body names it (a_12 → answers.12)."""
    prefix, _sep, rest = name.partition("_")
    if prefix == "a" and rest.isdigit():
        return f"answers.{rest}"
    if prefix == "n" and rest.isdigit():
        return f"answer_notes.{rest}"
    if prefix == "c" and rest:
        category, _sep, column = rest.rpartition("_")
        return f"counts.{category}.{column}"
    return name


def record_inspection(request: Request) -> Response:
    """新增检查 as the page's two steps in one body, through the same form and service."""
    user = request.user
    data = json_body(request)

    def create():
        version = _checklist_version(user, data)
        unit, dwelling, site = _inspection_target(user, data)
        form = InspectionForm(
            _form_data(user, data, version), user=user, checklist_version=version, site=site
        )
        if not form.is_valid():
            raise Invalid({_body_field(k): v for k, v in form_errors(form).items()})
        chosen = form.cleaned_data
        try:
            inspection = services.record_inspection(
                services.InspectionData(
                    checklist_version=version,
                    date=chosen["date"],
                    unit=unit,
                    dwelling=dwelling,
                    site=chosen.get("site", ""),
                    place=chosen.get("place"),
                    inspectors=list(chosen["inspectors"]),
                    other_inspectors=chosen["other_inspectors"],
                    answers=form.answers(),
                    answer_notes=form.answer_notes(),
                    counts=form.count_data(),
                    outdoor_metres=chosen.get("outdoor_metres"),
                    burrows=chosen.get("burrows"),
                    notes=chosen["notes"],
                ),
                by=user,
            )
        except DomainError as exc:
            field = exc.field if exc.field in REFUSED_FIELDS else "_"
            raise Invalid({field: [exc.message]}, exc.message) from exc
        return 201, _inspection_detail(_inspections(user).get(pk=inspection.pk))

    return idempotent_create(request, create)


def _order_schema() -> dict:
    fields = {k: f for k, f in RectificationForm.base_fields.items() if k != "item"}
    schema = body_schema(
        fields,
        extra={
            "item": {
                "type": "integer",
                "description": "不合格的检查项目（不填为检查表以外的问题）",
            }
        },
    )
    del schema["required"]  # each has the page's prefilled value, or is refused by name
    return schema


class RectificationIssue(ApiView):
    """下达整改通知 for a failing item of an inspection (or a finding outside the checklist),
    with the page's prefilled values for what the body leaves out: the item's label and note,
    who is responsible, issued today, a week to put it right."""

    @extend_schema(
        request={"application/json": _order_schema()},
        parameters=[IDEMPOTENCY],
        responses={201: RectificationDetailSerializer, **OBJECT_ERRORS, **WRITE_ERRORS},
        summary="下达整改通知（与检查页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        inspection = get_for_user(
            Inspection.objects.select_related("place", "unit", "dwelling"),
            user,
            pk=pk,
            perm=Perm.EDIT_RECORDS,
        )
        data = json_body(request)

        def issue():
            raw = data.get("item")
            item = None
            if raw is not None:
                if not isinstance(raw, int) or isinstance(raw, bool):
                    raise Invalid({"item": [_("应为检查项目编号（整数）")]})
                item = ChecklistItem.objects.filter(
                    pk=raw, version=inspection.checklist_version_id
                ).first()
                if item is None:
                    raise Invalid({"item": [_("本次检查没有这个检查项目")]})
            initial = order_initial(inspection, item, timezone.localdate())
            names = [k for k in RectificationForm.base_fields if k != "item"]
            given = _scalars(data, names)
            form = RectificationForm({**{k: initial.get(k) for k in names}, **given})
            if not form.is_valid():
                raise Invalid(form_errors(form))
            chosen = form.cleaned_data
            try:
                order = services.issue_rectification(
                    inspection,
                    services.OrderData(
                        finding=chosen["finding"],
                        responsible=chosen["responsible"],
                        deadline=chosen["deadline"],
                        issued_on=chosen["issued_on"],
                        requirement=chosen["requirement"],
                        item=item,
                    ),
                    by=user,
                )
            except DomainError as exc:
                field = exc.field if exc.field in (*names, "item") else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 201, _order_detail(_orders(user).get(pk=order.pk))

        return idempotent_create(request, issue)

"""The REST API, version 1: each view reads through the same scope, filters and services as
the page it mirrors (people, ledger, cases, reports), and answers JSON."""

from __future__ import annotations

import re

from django.db.models import Count, Q
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user
from api import serializers as s
from api.base import (
    IDEMPOTENCY_HEADER,
    PAGE_SIZE,
    ApiView,
    body_schema,
    bound_filters,
    cursor,
    cursor_in,
    idempotent_create,
    json_body,
    keyset_page,
    page,
    page_serializer,
    query_parameters,
    with_defaults,
)
from api.errors import Invalid, body, form_errors
from api.lookup_serializers import MeSerializer
from areas.models import LocalUnit, Place
from audit import services as audit
from cases.forms import CaseFilterForm
from cases.models import Case
from cases.queries import kinds_for, select_cases
from ledger import paging as record_paging
from ledger import services as ledger_services
from ledger.forms import RecordFilterForm, RecordForm
from ledger.models import Quantity, Topic, WorkRecord
from ledger.views import filter_records, record_data
from people import queries
from people import services as people_services
from people.choices import ResidentStatus
from people.forms import ResidentFilterForm, ResidentForm
from people.models import Household, Membership, Resident
from people.views import resident_data, resident_error
from programs.models import Application, Campaign, SupplyMove
from reports import catalogue
from reports.engine import OWN, evaluate, records_behind
from reports.forms import PeriodForm
from shequ.errors import DomainError


def _error(status: int, description: str) -> OpenApiResponse:
    return OpenApiResponse(description=description, response=ERROR_SCHEMA)


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "fields"],
}
READ_ERRORS = {
    400: _error(400, "筛选条件有误"),
    401: _error(401, "未提供令牌，或令牌无效、已吊销、已过期"),
    403: _error(403, "角色无权读取"),
    429: _error(429, "请求过于频繁"),
}
OBJECT_ERRORS = {**READ_ERRORS, 404: _error(404, "对象不存在或不在辖区内")}
WRITE_ERRORS = {
    **READ_ERRORS,
    400: _error(400, "内容有误（逐项列出）"),
    403: _error(403, "只读角色不能登记"),
    409: _error(409, "Idempotency-Key 已用于另一个请求"),
}
IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=str(_("重试时带同一个键：只登记一次，答复与第一次相同")),
)


CURSOR = query_parameters(None)[-1]


def _place_ref(place: Place | None) -> dict | None:
    return None if place is None else {"id": place.pk, "name": place.name}


# --- Who am I ---------------------------------------------------------------------------


class Me(ApiView):
    read_perm = Perm.VIEW_PLACES

    @extend_schema(responses={200: MeSerializer, **READ_ERRORS}, summary="当前令牌")
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.auth).data)


# --- Places -----------------------------------------------------------------------------


class PlaceList(ApiView):
    read_perm = Perm.VIEW_PLACES

    @extend_schema(
        operation_id="places_list",
        parameters=[CURSOR],
        responses={200: page_serializer(s.PlaceSerializer, "PlacePage"), **READ_ERRORS},
        summary="辖区内的区划",
    )
    def get(self, request: Request) -> Response:
        places = Place.objects.visible_to(request.user).select_related("parent")
        return keyset_page(request, places, s.PlaceSerializer, ("code",))


class PlaceDetail(ApiView):
    read_perm = Perm.VIEW_PLACES

    @extend_schema(responses={200: s.PlaceSerializer, **OBJECT_ERRORS}, summary="区划")
    def get(self, request: Request, pk: int) -> Response:
        place = get_for_user(Place.objects.select_related("parent"), request.user, pk=pk)
        return Response(s.PlaceSerializer(place).data)


# --- Residents --------------------------------------------------------------------------


def _resident_form_fields() -> dict:
    from django.contrib.auth.models import AnonymousUser

    return ResidentForm(user=AnonymousUser()).fields


BY_ADDRESS = OpenApiParameter(
    "in",
    {"type": "string", "enum": ["address"]},
    required=False,
    description=str(
        _("address：按现住地址查找 q（q 查不到姓名时第一页自动改按地址，其 next 带上此参数）")
    ),
)


def _by_address(request: Request) -> bool:
    """`in=address`: the next pages of a list that `q` found by address (as the page's)."""
    value = request.query_params.get("in")
    if value not in (None, "address"):
        raise Invalid({"in": [str(_("只能为 address（按地址查找）"))]})
    return value == "address"


class ResidentList(ApiView):
    @extend_schema(
        operation_id="residents_list",
        parameters=[*query_parameters(ResidentFilterForm)[:-1], BY_ADDRESS, CURSOR],
        responses={200: page_serializer(s.ResidentListSerializer, "ResidentPage"), **READ_ERRORS},
        summary="居民（与居民列表相同的筛选）",
    )
    def get(self, request: Request) -> Response:
        residents = Resident.objects.visible_to(request.user)
        chosen = dict(bound_filters(request, ResidentFilterForm).cleaned_data)
        if "status" not in request.query_params:  # as the page's form starts; status= is all
            chosen["status"] = ResidentStatus.PRESENT
        by_address = _by_address(request)
        listed = (
            queries.residents_at(residents, chosen)
            if by_address and chosen.get("q")
            else queries.filter_residents(residents, chosen)
        )
        rows, more, by_address = queries.list_page(
            residents, chosen, request.user, cursor_in(request, listed), by_address=by_address
        )
        data = s.ResidentListSerializer(rows, many=True).data
        return page(request, data, more, {"in": "address"} if by_address else None)

    @extend_schema(
        request={"application/json": body_schema(_resident_form_fields())},
        parameters=[IDEMPOTENCY],
        responses={201: s.ResidentDetailSerializer, **WRITE_ERRORS},
        summary="登记居民（与登记页面同一服务）",
    )
    def post(self, request: Request) -> Response:
        data = json_body(request)

        def create():
            form = with_defaults(ResidentForm, data, user=request.user)
            if not form.is_valid():
                raise Invalid(form_errors(form))
            try:
                resident = people_services.register_resident(
                    resident_data(form.cleaned_data),
                    by=request.user,
                    confirm_similar=form.cleaned_data["confirm_similar"],
                )
            except DomainError as exc:
                resident_error(form, exc, request.user)
                raise Invalid(
                    {k: [_without_links(m) for m in v] for k, v in form_errors(form).items()}
                ) from exc
            return 201, _resident_detail(resident, request.user)

        return idempotent_create(request, create)


def _without_links(message: str) -> str:
    """A page's message as plain text, less the links it offers ("查看") that JSON cannot."""
    return strip_tags(re.sub(r"\s*<a\b[^>]*>.*?</a>", "", message)).strip()


def _resident_detail(resident: Resident, user) -> dict:
    resident.visible_groups = list(
        Membership.objects.visible_to(user)
        .current()
        .filter(resident=resident)
        .select_related("category")
        .order_by("category__order", "category_id")
    )
    return s.ResidentDetailSerializer(resident).data


class ResidentDetail(ApiView):
    @extend_schema(responses={200: s.ResidentDetailSerializer, **OBJECT_ERRORS}, summary="居民")
    def get(self, request: Request, pk: int) -> Response:
        resident = get_for_user(Resident.objects.select_related("place"), request.user, pk=pk)
        return Response(_resident_detail(resident, request.user))


class ResidentReveal(ApiView):
    """The full ID number or phone of one resident, for roles with VIEW_SENSITIVE; each call
    writes the same `resident.reveal` audit row as the page's 显示 button."""

    write_perm = Perm.VIEW_SENSITIVE

    @extend_schema(
        request={
            "application/json": {
                "type": "object",
                "properties": {"field": {"type": "string", "enum": ["id_number", "phone"]}},
                "required": ["field"],
            }
        },
        responses={200: s.RevealSerializer, **OBJECT_ERRORS, 403: _error(403, "无权查看原文")},
        summary="查看敏感信息原文（记入审计）",
    )
    def post(self, request: Request, pk: int) -> Response:
        resident = get_for_user(
            Resident.objects.select_related("place"), request.user, pk=pk, perm=Perm.VIEW_SENSITIVE
        )
        field = json_body(request).get("field", "")
        if field not in Resident.sensitive_fields:
            raise Invalid({"field": [str(_("只能查看身份证号码或手机号码"))]})
        value = people_services.reveal(resident, field, by=request.user)
        return Response(s.RevealSerializer({"field": field, "value": value}).data)


# --- Households -------------------------------------------------------------------------


class HouseholdList(ApiView):
    @extend_schema(
        operation_id="households_list",
        parameters=[
            OpenApiParameter("q", str, required=False, description="户号或地址"),
            CURSOR,
        ],
        responses={200: page_serializer(s.HouseholdSerializer, "HouseholdPage"), **READ_ERRORS},
        summary="户（与户列表相同的筛选）",
    )
    def get(self, request: Request) -> Response:
        households = Household.objects.visible_to(request.user).filter(dissolved_on__isnull=True)
        q = request.query_params.get("q", "").strip()[:50]
        if q:
            households = households.filter(Q(number__contains=q) | Q(dwelling__address__contains=q))
        households = households.select_related("dwelling", "place", "head")
        return keyset_page(request, households, s.HouseholdSerializer, ("place_path", "pk"))


class HouseholdDetail(ApiView):
    @extend_schema(responses={200: s.HouseholdSerializer, **OBJECT_ERRORS}, summary="户")
    def get(self, request: Request, pk: int) -> Response:
        household = get_for_user(
            Household.objects.select_related("dwelling", "place", "head"), request.user, pk=pk
        )
        return Response(s.HouseholdSerializer(household).data)


# --- Local units ------------------------------------------------------------------------


class UnitList(ApiView):
    @extend_schema(
        operation_id="units_list",
        parameters=[
            OpenApiParameter("q", str, required=False, description="名称、统一社会信用代码或地址"),
            OpenApiParameter(
                "kind", {"type": "string", "enum": list(LocalUnit.Kind.values)}, required=False
            ),
            CURSOR,
        ],
        responses={200: page_serializer(s.UnitSerializer, "UnitPage"), **READ_ERRORS},
        summary="辖区单位（与单位列表相同的筛选）",
    )
    def get(self, request: Request) -> Response:
        units = LocalUnit.objects.visible_to(request.user)
        q = request.query_params.get("q", "").strip()[:50]
        if q:
            units = units.filter(
                Q(name__contains=q) | Q(credit_code=q.upper()) | Q(address__contains=q)
            )
        kind = request.query_params.get("kind", "")
        if kind:
            if kind not in LocalUnit.Kind.values:
                raise Invalid({"kind": [str(_("没有这种单位类型"))]})
            units = units.filter(kind=kind)
        units = units.select_related("place")
        return keyset_page(request, units, s.UnitSerializer, ("place_path", "pk"))


class UnitDetail(ApiView):
    @extend_schema(responses={200: s.UnitSerializer, **OBJECT_ERRORS}, summary="辖区单位")
    def get(self, request: Request, pk: int) -> Response:
        unit = get_for_user(LocalUnit.objects.select_related("place"), request.user, pk=pk)
        return Response(s.UnitSerializer(unit).data)


# --- Work records -----------------------------------------------------------------------


def _with_details(rows: list[WorkRecord]) -> None:
    """Each row's topic codes and quantities, in one query each (as the record list does)."""
    ids = [r.pk for r in rows]
    topics: dict[int, list[str]] = {pk: [] for pk in ids}
    links = WorkRecord.topics.through.objects.filter(workrecord__in=ids)
    for pk, code in links.order_by("topic__order", "topic").values_list(
        "workrecord", "topic__code"
    ):
        topics[pk].append(code)
    amounts: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    for pk, kind, amount in Quantity.objects.filter(record__in=ids).values_list(
        "record", "kind", "amount"
    ):
        amounts[pk][str(kind)] = str(amount)
    for r in rows:
        r.topic_codes, r.amounts = topics[r.pk], amounts[r.pk]


def _record_form_fields() -> dict:
    # The declared fields (the quantity fields are added per catalogue item: `quantities`).
    return {name: f for name, f in RecordForm.base_fields.items() if name != "files"}


RECORD_EXTRA = {
    "topics": {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "description": "工作领域代码",
    },
    "quantities": {
        "type": "object",
        "additionalProperties": {"type": "string", "format": "decimal"},
        "description": "数量项目编号 → 数量",
    },
}


def _record_form_data(data: dict) -> dict:
    """The body as the quick-entry form reads it: topic codes become the form's choices and
    each quantity its own `q_<item>` field."""
    form_data = {k: v for k, v in data.items() if k not in ("topics", "quantities", "files")}
    topics = data.get("topics") or []
    if isinstance(topics, list):
        codes = [str(t) for t in topics]
        known = dict(Topic.objects.filter(code__in=codes).values_list("code", "pk"))
        form_data["topics"] = [str(known.get(code, code)) for code in codes]
    else:
        form_data["topics"] = [str(topics)]
    quantities = data.get("quantities") or {}
    if not isinstance(quantities, dict):
        raise Invalid({"quantities": [str(_("数量应为“数量项目编号: 数量”的对象"))]})
    for kind, amount in quantities.items():
        form_data[f"q_{kind}"] = amount
    return form_data


class RecordList(ApiView):
    @extend_schema(
        operation_id="records_list",
        parameters=query_parameters(RecordFilterForm),
        responses={200: page_serializer(s.RecordSerializer, "RecordPage"), **READ_ERRORS},
        summary="工作记录（与记录列表相同的筛选，新的在前）",
    )
    def get(self, request: Request) -> Response:
        visible = WorkRecord.objects.visible_to(request.user)
        filters = bound_filters(request, RecordFilterForm)
        records = filter_records(visible, filters.cleaned_data)
        under = request.user.scope_path
        if place := filters.cleaned_data.get("place"):
            under = place.path
        before = cursor(request)
        if before is not None:
            last = records.filter(pk=before).values_list("date", flat=True).first()
            if last is None:
                raise Invalid({"cursor": [str(_("游标无效"))]})
            records = record_paging.before(records, (last, before))
        ids = record_paging.newest_ids(records, under, PAGE_SIZE + 1)
        rows = sorted(
            visible.filter(pk__in=ids).select_related("place"),
            key=lambda r: (r.date, r.pk),
            reverse=True,
        )
        more = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
        rows = rows[:PAGE_SIZE]
        _with_details(rows)
        return page(request, s.RecordSerializer(rows, many=True).data, more)

    @extend_schema(
        request={"application/json": body_schema(_record_form_fields(), extra=RECORD_EXTRA)},
        parameters=[IDEMPOTENCY],
        responses={201: s.RecordDetailSerializer, **WRITE_ERRORS},
        summary="登记工作记录（与快速登记同一服务）",
    )
    def post(self, request: Request) -> Response:
        data = _record_form_data(json_body(request))

        def create():
            form = with_defaults(RecordForm, data, user=request.user)
            unknown = sorted(k for k in data if k.startswith("q_") and k not in form.fields)
            if unknown:
                raise Invalid({"quantities": [str(_("没有这个数量项目：")) + "、".join(unknown)]})
            if not form.is_valid():
                raise Invalid(form_errors(form))
            try:
                record = ledger_services.save_record(None, record_data(form), by=request.user)
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 201, _record_detail(record)

        return idempotent_create(request, create)


def _record_detail(record: WorkRecord) -> dict:
    record.named = record.participants.count()
    _with_details([record])
    return s.RecordDetailSerializer(record).data


class RecordDetail(ApiView):
    @extend_schema(responses={200: s.RecordDetailSerializer, **OBJECT_ERRORS}, summary="工作记录")
    def get(self, request: Request, pk: int) -> Response:
        record = get_for_user(
            WorkRecord.objects.select_related("place", "organiser"), request.user, pk=pk
        )
        return Response(_record_detail(record))


# --- Cases ------------------------------------------------------------------------------


class CaseList(ApiView):
    @extend_schema(
        operation_id="cases_list",
        parameters=query_parameters(
            CaseFilterForm,
            enums={
                "kind": list(Case.Kind.values),
                "state": [value for value, _label in s.CASE_STATES],
            },
        ),
        responses={200: page_serializer(s.CaseSerializer, "CasePage"), **READ_ERRORS},
        summary="诉求与案件（与案件列表相同的筛选，新的在前）",
    )
    def get(self, request: Request) -> Response:
        filters = bound_filters(request, CaseFilterForm, kinds=kinds_for(request.user))
        cases = select_cases(Case.objects.visible_to(request.user), filters.cleaned_data).listed
        cases = cases.select_related("place", "assignee")
        return keyset_page(request, cases, s.CaseSerializer, ("-received_at", "-pk"))


def case_detail(case: Case) -> dict:
    """A case with its timeline: every action taken on it, oldest first, with who took it,
    when, the state before and after, and what they wrote (the case page's 办理记录)."""
    events = list(
        case.events.select_related("by").annotate(file_count=Count("files")).order_by("at", "pk")
    )
    before = None
    for event in events:
        event.previous_state, before = before, event.state
        event.actor_name = (event.by.name if event.by else "") or event.by_name  # as the page
    case.timeline_events = events
    return s.CaseDetailSerializer(case).data


class CaseDetail(ApiView):
    @extend_schema(
        responses={200: s.CaseDetailSerializer, **OBJECT_ERRORS}, summary="案件及其办理记录"
    )
    def get(self, request: Request, pk: int) -> Response:
        case = get_for_user(
            Case.objects.select_related("place", "assignee", "reporter"), request.user, pk=pk
        )
        if case.flow.supervision:
            audit.record(request.user, "case.view", case)  # as every opening of the page
        return Response(case_detail(case))


# --- Indicators -------------------------------------------------------------------------


def _period(request: Request) -> tuple[PeriodForm, Place]:
    """The place (the user's own unless given) and the period (a year, or start and end), read
    by the statistics page's form."""
    from django.utils import timezone

    data = request.query_params.copy()
    if not data.get("place") and request.user.place_id:
        data["place"] = str(request.user.place_id)
    if not (data.get("year") or data.get("start") or data.get("end")):
        data["year"] = str(timezone.localdate().year)
    if data.get("place", "").isdigit() and len(data["place"]) < 18:
        get_for_user(Place, request.user, pk=int(data["place"]))  # outside the place: 404
    form = PeriodForm(data, user=request.user)
    if not form.is_valid():
        raise Invalid(form_errors(form))
    return form, get_for_user(Place, request.user, pk=form.cleaned_data["place"].pk)


def _drill_link(request: Request, indicator_id: str, place: Place, span) -> str:
    url = reverse("api:indicator-detail", args=[indicator_id])
    query = f"place={place.pk}&start={span.start.isoformat()}&end={span.end.isoformat()}"
    return request.build_absolute_uri(f"{url}?{query}")


PERIOD_PARAMETERS = query_parameters(PeriodForm)[:-1]  # no cursor: one answer, not pages


class IndicatorValues(ApiView):
    @extend_schema(
        operation_id="indicators_values",
        parameters=PERIOD_PARAMETERS,
        responses={200: s.IndicatorValuesSerializer, **OBJECT_ERRORS},
        summary="一个区划一段时间的全部指标（与统计页相同的计算）",
    )
    def get(self, request: Request) -> Response:
        form, place = _period(request)
        span = form.span()
        indicators, rates = catalogue.visible(request.user)
        figures = evaluate(indicators, place, span, breakdown=False)
        return Response(
            {
                "place": _place_ref(place),
                "starts_on": span.start,
                "ends_on": span.end,
                "figures": [
                    {
                        "id": i.id,
                        "name": str(i.name),
                        "measure": str(i.unit),
                        "section": str(i.area),
                        "value": str(figures.totals[i.id]),
                        "records": _drill_link(request, i.id, place, span),
                    }
                    for i in indicators
                ],
                "rates": [
                    {
                        "id": r.id,
                        "name": str(r.name),
                        "measure": str(r.unit),
                        "numerator": str(figures.rate(r)[0]),
                        "denominator": str(figures.rate(r)[1]),
                        "value": _rate_shown(figures.rate(r)[2]),
                    }
                    for r in rates
                ],
            }
        )


def _rate_shown(value: float | None) -> str | None:
    """A rate as the statistics page writes it (one decimal, as `Rate.shown`), without its
    unit: "83.3", like every other figure a decimal string; null without a denominator."""
    return None if value is None else f"{value:.1f}"


DRILL_ROWS = 200

# The pages the drill-down rows link to, and the API's answer for the same record.
API_DETAIL = {
    "ledger:record-detail": "api:record-detail",
    "cases:case-detail": "api:case-detail",
    "people:resident-detail": "api:resident-detail",
    "people:household-detail": "api:household-detail",
    "inspections:inspection-detail": "api:inspection-detail",
    "inspections:rectification-detail": "api:rectification-detail",
    "programs:assistance-detail": "api:assistance-detail",
    "programs:drive-detail": "api:drive-detail",
    "programs:campaign-detail": "api:campaign-detail",
}


def _api_url(request: Request, page_url: str) -> str | None:
    """The API's URL for the record a drill-down row's page link shows, or None where the API
    has no such record (staff, agreements, honours, opinions… are read on the pages)."""
    if not page_url:
        return None
    try:
        match = resolve(page_url)
    except Resolver404:
        return None
    name = API_DETAIL.get(match.view_name)
    if name is None or "pk" not in match.kwargs:
        return None
    return request.build_absolute_uri(reverse(name, kwargs={"pk": match.kwargs["pk"]}))


def _own_api_urls(request: Request, records: list) -> list[str | None]:
    """The API's URL of each record the API answers by id though its row's page link is a
    list (a supply move's store, an application's 评选台账); None where it would answer 404
    (an application is read by whoever sees its campaign, which may lie above the reader)."""
    user = request.user
    moves = {r.pk for r in records if isinstance(r, SupplyMove)}
    campaigns = {r.campaign_id for r in records if isinstance(r, Application)}
    seen_moves = (
        set(SupplyMove.objects.visible_to(user).filter(pk__in=moves).values_list("pk", flat=True))
        if moves
        else set()
    )
    seen_campaigns = (
        set(Campaign.objects.visible_to(user).filter(pk__in=campaigns).values_list("pk", flat=True))
        if campaigns
        else set()
    )
    urls: list[str | None] = []
    for r in records:
        name = None
        if isinstance(r, SupplyMove) and r.pk in seen_moves:
            name = "api:move-detail"
        elif isinstance(r, Application) and r.campaign_id in seen_campaigns:
            name = "api:application-detail"
        url = reverse(name, kwargs={"pk": r.pk}) if name else None
        urls.append(request.build_absolute_uri(url) if url else None)
    return urls


class IndicatorDetail(ApiView):
    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: s.IndicatorDetailSerializer, **OBJECT_ERRORS},
        summary="一个指标：数值、按下级区划、背后的记录",
    )
    def get(self, request: Request, indicator_id: str) -> Response:
        indicator = catalogue.indicator(indicator_id)
        if indicator is None or not has_perm(request.user, indicator.needs):
            raise Http404
        form, place = _period(request)
        span = form.span()
        figures = evaluate([indicator], place, span)
        cells = figures.by_child[indicator.id]
        by_child = [
            {"place": _place_ref(child), "value": str(cells.get(child.pk, 0))}
            for child in figures.children
        ]
        if cells.get(OWN):
            by_child.append({"place": None, "value": str(cells[OWN])})
        rows = records_behind(indicator, place, span).select_related(*indicator.source.related)
        source = indicator.source
        when = source.date or source.start
        newest = [f"-{when}", "-pk"] if when else ["-pk"]
        records = list(rows.order_by(*newest)[:DRILL_ROWS])
        shown = [source.show(r) for r in records]
        own = _own_api_urls(request, records)
        return Response(
            {
                "id": indicator.id,
                "name": str(indicator.name),
                "value": str(figures.totals[indicator.id]),
                "by_child": by_child,
                "count": rows.count(),
                "rows": [
                    {
                        "date": r.day,
                        "title": r.title,
                        "place_name": r.place,
                        "url": _api_url(request, r.url) or own_url,
                        "page_url": request.build_absolute_uri(r.url) if r.url else None,
                    }
                    for r, own_url in zip(shown, own, strict=True)
                ],
            }
        )


@csrf_exempt  # it changes nothing; a POST to a wrong path is a 404 too, not the CSRF page
def not_found(request, rest: str = ""):
    """Any other path under /api/v1/ (an id that is no number, a typo): the JSON 404."""
    from django.http import JsonResponse

    return JsonResponse(
        body("not_found", str(_("没有这个接口地址"))),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )

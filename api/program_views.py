"""Programs through the API: campaigns (评选活动) with their funnels and assistance payments
(救助发放), with the list pages' filters (programs.queries), and a payment recorded through the
page's form and programs.services.give_assistance. A recipient's ID number is masked as in
every list; aid tied to a health or judicial group is left out for roles that may not see
that group, as on screen (and such aid is not a kind they may give)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scope import get_for_user
from api import serializers as s
from api.aid_views import target
from api.base import (
    ApiView,
    BodyNames,
    body_schema,
    bound_filters,
    idempotent_create,
    json_body,
    keyset_page,
    page_serializer,
    query_parameters,
)
from api.errors import Invalid, form_errors
from api.inspection_views import _scalars
from api.views import IDEMPOTENCY, OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS
from programs import services
from programs.aid_views import assistance_data
from programs.forms import AssistanceFilterForm, AssistanceForm, CampaignFilterForm
from programs.models import Assistance, Campaign
from programs.queries import filter_assistance, filter_campaigns
from shequ.errors import DomainError


class FunnelSerializer(serializers.Serializer):
    eligible = serializers.IntegerField(help_text=_("符合条件的户或单位"))
    applied = serializers.IntegerField()
    passed = serializers.IntegerField()
    shortlisted = serializers.IntegerField()
    awarded = serializers.IntegerField()
    certificates = serializers.IntegerField()


# The campaign list's state filter: what it accepts is what a campaign answers.
CAMPAIGN_STATES = [c for c in CampaignFilterForm.base_fields["state"].choices if c[0]]


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    subject = s.Choice(Campaign.Subject.choices)
    subject_label = s.Label(Campaign.Subject.choices, source="subject")
    criteria = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    state = s.Choice(
        CAMPAIGN_STATES, source="state_code", help_text=_("申报中（截止日未过）或已结束")
    )
    state_label = s.Label(CAMPAIGN_STATES, source="state_code")
    place = s.PlaceRef()
    funnel = FunnelSerializer()


def _with_funnels(rows: list[Campaign]) -> list[Campaign]:
    funnels = services.funnels(rows)
    today = timezone.localdate()
    for campaign in rows:
        campaign.funnel = funnels[campaign.pk]
        over = campaign.ends_on < today  # as the list's state filter (programs.queries)
        campaign.state_code = CampaignFilterForm.CLOSED if over else CampaignFilterForm.OPEN
    return rows


class CampaignList(ApiView):
    @extend_schema(
        operation_id="campaigns_list",
        parameters=query_parameters(CampaignFilterForm),
        responses={200: page_serializer(CampaignSerializer, "CampaignPage"), **READ_ERRORS},
        summary="评选活动（与评选活动列表相同的筛选，新的在前）",
    )
    def get(self, request: Request) -> Response:
        filters = bound_filters(request, CampaignFilterForm)
        campaigns = filter_campaigns(
            Campaign.objects.visible_to(request.user), filters.cleaned_data, timezone.localdate()
        )
        return keyset_page(
            request,
            campaigns.select_related("place"),
            lambda rows: CampaignSerializer(_with_funnels(rows), many=True).data,
            ("-pk",),
        )


class CampaignDetail(ApiView):
    @extend_schema(responses={200: CampaignSerializer, **OBJECT_ERRORS}, summary="评选活动")
    def get(self, request: Request, pk: int) -> Response:
        campaign = get_for_user(Campaign.objects.select_related("place"), request.user, pk=pk)
        return Response(CampaignSerializer(_with_funnels([campaign])[0]).data)


class AssistanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = s.Choice(Assistance.Kind.choices)
    source = s.Choice(Assistance.Source.choices)
    source_label = s.Label(Assistance.Source.choices, source="source")
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    goods = serializers.CharField()
    period_starts_on = serializers.DateField(source="period_start", allow_null=True)
    period_ends_on = serializers.DateField(source="period_end", allow_null=True)
    household = s.HouseholdRef(allow_null=True, help_text=_("受助户"))
    resident = s.NamedRef(allow_null=True, help_text=_("受助人"))
    recipient = serializers.CharField(source="recipient_name", help_text=_("受助人或户主"))
    recipient_id_number = s.Masked(source="recipient_id", help_text=_("身份证号码（脱敏）"))
    group = serializers.CharField(
        source="membership.category.code",
        allow_null=True,
        default=None,
        help_text=_("所依据的重点人群类别代码"),
    )
    group_label = serializers.CharField(
        source="membership.category.name", allow_null=True, default=None
    )
    voided = serializers.BooleanField(source="is_voided")
    notes = serializers.CharField()
    place = s.PlaceRef()


def _shown_aid(rows: list[Assistance]) -> list[dict]:
    for aid in rows:
        person = aid.resident or (aid.household.head if aid.household_id else None)
        aid.recipient_name = person.name if person else ""
        aid.recipient_id = person.id_number if person else ""
    return AssistanceSerializer(rows, many=True).data


def _aids(user):
    return Assistance.objects.visible_to(user).select_related(
        "place", "household__head", "resident", "membership__category"
    )


_CONFIRMS = ("back_payment", "not_repeat")  # the form's tick boxes: JSON true or false


# The period is `period_starts_on` and `period_ends_on` in the body, as in the answer; the
# page's form calls them `period_start` and `period_end`.
_AID_NAMES = BodyNames(period_start="period_starts_on", period_end="period_ends_on")


def _assistance_schema() -> dict:
    fields = {k: f for k, f in AssistanceForm.base_fields.items() if k != "target"}
    schema = body_schema(
        fields,
        extra={
            "kind": {
                "type": "string",
                "enum": list(Assistance.Kind.values),
                "description": "救助类型（只能选角色可见的人群的救助）",
            },
            "household": {
                "type": "integer",
                "description": "受助户（编号，辖区内；与受助人二选一）",
            },
            "resident": {
                "type": "integer",
                "description": "受助人（编号，辖区内；与受助户二选一）",
            },
        },
    )
    schema["properties"]["date"]["description"] += "（不填为今天）"
    schema["required"] = ["kind", "source"]
    return _AID_NAMES.schema(schema)


class AssistanceList(ApiView):
    @extend_schema(
        operation_id="assistance_list",
        parameters=query_parameters(AssistanceFilterForm),
        responses={200: page_serializer(AssistanceSerializer, "AssistancePage"), **READ_ERRORS},
        summary="救助发放（与救助发放列表相同的筛选，新的在前；不填日期为全部年份）",
    )
    def get(self, request: Request) -> Response:
        filters = bound_filters(request, AssistanceFilterForm)
        aids = filter_assistance(_aids(request.user), filters.cleaned_data)
        return keyset_page(request, aids, _shown_aid, ("-date", "-pk"))

    @extend_schema(
        request={"application/json": _assistance_schema()},
        parameters=[IDEMPOTENCY],
        responses={201: AssistanceSerializer, **OBJECT_ERRORS, **WRITE_ERRORS},
        summary="登记救助/慰问（与登记页面同一服务）",
    )
    def post(self, request: Request) -> Response:
        user = request.user
        data = _AID_NAMES.read(json_body(request))

        @_AID_NAMES.reported()
        def create():
            names = [k for k in AssistanceForm.base_fields if k not in ("target", *_CONFIRMS)]
            given = _scalars(data, names)
            given.setdefault("date", timezone.localdate().isoformat())  # as the page prefills
            for name in _CONFIRMS:
                ticked = data.get(name, False)
                if not isinstance(ticked, bool):
                    raise Invalid({name: [_("应为 true 或 false")]})
                if ticked:
                    given[name] = "on"
            recipient = {"household": "household", "resident": "resident"}
            given["target"] = target(user, data, recipient, field="household")
            form = AssistanceForm(given, user=user)
            if not form.is_valid():
                raise Invalid(form_errors(form))
            try:
                aid = services.give_assistance(assistance_data(user, form.cleaned_data), by=user)
            except DomainError as exc:
                field = exc.field if exc.field in (*form.fields, "household", "resident") else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 201, _shown_aid([_aids(user).get(pk=aid.pk)])[0]

        return idempotent_create(request, create)


class AssistanceDetail(ApiView):
    @extend_schema(responses={200: AssistanceSerializer, **OBJECT_ERRORS}, summary="救助发放")
    def get(self, request: Request, pk: int) -> Response:
        aid = get_for_user(_aids(request.user), request.user, pk=pk)
        return Response(_shown_aid([aid])[0])

"""Applications to campaigns (评选申报), donation drives (募捐) and supplies (物资: stores, stock,
moves) through the API, read with the pages' filters and scope, and an application made
through programs.services.apply as the campaign's apply page: applications are seen
by those who see their campaign; drives, stores and moves are kept at communities and
sub-districts (a grid worker sees none, as on screen). None of them holds an ID number or
phone: the pages show applicants, donors and recipients by name, and so does the API."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

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
    with_defaults,
)
from api.errors import Invalid, form_errors
from api.views import IDEMPOTENCY, OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS
from areas.models import LocalUnit
from people.models import Household
from programs import services
from programs.forms import ApplyForm, MoveFilterForm, StoreChoiceField, store_places
from programs.models import Application, Campaign, Donation, DonationDrive, Stock, SupplyMove
from programs.queries import drive_holdings, drives_with_totals, filter_moves
from shequ.errors import DomainError

WITHDRAWN = "撤回"  # the campaign page's filter for withdrawn applications, beside the stages


# --- Applications -------------------------------------------------------------------------


class ApplicationFilterForm(forms.Form):
    """The campaign page's stage tabs: a stage, or the withdrawn applications."""

    stage = forms.ChoiceField(
        label=gettext_lazy("阶段"),
        required=False,
        choices=[("", ""), *Application.Stage.choices, (WITHDRAWN, gettext_lazy("已撤回"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class _Withdrawn(serializers.BooleanField):
    """A withdrawn application is voided: it has its void time."""

    def to_representation(self, value) -> bool:
        return value.voided_at is not None


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = s.NamedRef()
    household = s.HouseholdRef(allow_null=True)
    unit = s.NamedRef(allow_null=True)
    applicant = serializers.CharField(source="applicant_name", help_text=_("申报对象"))
    applied_on = serializers.DateField()
    values = serializers.DictField(help_text=_("申报数据：{项目代码: 值}"))
    members = serializers.IntegerField(allow_null=True, help_text=_("户内人数"))
    stage = s.Choice(Application.Stage.choices)
    stage_label = s.Label(Application.Stage.choices, source="stage")
    reason = serializers.CharField(help_text=_("初审意见"))
    reviewed_on = serializers.DateField(allow_null=True)
    shortlist_reason = serializers.CharField(help_text=_("入围评审意见"))
    shortlisted_on = serializers.DateField(allow_null=True)
    awarded_on = serializers.DateField(allow_null=True)
    certificate = serializers.BooleanField()
    withdrawn = _Withdrawn(source="*", help_text=_("已撤回"))


_APPLY_SCHEMA = body_schema(
    {"applied_on": ApplyForm.base_fields["applied_on"]},
    extra={
        "applicant": {
            "type": "integer",
            "description": "申报的家庭（户）或单位，按活动的参评对象",
        },
        "values": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "申报数据：{项目代码: 值}",
        },
    },
)
_APPLY_SCHEMA["required"] = ["applicant"]


class CampaignApplications(ApiView):
    @extend_schema(
        operation_id="campaign_applications_list",
        parameters=query_parameters(ApplicationFilterForm),
        responses={
            200: page_serializer(ApplicationSerializer, "ApplicationPage"),
            **OBJECT_ERRORS,
        },
        summary="评选活动的申报（与活动页面相同的阶段筛选，按申报日期）",
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = get_for_user(Campaign, request.user, pk=pk)
        stage = bound_filters(request, ApplicationFilterForm).cleaned_data["stage"]
        if stage == WITHDRAWN:
            rows = campaign.applications.filter(voided_at__isnull=False)
        else:
            rows = campaign.live_applications()
            if stage:
                rows = rows.filter(stage=stage)
        rows = rows.select_related("campaign", "household", "unit")
        return keyset_page(request, rows, ApplicationSerializer, ("applied_on", "pk"))

    @extend_schema(
        request={"application/json": _APPLY_SCHEMA},
        parameters=[IDEMPOTENCY],
        responses={201: ApplicationSerializer, **OBJECT_ERRORS, **WRITE_ERRORS},
        summary="申报（与活动的申报页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        campaign = get_for_user(
            Campaign.objects.select_related("place"), user, pk=pk, perm=Perm.EDIT_RECORDS
        )
        data = json_body(request)

        def create():
            applicant = _applicant(user, campaign, data.get("applicant"))
            values = data.get("values") or {}
            if not isinstance(values, dict):
                raise Invalid({"values": [_("申报数据应为“项目代码: 值”的对象")]})
            keys = {key for key, _label, _unit in campaign.field_list()}
            unknown = sorted(str(k) for k in values if k not in keys)
            if unknown:
                raise Invalid({"values": [_("没有这个申报项目：") + "、".join(unknown)]})
            given = {"applied_on": data.get("applied_on"), **values}
            odd = [k for k, v in given.items() if isinstance(v, list | dict | bool)]
            if odd:
                raise Invalid({odd[0]: [_("应为文字或数字")]})
            form_data = {"applicant": applicant.pk}
            if data.get("applied_on"):  # else the day the page's form starts with
                form_data["applied_on"] = data["applied_on"]
            form_data.update({f"v_{k}": v for k, v in values.items() if v is not None})
            form = with_defaults(ApplyForm, form_data, campaign=campaign)
            if not form.is_valid():
                raise Invalid(
                    {
                        (f"values.{k[2:]}" if k.startswith("v_") else k): v
                        for k, v in form_errors(form).items()
                    }
                )
            try:
                application = services.apply(
                    campaign,
                    values=form.values(),
                    applied_on=form.cleaned_data["applied_on"],
                    by=user,
                    **{campaign.subject: applicant},
                )
            except DomainError as exc:
                field = exc.field if exc.field in ("applicant", "applied_on", "values") else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 201, ApplicationSerializer(application).data

        return idempotent_create(request, create)


def _applicant(user, campaign: Campaign, pk) -> Household | LocalUnit:
    """The household or unit applying, within the user's place (404 outside, as the page)."""
    household = campaign.subject == Campaign.Subject.HOUSEHOLD
    if isinstance(pk, bool) or not isinstance(pk, int):
        message = _("请选择申报的家庭") if household else _("请选择申报的单位")
        raise Invalid({"applicant": [message]})
    model = Household if household else LocalUnit
    return get_for_user(model.objects.select_related("place"), user, pk=pk)


class ApplicationDetail(ApiView):
    @extend_schema(responses={200: ApplicationSerializer, **OBJECT_ERRORS}, summary="申报")
    def get(self, request: Request, pk: int) -> Response:
        application = (
            Application.objects.select_related("campaign", "household", "unit")
            .filter(pk=pk)
            .first()
        )
        if application is None:
            raise Http404
        # Seen by whoever sees its campaign, as on the campaign's page.
        get_for_user(Campaign, request.user, pk=application.campaign_id)
        return Response(ApplicationSerializer(application).data)


# --- Donation drives ----------------------------------------------------------------------


class DriveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    purpose = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    money_in = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("捐入金额"))
    money_out = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("发放金额"))
    money_left = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("结余"))
    gifts = serializers.IntegerField(help_text=_("捐赠笔数"))
    place = s.PlaceRef()


class HeldItemSerializer(serializers.Serializer):
    goods = serializers.CharField(source="item", help_text=_("物品名称"))
    goods_unit = serializers.CharField(source="unit", help_text=_("计量单位"))
    received = serializers.DecimalField(max_digits=14, decimal_places=2, source="in")
    given = serializers.DecimalField(max_digits=14, decimal_places=2, source="out")
    left = serializers.DecimalField(max_digits=14, decimal_places=2)


class DriveDetailSerializer(DriveSerializer):
    items = HeldItemSerializer(many=True, source="held_items", help_text=_("物品的收、发、余"))


class DonationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = s.Choice(Donation.Direction.choices)
    direction_label = s.Label(Donation.Direction.choices, source="direction")
    date = serializers.DateField()
    party = serializers.CharField(source="party_name", help_text=_("捐赠人/受赠人"))
    resident = s.NamedRef(allow_null=True)
    household = s.HouseholdRef(allow_null=True)
    unit = s.NamedRef(allow_null=True)
    money = serializers.DecimalField(max_digits=14, decimal_places=2)
    goods = serializers.CharField(source="item", help_text=_("物品名称（捐赠登记所写）"))
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    goods_unit = serializers.CharField(source="item_unit", help_text=_("计量单位"))
    notes = serializers.CharField()
    voided = serializers.BooleanField(source="is_voided")


def _drives(user):
    return drives_with_totals(DonationDrive.objects.visible_to(user).select_related("place"))


def _with_left(rows: list[DonationDrive]) -> list[DonationDrive]:
    for drive in rows:
        drive.money_left = drive.money_in - drive.money_out
    return rows


class DriveList(ApiView):
    @extend_schema(
        operation_id="donations_list",
        parameters=query_parameters(None),
        responses={200: page_serializer(DriveSerializer, "DrivePage"), **READ_ERRORS},
        summary="募捐活动，各带捐入、发放和结余（新的在前）",
    )
    def get(self, request: Request) -> Response:
        return keyset_page(
            request,
            _drives(request.user),
            lambda rows: DriveSerializer(_with_left(rows), many=True).data,
            ("-starts_on", "-pk"),
        )


class DriveDetail(ApiView):
    @extend_schema(responses={200: DriveDetailSerializer, **OBJECT_ERRORS}, summary="募捐活动")
    def get(self, request: Request, pk: int) -> Response:
        drive = get_for_user(_drives(request.user), request.user, pk=pk)
        _with_left([drive])
        _money, drive.held_items = drive_holdings(drive)
        return Response(DriveDetailSerializer(drive).data)


class DriveEntries(ApiView):
    @extend_schema(
        operation_id="donation_entries_list",
        parameters=query_parameters(None),
        responses={200: page_serializer(DonationSerializer, "DonationPage"), **OBJECT_ERRORS},
        summary="募捐活动的捐入和发放（按日期；作废的也列出，标明 voided）",
    )
    def get(self, request: Request, pk: int) -> Response:
        drive = get_for_user(DonationDrive, request.user, pk=pk)
        rows = Donation.objects.filter(drive=drive).select_related("resident", "household", "unit")
        return keyset_page(request, rows, DonationSerializer, ("date", "pk"))


# --- Supplies -----------------------------------------------------------------------------


class StockFilterForm(forms.Form):
    """The stock page's store: a community or sub-district in the user's place."""

    place = StoreChoiceField(
        label=gettext_lazy("库存所在"), queryset=None, required=False, empty_label=""
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = store_places(user)


class SupplyItemRef(serializers.Serializer):
    """A supply of the catalogue (物资目录): {id, name}."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class StockSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = SupplyItemRef()
    item_unit = serializers.CharField(source="item.unit", help_text=_("计量单位"))
    on_hand = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("库存"))
    place = s.PlaceRef()


class MoveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = SupplyItemRef()
    item_unit = serializers.CharField(source="item.unit", help_text=_("计量单位"))
    kind = s.Choice(SupplyMove.Kind.choices)
    kind_label = s.Label(SupplyMove.Kind.choices, source="kind")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("结存"))
    date = serializers.DateField()
    counterpart = serializers.CharField(help_text=_("来源/去向"))
    to_place = s.PlaceRef(allow_null=True, help_text=_("发往区划"))
    to_unit = s.NamedRef(allow_null=True, help_text=_("发往单位"))
    campaign = s.NamedRef(allow_null=True, help_text=_("用于评选活动"))
    record = s.RecordRef(allow_null=True, help_text=_("用于工作记录"))
    notes = serializers.CharField()
    voided = serializers.BooleanField(source="is_voided")
    place = s.PlaceRef()


def _stocks(user):
    return Stock.objects.visible_to(user).select_related("place", "item")


class StockList(ApiView):
    @extend_schema(
        operation_id="supplies_stock_list",
        parameters=query_parameters(StockFilterForm),
        responses={200: page_serializer(StockSerializer, "StockPage"), **READ_ERRORS},
        summary="各社区、街道的物资库存（与库存页面相同的筛选）",
    )
    def get(self, request: Request) -> Response:
        place = bound_filters(request, StockFilterForm).cleaned_data.get("place")
        stocks = _stocks(request.user)
        if place is not None:
            stocks = stocks.filter(place_path__under=place.path)
        return keyset_page(request, stocks, StockSerializer, ("pk",))


class StockDetail(ApiView):
    @extend_schema(responses={200: StockSerializer, **OBJECT_ERRORS}, summary="物资库存")
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            StockSerializer(get_for_user(_stocks(request.user), request.user, pk=pk)).data
        )


def _moves(user):
    return SupplyMove.objects.visible_to(user).select_related(
        "place", "item", "to_place", "to_unit", "campaign", "record"
    )


class MoveList(ApiView):
    @extend_schema(
        operation_id="supplies_moves_list",
        parameters=query_parameters(MoveFilterForm),
        responses={200: page_serializer(MoveSerializer, "MovePage"), **READ_ERRORS},
        summary="物资出入库记录（与出入库页面相同的筛选，新登记的在前）",
    )
    def get(self, request: Request) -> Response:
        chosen = bound_filters(request, MoveFilterForm).cleaned_data
        moves = filter_moves(_moves(request.user), chosen)
        return keyset_page(request, moves, MoveSerializer, ("-pk",))


class MoveDetail(ApiView):
    @extend_schema(responses={200: MoveSerializer, **OBJECT_ERRORS}, summary="物资出入库")
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            MoveSerializer(get_for_user(_moves(request.user), request.user, pk=pk)).data
        )

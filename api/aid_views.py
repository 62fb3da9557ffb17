"""Applications to campaigns (评选申报), donation drives (募捐) and supplies (物资: stores, stock,
moves) through the API, read with the pages' filters and scope, and written through the
pages' forms and services: an application made (programs.services.apply) and decided
(review, shortlist, award) as on the campaign's page, a gift or a handing-out entered in a
drive (record_donation), a receipt or an issue at a store (move_supplies). Applications are
seen by those who see their campaign; drives, stores and moves are kept at communities and
sub-districts (a grid worker sees none, as on screen). None of them holds an ID number or
phone: the pages show applicants, donors and recipients by name, and so does the API."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils import timezone
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
    BodyNames,
    body_schema,
    bound_filters,
    idempotent_create,
    json_body,
    keyset_page,
    page_serializer,
    query_parameters,
    with_defaults,
)
from api.errors import Conflict, Invalid, form_errors
from api.inspection_views import _scalars
from api.views import IDEMPOTENCY, OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS, _error
from areas.models import LocalUnit, Place
from people.models import Household, Resident
from programs import services
from programs.aid_views import donation_data, held_items, move_data, require_store
from programs.forms import (
    ApplyForm,
    AwardForm,
    DonationForm,
    IssueForm,
    MoveFilterForm,
    ReceiveForm,
    ReviewForm,
    ShortlistForm,
    StoreChoiceField,
    _own_place,
    store_places,
)
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


# --- Deciding an application -------------------------------------------------------------

_STAGE = {
    "type": "string",
    "enum": list(Application.Stage.values),
    "description": "读取时申报所处的阶段（GET 答复中的 stage）：申报已被他人处理则 409",
}
_DECISION_ERRORS = {
    **OBJECT_ERRORS,
    **WRITE_ERRORS,
    409: _error(
        409,
        "申报所处阶段不能做此决定，或已撤回；申报已被他人处理（stage 不符）；"
        "或 Idempotency-Key 已用于另一个请求",
    ),
}


def _decision_schema(form_class, extra: dict, required: list[str]) -> dict:
    fields = {k: f for k, f in form_class.base_fields.items() if k not in extra}
    schema = body_schema(fields, extra={"stage": _STAGE, **extra})
    schema["required"] = ["stage", *required]
    return schema


def _yes_no(value):
    """A JSON true/false as the step form's radio buttons post it ("1"/"0")."""
    return ("1" if value else "0") if isinstance(value, bool) else value


class _Decision(ApiView):
    """One decision on an application, as the campaign page's row form for its stage: the
    same form (ReviewForm, ShortlistForm, AwardForm) and the same service. `stage` is the
    stage the client read, so a decision made on a stale read is refused (409)."""

    form_class: type = ReviewForm

    def decide(self, application: Application, chosen: dict, shown: str, by) -> Application:
        raise NotImplementedError

    def form_data(self, data: dict) -> dict:
        return _scalars(data, [n for n in self.form_class.base_fields if n != "certificate"])

    def post(self, request: Request, pk: int) -> Response:
        application = Application.objects.filter(pk=pk).first()
        if application is None:
            raise Http404
        # Decided by whoever may change its campaign, as on the campaign's page.
        application.campaign = get_for_user(
            Campaign.objects.select_related("place"),
            request.user,
            pk=application.campaign_id,
            perm=Perm.EDIT_RECORDS,
        )
        data = json_body(request)

        def decide():
            shown = data.get("stage")
            if not isinstance(shown, str) or shown not in Application.Stage.values:
                raise Invalid({"stage": [_("请填写读取申报时它所处的阶段")]})
            form = self.form_class(
                self.form_data(data), application=application, campaign=application.campaign
            )
            if not form.is_valid():
                raise Invalid(form_errors(form))
            try:
                done = self.decide(application, form.cleaned_data, shown, request.user)
            except services.ConflictError as exc:
                raise Conflict(exc.message) from exc
            except DomainError as exc:
                if exc.field is None:  # its stage refuses this decision, or it was withdrawn
                    raise Conflict(exc.message) from exc
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 200, ApplicationSerializer(done).data

        return idempotent_create(request, decide)


class ApplicationReview(_Decision):
    form_class = ReviewForm

    def form_data(self, data: dict) -> dict:
        passed = data.get("passed")
        given = super().form_data({**data, "passed": None})
        if passed is not None and not isinstance(passed, bool | str):
            raise Invalid({"passed": [_("应为 true、false 或 “rule”（按规则）")]})
        if passed is not None:
            given["passed"] = _yes_no(passed)
        return given

    def decide(self, application, chosen, shown, by):
        return services.review(
            application,
            passed=chosen["passed"],
            reason=chosen["reason"],
            day=chosen["day"],
            shown=shown,
            by=by,
        )

    @extend_schema(
        request={
            "application/json": _decision_schema(
                ReviewForm,
                {
                    "passed": {
                        "oneOf": [
                            {"type": "boolean"},
                            {"type": "string", "enum": [ReviewForm.RULE]},
                        ],
                        "description": "初审结果：true 通过，false 不通过（须写理由），"
                        "rule 按活动的初审规则（仅规则评审的活动）",
                    }
                },
                ["passed"],
            )
        },
        parameters=[IDEMPOTENCY],
        responses={200: ApplicationSerializer, **_DECISION_ERRORS},
        summary="初审申报（与活动页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class ApplicationShortlist(_Decision):
    form_class = ShortlistForm

    def form_data(self, data: dict) -> dict:
        return super().form_data({**data, "shortlisted": _yes_no(data.get("shortlisted"))})

    def decide(self, application, chosen, shown, by):
        return services.shortlist(
            application,
            shortlisted=chosen["shortlisted"],
            reason=chosen["reason"],
            day=chosen["day"],
            shown=shown,
            by=by,
        )

    @extend_schema(
        request={
            "application/json": _decision_schema(
                ShortlistForm,
                {
                    "shortlisted": {
                        "type": "boolean",
                        "description": "true 入围，false 未入围（须写理由）",
                    }
                },
                ["shortlisted"],
            )
        },
        parameters=[IDEMPOTENCY],
        responses={200: ApplicationSerializer, **_DECISION_ERRORS},
        summary="入围评定（与活动页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class ApplicationAward(_Decision):
    form_class = AwardForm

    def form_data(self, data: dict) -> dict:
        given = super().form_data(data)
        certificate = data.get("certificate", True)  # the page's box is ticked to begin with
        if not isinstance(certificate, bool):
            raise Invalid({"certificate": [_("应为 true 或 false")]})
        if certificate:
            given["certificate"] = "on"
        return given

    def decide(self, application, chosen, shown, by):
        return services.award(
            application.campaign,
            application=application,
            day=chosen["day"],
            certificate=chosen["certificate"],
            shown=shown,
            by=by,
        )

    @extend_schema(
        request={
            "application/json": _decision_schema(
                AwardForm,
                {
                    "certificate": {
                        "type": "boolean",
                        "default": True,
                        "description": "已发证书/牌匾",
                    }
                },
                [],
            )
        },
        parameters=[IDEMPOTENCY],
        responses={200: ApplicationSerializer, **_DECISION_ERRORS},
        summary="授牌（与活动页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


# --- Naming a household, resident or unit ----------------------------------------------------

_PARTIES = {"household": ("h", Household), "resident": ("r", Resident), "unit": ("u", LocalUnit)}


def target(user, data: dict, names: dict[str, str], *, field: str) -> str:
    """The one household, resident or unit the body names by id (`names`: the body's name of
    each, and which it is), as the page's picker posts it ("h:12"); "" for none. One outside
    the user's place is 404, as every object the API is asked about by id."""
    chosen = [n for n in names if data.get(n) is not None]
    if len(chosen) > 1:
        raise Invalid({field: [_("只能选一个：") + "、".join(chosen)]})
    if not chosen:
        return ""
    name = chosen[0]
    pk = data[name]
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise Invalid({name: [_("应为编号（整数）")]})
    letter, model = _PARTIES[names[name]]
    found = get_for_user(model, user, pk=pk)
    return f"{letter}:{found.pk}"


def _today_unless(given: dict, name: str = "date") -> dict:
    """The page's form shows today's date filled in: a body may leave it out."""
    given.setdefault(name, timezone.localdate().isoformat())
    return given


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


def _donation_schema() -> dict:
    fields = {k: f for k, f in DonationForm.base_fields.items() if k != "target"}
    party = "（编号，辖区内；与 party_name 二选一，或都填以另写名称）"
    schema = body_schema(
        fields,
        extra={
            "direction": {
                "type": "string",
                "enum": list(Donation.Direction.values),
                "description": "in 捐入，out 发放（不超过结余）",
            },
            "resident": {"type": "integer", "description": "居民" + party},
            "household": {"type": "integer", "description": "户" + party},
            "unit": {"type": "integer", "description": "辖区单位" + party},
        },
    )
    properties = _DONATION_NAMES.schema(schema)["properties"]
    properties["date"]["description"] += "（不填为今天）"
    properties["goods_unit"]["description"] += "（仅捐入；发放按捐入时的单位）"
    schema["required"] = ["direction"]
    return schema


# The entry's goods are `goods` and `goods_unit` in the body, as in the answer; the drive
# page's form calls them `item` and `item_unit`.
_DONATION_NAMES = BodyNames(item="goods", item_unit="goods_unit")


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

    @extend_schema(
        request={"application/json": _donation_schema()},
        parameters=[IDEMPOTENCY],
        responses={201: DonationSerializer, **OBJECT_ERRORS, **WRITE_ERRORS},
        summary="登记捐入或发放（与募捐活动页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        drive = get_for_user(DonationDrive, user, pk=pk, perm=Perm.EDIT_RECORDS)
        data = json_body(request)

        def create():
            direction = data.get("direction")
            if not isinstance(direction, str) or direction not in Donation.Direction.values:
                raise Invalid({"direction": [_("请选择捐入（in）或发放（out）")]})
            _money_left, items, held = held_items(drive)
            out = direction == Donation.Direction.OUT
            names = [k for k in DonationForm(out=out, held=held).fields if k != "target"]
            body = {_DONATION_NAMES.body.get(k, k): k for k in names}
            given = {body[k]: v for k, v in _scalars(data, list(body)).items()}
            given = _today_unless(given)
            parties = {"resident": "resident", "household": "household", "unit": "unit"}
            given["target"] = target(user, data, parties, field="party_name")
            form = DonationForm(given, out=out, held=held)
            if not form.is_valid():
                raise Invalid(_DONATION_NAMES.errors(form_errors(form)))
            try:
                entry = services.record_donation(
                    drive, donation_data(user, direction, form.cleaned_data, items), by=user
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid(_DONATION_NAMES.errors({field: [exc.message]}), exc.message) from exc
            return 201, DonationSerializer(entry).data

        return idempotent_create(request, create)


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


def _move_schema() -> dict:
    fields = {**ReceiveForm.base_fields, **IssueForm.base_fields}
    fields = {k: f for k, f in fields.items() if k != "target"}
    schema = body_schema(
        fields,
        extra={
            "kind": {
                "type": "string",
                "enum": list(SupplyMove.Kind.values),
                "description": "入库类型，或“发放出库”（不超过库存）",
            },
            "to_unit": {"type": "integer", "description": "发往辖区单位（出库，编号，辖区内）"},
        },
    )
    properties = schema["properties"]
    for name in ("place", "item", "to_place", "campaign", "record"):
        properties[name] = {"type": "integer", "description": properties[name]["description"]}
    properties["place"]["description"] += "（编号；不填为本人所在的社区或街道）"
    properties["date"]["description"] += "（不填为今天）"
    properties["counterpart"]["description"] = "来源（入库，必填）或去向说明（出库）"
    schema["required"] = ["kind", "item", "quantity"]
    return schema


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

    @extend_schema(
        request={"application/json": _move_schema()},
        parameters=[IDEMPOTENCY],
        responses={201: MoveSerializer, **OBJECT_ERRORS, **WRITE_ERRORS},
        summary="物资入库或出库（与入库、出库页面同一服务）",
    )
    def post(self, request: Request) -> Response:
        user = request.user
        require_store(user)  # a grid worker keeps no store: 403, as the pages
        data = json_body(request)

        def create():
            kind = data.get("kind")
            if not isinstance(kind, str) or kind not in SupplyMove.Kind.values:
                raise Invalid({"kind": [_("请选择出入库类型")]})
            form_class = IssueForm if kind == SupplyMove.Kind.ISSUED else ReceiveForm
            names = [k for k in form_class.base_fields if k != "target"]
            given = _today_unless(_scalars(data, names))
            if form_class is IssueForm:
                given["target"] = target(user, data, {"to_unit": "unit"}, field="counterpart")
            place = given.get("place")
            if isinstance(place, int):
                get_for_user(Place, user, pk=place)  # outside the user's place: 404
            elif place is None:
                given["place"] = _own_place(user, store_places(user))
            form = form_class(given, user=user)
            if not form.is_valid():
                raise Invalid(form_errors(form))
            chosen = form.cleaned_data
            try:
                move = services.move_supplies(chosen["place"], move_data(user, chosen), by=user)
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 201, MoveSerializer(_moves(user).get(pk=move.pk)).data

        return idempotent_create(request, create)


class MoveDetail(ApiView):
    @extend_schema(responses={200: MoveSerializer, **OBJECT_ERRORS}, summary="物资出入库")
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            MoveSerializer(get_for_user(_moves(request.user), request.user, pk=pk)).data
        )

"""重点人群 memberships through the API: listed with the resident list's group and place
filters, read, registered and ended through people.services, as on the resident's page.

A category's sensitivity decides as on screen: a role without health or judicial data sees
neither the members of such a category nor their attributes (not in lists, 404 for one, "no
such group" when registering). Each read of members of a sensitive category (低保, health,
judicial) writes a `membership.view` audit row, as a ledger of them does."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
from api.errors import Invalid, form_errors
from api.views import IDEMPOTENCY, OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS
from areas.models import Place, PlaceKind
from audit import services as audit
from people import services
from people.forms import DateForm, MembershipForm, PlaceField
from people.models import GroupCategory, Household, Membership, Resident
from shequ.errors import DomainError
from shequ.widgets import DatePicker


class MembershipFilterForm(forms.Form):
    """The resident list's group and place filters, and the day (the group ledgers' 统计日期):
    without it, the current memberships."""

    group = forms.ModelChoiceField(
        label=gettext_lazy("重点人群"),
        queryset=GroupCategory.objects.none(),
        required=False,
        to_field_name="code",
    )
    place = PlaceField(label=gettext_lazy("区划"), queryset=Place.objects.none(), required=False)
    on = forms.DateField(label=gettext_lazy("统计日期"), required=False, widget=DatePicker())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (
            Place.objects.visible_to(user).active().exclude(kind=PlaceKind.DISTRICT)
        )
        self.fields["group"].queryset = GroupCategory.objects.visible_to(user)


class AttributeSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField()


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    group = serializers.CharField(source="category.code", help_text=_("重点人群类别代码"))
    group_label = serializers.CharField(source="category.name")
    sensitivity = s.Choice(GroupCategory.Sensitivity.choices, source="category.sensitivity")
    sensitivity_label = s.Label(GroupCategory.Sensitivity.choices, source="category.sensitivity")
    resident = s.NamedRef(allow_null=True)
    household = s.HouseholdRef(allow_null=True)
    starts_on = serializers.DateField(source="start")
    ends_on = serializers.DateField(source="end", allow_null=True)
    attributes = AttributeSerializer(many=True, source="attribute_list")
    notes = serializers.CharField()
    place = s.PlaceRef()


def _shown(memberships: list[Membership]) -> list[dict]:
    for m in memberships:
        m.attribute_list = [
            {"key": a.key, "label": a.label, "value": m.attributes[a.key]}
            for a in m.category.attributes.all()
            if m.attributes.get(a.key) not in (None, "")
        ]
    return MembershipSerializer(memberships, many=True).data


def _audit_sensitive(user, memberships: list[Membership], data: dict) -> None:
    sensitive = [m for m in memberships if m.category.sensitivity != "normal"]
    if len(memberships) == 1 and sensitive:
        audit.record(user, "membership.view", sensitive[0])
    elif sensitive:
        groups = sorted({m.category.code for m in sensitive})
        audit.record(
            user, "membership.view", data={**data, "groups": groups, "rows": len(sensitive)}
        )


def _visible(user):
    return Membership.objects.visible_to(user).select_related(
        "category", "resident", "household", "place"
    )


MEMBERSHIP_EXTRA = {
    "group": {"type": "string", "description": "重点人群类别代码"},
    "resident": {"type": "integer", "description": "居民（对象为居民的类别）"},
    "household": {"type": "integer", "description": "户（对象为户的类别）"},
    "attributes": {
        "type": "object",
        "additionalProperties": {},
        "description": "属性代码 → 值（同登记页面的各项属性）",
    },
}


def _membership_body_schema() -> dict:
    fields = MembershipForm.base_fields
    schema = body_schema(fields, extra=MEMBERSHIP_EXTRA)
    schema["required"] = ["group", "start"]
    return schema


class MembershipList(ApiView):
    @extend_schema(
        operation_id="memberships_list",
        parameters=query_parameters(MembershipFilterForm),
        responses={
            200: page_serializer(MembershipSerializer, "MembershipPage"),
            **READ_ERRORS,
        },
        summary="重点人群登记（与居民列表的人群、区划筛选相同；默认为当前登记）",
    )
    def get(self, request: Request) -> Response:
        filters = bound_filters(request, MembershipFilterForm)
        chosen = filters.cleaned_data
        memberships = _visible(request.user)
        if group := chosen.get("group"):
            memberships = memberships.filter(category=group)
        if place := chosen.get("place"):
            memberships = memberships.filter(place_path__under=place.path)
        on = chosen.get("on")
        memberships = memberships.on(on) if on else memberships.current()
        query = {"query": request.query_params.urlencode()[:300]}

        def shown(rows: list[Membership]) -> list[dict]:
            _audit_sensitive(request.user, rows, query)
            return _shown(rows)

        memberships = memberships.prefetch_related("category__attributes")
        return keyset_page(request, memberships, shown, ("place_path", "pk"))

    @extend_schema(
        request={"application/json": _membership_body_schema()},
        parameters=[IDEMPOTENCY],
        responses={201: MembershipSerializer, **WRITE_ERRORS},
        summary="登记重点人群（与居民页面同一服务）",
    )
    def post(self, request: Request) -> Response:
        data = json_body(request)

        def create():
            category, resident, household = _subject(request.user, data)
            attributes = data.get("attributes") or {}
            if not isinstance(attributes, dict):
                raise Invalid({"attributes": [_("属性应为“属性代码: 值”的对象")]})
            known = {a.key for a in category.attributes.all()}
            unknown = sorted(str(k) for k in attributes if k not in known)
            if unknown:
                raise Invalid({"attributes": [_("没有这个属性：") + "、".join(unknown)]})
            form_data = {k: v for k, v in data.items() if k in ("start", "notes")}
            form_data.update({f"attr_{k}": v for k, v in attributes.items()})
            form = MembershipForm(form_data, category=category)
            if not form.is_valid():  # attr_branch is attributes.branch in the body
                raise Invalid(
                    {
                        (f"attributes.{k[5:]}" if k.startswith("attr_") else k): v
                        for k, v in form_errors(form).items()
                    }
                )
            try:
                membership = services.add_membership(
                    category,
                    resident=resident,
                    household=household,
                    start=form.cleaned_data["start"],
                    attributes=form.attributes(),
                    notes=form.cleaned_data["notes"],
                    by=request.user,
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else "_"
                raise Invalid({field: [exc.message]}, exc.message) from exc
            return 201, _shown([_visible(request.user).get(pk=membership.pk)])[0]

        return idempotent_create(request, create)


def _subject(user: User, data: dict) -> tuple[GroupCategory, Resident | None, Household | None]:
    """The category (one the role may see) and whom it is for (in the user's place: 404
    outside it, as the resident's page is)."""
    code = data.get("group")
    category = (
        GroupCategory.objects.visible_to(user).filter(code=code).first()
        if isinstance(code, str) and code
        else None
    )
    if category is None:
        raise Invalid({"group": [_("没有这个重点人群类别")]})
    key = "household" if category.subject == GroupCategory.Subject.HOUSEHOLD else "resident"
    pk = data.get(key)
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise Invalid(
            {
                key: [
                    _("请指明登记的对象（%(what)s）")
                    % {"what": _("户") if key == "household" else _("居民")}
                ]
            }
        )
    model = Household if key == "household" else Resident
    subject = get_for_user(
        model.objects.select_related("place"), user, pk=pk, perm=Perm.EDIT_RECORDS
    )
    return (category, None, subject) if key == "household" else (category, subject, None)


class MembershipDetail(ApiView):
    @extend_schema(responses={200: MembershipSerializer, **OBJECT_ERRORS}, summary="重点人群登记")
    def get(self, request: Request, pk: int) -> Response:
        membership = get_for_user(_visible(request.user), request.user, pk=pk)
        _audit_sensitive(request.user, [membership], {})
        return Response(_shown([membership])[0])


class MembershipEnd(ApiView):
    write_perm = Perm.EDIT_RECORDS

    @extend_schema(
        request={"application/json": body_schema(DateForm.base_fields)},
        parameters=[IDEMPOTENCY],
        responses={200: MembershipSerializer, **OBJECT_ERRORS, **WRITE_ERRORS},
        summary="结束重点人群登记（与居民页面同一服务）",
    )
    def post(self, request: Request, pk: int) -> Response:
        membership = get_for_user(
            _visible(request.user), request.user, pk=pk, perm=Perm.EDIT_RECORDS
        )
        data = json_body(request)

        def end():
            form = DateForm(data)
            if not form.is_valid():
                raise Invalid(form_errors(form))
            try:
                services.end_membership(membership, end=form.cleaned_data["on"], by=request.user)
            except DomainError as exc:
                raise Invalid({"on": [exc.message]}, exc.message) from exc
            return 200, _shown([_visible(request.user).get(pk=membership.pk)])[0]

        return idempotent_create(request, end)

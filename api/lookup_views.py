"""Lookups: the ids and codes the creating calls take, read from the same catalogues and the
same offer lists as the pages' forms — checklists with their items (新增检查), work-record
topics and quantity items (快速登记), special-group categories with their attributes (登记重点
人群; health and judicial ones only for roles granted them), a campaign's reported items (申报)
and the accounts a case may be given to or an inspection may name. Read only; each call is
audited (`api.call`) as every other."""

from __future__ import annotations

from django import forms
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.scope import get_for_user
from api import lookup_serializers as ls
from api.base import ApiView, bound_filters, keyset_page, page_serializer, query_parameters
from api.errors import Invalid
from api.views import CURSOR, OBJECT_ERRORS, READ_ERRORS
from audit import services as audit
from cases.flows import FLOWS, REQUEST
from cases.forms import handlers
from cases.models import Case
from cases.queries import kinds_for
from inspections.forms import checklists, colleagues
from inspections.models import ChecklistItem, ChecklistVersion
from ledger.models import QuantityKind, Topic
from people.models import GroupCategory
from programs.forms import CampaignFilterForm
from programs.models import Campaign
from programs.queries import filter_campaigns

# --- Checklists ---------------------------------------------------------------------------


def _checklists() -> QuerySet:
    """The checklists a new inspection can use (the new-inspection page's), each with its
    newest published version."""
    newest = ChecklistVersion.objects.filter(
        checklist=OuterRef("pk"), published_at__isnull=False
    ).order_by("-number")
    return checklists().annotate(current_id=Subquery(newest.values("pk")[:1]))


def _with_items(rows: list) -> list[dict]:
    """Each checklist's newest published version and its items: one query for all."""
    ids = [c.current_id for c in rows]
    versions = {v.pk: v for v in ChecklistVersion.objects.filter(pk__in=ids)}
    items: dict[int, list] = {pk: [] for pk in ids}
    for item in ChecklistItem.objects.filter(version__in=ids).order_by("order", "pk"):
        items[item.version_id].append(item)
    for checklist in rows:
        checklist.current_version = versions[checklist.current_id]
        checklist.item_list = items[checklist.current_id]
    return ls.ChecklistSerializer(rows, many=True).data


class ChecklistList(ApiView):
    @extend_schema(
        operation_id="checklists_list",
        parameters=[CURSOR],
        responses={200: page_serializer(ls.ChecklistSerializer, "ChecklistPage"), **READ_ERRORS},
        summary="可用的检查表及其检查项目（新增检查页面可选的）",
    )
    def get(self, request: Request) -> Response:
        return keyset_page(request, _checklists(), _with_items, ("pk",))


class ChecklistDetail(ApiView):
    @extend_schema(responses={200: ls.ChecklistSerializer, **OBJECT_ERRORS}, summary="检查表")
    def get(self, request: Request, pk: int) -> Response:
        checklist = _checklists().filter(pk=pk).first()
        if checklist is None:  # no such checklist, retired or never published
            raise Http404
        return Response(_with_items([checklist])[0])


# --- Work-record topics and quantity items ---------------------------------------------------


class TopicList(ApiView):
    @extend_schema(
        operation_id="topics_list",
        parameters=[CURSOR],
        responses={200: page_serializer(ls.TopicSerializer, "TopicPage"), **READ_ERRORS},
        summary="工作领域（工作记录的 topics）",
    )
    def get(self, request: Request) -> Response:
        return keyset_page(request, Topic.objects.all(), ls.TopicSerializer, ("order", "pk"))


class QuantityItemList(ApiView):
    @extend_schema(
        operation_id="quantity_items_list",
        parameters=[CURSOR],
        responses={
            200: page_serializer(ls.QuantityItemSerializer, "QuantityItemPage"),
            **READ_ERRORS,
        },
        summary="数量项目（工作记录的 quantities）",
    )
    def get(self, request: Request) -> Response:
        rows = QuantityKind.objects.all()
        return keyset_page(request, rows, ls.QuantityItemSerializer, ("order", "pk"))


# --- Special-group categories -----------------------------------------------------------------


def _categories(user: User) -> QuerySet:
    """The categories the role may see, as the pages and /memberships/ offer them: health and
    judicial ones only with their permission."""
    return GroupCategory.objects.visible_to(user).prefetch_related("attributes")


class GroupCategoryList(ApiView):
    @extend_schema(
        operation_id="groups_list",
        parameters=[CURSOR],
        responses={
            200: page_serializer(ls.GroupCategorySerializer, "GroupCategoryPage"),
            **READ_ERRORS,
        },
        summary="重点人群类别及其属性（健康、司法类仅对有权限的角色）",
    )
    def get(self, request: Request) -> Response:
        rows = _categories(request.user)
        return keyset_page(request, rows, ls.GroupCategorySerializer, ("order", "pk"))


class GroupCategoryDetail(ApiView):
    @extend_schema(
        responses={200: ls.GroupCategorySerializer, **OBJECT_ERRORS}, summary="重点人群类别"
    )
    def get(self, request: Request, code: str) -> Response:
        category = _categories(request.user).filter(code=code).first()
        if category is None:
            raise Http404
        return Response(ls.GroupCategorySerializer(category).data)


# --- Campaign items -----------------------------------------------------------------------


def _campaign_items(rows: list[Campaign]) -> list[dict]:
    for campaign in rows:
        campaign.item_list = [
            {"code": key, "label": label, "unit": unit}
            for key, label, unit in campaign.field_list()
        ]
    return ls.CampaignItemsSerializer(rows, many=True).data


class CampaignItemList(ApiView):
    @extend_schema(
        operation_id="campaign_items_list",
        parameters=query_parameters(CampaignFilterForm),
        responses={
            200: page_serializer(ls.CampaignItemsSerializer, "CampaignItemsPage"),
            **READ_ERRORS,
        },
        summary="评选活动的申报数据项（与评选活动列表相同的筛选，新的在前）",
    )
    def get(self, request: Request) -> Response:
        filters = bound_filters(request, CampaignFilterForm)
        campaigns = filter_campaigns(
            Campaign.objects.visible_to(request.user), filters.cleaned_data, timezone.localdate()
        )
        return keyset_page(request, campaigns, _campaign_items, ("-pk",))


class CampaignItems(ApiView):
    @extend_schema(
        responses={200: ls.CampaignItemsSerializer, **OBJECT_ERRORS},
        summary="一个评选活动的申报数据项（申报的 values）",
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = get_for_user(Campaign, request.user, pk=pk)
        return Response(_campaign_items([campaign])[0])


# --- Accounts: case assignees and inspectors ----------------------------------------------------


class AccountFilterForm(forms.Form):
    """Which offer list: the inspectors of a new inspection, or the assignees (承办人, 责任人)
    of a new case of one kind or of one case."""

    INSPECTOR, ASSIGNEE = "inspector", "assignee"

    usable_as = forms.ChoiceField(
        label=gettext_lazy("用途（不填为检查人员）"),
        required=False,
        choices=[
            (INSPECTOR, gettext_lazy("检查人员")),
            (ASSIGNEE, gettext_lazy("案件承办人")),
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("案件类型（查找承办人；不填为诉求）"),
        required=False,
        choices=[(k, k) for k in FLOWS],
    )
    case = forms.IntegerField(
        label=gettext_lazy("案件编号（查找能办理该案件的承办人）"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Supervision files' kinds only for judicial roles, as the case pages.
        self.fields["kind"].choices = [("", "")] + [(k, k) for k in kinds_for(user)]

    def clean(self):
        chosen = super().clean()
        usable_as = chosen.get("usable_as") or self.INSPECTOR
        if usable_as == self.INSPECTOR and (chosen.get("kind") or chosen.get("case")):
            raise forms.ValidationError(_("案件类型和案件编号只用于查找承办人"))
        chosen["usable_as"] = usable_as
        return chosen


def _shown_accounts(rows: list[User]) -> list[dict]:
    for user in rows:
        user.shown_name = user.name or user.username
    return ls.AccountSerializer(rows, many=True).data


def _offered(request: Request, chosen: dict) -> QuerySet:
    """The accounts the page's form offers: as inspectors (`colleagues`), or as the assignee
    of a new case of a kind or of one case (`handlers`, the service's rule)."""
    user = request.user
    if chosen["usable_as"] == AccountFilterForm.INSPECTOR:
        return colleagues(user)
    if pk := chosen.get("case"):
        # A filter, refused as one (400) outside the place and for a supervision file to a
        # role without judicial data.
        case = Case.objects.visible_to(user).filter(pk=pk).first()
        if case is None:
            raise Invalid({"case": [_("没有这个案件，或不在您的辖区内")]})
        return handlers(user, case.kind, case.place_path)
    return handlers(user, chosen.get("kind") or REQUEST.kind)


class AccountList(ApiView):
    @extend_schema(
        operation_id="accounts_list",
        parameters=query_parameters(AccountFilterForm),
        responses={200: page_serializer(ls.AccountSerializer, "AccountPage"), **READ_ERRORS},
        summary="可选的检查人员、案件承办人（与登记页面可选的相同）",
    )
    def get(self, request: Request) -> Response:
        chosen = bound_filters(request, AccountFilterForm).cleaned_data
        return keyset_page(request, _offered(request, chosen), _shown_accounts, ("pk",))


class AccountDetail(ApiView):
    @extend_schema(
        responses={200: ls.AccountSerializer, **OBJECT_ERRORS},
        summary="账号（可选作检查人员或承办人的）",
    )
    def get(self, request: Request, pk: int) -> Response:
        account = colleagues(request.user).filter(pk=pk).first()
        if account is None:
            if User.objects.filter(pk=pk).exists():
                audit.record(request.user, "access.out_of_scope", User.objects.get(pk=pk))
            raise Http404
        return Response(_shown_accounts([account])[0])

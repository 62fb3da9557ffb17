from django.urls import path, re_path

from api import (
    aid_views,
    case_views,
    docs,
    inspection_views,
    ledger_views,
    lookup_views,
    membership_views,
    program_views,
    views,
)

app_name = "api"

urlpatterns = [
    path("me/", views.Me.as_view(), name="me"),
    path("places/", views.PlaceList.as_view(), name="place-list"),
    path("places/<int:pk>/", views.PlaceDetail.as_view(), name="place-detail"),
    path("residents/", views.ResidentList.as_view(), name="resident-list"),
    path("residents/<int:pk>/", views.ResidentDetail.as_view(), name="resident-detail"),
    path("residents/<int:pk>/reveal/", views.ResidentReveal.as_view(), name="resident-reveal"),
    path("memberships/", membership_views.MembershipList.as_view(), name="membership-list"),
    path(
        "memberships/<int:pk>/",
        membership_views.MembershipDetail.as_view(),
        name="membership-detail",
    ),
    path(
        "memberships/<int:pk>/end/",
        membership_views.MembershipEnd.as_view(),
        name="membership-end",
    ),
    path("households/", views.HouseholdList.as_view(), name="household-list"),
    path("households/<int:pk>/", views.HouseholdDetail.as_view(), name="household-detail"),
    path("units/", views.UnitList.as_view(), name="unit-list"),
    path("units/<int:pk>/", views.UnitDetail.as_view(), name="unit-detail"),
    path("records/", views.RecordList.as_view(), name="record-list"),
    path("records/<int:pk>/", views.RecordDetail.as_view(), name="record-detail"),
    path("cases/", case_views.Cases.as_view(), name="case-list"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="case-detail"),
    path("cases/<int:pk>/actions/", case_views.CaseActions.as_view(), name="case-actions"),
    path("indicators/", views.IndicatorValues.as_view(), name="indicator-list"),
    path(
        "indicators/<str:indicator_id>/",
        views.IndicatorDetail.as_view(),
        name="indicator-detail",
    ),
    path("inspections/", inspection_views.InspectionList.as_view(), name="inspection-list"),
    path(
        "inspections/<int:pk>/",
        inspection_views.InspectionDetail.as_view(),
        name="inspection-detail",
    ),
    path(
        "inspections/<int:pk>/rectifications/",
        inspection_views.RectificationIssue.as_view(),
        name="rectification-issue",
    ),
    path(
        "rectifications/",
        inspection_views.RectificationList.as_view(),
        name="rectification-list",
    ),
    path(
        "rectifications/<int:pk>/",
        inspection_views.RectificationDetail.as_view(),
        name="rectification-detail",
    ),
    path(
        "rectifications/<int:pk>/recheck/",
        inspection_views.RectificationRecheck.as_view(),
        name="rectification-recheck",
    ),
    path("campaigns/", program_views.CampaignList.as_view(), name="campaign-list"),
    path("campaigns/<int:pk>/", program_views.CampaignDetail.as_view(), name="campaign-detail"),
    path(
        "campaigns/<int:pk>/applications/",
        aid_views.CampaignApplications.as_view(),
        name="campaign-applications",
    ),
    path(
        "applications/<int:pk>/", aid_views.ApplicationDetail.as_view(), name="application-detail"
    ),
    path(
        "applications/<int:pk>/review/",
        aid_views.ApplicationReview.as_view(),
        name="application-review",
    ),
    path(
        "applications/<int:pk>/shortlist/",
        aid_views.ApplicationShortlist.as_view(),
        name="application-shortlist",
    ),
    path(
        "applications/<int:pk>/award/",
        aid_views.ApplicationAward.as_view(),
        name="application-award",
    ),
    path("donations/", aid_views.DriveList.as_view(), name="drive-list"),
    path("donations/<int:pk>/", aid_views.DriveDetail.as_view(), name="drive-detail"),
    path("donations/<int:pk>/entries/", aid_views.DriveEntries.as_view(), name="drive-entries"),
    path("supplies/stock/", aid_views.StockList.as_view(), name="stock-list"),
    path("supplies/stock/<int:pk>/", aid_views.StockDetail.as_view(), name="stock-detail"),
    path("supplies/moves/", aid_views.MoveList.as_view(), name="move-list"),
    path("supplies/moves/<int:pk>/", aid_views.MoveDetail.as_view(), name="move-detail"),
    path("assistance/", program_views.AssistanceList.as_view(), name="assistance-list"),
    path(
        "assistance/<int:pk>/", program_views.AssistanceDetail.as_view(), name="assistance-detail"
    ),
    path("ledgers/", ledger_views.LedgerList.as_view(), name="ledger-list"),
    path("ledgers/<slug:code>/export/", ledger_views.LedgerExport.as_view(), name="ledger-export"),
    path("checklists/", lookup_views.ChecklistList.as_view(), name="checklist-list"),
    path("checklists/<int:pk>/", lookup_views.ChecklistDetail.as_view(), name="checklist-detail"),
    path("topics/", lookup_views.TopicList.as_view(), name="topic-list"),
    path("quantity-items/", lookup_views.QuantityItemList.as_view(), name="quantity-item-list"),
    path("groups/", lookup_views.GroupCategoryList.as_view(), name="group-list"),
    path("groups/<slug:code>/", lookup_views.GroupCategoryDetail.as_view(), name="group-detail"),
    path("campaign-items/", lookup_views.CampaignItemList.as_view(), name="campaign-item-list"),
    path("campaigns/<int:pk>/items/", lookup_views.CampaignItems.as_view(), name="campaign-items"),
    path("accounts/", lookup_views.AccountList.as_view(), name="account-list"),
    path("accounts/<int:pk>/", lookup_views.AccountDetail.as_view(), name="account-detail"),
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.docs_page, name="docs"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]

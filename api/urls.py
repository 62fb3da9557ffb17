from django.urls import path, re_path

from api import case_views, docs, ledger_views, views

app_name = "api"

urlpatterns = [
    path("me/", views.Me.as_view(), name="me"),
    path("places/", views.PlaceList.as_view(), name="place-list"),
    path("places/<int:pk>/", views.PlaceDetail.as_view(), name="place-detail"),
    path("residents/", views.ResidentList.as_view(), name="resident-list"),
    path("residents/<int:pk>/", views.ResidentDetail.as_view(), name="resident-detail"),
    path("residents/<int:pk>/reveal/", views.ResidentReveal.as_view(), name="resident-reveal"),
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
    path("ledgers/", ledger_views.LedgerList.as_view(), name="ledger-list"),
    path("ledgers/<slug:code>/export/", ledger_views.LedgerExport.as_view(), name="ledger-export"),
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.docs_page, name="docs"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]

from django.urls import path, re_path

from api import docs, views

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
    path("cases/", views.CaseList.as_view(), name="case-list"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="case-detail"),
    path("indicators/", views.IndicatorValues.as_view(), name="indicator-list"),
    path(
        "indicators/<str:indicator_id>/",
        views.IndicatorDetail.as_view(),
        name="indicator-detail",
    ),
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.docs_page, name="docs"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]

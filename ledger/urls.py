from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.record_list, name="record-list"),
    path("calendar/", views.record_calendar, name="record-calendar"),
    path("new/", views.record_create, name="record-create"),
    path("<int:pk>/", views.record_detail, name="record-detail"),
    path("<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("<int:pk>/participants/", views.participant_add, name="participant-add"),
    path("participants/<int:pk>/remove/", views.participant_remove, name="participant-remove"),
    path("services/", views.service_list, name="service-list"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path(
        "catalogue/<str:what>/<int:pk>/active/",
        views.catalogue_toggle,
        name="catalogue-toggle",
    ),
]

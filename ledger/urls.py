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
    path("<int:pk>/files/", views.attachment_add, name="attachment-add"),
    path("files/<int:pk>/", views.attachment_file, name="attachment"),
    path(
        "files/<int:pk>/preview/",
        views.attachment_file,
        {"preview": True},
        name="attachment-preview",
    ),
    path("files/<int:pk>/remove/", views.attachment_remove, name="attachment-remove"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes-edit"),
    path("<int:pk>/visits/", views.visit_add, name="visit-add"),
    path("visits/<int:pk>/remove/", views.visit_remove, name="visit-remove"),
    path("visits/coverage/", views.visit_coverage, name="visit-coverage"),
    path("<int:pk>/links/", views.link_add, name="link-add"),
    path("<int:pk>/links/remove/", views.link_remove, name="link-remove"),
    path("<int:pk>/signin/", views.signin_toggle, name="signin-toggle"),
    path("signins/<int:pk>/", views.signin_resolve, name="signin-resolve"),
    path("services/", views.service_list, name="service-list"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path(
        "catalogue/<str:what>/<int:pk>/active/",
        views.catalogue_toggle,
        name="catalogue-toggle",
    ),
]

from django.urls import path

from people import import_views, ledger_views, views

app_name = "people"
urlpatterns = [
    path("residents/", views.resident_list, name="resident-list"),
    path("residents/new/", views.resident_create, name="resident-create"),
    path("residents/<int:pk>/", views.resident_detail, name="resident-detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident-edit"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident-reveal"),
    path("residents/<int:pk>/leave/", views.resident_leave, name="resident-leave"),
    path(
        "residents/<int:pk>/groups/<slug:code>/",
        views.membership_add,
        name="resident-membership-add",
    ),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership-end"),
    path("imports/", import_views.import_start, name="import-start"),
    path("imports/template/<slug:kind>/", import_views.import_template, name="import-template"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status/", import_views.import_status, name="import-status"),
    path("imports/<int:pk>/report/", import_views.import_report, name="import-report"),
    path("imports/<int:pk>/commit/", import_views.import_commit, name="import-commit"),
    path("ledgers/", ledger_views.ledger_index, name="ledger-index"),
    path("ledgers/<slug:code>/", ledger_views.ledger_detail, name="ledger-detail"),
    path("ledgers/<slug:code>/export/", ledger_views.ledger_export, name="ledger-export"),
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/move-in/", views.household_move_in, name="household-move-in"),
    path(
        "households/<int:pk>/groups/<slug:code>/",
        views.household_membership_add,
        name="household-membership-add",
    ),
]

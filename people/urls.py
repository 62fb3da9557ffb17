from django.urls import path

from people import directory_views, import_views, ledger_views, views

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
    path("staff/", directory_views.staff_list, name="staff-list"),
    path("staff/new/", directory_views.staff_create, name="staff-create"),
    path("staff/<int:pk>/", directory_views.staff_edit, name="staff-edit"),
    path("organisations/", directory_views.organisation_list, name="organisation-list"),
    path("organisations/new/", directory_views.organisation_create, name="organisation-create"),
    path(
        "organisations/<int:pk>/",
        directory_views.organisation_detail,
        name="organisation-detail",
    ),
    path(
        "organisations/<int:pk>/members/",
        directory_views.organisation_member_add,
        name="organisation-member-add",
    ),
    path(
        "organisation-members/<int:pk>/end/",
        directory_views.organisation_member_end,
        name="organisation-member-end",
    ),
    path("rentals/", directory_views.rental_list, name="rental-list"),
    path("rentals/new/", directory_views.rental_create, name="rental-create"),
    path("categories/", directory_views.category_list, name="category-list"),
    path("categories/<int:pk>/", directory_views.category_detail, name="category-detail"),
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/move-in/", views.household_move_in, name="household-move-in"),
    path("households/<int:pk>/head/", views.household_head, name="household-head"),
    path("households/<int:pk>/split/", views.household_split, name="household-split"),
    path("households/<int:pk>/merge/", views.household_merge, name="household-merge"),
    path(
        "households/<int:pk>/groups/<slug:code>/",
        views.household_membership_add,
        name="household-membership-add",
    ),
]

from django.urls import path

from inspections import agreement_views, checklist_views, print_views, views

app_name = "inspections"

urlpatterns = [
    # Inspections, rectification orders and re-checks (inspections/views.py)
    path("", views.inspection_list, name="inspection-list"),
    path("new/", views.inspection_create, name="inspection-create"),
    path("<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("<int:pk>/edit/", views.inspection_edit, name="inspection-edit"),
    path("<int:pk>/files/", views.inspection_files_add, name="inspection-files-add"),
    path("files/<int:pk>/", views.inspection_file, name="inspection-file"),
    path(
        "files/<int:pk>/preview/",
        views.inspection_file,
        {"preview": True},
        name="inspection-file-preview",
    ),
    path("files/<int:pk>/remove/", views.inspection_file_remove, name="inspection-file-remove"),
    path(
        "<int:pk>/rectifications/new/",
        views.rectification_create,
        name="rectification-create",
    ),
    path("rectifications/", views.rectification_list, name="rectification-list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification-detail"),
    path(
        "rectifications/<int:pk>/recheck/",
        views.rectification_recheck,
        name="rectification-recheck",
    ),
]

urlpatterns += [
    # Checklists and responsibility agreements (inspections/checklist_views.py,
    # inspections/agreement_views.py)
    path("checklists/", checklist_views.checklist_list, name="checklist-list"),
    path("checklists/new/", checklist_views.checklist_create, name="checklist-create"),
    path("checklists/<int:pk>/", checklist_views.checklist_detail, name="checklist-detail"),
    path("checklists/<int:pk>/edit/", checklist_views.checklist_edit, name="checklist-edit"),
    path(
        "checklists/<int:pk>/new-version/",
        checklist_views.checklist_new_draft,
        name="checklist-new-draft",
    ),
    path(
        "checklists/versions/<int:pk>/",
        checklist_views.version_detail,
        name="checklist-version",
    ),
    path(
        "checklists/versions/<int:pk>/publish/",
        checklist_views.version_publish,
        name="checklist-publish",
    ),
    path(
        "checklists/versions/<int:pk>/items/",
        checklist_views.item_add,
        name="checklist-item-add",
    ),
    path("checklists/items/<int:pk>/edit/", checklist_views.item_edit, name="checklist-item-edit"),
    path(
        "checklists/items/<int:pk>/remove/",
        checklist_views.item_remove,
        name="checklist-item-remove",
    ),
    path("checklists/items/<int:pk>/move/", checklist_views.item_move, name="checklist-item-move"),
    path("agreements/", agreement_views.agreement_list, name="agreement-list"),
    path("agreements/new/", agreement_views.agreement_create, name="agreement-create"),
    path("agreements/coverage/", agreement_views.agreement_coverage, name="agreement-coverage"),
    path("agreements/<int:pk>/", agreement_views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", agreement_views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/scan/", agreement_views.agreement_scan, name="agreement-scan"),
    path(
        "agreements/<int:pk>/scan/preview/",
        agreement_views.agreement_scan,
        {"preview": True},
        name="agreement-scan-preview",
    ),
]

urlpatterns += [
    # Documents to print (inspections/print_views.py)
    path("<int:pk>/print/", print_views.inspection_print, name="inspection-print"),
    path(
        "rectifications/<int:pk>/print/",
        print_views.rectification_print,
        name="rectification-print",
    ),
    path("checklists/<int:pk>/print/", print_views.checklist_print, name="checklist-print"),
]

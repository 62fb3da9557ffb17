from django.urls import path

from inspections import print_views, views

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

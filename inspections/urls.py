from django.urls import path

from inspections import print_views

app_name = "inspections"

urlpatterns = [
    # Inspections, rectification orders and re-checks (inspections/views.py)
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

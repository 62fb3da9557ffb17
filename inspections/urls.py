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
]

from django.urls import path

from reports import summary_views, views

app_name = "reports"

urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("compare/", views.compare, name="compare"),
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/<str:indicator_id>/", views.drill, name="drill"),
    path("summary/", summary_views.summary, name="summary"),
    path("summary/<int:pk>/", summary_views.snapshot_file, name="summary-snapshot"),
    path("summary/worker/<int:pk>/", summary_views.worker_summary, name="summary-worker"),
    path("summary/templates/", summary_views.templates, name="summary-templates"),
    path(
        "summary/templates/default/",
        summary_views.default_template,
        name="summary-template-default",
    ),
    path("summary/templates/<int:pk>/", summary_views.template_file, name="summary-template-file"),
    path(
        "summary/templates/<int:pk>/retire/",
        summary_views.template_retire,
        name="summary-template-retire",
    ),
]

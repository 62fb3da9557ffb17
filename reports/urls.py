from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/<str:indicator_id>/", views.drill, name="drill"),
]

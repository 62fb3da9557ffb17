from django.urls import path

from cases import print_views, views

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="mine"),
    path("list/", views.case_list, name="case-list"),
    path("new/<slug:kind>/", views.case_create, name="case-create"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("<int:pk>/act/<slug:action>/", views.case_act, name="case-act"),
    path("files/<int:pk>/", views.event_file, name="event-file"),
    path("files/<int:pk>/preview/", views.event_file, {"preview": True}, name="event-file-preview"),
    path("<int:pk>/parties/", views.party_add, name="party-add"),
    path("parties/<int:pk>/remove/", views.party_remove, name="party-remove"),
    path("<int:pk>/surveys/", views.survey_add, name="survey-add"),
    path("surveys/<int:pk>/answers/", views.survey_answer, name="survey-answer"),
    path("<int:pk>/payments/", views.payment_add, name="payment-add"),
    path("screenings/", views.screening_list, name="screening-list"),
    path("<int:pk>/print/", print_views.case_print, name="case-print"),
]

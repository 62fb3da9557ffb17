from django.urls import path

from programs import voice_views

app_name = "programs"

urlpatterns = [
    # Campaigns and honours (programs/campaign_views.py)
]

urlpatterns += [
    # Assistance, donations and supplies (programs/aid_views.py)
]

urlpatterns += [
    # Residents' voice: opinions, deliberations, questionnaires (programs/voice_views.py)
    path("opinions/", voice_views.opinion_list, name="opinion-list"),
    path("opinions/new/", voice_views.opinion_create, name="opinion-create"),
    path("opinions/to-deliberation/", voice_views.opinion_bulk_settle, name="opinion-bulk-settle"),
    path("opinions/<int:pk>/", voice_views.opinion_detail, name="opinion-detail"),
    path("opinions/<int:pk>/settle/", voice_views.opinion_settle, name="opinion-settle"),
    path("deliberations/", voice_views.deliberation_list, name="deliberation-list"),
    path("deliberations/new/", voice_views.deliberation_create, name="deliberation-create"),
    path("deliberations/<int:pk>/", voice_views.deliberation_detail, name="deliberation-detail"),
    path("deliberations/<int:pk>/edit/", voice_views.deliberation_edit, name="deliberation-edit"),
    path("questionnaires/", voice_views.questionnaire_list, name="questionnaire-list"),
    path("questionnaires/new/", voice_views.questionnaire_create, name="questionnaire-create"),
    path("questionnaires/<int:pk>/", voice_views.questionnaire_detail, name="questionnaire-detail"),
    path(
        "questionnaires/<int:pk>/respond/",
        voice_views.questionnaire_respond,
        name="questionnaire-respond",
    ),
]

app_name = "programs"

urlpatterns = [
    # Campaigns and honours (programs/campaign_views.py)
]

urlpatterns += [
    # Assistance, donations and supplies (programs/aid_views.py)
]

urlpatterns += [
    # Residents' voice: opinions, deliberations, questionnaires (programs/voice_views.py)
]

from django.urls import path

from programs import campaign_views

app_name = "programs"

urlpatterns = [
    # Campaigns and honours (programs/campaign_views.py)
    path("campaigns/", campaign_views.campaign_list, name="campaign-list"),
    path("campaigns/new/", campaign_views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", campaign_views.campaign_edit, name="campaign-edit"),
    path(
        "campaigns/<int:pk>/eligible/", campaign_views.campaign_eligible, name="campaign-eligible"
    ),
    path("campaigns/<int:pk>/apply/", campaign_views.campaign_apply, name="campaign-apply"),
    path("campaigns/<int:pk>/screen/", campaign_views.campaign_screen, name="campaign-screen"),
    path(
        "campaigns/applications/<int:pk>/review/",
        campaign_views.application_review,
        name="application-review",
    ),
    path(
        "campaigns/applications/<int:pk>/shortlist/",
        campaign_views.application_shortlist,
        name="application-shortlist",
    ),
    path(
        "campaigns/applications/<int:pk>/award/",
        campaign_views.application_award,
        name="application-award",
    ),
    path("honours/", campaign_views.honour_list, name="honour-list"),
    path("honours/new/", campaign_views.honour_create, name="honour-create"),
    path("honours/<int:pk>/", campaign_views.honour_detail, name="honour-detail"),
    path("honours/<int:pk>/edit/", campaign_views.honour_edit, name="honour-edit"),
    path("honours/<int:pk>/scan/", campaign_views.honour_scan, name="honour-scan"),
    path(
        "honours/<int:pk>/scan/preview/",
        campaign_views.honour_scan,
        {"preview": True},
        name="honour-scan-preview",
    ),
]

urlpatterns += [
    # Assistance, donations and supplies (programs/aid_views.py)
]

urlpatterns += [
    # Residents' voice: opinions, deliberations, questionnaires (programs/voice_views.py)
]

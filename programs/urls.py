from django.urls import path

from programs import aid_views, campaign_views, correction_views, voice_views

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
    path("assistance/", aid_views.assistance_list, name="assistance-list"),
    path("assistance/new/", aid_views.assistance_create, name="assistance-create"),
    path("assistance/<int:pk>/", aid_views.assistance_detail, name="assistance-detail"),
    path("donations/", aid_views.drive_list, name="drive-list"),
    path("donations/new/", aid_views.drive_create, name="drive-create"),
    path("donations/<int:pk>/", aid_views.drive_detail, name="drive-detail"),
    path("donations/<int:pk>/in/", aid_views.donation_add, {"direction": "in"}, name="donation-in"),
    path(
        "donations/<int:pk>/out/", aid_views.donation_add, {"direction": "out"}, name="donation-out"
    ),
    path("supplies/", aid_views.stock_list, name="stock-list"),
    path("supplies/items/", aid_views.item_list, name="item-list"),
    path("supplies/moves/", aid_views.move_list, name="move-list"),
    path("supplies/receive/", aid_views.supply_receive, name="supply-receive"),
    path("supplies/issue/", aid_views.supply_issue, name="supply-issue"),
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

urlpatterns += [
    # Voids, corrections and withdrawals (programs/correction_views.py)
    path("assistance/<int:pk>/void/", correction_views.assistance_void, name="assistance-void"),
    path(
        "assistance/<int:pk>/correct/",
        correction_views.assistance_correct,
        name="assistance-correct",
    ),
    path("donations/entries/<int:pk>/void/", correction_views.donation_void, name="donation-void"),
    path(
        "donations/entries/<int:pk>/correct/",
        correction_views.donation_correct,
        name="donation-correct",
    ),
    path("supplies/moves/<int:pk>/void/", correction_views.move_void, name="move-void"),
    path("supplies/moves/<int:pk>/correct/", correction_views.move_correct, name="move-correct"),
    path(
        "campaigns/applications/<int:pk>/withdraw/",
        correction_views.application_withdraw,
        name="application-withdraw",
    ),
]

from django.urls import path

from programs import aid_views

app_name = "programs"

urlpatterns = [
    # Campaigns and honours (programs/campaign_views.py)
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
]

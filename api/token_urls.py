from django.urls import path

from api import token_views

app_name = "api-tokens"

urlpatterns = [
    path("", token_views.token_list, name="token-list"),
    path("manage/", token_views.token_manage, name="token-manage"),
]

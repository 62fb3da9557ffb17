"""A page residents open without an account: signing in to an activity."""

from django.urls import path

from ledger import views

app_name = "signin"

urlpatterns = [path("", views.signin_public, name="form")]

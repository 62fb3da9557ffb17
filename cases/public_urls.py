"""居民自助报事: residents file, follow and rate their own requests without an account."""

from django.urls import path

from cases import public_views

app_name = "request"

urlpatterns = [
    path("", public_views.public_file, name="file"),
    path("track/", public_views.public_track, name="track"),
    path("rate/", public_views.public_rate, name="rate"),
]

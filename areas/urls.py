from django.urls import path

from areas import registry_views, views

app_name = "areas"
urlpatterns = [
    path("", views.home, name="home"),
    path("places/", views.place_list, name="place-list"),
    path("places/switch/", views.place_switch, name="place-switch"),
    path("places/new-district/", views.district_create, name="district-create"),
    path("places/<int:pk>/", views.place_detail, name="place-detail"),
    path("places/<int:pk>/add/", views.place_add_child, name="place-add-child"),
    path("places/<int:pk>/edit/", views.place_edit, name="place-edit"),
    path("places/<int:pk>/move/", views.place_move, name="place-move"),
    path("places/<int:pk>/retire/", views.place_retire, name="place-retire"),
    path("dwellings/", registry_views.dwelling_list, name="dwelling-list"),
    path("dwellings/new/", registry_views.dwelling_create, name="dwelling-create"),
    path("dwellings/<int:pk>/", registry_views.dwelling_edit, name="dwelling-edit"),
    path("units/", registry_views.unit_list, name="unit-list"),
    path("units/new/", registry_views.unit_create, name="unit-create"),
    path("units/<int:pk>/", registry_views.unit_edit, name="unit-edit"),
]

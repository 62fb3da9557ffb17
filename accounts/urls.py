from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("second-factor/", views.second_factor_view, name="second-factor"),
    path("second-factor/setup/", views.totp_setup, name="totp-setup"),
    path("second-factor/disable/", views.totp_disable, name="totp-disable"),
    path("security/", views.security_policy, name="security-policy"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/password/", views.user_password, name="user-password"),
    path("users/<int:pk>/active/", views.user_active, name="user-active"),
    path("users/<int:pk>/second-factor/reset/", views.user_totp_reset, name="user-totp-reset"),
]

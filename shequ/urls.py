from django.urls import include, path

urlpatterns = [
    path("", include("areas.urls")),
    path("accounts/tokens/", include("api.token_urls")),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("api.urls")),
    path("audit/", include("audit.urls")),
    path("people/", include("people.urls")),
    path("records/", include("ledger.urls")),
    path("cases/", include("cases.urls")),
    path("inspections/", include("inspections.urls")),
    path("programs/", include("programs.urls")),
    path("statistics/", include("reports.urls")),
    path("signin/", include("ledger.signin_urls")),
    path("request/", include("cases.public_urls")),
]

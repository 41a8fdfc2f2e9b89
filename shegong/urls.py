from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("shegong.core.urls")),
    path("accounts/", include("shegong.accounts.urls")),
    path("regions/", include("shegong.regions.urls")),
    path("stations/", include("shegong.stations.urls")),
    path("policies/", include("shegong.policies.urls")),
    path("workforce/", include("shegong.workforce.urls")),
    path("contracts/", include("shegong.contracts.urls")),
    path("recipients/", include("shegong.recipients.urls")),
    path("casework/", include("shegong.casework.urls")),
    path("reports/", include("shegong.reports.urls")),
    path("monitoring/", include("shegong.monitoring.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("shegong.api_urls")),
]

handler404 = "shegong.core.views.not_found"

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from shegong.accounts.api import MeView, UserViewSet
from shegong.casework.api import register as register_casework
from shegong.contracts.api import register as register_contracts
from shegong.core.api.views import AuditEntryViewSet
from shegong.monitoring.api import register as register_monitoring
from shegong.recipients.api import register as register_recipients
from shegong.regions.api import RegionViewSet
from shegong.reports.api import register as register_reports
from shegong.stations.api import register as register_stations
from shegong.workforce.api import register as register_workforce

router = DefaultRouter()
router.include_root_view = False
router.register("regions", RegionViewSet, basename="region")
router.register("users", UserViewSet, basename="user")
router.register("audit", AuditEntryViewSet, basename="audit")
register_stations(router)
register_workforce(router)
register_contracts(router)
register_recipients(router)
register_casework(router)
register_reports(router)
register_monitoring(router)

urlpatterns = [
    path("v1/", include(([*router.urls, path("me/", MeView.as_view(), name="me")], "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

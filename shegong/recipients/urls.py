from .views_imports import urlpatterns as import_urls
from .views_needs import urlpatterns as needs_urls
from .views_registry import urlpatterns as registry_urls

app_name = "recipients"

urlpatterns = [*registry_urls, *import_urls, *needs_urls]

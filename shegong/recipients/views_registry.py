"""Pages of the recipients app: registry."""

urlpatterns = []

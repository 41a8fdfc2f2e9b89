"""Pages of the recipients app: needs."""

urlpatterns = []

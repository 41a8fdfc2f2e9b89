"""Pages of the recipients app: imports."""

urlpatterns = []

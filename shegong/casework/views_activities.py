"""activities pages."""

urlpatterns: list = []

"""cases pages."""

urlpatterns: list = []

"""catalogue pages."""

urlpatterns: list = []

"""groups pages."""

urlpatterns: list = []

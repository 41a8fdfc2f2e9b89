"""attachments pages."""

urlpatterns: list = []

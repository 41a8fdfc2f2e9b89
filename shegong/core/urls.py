from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list_view, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
]

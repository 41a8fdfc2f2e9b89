from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.in_force, name="in_force"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile_detail"),
]

from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:code>/", views.browse, name="detail"),
]

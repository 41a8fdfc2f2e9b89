from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.station_list, name="station_list"),
    path("new/", views.station_create, name="station_create"),
    path("coverage/", views.coverage, name="coverage"),
    path("<int:pk>/", views.station_detail, name="station_detail"),
    path("<int:pk>/edit/", views.station_edit, name="station_edit"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/file/", views.evidence_file, name="evidence_file"),
    path("operators/", views.operator_list, name="operator_list"),
    path("operators/new/", views.operator_create, name="operator_create"),
    path("operators/<int:pk>/", views.operator_detail, name="operator_detail"),
]

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/", views.report_create, name="report_create"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("<int:pk>/return/", views.report_return, name="report_return"),
    path("<int:pk>/approve/", views.report_approve, name="report_approve"),
    path("<int:pk>/correct/", views.report_correct, name="report_correct"),
    path("<int:pk>/refresh/", views.report_refresh, name="report_refresh"),
    path("<int:pk>/report.xlsx", views.report_file, {"fmt": "xlsx"}, name="report_xlsx"),
    path("<int:pk>/report.docx", views.report_file, {"fmt": "docx"}, name="report_docx"),
    path("<int:pk>/report.pdf", views.report_file, {"fmt": "pdf"}, name="report_pdf"),
]

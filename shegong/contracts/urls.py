from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/targets/", views.contract_targets, name="contract_targets"),
    path("<int:pk>/instalments/", views.instalment_add, name="instalment_add"),
    path("<int:pk>/payments/", views.payment_add, name="payment_add"),
    path("<int:pk>/renewal/", views.renewal_decide, name="renewal_decide"),
]

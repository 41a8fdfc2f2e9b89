from django.urls import path, re_path

from . import views_dashboard, views_todo

app_name = "monitoring"
urlpatterns = [
    path("", views_dashboard.home, name="home"),
    path("contracts/<int:pk>/", views_dashboard.contract, name="contract"),
    re_path(r"^(?P<code>\d{2,12})/$", views_dashboard.dashboard, name="dashboard"),
    path("todo/", views_todo.todo, name="todo"),
    path("todo/summary/", views_todo.todo_summary, name="todo_summary"),
]

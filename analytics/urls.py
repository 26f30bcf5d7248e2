from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard-cards/", views.dashboard_cards, name="cards"),
    path("running/", views.running, name="running"),
]

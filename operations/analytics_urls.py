from django.urls import path

from operations import analytics_views

app_name = "analytics"

urlpatterns = [
    path("", analytics_views.index, name="index"),
    path("dashboard-cards/", analytics_views.dashboard_cards, name="cards"),
    path("running/", analytics_views.running, name="running"),
]

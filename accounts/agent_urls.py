from django.urls import path

from accounts import agent_views

app_name = "agents"

urlpatterns = [
    path("", agent_views.agent_list, name="list"),
    path("<int:pk>/capacity/", agent_views.agent_update, name="update"),
    path("leads/<int:pk>/assignments/", agent_views.lead_assignments, name="lead-assignments"),
    path("tickets/<int:pk>/assignments/", agent_views.ticket_assignments, name="ticket-assignments"),
]

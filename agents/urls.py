from django.urls import path

from agents import views

app_name = "agents"

urlpatterns = [
    path("", views.agent_list, name="list"),
    path("<int:pk>/capacity/", views.agent_update, name="update"),
    path("leads/<int:pk>/assignments/", views.assignment_trail, {"kind": "leads"}, name="lead-assignments"),
    path("tickets/<int:pk>/assignments/", views.assignment_trail, {"kind": "tickets"}, name="ticket-assignments"),
]

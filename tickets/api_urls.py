from config.api import api_path
from tickets.api import TicketDetailApi, TicketListCreateApi

urlpatterns = [
    *api_path("tickets", TicketListCreateApi, name="api-ticket-list"),
    *api_path("tickets/<int:pk>", TicketDetailApi, name="api-ticket-detail"),
]

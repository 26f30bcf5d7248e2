from tickets.api import TicketDetailApi, TicketListCreateApi
from web.api import api_path

urlpatterns = [
    *api_path("tickets", TicketListCreateApi, name="api-ticket-list"),
    *api_path("tickets/<int:pk>", TicketDetailApi, name="api-ticket-detail"),
]

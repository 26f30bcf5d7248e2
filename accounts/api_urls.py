from accounts.api import AgentCapacityApi, AgentDetailApi, AgentListApi, LocationListApi, MeApi
from web.api import api_path

urlpatterns = [
    *api_path("me", MeApi, name="api-me"),
    *api_path("locations", LocationListApi, name="api-location-list"),
    *api_path("agents", AgentListApi, name="api-agent-list"),
    *api_path("agents/<int:pk>", AgentDetailApi, name="api-agent-detail"),
    *api_path("agents/<int:pk>/capacity", AgentCapacityApi, name="api-agent-capacity"),
]

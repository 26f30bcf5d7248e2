from agents.api import AgentCapacityApi, AgentDetailApi, AgentListApi
from web.api import api_path

urlpatterns = [
    *api_path("agents", AgentListApi, name="api-agent-list"),
    *api_path("agents/<int:pk>", AgentDetailApi, name="api-agent-detail"),
    *api_path("agents/<int:pk>/capacity", AgentCapacityApi, name="api-agent-capacity"),
]

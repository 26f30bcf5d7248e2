from leads.api import LeadDetailApi, LeadListCreateApi, TagDetailApi, TagListCreateApi
from web.api import api_path

urlpatterns = [
    *api_path("leads", LeadListCreateApi, name="api-lead-list"),
    *api_path("leads/<int:pk>", LeadDetailApi, name="api-lead-detail"),
    *api_path("tags", TagListCreateApi, name="api-tag-list"),
    *api_path("tags/<int:pk>", TagDetailApi, name="api-tag-detail"),
]

from leads.bulk_api import (
    LeadBulkUpdateApi,
    MessageTemplateDetailApi,
    MessageTemplateListApi,
    MessageTemplatePreviewApi,
)
from web.api import api_path

urlpatterns = [
    *api_path("leads/bulk-update", LeadBulkUpdateApi, name="api-lead-bulk-update"),
    *api_path("message-templates", MessageTemplateListApi, name="api-message-template-list"),
    *api_path("message-templates/<int:pk>", MessageTemplateDetailApi, name="api-message-template-detail"),
    *api_path("message-templates/<int:pk>/preview", MessageTemplatePreviewApi, name="api-message-template-preview"),
]

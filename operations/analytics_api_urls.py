from config.api import api_path
from operations import analytics_api

urlpatterns = [
    *api_path("bulk-operations/analytics", analytics_api.BulkOperationAnalyticsApi, name="api-bulk-analytics"),
]

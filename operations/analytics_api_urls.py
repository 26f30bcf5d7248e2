from operations import analytics_api
from web.api import api_path

urlpatterns = [
    *api_path("bulk-operations/analytics", analytics_api.BulkOperationAnalyticsApi, name="api-bulk-analytics"),
]

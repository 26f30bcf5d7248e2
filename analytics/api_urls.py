from analytics.api import BulkOperationAnalyticsApi
from web.api import api_path

urlpatterns = [
    *api_path("bulk-operations/analytics", BulkOperationAnalyticsApi, name="api-bulk-analytics"),
]

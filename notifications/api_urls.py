from notifications import api
from web.api import api_path

urlpatterns = [
    *api_path("notifications", api.NotificationsApi, name="api-notifications"),
    *api_path("notifications/read-all", api.NotificationsReadAllApi, name="api-notifications-read-all"),
    *api_path("notifications/<int:notification_id>/read", api.NotificationReadApi, name="api-notification-read"),
]

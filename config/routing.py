from django.urls import path

from notifications.consumers import NotificationConsumer
from operations.consumers import BulkOperationConsumer

websocket_urlpatterns = [
    path("ws/bulk-operations/<str:operation_id>/", BulkOperationConsumer.as_asgi()),
    path("ws/bulk-operations/<str:operation_id>", BulkOperationConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]

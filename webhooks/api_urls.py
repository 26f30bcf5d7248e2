from web.api import api_path
from webhooks import api

urlpatterns = [
    *api_path("webhooks", api.WebhooksApi, name="api-webhooks"),
    *api_path("webhooks/<int:webhook_id>", api.WebhookDetailApi, name="api-webhook-detail"),
    *api_path("webhooks/<int:webhook_id>/deliveries", api.WebhookDeliveriesApi, name="api-webhook-deliveries"),
    *api_path(
        "webhooks/<int:webhook_id>/deliveries/<uuid:delivery_id>",
        api.WebhookDeliveryDetailApi,
        name="api-webhook-delivery",
    ),
    *api_path(
        "webhooks/<int:webhook_id>/deliveries/<uuid:delivery_id>/redeliver",
        api.WebhookRedeliverApi,
        name="api-webhook-redeliver",
    ),
]

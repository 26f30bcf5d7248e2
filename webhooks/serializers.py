"""API input and output of webhooks and their deliveries."""

from rest_framework import serializers

from accounts.serializers import LocationField
from webhooks import services
from webhooks.models import DeliveryStatus, Event, Webhook, WebhookDelivery


class WebhookInput(serializers.Serializer):
    location = LocationField(required=False)
    url = serializers.CharField(
        max_length=2000,
        help_text="http(s) URL that receives a signed POST per event. Private, loopback and link-local "
        "destinations are refused unless the server allows them (WEBHOOKS_ALLOW_PRIVATE_NETWORKS).",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices), allow_empty=False, max_length=len(Event.values)
    )
    is_active = serializers.BooleanField(required=False, default=True)

    def validate_url(self, value: str) -> str:
        return services.validate_url(value.strip())

    def validate_events(self, value: list[str]) -> list[str]:
        return services.validate_events(value)


class WebhookUpdateInput(WebhookInput):
    """Update: the location of a webhook does not change (create another one)."""

    location = None
    is_active = serializers.BooleanField(required=False)


class WebhookOutput(serializers.ModelSerializer):
    location = serializers.IntegerField(source="location_id")
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = Webhook
        fields = ["id", "location", "url", "events", "is_active", "created_by", "created_at", "updated_at"]


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(
        help_text="The signing secret, shown in this answer only: store it to verify X-Signature."
    )

    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]


class DeliveryOutput(serializers.ModelSerializer):
    webhook = serializers.IntegerField(source="webhook_id")
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook",
            "event",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "next_attempt_at",
            "last_attempt_at",
            "created_at",
            "updated_at",
            "redelivery_of",
            "payload",
        ]


class DeliveryQueryInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)

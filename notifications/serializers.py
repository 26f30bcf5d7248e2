"""API input and output of notifications."""

from rest_framework import serializers

from notifications.models import Notification


class NotificationQueryInput(serializers.Serializer):
    unread = serializers.BooleanField(required=False, help_text="true: only the unread ones.")


class NotificationOutput(serializers.ModelSerializer):
    location = serializers.IntegerField(source="location_id")
    operation_id = serializers.UUIDField()
    is_read = serializers.BooleanField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "operation_id", "location", "created_at", "read_at", "is_read"]


class ReadAllOutput(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications this marked read.")
    unread = serializers.IntegerField(help_text="Unread notifications left (0).")

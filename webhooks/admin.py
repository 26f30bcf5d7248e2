"""Admin for webhooks (url, events, active; never the secret) and their deliveries (read-only)."""

from django import forms
from django.contrib import admin

from accounts.admin import TenantScopedAdmin
from accounts.policy import Action
from webhooks import services
from webhooks.models import Webhook, WebhookDelivery


class WebhookAdminForm(forms.ModelForm):
    """The same checks as the pages and the API: the SSRF guard on the URL, known events."""

    url = forms.CharField(label="URL", max_length=2000)

    class Meta:
        model = Webhook
        fields = ["url", "events", "is_active"]

    def clean_url(self) -> str:
        return services.validate_url(self.cleaned_data["url"].strip())

    def clean_events(self) -> list[str]:
        return services.validate_events(self.cleaned_data["events"])


@admin.register(Webhook)
class WebhookAdmin(TenantScopedAdmin):
    form = WebhookAdminForm
    list_display = ["id", "url", "location", "is_active", "created_by", "created_at"]
    list_filter = ["is_active", "location"]
    search_fields = ["url"]
    list_select_related = ["location", "created_by"]
    fields = ["location", "url", "events", "is_active", "created_by", "created_at", "updated_at"]
    readonly_fields = ["location", "created_by", "created_at", "updated_at"]
    policy_actions = {"change": Action.WEBHOOK_MANAGE, "delete": Action.WEBHOOK_MANAGE}

    def has_add_permission(self, request):
        return False  # created through the pages or the API, which generate and show the secret


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantScopedAdmin):
    location_path = "webhook__location"
    list_display = ["id", "event", "webhook", "status", "attempts", "response_code", "next_attempt_at", "created_at"]
    list_filter = ["status", "event"]
    search_fields = ["=id", "webhook__url"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "webhook",
        "event",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "next_attempt_at",
        "last_attempt_at",
        "redelivery_of",
        "payload",
        "created_at",
        "updated_at",
    ]
    policy_actions = {"delete": Action.WEBHOOK_MANAGE}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

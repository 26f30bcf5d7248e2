from django.contrib import admin

from campaigns.models import Call, CallEvent, Campaign, CampaignContact


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "location",
        "state",
        "total_contacts",
        "completed_contacts",
        "failed_contacts",
        "created_at",
    ]
    list_filter = ["state", "location"]
    search_fields = ["name"]
    readonly_fields = ["settings_snapshot", "import_errors", "created_at", "updated_at", "started_at", "completed_at"]
    raw_id_fields = ["agent", "created_by"]


@admin.register(CampaignContact)
class CampaignContactAdmin(admin.ModelAdmin):
    list_display = ["phone", "name", "campaign", "status", "outcome", "attempts", "next_attempt_at", "locked_until"]
    list_filter = ["status", "outcome"]
    search_fields = ["phone", "name"]
    raw_id_fields = ["campaign", "current_call"]


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    readonly_fields = ["status", "payload", "received_at"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["id", "call_sid", "campaign", "contact", "attempt", "status", "duration_seconds", "created_at"]
    list_filter = ["status", "backend"]
    search_fields = ["call_sid", "contact__phone"]
    raw_id_fields = ["campaign", "contact"]
    inlines = [CallEventInline]

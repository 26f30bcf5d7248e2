"""Admin for call campaigns, their contacts and calls: scoped to the staff member's locations.

A campaign's state is changed by its start / pause / resume actions (pages and API), never by hand here.
"""

from django.contrib import admin

from accounts.admin import TenantScopedAdmin, TenantScopedTabularInline
from accounts.policy import Action
from campaigns.models import Call, CallEvent, CallingSettings, Campaign, CampaignContact, DoNotCallEntry

EDITS_OF_A_CAMPAIGN = {"add": Action.CAMPAIGN_EDIT, "change": Action.CAMPAIGN_EDIT, "delete": Action.CAMPAIGN_EDIT}


@admin.register(Campaign)
class CampaignAdmin(TenantScopedAdmin):
    policy_actions = {"add": Action.CAMPAIGN_CREATE, "change": Action.CAMPAIGN_EDIT, "delete": Action.CAMPAIGN_DELETE}
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
    readonly_fields = [
        "state",
        "settings_snapshot",
        "import_errors",
        "created_at",
        "updated_at",
        "started_at",
        "completed_at",
    ]
    raw_id_fields = ["agent", "created_by"]


@admin.register(CampaignContact)
class CampaignContactAdmin(TenantScopedAdmin):
    location_path = "campaign__location"
    policy_actions = EDITS_OF_A_CAMPAIGN
    list_display = ["phone", "name", "campaign", "status", "outcome", "attempts", "next_attempt_at", "locked_until"]
    list_filter = ["status", "outcome"]
    search_fields = ["phone", "name"]
    raw_id_fields = ["campaign", "current_call", "lead"]


class CallEventInline(TenantScopedTabularInline):
    location_path = "call__campaign__location"
    model = CallEvent
    extra = 0
    readonly_fields = ["status", "payload", "received_at"]


@admin.register(Call)
class CallAdmin(TenantScopedAdmin):
    location_path = "campaign__location"
    policy_actions = EDITS_OF_A_CAMPAIGN
    list_display = ["id", "call_sid", "campaign", "contact", "attempt", "status", "duration_seconds", "created_at"]
    list_filter = ["status", "backend"]
    search_fields = ["call_sid", "contact__phone"]
    raw_id_fields = ["campaign", "contact"]
    inlines = [CallEventInline]


@admin.register(DoNotCallEntry)
class DoNotCallEntryAdmin(TenantScopedAdmin):
    """Numbers are normalised to E.164 by the model's clean(), as on the page and in the API."""

    policy_actions = {
        "add": Action.DO_NOT_CALL_EDIT,
        "change": Action.DO_NOT_CALL_EDIT,
        "delete": Action.DO_NOT_CALL_EDIT,
    }
    list_display = ["phone", "location", "reason", "added_by", "created_at"]
    list_filter = ["location"]
    search_fields = ["phone", "reason"]
    raw_id_fields = ["added_by"]

    def save_model(self, request, obj, form, change):
        if not change and obj.added_by_id is None:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CallingSettings)
class CallingSettingsAdmin(TenantScopedAdmin):
    policy_actions = EDITS_OF_A_CAMPAIGN
    list_display = ["location", "window_start", "window_end", "default_region", "updated_at"]

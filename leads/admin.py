"""Admin for leads, tags and the lead history (stage changes, assignments), which is read-only."""

from django import forms
from django.contrib import admin

from accounts.admin import (
    EstimatedCountPaginator,
    HistoryAdminMixin,
    TenantScopedAdmin,
    TenantScopedTabularInline,
    edits,
)
from accounts.policy import Action
from leads.import_models import LeadImport, LeadImportRow
from leads.models import (
    ConsentChange,
    InboundSMS,
    Lead,
    LeadAssignment,
    LeadCall,
    Message,
    MessageTemplate,
    ScoringConfig,
    SenderPace,
    StageChange,
    Tag,
)


@admin.register(Tag)
class TagAdmin(TenantScopedAdmin):
    policy_actions = edits(Action.TAG_EDIT)
    list_display = ["name", "color", "location", "created_at"]
    list_filter = ["location"]
    search_fields = ["name"]
    autocomplete_fields = ["location"]
    list_select_related = ["location"]
    readonly_fields = ["created_at"]


class StageChangeInline(HistoryAdminMixin, TenantScopedTabularInline):
    model = StageChange
    location_path = "lead__location"
    fields = ["changed_at", "from_stage", "to_stage", "reason", "changed_by", "operation"]
    readonly_fields = fields
    extra = 0


class LeadAssignmentInline(HistoryAdminMixin, TenantScopedTabularInline):
    model = LeadAssignment
    location_path = "lead__location"
    fields = ["assigned_at", "from_agent", "to_agent", "strategy", "reason", "assigned_by", "operation"]
    readonly_fields = fields
    extra = 0


class LeadAdminForm(forms.ModelForm):
    class Meta:  # the admin names the model and its fields
        help_texts = {
            "owner": "Changed only by the assignment service, which checks capacity and availability and "
            "keeps the audit trail: POST /api/v1/leads/{id}/assign (or /reassign), or the Assign action "
            "of the leads list.",
        }


@admin.register(Lead)
class LeadAdmin(TenantScopedAdmin):
    form = LeadAdminForm
    list_display = [
        "full_name",
        "email",
        "phone",
        "location",
        "stage",
        "score",
        "classification",
        "owner",
        "team",
        "created_at",
    ]
    list_filter = ["stage", "classification", "timeline", "do_not_contact", "location"]
    search_fields = ["first_name", "last_name", "=email", "=phone"]
    autocomplete_fields = ["location", "team", "tags"]
    raw_id_fields = ["last_operation"]
    list_select_related = ["location", "owner__user", "team"]
    readonly_fields = ["owner", "created_at", "updated_at", "last_operation"]
    inlines = [StageChangeInline, LeadAssignmentInline]
    # A million leads: no COUNT(*) of the whole table, and an index-friendly default order.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ["-id"]
    fieldsets = [
        (None, {"fields": ["location", ("first_name", "last_name"), ("email", "phone")]}),
        (
            "Qualification",
            {"fields": [("stage", "timeline"), ("score", "classification"), ("budget", "area", "source"), "notes"]},
        ),
        ("Ownership", {"fields": [("owner", "team"), "tags", "do_not_contact", "last_contacted_at"]}),
        ("Record", {"fields": ["last_operation", ("created_at", "updated_at")]}),
    ]


@admin.register(LeadImport)
class LeadImportAdmin(HistoryAdminMixin, TenantScopedAdmin):
    """Imports are made by the import page and API (leads/importing.py); here they are read."""

    list_display = ["file_name", "location", "status", "total_rows", "created", "updated", "skipped", "failed"]
    list_filter = ["status", "location"]
    search_fields = ["file_name"]
    list_select_related = ["location", "created_by", "operation"]
    exclude = ["file"]
    date_hierarchy = "created_at"


@admin.register(LeadImportRow)
class LeadImportRowAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "lead_import__location"
    list_display = ["lead_import", "row_number", "lead", "duplicate_of"]
    search_fields = ["=lead_import__id"]
    list_select_related = ["lead_import", "lead"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(StageChange)
class StageChangeAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "lead__location"
    list_display = ["lead", "from_stage", "to_stage", "changed_by", "operation", "changed_at"]
    list_filter = ["to_stage", "from_stage"]
    search_fields = ["=lead__id", "lead__last_name", "reason"]
    list_select_related = ["lead", "changed_by", "operation"]
    date_hierarchy = "changed_at"
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(LeadAssignment)
class LeadAssignmentAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "lead__location"
    list_display = ["lead", "from_agent", "to_agent", "strategy", "assigned_by", "assigned_at"]
    list_filter = ["strategy"]
    search_fields = ["=lead__id", "lead__last_name", "reason"]
    list_select_related = ["lead", "from_agent__user", "to_agent__user", "assigned_by"]
    date_hierarchy = "assigned_at"
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(LeadCall)
class LeadCallAdmin(HistoryAdminMixin, TenantScopedAdmin):
    """Campaign calls as their outcomes reached the lead (written by the dialer, never by hand)."""

    location_path = "lead__location"
    list_display = ["lead", "campaign_name", "outcome", "duration_seconds", "called_at"]
    list_filter = ["outcome"]
    search_fields = ["=lead__id", "lead__last_name", "campaign_name"]
    list_select_related = ["lead"]
    date_hierarchy = "called_at"


@admin.register(ConsentChange)
class ConsentChangeAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "lead__location"
    list_display = ["lead", "do_not_contact", "reason", "inbound", "changed_at"]
    list_filter = ["do_not_contact"]
    search_fields = ["=lead__id", "lead__last_name", "reason"]
    list_select_related = ["lead", "inbound"]
    date_hierarchy = "changed_at"


@admin.register(InboundSMS)
class InboundSMSAdmin(HistoryAdminMixin, TenantScopedAdmin):
    """Replies to the one sender number: they belong to no single company, so superusers only."""

    location_path = None
    list_display = ["received_at", "from_number", "to_number", "keyword"]
    list_filter = ["keyword"]
    search_fields = ["=from_number", "=message_sid"]
    date_hierarchy = "received_at"


@admin.register(SenderPace)
class SenderPaceAdmin(HistoryAdminMixin, TenantScopedAdmin):
    """Each sending number's next SMS slot (the sending rate): the site's numbers, superusers only."""

    location_path = None
    list_display = ["sender", "next_slot_at"]
    search_fields = ["=sender"]


# --- Bulk lead operations: message templates, messages, scoring (added with the lead operation types) ---


class MessageTemplateAdminForm(forms.ModelForm):
    """An unknown or unsafe placeholder is a form error, as on the template pages."""

    class Meta:
        model = MessageTemplate
        fields = ["location", "name", "category", "subject", "body"]

    def _placeholders(self, name):
        from leads import messaging

        value = self.cleaned_data.get(name, "")
        try:
            messaging.validate(value)
        except messaging.TemplateError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def clean_body(self):
        return self._placeholders("body")

    def clean_subject(self):
        return self._placeholders("subject")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(TenantScopedAdmin):
    policy_actions = edits(Action.TEMPLATE_EDIT)
    form = MessageTemplateAdminForm
    list_display = ["name", "category", "location", "usage_count", "last_used_at", "updated_at"]
    list_filter = ["category"]
    search_fields = ["name", "body"]
    readonly_fields = ["usage_count", "last_used_at", "created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Message)
class MessageAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "lead__location"
    list_display = ["lead", "channel", "to", "status", "provider_id", "operation", "created_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["=lead__id", "to", "provider_id"]
    list_select_related = ["lead", "operation"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(ScoringConfig)
class ScoringConfigAdmin(TenantScopedAdmin):
    policy_actions = edits(Action.SCORING_EDIT)
    list_display = ["location", "hot_threshold", "warm_threshold", "budget_for_full_points"]

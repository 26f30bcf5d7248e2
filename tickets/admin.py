"""Admin for tickets, their comments and assignment history.

A comment's author is set from the request, never edited; the assignment trail is read-only.
"""

from django import forms
from django.contrib import admin

from accounts.admin import (
    EstimatedCountPaginator,
    HistoryAdminMixin,
    TenantScopedAdmin,
    TenantScopedStackedInline,
    TenantScopedTabularInline,
)
from tickets.models import Comment, Ticket, TicketAssignment


class CommentInline(TenantScopedStackedInline):
    model = Comment
    location_path = "ticket__location"
    fields = ["body", "is_internal", "author", "operation", "created_at"]
    readonly_fields = ["author", "operation", "created_at"]
    extra = 0


class TicketAssignmentInline(HistoryAdminMixin, TenantScopedTabularInline):
    model = TicketAssignment
    location_path = "ticket__location"
    fields = ["assigned_at", "from_agent", "to_agent", "strategy", "reason", "assigned_by", "operation"]
    readonly_fields = fields
    extra = 0


class TicketAdminForm(forms.ModelForm):
    class Meta:  # the admin names the model and its fields
        help_texts = {
            "assignee": "Changed only by the assignment service, which checks capacity and availability and "
            "keeps the audit trail: the Assign action of the tickets list, or POST "
            '/api/v1/tickets/bulk-operations with operation_type "assign".',
        }


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    form = TicketAdminForm
    list_display = [
        "number",
        "subject",
        "location",
        "status",
        "priority",
        "category",
        "assignee",
        "is_deleted",
        "created_at",
    ]
    list_display_links = ["number", "subject"]
    list_filter = ["status", "priority", "category", "is_deleted", "location"]
    search_fields = ["=number", "subject", "requester_name", "requester_email"]
    autocomplete_fields = ["location"]
    raw_id_fields = ["last_operation"]
    list_select_related = ["location", "assignee__user"]
    readonly_fields = ["assignee", "deleted_at", "last_operation", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [CommentInline, TicketAssignmentInline]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def save_formset(self, request, form, formset, change):
        for comment in formset.save(commit=False):
            if comment.pk is None:
                comment.author = request.user
            comment.save()
        for comment in formset.deleted_objects:
            comment.delete()
        formset.save_m2m()


@admin.register(Comment)
class CommentAdmin(TenantScopedAdmin):
    location_path = "ticket__location"
    list_display = ["ticket", "author", "is_internal", "created_at"]
    list_filter = ["is_internal"]
    search_fields = ["body", "=ticket__number"]
    autocomplete_fields = ["ticket"]
    readonly_fields = ["author", "operation", "created_at"]
    list_select_related = ["ticket", "author"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(TicketAssignment)
class TicketAssignmentAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "ticket__location"
    list_display = ["ticket", "from_agent", "to_agent", "strategy", "assigned_by", "assigned_at"]
    list_filter = ["strategy"]
    search_fields = ["=ticket__number", "ticket__subject", "reason"]
    list_select_related = ["ticket", "from_agent__user", "to_agent__user", "assigned_by"]
    date_hierarchy = "assigned_at"
    show_full_result_count = False
    paginator = EstimatedCountPaginator

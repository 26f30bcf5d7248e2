"""Admin for bulk operations (view, counters, filters) and their items, both read-only.

Operations are created and run by the engine; the admin never edits them, so counters and
item outcomes always say what really happened. Finished operations may be deleted.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.admin import EstimatedCountPaginator, HistoryAdminMixin, TenantScopedAdmin
from operations import results
from operations.models import FINAL_STATUSES, BulkOperation, BulkOperationItem
from operations.registry import get_type


def _type_of(operation):
    try:
        return get_type(operation.target, operation.operation_type)
    except LookupError:
        return None


@admin.register(BulkOperation)
class BulkOperationAdmin(TenantScopedAdmin):
    list_display = [
        "id",
        "type_label",
        "target",
        "status",
        "location",
        "created_by",
        "total",
        "processed",
        "successful",
        "failed",
        "skipped",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "target", "operation_type", "location"]
    search_fields = ["=id", "operation_type", "created_by__username", "idempotency_key"]
    list_select_related = ["location", "created_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["id", "location", "created_by", "target", "operation_type", "status", "error_message"]}),
        ("Counters", {"fields": [("total", "processed"), ("successful", "failed", "skipped"), "items_link"]}),
        (
            "Timing",
            {"fields": ["created_at", "scheduled_for", "started_at", "heartbeat_at", "completed_at", "cancelled_at"]},
        ),
        (
            "Request",
            {
                "fields": [
                    "parameters_shown",
                    "parameters",
                    "selection",
                    "metadata",
                    "idempotency_key",
                    "request_fingerprint",
                ]
            },
        ),
        ("Related", {"fields": ["retry_of", "undo_of", "result_file"]}),
    ]
    readonly_fields = [
        field
        for fieldset in fieldsets
        for row in fieldset[1]["fields"]
        for field in (row if isinstance(row, tuple) else (row,))
    ]

    @admin.display(description="Type", ordering="operation_type")
    def type_label(self, operation):
        op_type = _type_of(operation)
        return op_type.label if op_type else operation.operation_type

    @admin.display(description="Parameters (as the type shows them)")
    def parameters_shown(self, operation):
        op_type = _type_of(operation)
        if op_type is None:
            return "—"
        rows = op_type.describe_parameters(operation.parameters, location=operation.location)
        return format_html_join(mark_safe("<br>"), "{}: {}", rows) or "—"

    @admin.display(description="Items")
    def items_link(self, operation):
        url = reverse("admin:operations_bulkoperationitem_changelist") + f"?operation__id__exact={operation.pk}"
        return format_html('<a href="{}">{} items</a>', url, operation.total)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status in FINAL_STATUSES)


@admin.register(BulkOperationItem)
class BulkOperationItemAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "operation__location"
    list_display = ["object_id", "operation", "status", "error_message", "processed_at"]
    list_filter = ["status"]
    search_fields = ["=object_id", "=operation__id"]
    list_select_related = ["operation"]
    readonly_fields = [
        "operation",
        "object_id",
        "record",
        "status",
        "what_changed",
        "error_message",
        "before",
        "processed_at",
    ]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ["-id"]

    @admin.display(description="Record")
    def record(self, item):
        return results.readable(item.operation, [item], notes=False)[0].label or "—"

    @admin.display(description="Change")
    def what_changed(self, item):
        return results.readable(item.operation, [item], notes=False)[0].change or "—"

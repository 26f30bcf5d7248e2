"""Admin for the analytics models: the time-saved assumptions (editable) and the error rollups."""

from django.contrib import admin

from accounts.admin import HistoryAdminMixin, TenantScopedAdmin
from analytics.models import ManualEffortEstimate, OperationErrorCount


@admin.register(ManualEffortEstimate)
class ManualEffortEstimateAdmin(TenantScopedAdmin):
    """The time-saved assumption: seconds one record of a type takes by hand, per location."""

    list_display = ["location", "target", "operation_type", "seconds_per_item"]
    list_filter = ["target", "location"]
    search_fields = ["operation_type", "location__name"]
    autocomplete_fields = ["location"]
    list_select_related = ["location"]


@admin.register(OperationErrorCount)
class OperationErrorCountAdmin(HistoryAdminMixin, TenantScopedAdmin):
    location_path = "operation__location"
    list_display = ["operation", "message", "count"]
    search_fields = ["=operation__id", "message"]
    list_select_related = ["operation"]
    readonly_fields = ["operation", "message", "count"]

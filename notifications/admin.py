"""Admin of notifications, scoped to the staff member's locations; read-only (the engine writes them)."""

from django.contrib import admin

from accounts.admin import TenantScopedAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(TenantScopedAdmin):
    list_display = ["id", "recipient", "kind", "text", "location", "created_at", "read_at"]
    list_filter = ["kind", "location"]
    search_fields = ["text", "recipient__username"]
    list_select_related = ["recipient", "location"]
    date_hierarchy = "created_at"
    readonly_fields = ["recipient", "location", "operation", "kind", "text", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

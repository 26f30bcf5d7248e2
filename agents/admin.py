from django.contrib import admin

from accounts.admin import HistoryAdminMixin, TenantScopedAdmin, edits
from accounts.policy import Action
from agents.models import Agent, RoundRobinPointer


@admin.register(Agent)
class AgentAdmin(TenantScopedAdmin):
    policy_actions = edits(Action.CAPACITY_CHANGE)
    list_display = ["display_name", "username", "location", "team", "max_capacity", "availability", "updated_at"]
    list_filter = ["availability", "location", "team"]
    list_editable = ["max_capacity", "availability"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "team__name"]
    autocomplete_fields = ["location", "user", "team"]
    list_select_related = ["user", "team", "location"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="Username", ordering="user__username")
    def username(self, agent):
        return agent.user.username


@admin.register(RoundRobinPointer)
class RoundRobinPointerAdmin(HistoryAdminMixin, TenantScopedAdmin):
    """Assignment state kept by the round-robin strategy: shown, never edited by hand."""

    list_display = ["location", "scope", "last_agent", "updated_at"]
    list_filter = ["location"]
    search_fields = ["scope"]
    list_select_related = ["location", "last_agent__user"]

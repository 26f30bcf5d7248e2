"""Admin for tenants, memberships, teams and agents, and the admin building blocks other apps reuse."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from accounts.models import Agent, Location, Membership, RoundRobinPointer, Team
from accounts.selectors import locations_for


class EstimatedCountPaginator(Paginator):
    """Skips COUNT(*) of an unfiltered big PostgreSQL table: the planner's row estimate is enough there."""

    exact_below = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] >= self.exact_below:
                return row[0]
        return super().count


class TenantScopedAdmin(admin.ModelAdmin):
    """Superusers see every tenant; other staff only the records of their own locations."""

    location_path = "location"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.location_path}__in": locations_for(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Location and not request.user.is_superuser:
            kwargs["queryset"] = locations_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HistoryAdminMixin:
    """History is written by the application only: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["location"]
    fk_name = "user"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserWithMembershipsAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, MembershipInline]


@admin.register(Location)
class LocationAdmin(TenantScopedAdmin):
    location_path = "pk"
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "location", "role", "created_at"]
    list_filter = ["role", "location"]
    search_fields = ["user__username", "user__email", "location__name"]
    autocomplete_fields = ["user", "location"]
    list_select_related = ["user", "location"]


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    list_display = ["name", "location"]
    list_filter = ["location"]
    search_fields = ["name", "location__name"]
    autocomplete_fields = ["location"]
    list_select_related = ["location"]


@admin.register(Agent)
class AgentAdmin(TenantScopedAdmin):
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

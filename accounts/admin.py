"""Admin for tenants, memberships and teams, and the admin building blocks other apps reuse."""

from collections.abc import Mapping

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property

from accounts import policy
from accounts.models import Location, Membership, Team
from accounts.policy import Action
from accounts.selectors import locations_for, memberships_of


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


def visible_rows(admin_site, model, request) -> QuerySet:
    """The rows of ``model`` the staff member may see: what its admin lists.

    A model with no admin is no tenant data (permissions, content types): all of it.
    """
    if not admin_site.is_registered(model):
        return model._default_manager.all()
    model_admin = admin_site.get_model_admin(model)
    if not isinstance(model_admin, TenantScoping) and not request.user.is_superuser:
        return model._default_manager.none()
    return model_admin.get_queryset(request)


def _crosses_many(model, path: str) -> bool:
    for name in path.split("__"):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        if field.one_to_many or field.many_to_many:
            return True
        model = field.related_model
    return False


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-object list filter offering only the related rows the staff member may see."""

    def field_choices(self, field, request, model_admin):
        if request.user.is_superuser:
            return super().field_choices(field, request, model_admin)
        visible = visible_rows(model_admin.admin_site, field.related_model, request)
        return field.get_choices(
            include_blank=False,
            limit_choices_to=Q(pk__in=visible.values("pk")),
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


def _scoped_list_filter(model, entry):
    if isinstance(entry, str) and get_fields_from_path(model, entry)[-1].is_relation:
        return (entry, ScopedRelatedFieldListFilter)
    return entry


class TenantScoping:
    """Scopes an admin or an inline to the staff member's locations; superusers see all.

    ``location_path`` is the lookup from the model to its ``Location`` ("location",
    "lead__location", "pk" for Location itself); ``None`` marks data of no tenant (groups, the
    task queue), which only superusers see. Querysets (changelist, change / delete / history
    pages, search, actions, autocomplete), related-object list filters and the choices of every
    foreign key and many-to-many field follow it; a related model's rows are limited by its own
    admin, so ``Lead.owner`` offers the agents the Agent admin would list.
    """

    location_path: str | None = "location"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if self.location_path is None:
            return queryset.none()
        lookup = {f"{self.location_path}__in": locations_for(request.user)}
        if _crosses_many(queryset.model, self.location_path):
            return queryset.filter(pk__in=queryset.model._base_manager.filter(**lookup).values("pk"))
        return queryset.filter(**lookup)

    def get_field_queryset(self, db, db_field, request):
        if request.user.is_superuser:
            return super().get_field_queryset(db, db_field, request)
        return visible_rows(self.admin_site, db_field.remote_field.model, request).using(db)

    def has_view_permission(self, request, obj=None):
        return (self.location_path is not None or request.user.is_superuser) and super().has_view_permission(
            request, obj
        )

    def has_module_permission(self, request):
        return (self.location_path is not None or request.user.is_superuser) and super().has_module_permission(request)

    def location_of(self, obj) -> Location | None:
        if self.location_path == "pk":
            return obj
        for name in self.location_path.split("__"):
            obj = getattr(obj, name, None)
        return obj


class TenantScopedAdmin(TenantScoping, admin.ModelAdmin):
    """The base of every registered admin (see ``TenantScoping``).

    ``policy_actions`` maps Django's "add", "change" and "delete" to the action of
    ``accounts.policy`` they need in the object's location: a staff member whose role there
    does not allow it may look but not add, edit (list_editable included) or delete.
    """

    policy_actions: Mapping[str, Action] = {}

    def get_list_filter(self, request):
        return [_scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]

    def policy_allows(self, request, kind: str, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if self.location_path is None:
            return False
        action = self.policy_actions.get(kind)
        if action is None:
            return True
        if obj is None:
            return any(policy.allows(request.user, action, m.location) for m in memberships_of(request.user))
        return policy.allows(request.user, action, self.location_of(obj))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self.policy_allows(request, "add")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.policy_allows(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.policy_allows(request, "delete", obj)

    def save_model(self, request, obj, form, change):
        self._require_policy(request, "change" if change else "add", obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """An inline row needs what its own model's admin needs (a membership: ``MEMBERSHIP_EDIT``)."""
        for formset in formsets:
            if not self.admin_site.is_registered(formset.model):
                continue
            row_admin = self.admin_site.get_model_admin(formset.model)
            if not isinstance(row_admin, TenantScopedAdmin):
                continue
            for inline_form in formset.forms:
                if inline_form in formset.deleted_forms:
                    row_admin._require_policy(request, "delete", inline_form.instance)
                elif inline_form.has_changed():
                    kind = "add" if inline_form.instance._state.adding else "change"
                    row_admin._require_policy(request, kind, inline_form.instance)
        super().save_related(request, form, formsets, change)

    def _require_policy(self, request, kind, obj):
        if not self.policy_allows(request, kind, obj):
            raise PermissionDenied(policy.refusal(self.policy_actions[kind]))


class TenantScopedTabularInline(TenantScoping, admin.TabularInline):
    pass


class TenantScopedStackedInline(TenantScoping, admin.StackedInline):
    pass


def edits(action: Action) -> dict[str, Action]:
    """``policy_actions`` for an admin whose add, change and delete all need ``action``."""
    return {"add": action, "change": action, "delete": action}


class HistoryAdminMixin:
    """History is written by the application only: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(TenantScopedTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["location"]
    fk_name = "user"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserWithMembershipsAdmin(TenantScopedAdmin, UserAdmin):
    """Staff see the members of their locations, and of each member only those memberships."""

    location_path = "memberships__location"
    inlines = [*UserAdmin.inlines, MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # no one grants themselves more than their memberships give
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly


def _superusers_only(model):
    """Re-register another app's admin of data of no tenant on the base: superusers only."""
    if not admin.site.is_registered(model):
        return
    registered = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    admin.site.register(model, type(registered.__name__, (TenantScopedAdmin, registered), {"location_path": None}))


for _model in [Group, *(apps.get_app_config("django_q").get_models() if apps.is_installed("django_q") else [])]:
    _superusers_only(_model)


@admin.register(Location)
class LocationAdmin(TenantScopedAdmin):
    location_path = "pk"
    policy_actions = edits(Action.MEMBERSHIP_EDIT)
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]

    def has_add_permission(self, request):
        return request.user.is_superuser  # a new location has no members yet: only a superuser would see it


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    policy_actions = edits(Action.MEMBERSHIP_EDIT)
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

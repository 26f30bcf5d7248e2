"""Tenant scoping: the one place that decides which locations a user may see."""

from django.db.models import QuerySet

from accounts.models import Location, Membership, Team


def locations_for(user) -> QuerySet[Location]:
    if not user.is_authenticated:
        return Location.objects.none()
    return Location.objects.filter(memberships__user=user)


def membership_for(user, location) -> Membership | None:
    if not user.is_authenticated or location is None:
        return None
    return Membership.objects.filter(user=user, location=location).select_related("location").first()


def default_location_for(user) -> Location | None:
    return locations_for(user).order_by("name").first()


def teams_for(user) -> QuerySet[Team]:
    return Team.objects.filter(location__in=locations_for(user))

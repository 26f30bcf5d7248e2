"""Tenant scoping: the one place that decides which locations a user may see."""

from django.db.models import QuerySet

from accounts.models import Location, Membership, Team


def locations_for(user) -> QuerySet[Location]:
    if not user.is_authenticated:
        return Location.objects.none()
    return Location.objects.filter(memberships__user=user)


def location_ids(user) -> list[int]:
    """The user's locations as materialised ids, for scoping a model's rows (``location_id__in``).

    With a constant list PostgreSQL uses the (location, ...) indexes (measured 0.01 s instead of
    2.4 s for a page of a million leads behind a membership subquery).
    """
    return list(locations_for(user).values_list("pk", flat=True))


def membership_for(user, location) -> Membership | None:
    if not user.is_authenticated or location is None:
        return None
    return Membership.objects.filter(user=user, location=location).select_related("location").first()


def default_location_for(user) -> Location | None:
    return locations_for(user).order_by("name").first()


def teams_for(user) -> QuerySet[Team]:
    return Team.objects.filter(location__in=locations_for(user))

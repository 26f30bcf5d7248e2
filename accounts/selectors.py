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


def remember_memberships(user) -> None:
    """Load the user's memberships once for this request: pages (admin's app list above all) ask
    for the user's role in a location hundreds of times a request. Call it on a user object that
    lives for one request only (request.user), so a changed role is seen on the next request."""
    user.request_memberships = {
        m.location_id: m for m in Membership.objects.filter(user=user).select_related("location")
    }


def memberships_of(user) -> list[Membership]:
    remembered = getattr(user, "request_memberships", None)
    if remembered is not None:
        return list(remembered.values())
    return list(Membership.objects.filter(user=user).select_related("location"))


def membership_for(user, location) -> Membership | None:
    if not user.is_authenticated or location is None:
        return None
    remembered = getattr(user, "request_memberships", None)
    if remembered is not None:
        return remembered.get(location if isinstance(location, int) else location.pk)
    return Membership.objects.filter(user=user, location=location).select_related("location").first()


def default_location_for(user) -> Location | None:
    return locations_for(user).order_by("name").first()


def teams_for(user) -> QuerySet[Team]:
    return Team.objects.filter(location__in=locations_for(user))

from accounts.selectors import locations_for, membership_for


def locations(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    location = getattr(request, "location", None)
    return {
        "current_location": location,
        "available_locations": list(locations_for(user).order_by("name")),
        "current_membership": membership_for(user, location),
    }

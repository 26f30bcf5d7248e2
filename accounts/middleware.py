from accounts.selectors import default_location_for, locations_for, remember_memberships

SESSION_KEY = "current_location_id"


class CurrentLocationMiddleware:
    """Sets request.location: the location the user switched to, or their first one.

    Pages act within request.location; an id in the session that the user no longer
    belongs to falls back to their first location.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.location = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            remember_memberships(user)
            location_id = request.session.get(SESSION_KEY)
            location = locations_for(user).filter(pk=location_id).first() if location_id else None
            request.location = location or default_location_for(user)
        return self.get_response(request)

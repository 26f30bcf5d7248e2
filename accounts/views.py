from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.forms import LocationSwitchForm
from accounts.middleware import SESSION_KEY


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or prefetch cannot log anyone out."""


@login_required
@require_POST
def switch_location(request):
    """Make another of the user's locations the current one; any other id is a 404."""
    form = LocationSwitchForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404("No such location.")
    location = form.cleaned_data["location"]
    request.session[SESSION_KEY] = location.pk
    messages.success(request, f"You are now working in {location}.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("dashboard")

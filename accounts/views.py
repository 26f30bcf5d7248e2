from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.forms import LocationSwitchForm
from accounts.middleware import SESSION_KEY
from accounts.models import Location
from agents.models import Agent, Availability
from leads.selectors import lead_counts
from tickets.selectors import ticket_counts


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or prefetch cannot log anyone out."""


def _agent_counts(location: Location) -> dict:
    by_availability = dict(
        Agent.objects.filter(location=location).order_by().values_list("availability").annotate(n=Count("id"))
    )
    rows = [(value, label, by_availability.get(value, 0)) for value, label in Availability.choices]
    return {"by_availability": rows, "total": sum(n for _, _, n in rows)}


@login_required
def dashboard(request):
    location = request.location
    context = {"location": location}
    if location is not None:
        context |= {
            "leads": lead_counts(location=location),
            "tickets": ticket_counts(location=location),
            "agents": _agent_counts(location),
        }
    return render(request, "accounts/dashboard.html", context)


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

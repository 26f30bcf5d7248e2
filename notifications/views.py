"""Pages: my notifications (with mark read, mark all read and the email preference) and the bell's menu."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications import services
from notifications.forms import PreferenceForm
from notifications.models import NotificationPreference
from notifications.selectors import notifications_for, unread_count

PER_PAGE = 25
MENU_SIZE = 8


def _back(request):
    """To the page the form was on (the bell is on every page), else the notifications page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_GET
def notification_list(request):
    page = Paginator(notifications_for(request.user), PER_PAGE).get_page(request.GET.get("page"))
    preference = NotificationPreference.objects.filter(user=request.user).first()
    context = {
        "page": page,
        "unread": unread_count(request.user.pk),
        "preference_form": PreferenceForm(instance=preference),
        "has_email": bool(request.user.email),
    }
    return render(request, "notifications/list.html", context)


@login_required
@require_GET
def notification_menu(request):
    """The bell's dropdown: the latest few, loaded when it opens."""
    context = {"notifications": notifications_for(request.user)[:MENU_SIZE], "unread": unread_count(request.user.pk)}
    return render(request, "notifications/_menu.html", context)


@login_required
@require_POST
def notification_read(request, notification_id):
    services.mark_read(get_object_or_404(notifications_for(request.user), pk=notification_id))
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request):
    marked = services.mark_all_read(user=request.user)
    messages.success(request, f"Marked {marked:,} notification{'s' if marked != 1 else ''} read.")
    return _back(request)


@login_required
@require_POST
def preferences(request):
    form = PreferenceForm(request.POST)
    if form.is_valid():
        services.set_email_preference(user=request.user, **form.cleaned_data)
        wanted = form.cleaned_data["email_on_operation_end"]
        messages.success(request, "You will get an email too." if wanted else "No more emails: the bell only.")
    return redirect("notifications:list")

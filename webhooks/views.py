"""Pages: the location's webhooks, one webhook with its delivery log, redeliver, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action
from webhooks import delivery, services
from webhooks.forms import WebhookForm
from webhooks.models import DeliveryStatus
from webhooks.selectors import deliveries_of, webhooks_for

NEW_SECRET_KEY = "webhook_new_secret"  # noqa: S105 (the session key it is kept under)
DELIVERIES_PER_PAGE = 25


def _location(request):
    """The current location, where the user must manage webhooks."""
    if request.location is None:
        raise Http404("You belong to no location.")
    policy.require(request.user, Action.WEBHOOK_MANAGE, request.location)
    return request.location


def _webhook_or_404(request, webhook_id):
    return get_object_or_404(webhooks_for(request.user), pk=webhook_id, location=_location(request))


@login_required
def webhook_list(request):
    location = _location(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        webhook = services.create_webhook(location=location, user=request.user, **form.cleaned_data)
        request.session[NEW_SECRET_KEY] = {"id": webhook.pk, "secret": webhook.secret}
        messages.success(request, "Webhook created. Copy its signing secret now: it is shown only once.")
        return redirect("webhooks:detail", webhook_id=webhook.pk)
    hooks = webhooks_for(request.user).filter(location=location).order_by("-created_at", "-pk")
    return render(
        request,
        "webhooks/list.html",
        {"webhooks": hooks, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def webhook_detail(request, webhook_id):
    webhook = _webhook_or_404(request, webhook_id)
    form = WebhookForm(
        request.POST or None,
        initial={"url": webhook.url, "events": webhook.events, "is_active": webhook.is_active},
    )
    if request.method == "POST" and form.is_valid():
        services.update_webhook(webhook=webhook, **form.cleaned_data)
        messages.success(request, "Webhook saved.")
        return redirect("webhooks:detail", webhook_id=webhook.pk)
    new_secret = request.session.get(NEW_SECRET_KEY) or {}
    secret = None
    if new_secret.get("id") == webhook.pk:
        secret = new_secret["secret"]
        del request.session[NEW_SECRET_KEY]  # shown once
    status = request.GET.get("status", "")
    status = status if status in DeliveryStatus.values else ""
    page = Paginator(deliveries_of(webhook, status or None), DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/detail.html",
        {
            "webhook": webhook,
            "form": form,
            "secret": secret,
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
        },
        status=400 if form.errors else 200,
    )


@login_required
def webhook_delete(request, webhook_id):
    webhook = _webhook_or_404(request, webhook_id)
    if request.method == "POST":
        webhook.delete()
        messages.success(request, f"Webhook to {webhook.url} deleted with its delivery log.")
        return redirect("webhooks:list")
    return render(request, "webhooks/delete.html", {"webhook": webhook})


@login_required
@require_POST
def redeliver(request, webhook_id, delivery_id):
    webhook = _webhook_or_404(request, webhook_id)
    original = get_object_or_404(deliveries_of(webhook), pk=delivery_id)
    if not webhook.is_active:
        messages.error(request, "This webhook is inactive: activate it to redeliver.")
    else:
        with transaction.atomic():
            delivery.redeliver(original)
        messages.success(request, f"“{original.get_event_display()}” queued for delivery again.")
    return redirect("webhooks:detail", webhook_id=webhook.pk)

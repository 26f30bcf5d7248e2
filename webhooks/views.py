"""Pages: the location's webhooks, one webhook with its delivery log, redeliver, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action
from operations import form_keys
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
    if request.method == "POST":
        earlier = _repeated(request, form)
        if earlier is not None:  # the same form again (a double click, Back then Create): no second webhook
            return redirect(earlier)
    if request.method == "POST" and form.is_valid():
        webhook = services.create_webhook(location=location, user=request.user, **form.cleaned_data)
        request.session[NEW_SECRET_KEY] = {"id": webhook.pk, "secret": webhook.secret}
        url = reverse("webhooks:detail", args=[webhook.pk])
        form_keys.remember(request, form_keys.posted_key(request), form_keys.fingerprint(request), url)
        messages.success(request, "Webhook created. Copy its signing secret now: it is shown only once.")
        return redirect(url)
    hooks = webhooks_for(request.user).filter(location=location).order_by("-created_at", "-pk")
    return render(
        request,
        "webhooks/list.html",
        {"webhooks": hooks, "form": form},
        status=400 if form.errors else 200,
    )


def _repeated(request, form) -> str | None:
    """Where this form's one-time key led when it was sent before; a form error if it changed since."""
    try:
        earlier = form_keys.earlier_url(request, form_keys.posted_key(request), form_keys.fingerprint(request))
    except form_keys.ChangedSinceSubmitted:
        form.add_error(None, "This form was already submitted and has been changed since, so nothing was saved.")
        return None
    if earlier is not None:
        messages.info(request, "This was already done.")
    return earlier


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
    back = reverse("webhooks:detail", args=[webhook.pk])
    earlier = _repeated(request, WebhookForm())
    if earlier is not None:
        return redirect(earlier)
    if not webhook.is_active:
        messages.error(request, "This webhook is inactive: activate it to redeliver.")
    else:
        with transaction.atomic():
            delivery.redeliver(original)
        form_keys.remember(request, form_keys.posted_key(request), form_keys.fingerprint(request), back)
        messages.success(request, f"“{original.get_event_display()}” queued for delivery again.")
    return redirect(back)

"""Campaign pages: list with cards, create with upload and preview, detail with contacts."""

import csv
import datetime
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from rest_framework import serializers

from accounts import policy
from accounts.policy import Action
from campaigns import selectors, services
from campaigns.api import create_from_upload, preview_of, validated_settings
from campaigns.dialer import calling_window
from campaigns.models import (
    LANGUAGES,
    VOICES,
    CallMode,
    CallOutcome,
    CallStatus,
    CampaignState,
    ContactStatus,
    OnMachine,
)
from campaigns.serializers import RETRYABLE_CHOICES
from operations import form_keys
from operations.errors import messages_for
from operations.results import neutralize_formula
from web.pages import render_page

LIVE_STATES = (CampaignState.PENDING, CampaignState.RUNNING)
WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]
# The states in which a start, pause or resume clicked again finds a campaign it already moved.
ALREADY_IN = {
    "start": (CampaignState.PENDING, CampaignState.RUNNING),
    "pause": (CampaignState.PAUSED,),
    "resume": (CampaignState.RUNNING,),
    "delete": (),
}
ACTIONS = {
    "start": services.start_campaign,
    "pause": services.pause_campaign,
    "resume": services.resume_campaign,
}
# The policy action each button needs (resuming starts the calls again).
PERMISSIONS = {
    "create": Action.CAMPAIGN_CREATE,
    "start": Action.CAMPAIGN_START,
    "pause": Action.CAMPAIGN_PAUSE,
    "resume": Action.CAMPAIGN_START,
    "delete": Action.CAMPAIGN_DELETE,
}


def _may(user, location) -> dict[str, bool]:
    """Which campaign buttons the user may see in this location, by the policy table."""
    return {name: policy.allows(user, action, location) for name, action in PERMISSIONS.items()}


@login_required
def campaign_list(request):
    state = request.GET.get("state", "")
    if state not in CampaignState.values:
        state = ""
    campaigns = list(selectors.campaigns_for(user=request.user, location=request.location, state=state)[:200])
    context = {
        "campaigns": campaigns,
        "state": state,
        "states": CampaignState.choices,
        "counts": selectors.state_counts(user=request.user, location=request.location),
        "live": any(c.state in LIVE_STATES for c in campaigns),
        "may": _may(request.user, request.location),
    }
    return render_page(request, "campaigns/list.html", "campaigns/_cards.html", context)


def _settings_from_form(post, location) -> dict:
    """The create form's fields in the API's settings shape (validated by the same serializer)."""
    tz_name = post.get("timezone") or "UTC"
    start = None
    if post.get("scheduled_start_time"):
        try:
            naive = datetime.datetime.fromisoformat(post["scheduled_start_time"])
            start = naive.replace(tzinfo=zoneinfo.ZoneInfo(tz_name)).isoformat()
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            start = post["scheduled_start_time"]
    backoff = [part.strip() for part in post.get("backoff_hours", "").split(",") if part.strip()]
    return {
        "name": post.get("name", ""),
        "location_id": location.pk if location else None,
        "agent_id": post.get("agent_id") or None,
        "timezone": tz_name,
        "default_region": post.get("default_region") or "US",
        "scheduled_start_time": start,
        "pacing": {"delay_seconds": post.get("pacing_seconds") or 10},
        "business_hours": {
            "enabled": post.get("business_hours_enabled") == "on",
            "days": post.getlist("days"),
            "start_time": post.get("start_time") or "09:00",
            "end_time": post.get("end_time") or "17:00",
        },
        "retry_policy": {
            "max_retries": post.get("max_retries") or 0,
            "backoff_hours": backoff or [1],
            "retryable_outcomes": post.getlist("retryable_outcomes"),
        },
        "call": {
            "mode": post.get("call_mode") or CallMode.SCRIPT,
            "prompt_text": post.get("prompt_text", ""),
            "voice": post.get("voice") or "alice",
            "language": post.get("language") or "en-US",
            "machine_detection": post.get("machine_detection") == "on",
            "on_machine": post.get("on_machine") or OnMachine.HANG_UP,
            "voicemail_text": post.get("voicemail_text", ""),
        },
    }


@login_required
def campaign_create(request):
    if request.location is None:
        raise Http404("You are not a member of any location.")
    policy.require(request.user, Action.CAMPAIGN_CREATE, request.location)
    form = request.POST if request.method == "POST" else None
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if request.POST.get("preview"):
            return _preview(request, upload)
        key, fingerprint = form_keys.posted_key(request), form_keys.fingerprint(request)
        try:
            earlier = form_keys.earlier_url(request, key, fingerprint)
        except form_keys.ChangedSinceSubmitted:  # shown with a fresh key: sent again, it is a new intent
            earlier = None
            errors.append(
                "This form was already submitted and has been changed since, so nothing was created."
                " To create another campaign, check the form and submit it again."
            )
        if earlier is not None:  # the same form again: Back then Create, a double click, a reload
            messages.info(request, "This was already done — here is the campaign it created.")
            return redirect(earlier)
        if upload is None:
            errors.append("Choose a contact file (CSV, XLSX, XLS or TXT).")
        elif not errors:
            try:
                settings = validated_settings(
                    raw=_settings_from_form(request.POST, request.location), user=request.user
                )
                campaign, result = create_from_upload(
                    upload=upload, settings=settings, user=request.user, idempotency_key=key
                )
            except serializers.ValidationError as exc:
                errors = messages_for(exc)
            except services.AlreadyCreated as exc:  # the same form raced in from another request (a double click)
                messages.info(request, "This was already done — here is the campaign it created.")
                return redirect("campaigns:detail", campaign_id=exc.campaign.pk)
            else:
                form_keys.remember(request, key, fingerprint, reverse("campaigns:detail", args=[campaign.pk]))
                messages.success(
                    request,
                    f"Created “{campaign.name}” with {len(result.contacts)} contacts"
                    f" ({result.duplicates} duplicates skipped, {len(result.errors)} rows with errors).",
                )
                return redirect("campaigns:detail", campaign_id=campaign.pk)
    context = {
        "form": form,
        "errors": errors,
        "agents": selectors.campaign_agents(user=request.user, location=request.location),
        "timezones": sorted(zoneinfo.available_timezones()),
        "default_timezone": request.location.timezone,
        "calling_window": calling_window(request.location.pk),
        "weekdays": WEEKDAYS,
        "retryable_choices": RETRYABLE_CHOICES,
        "selected_days": [int(d) for d in form.getlist("days")] if form else [1, 2, 3, 4, 5],
        "selected_outcomes": form.getlist("retryable_outcomes") if form else ["no-answer", "busy", "failed"],
        "call_modes": CallMode.choices,
        "voices": list(VOICES.items()),
        "languages": list(LANGUAGES.items()),
        "on_machine_choices": OnMachine.choices,
    }
    return render(request, "campaigns/create.html", context, status=400 if errors else 200)


def _preview(request, upload):
    context: dict = {"preview": None, "error": ""}
    if upload is None:
        context["error"] = "Choose a file to preview."
    else:
        try:
            region = (request.POST.get("default_region") or "US").upper()
            context["preview"] = preview_of(upload=upload, default_region=region)
        except serializers.ValidationError as exc:
            context["error"] = " ".join(messages_for(exc))
    return render(request, "campaigns/_preview.html", context)


@login_required
def campaign_detail(request, campaign_id: int):
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
    status = request.GET.get("status", "")
    if status not in ContactStatus.values:
        status = ""
    page = Paginator(selectors.contacts_of(campaign=campaign, status=status), 50).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "counts": selectors.contact_status_counts(campaign=campaign),
        "status": status,
        "statuses": ContactStatus.choices,
        "page": page,
        "live": campaign.state in LIVE_STATES or campaign.contacts.filter(status=ContactStatus.CALLING).exists(),
        "calling_window": calling_window(campaign.location_id),
        "may": _may(request.user, campaign.location),
    }
    return render_page(request, "campaigns/detail.html", "campaigns/_live.html", context)


@login_required
@require_POST
def campaign_action(request, campaign_id: int, action: str):
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
    if action not in PERMISSIONS or action == "create":
        raise Http404("Unknown action.")
    policy.require(request.user, PERMISSIONS[action], campaign.location)
    next_url = request.POST.get("next", "")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("campaigns:detail", args=[campaign.pk])
    key, fingerprint = form_keys.posted_key(request), form_keys.fingerprint(request)
    try:
        earlier = form_keys.earlier_url(request, key, fingerprint)
    except form_keys.ChangedSinceSubmitted:  # only `next` differs: the same button
        earlier = next_url
    if earlier is not None:  # the same form again: Back then the button, a double click, a reload
        messages.info(request, f"This was already done — the campaign is {campaign.get_state_display().lower()}.")
        return redirect(earlier)
    try:
        if action == "delete":
            services.delete_campaign(campaign_id=campaign.pk)
            messages.success(request, f"Deleted “{campaign.name}”.")
            return redirect("campaigns:list")
        if action not in ACTIONS:
            raise Http404("Unknown action.")
        ACTIONS[action](campaign_id=campaign.pk)
    except services.IllegalTransition as exc:
        if exc.current in ALREADY_IN[action]:  # from a page shown before the first click
            messages.info(request, f"This was already done — the campaign is {exc.current}.")
        else:
            messages.error(request, str(exc))
    else:
        form_keys.remember(request, key, fingerprint, next_url)
    return redirect(next_url)


@login_required
def contact_calls(request, campaign_id: int, contact_id: int):
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
    contact, calls = selectors.call_for(user=request.user, campaign=campaign, contact_id=contact_id)
    return render(request, "campaigns/_call.html", {"campaign": campaign, "contact": contact, "calls": calls})


@login_required
def recent_calls(request):
    """Recent calls of every campaign of the company, filterable by campaign, status or outcome, and day."""
    campaigns = selectors.campaigns_for(user=request.user, location=request.location).order_by("name")
    campaign_id = request.GET.get("campaign", "")
    campaign_id = int(campaign_id) if campaign_id.isdigit() else None
    status = request.GET.get("status", "")
    if status not in CallStatus.values and status not in CallOutcome.values:
        status = ""
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = None
    calls = selectors.recent_calls_for(
        user=request.user, location=request.location, campaign_id=campaign_id, status=status, day=day
    )
    page = Paginator(calls, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "campaigns": campaigns,
        "campaign_id": campaign_id,
        "status": status,
        "statuses": CallStatus.choices + CallOutcome.choices,
        "day": day,
        "filter_query": query.urlencode(),
    }
    return render(request, "campaigns/calls.html", context)


@login_required
def call_detail(request, call_id: int):
    call = selectors.call_detail_for(user=request.user, call_id=call_id)
    return render(request, "campaigns/call.html", {"call": call, "events": call.events.all()})


class _Echo:
    def write(self, value):
        return value


@login_required
def export_contacts(request, campaign_id: int):
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
    status = request.GET.get("status", "")
    contacts = selectors.contacts_of(campaign=campaign, status=status if status in ContactStatus.values else "")
    meta_keys = sorted({key for meta in contacts.values_list("metadata", flat=True) for key in (meta or {})})
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            ["name", "phone", "status", "outcome", "attempts", "duration_seconds", "last_called_at", *meta_keys]
        )
        for contact in contacts.iterator(chunk_size=2000):
            # Names and metadata are the uploaded file's cells: a formula in one is neutralised.
            yield writer.writerow(
                [
                    neutralize_formula(contact.name),
                    contact.phone,
                    contact.status,
                    contact.outcome,
                    contact.attempts,
                    "" if contact.duration_seconds is None else contact.duration_seconds,
                    contact.last_called_at.isoformat() if contact.last_called_at else "",
                    *[neutralize_formula((contact.metadata or {}).get(key, "")) for key in meta_keys],
                ]
            )

    filename = f"campaign-{campaign.pk}-contacts-{timezone.now():%Y%m%d-%H%M}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

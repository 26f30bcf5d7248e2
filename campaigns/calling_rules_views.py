"""Pages of a company's calling rules: the do-not-call list (list, add, delete, upload) and the calling window."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from rest_framework import serializers

from accounts import policy
from accounts.policy import Action
from campaigns import do_not_call, selectors
from campaigns.api import read_upload
from campaigns.forms import CallingSettingsForm, DoNotCallForm, DoNotCallUploadForm
from campaigns.importing import ContactFileError
from campaigns.models import CallingSettings
from operations.errors import messages_for


def _location(request):
    if request.location is None:
        raise Http404("You are not a member of any location.")
    return request.location


@login_required
def do_not_call_list(request):
    """The list, with the add form (a POST here adds one number)."""
    location = _location(request)
    may_edit = policy.allows(request.user, Action.DO_NOT_CALL_EDIT, location)
    form = DoNotCallForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        policy.require(request.user, Action.DO_NOT_CALL_EDIT, location)
        if form.is_valid():
            try:
                entry = do_not_call.add_number(
                    location=location,
                    phone=form.cleaned_data["phone"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except ValueError as exc:
                form.add_error("phone", str(exc))
            else:
                messages.success(request, f"{entry.phone} is on the do-not-call list: it will not be dialled.")
                return redirect("campaigns:do-not-call")
    phone = request.GET.get("phone", "")
    entries = selectors.do_not_call_for(user=request.user, location=location, phone=phone)
    context = {
        "page": Paginator(entries, 50).get_page(request.GET.get("page")),
        "phone": phone,
        "form": form,
        "upload_form": DoNotCallUploadForm(),
        "may_edit": may_edit,
    }
    return render(request, "campaigns/do_not_call.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def do_not_call_upload(request):
    location = _location(request)
    policy.require(request.user, Action.DO_NOT_CALL_EDIT, location)
    form = DoNotCallUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file of phone numbers (CSV, XLSX, XLS or TXT).")
        return redirect("campaigns:do-not-call")
    upload = form.cleaned_data["file"]
    try:
        result = do_not_call.add_numbers_from_file(
            location=location,
            file_bytes=read_upload(upload),
            filename=upload.name or "",
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except serializers.ValidationError as exc:  # too large
        messages.error(request, " ".join(messages_for(exc)))
    except ContactFileError as exc:
        messages.error(request, f"Nothing was added: {exc}")
    else:
        summary = f"Added {result.added} numbers to the do-not-call list ({result.already} were on it already"
        errors = result.errors
        if errors:
            first = errors[0]
            summary += f"; {len(errors)} rows without a valid number, first: row {first['row']}, {first['message']}"
        messages.success(request, summary + ").")
    return redirect("campaigns:do-not-call")


@login_required
@require_POST
def do_not_call_delete(request, pk: int):
    entry = get_object_or_404(selectors.do_not_call_for(user=request.user), pk=pk)
    policy.require(request.user, Action.DO_NOT_CALL_EDIT, entry.location)
    do_not_call.remove_number(entry=entry)
    messages.success(request, f"{entry.phone} is off the do-not-call list.")
    return redirect("campaigns:do-not-call")


@login_required
def calling_settings(request):
    """The company's callee-local calling window and the region of numbers without a country code."""
    location = _location(request)
    rules = CallingSettings.objects.filter(location=location).first() or CallingSettings(location=location)
    may_edit = policy.allows(request.user, Action.CAMPAIGN_EDIT, location)
    form = CallingSettingsForm(request.POST if request.method == "POST" else None, instance=rules)
    if request.method == "POST":
        policy.require(request.user, Action.CAMPAIGN_EDIT, location)
        if form.is_valid():
            form.save()
            messages.success(request, "Calling settings saved: running campaigns use them from their next call.")
            return redirect("campaigns:calling-settings")
    context = {"form": form, "may_edit": may_edit, "location": location}
    return render(request, "campaigns/calling_settings.html", context, status=400 if form.errors else 200)

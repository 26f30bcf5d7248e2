"""The lead import pages: upload a file, map its columns, preview every row's outcome, start."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.policy import Action
from leads import importing
from leads.import_models import ImportStatus, LeadImport, MatchOn, OnDuplicate
from spreadsheets.reading import FIELDS, UnreadableFile, guess_mapping
from web.errors import Refused
from web.pages import render_page

PREVIEW_ROWS = 50
FIELD_LABELS = {
    "name": "Full name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "budget": "Budget",
    "stage": "Stage",
    "tags": "Tags",
    "notes": "Notes",
}


def _location(request):
    if request.location is None:
        raise Http404("You are not a member of any location.")
    policy.require(request.user, Action.IMPORT_LEADS, request.location)
    return request.location


def _draft(request, import_id: int) -> LeadImport:
    return get_object_or_404(LeadImport, pk=import_id, location=_location(request))


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    location = _location(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a file of leads (CSV, XLSX, XLS or TXT)."
        elif upload.size > settings.MAX_UPLOAD_SIZE:
            error = f"The file is larger than {settings.MAX_UPLOAD_SIZE / (1024 * 1024):g} MB."
        else:
            try:
                lead_import = importing.save_upload(
                    user=request.user, location=location, data=upload.read(), filename=upload.name or ""
                )
            except UnreadableFile as exc:
                error = str(exc)
            else:
                return redirect("leads:import-review", import_id=lead_import.pk)
    return render(request, "leads/import_upload.html", {"error": error}, status=400 if error else 200)


def _options(request, lead_import: LeadImport) -> dict:
    """The review form's choices, or the guess when it was not posted yet."""
    stored = {**importing.default_options(lead_import.location), **lead_import.options}
    headers = stored.get("headers") or []
    if request.method != "POST":
        return {**stored, "mapping": guess_mapping(headers)}
    mapping = {header: request.POST.get(f"map-{i}", "") for i, header in enumerate(headers)}
    return {
        **stored,
        "mapping": mapping,
        "on_duplicate": request.POST.get("on_duplicate") or OnDuplicate.SKIP,
        "match_on": request.POST.get("match_on") or MatchOn.EMAIL_OR_PHONE,
        "region": (request.POST.get("region") or stored["region"]).upper()[:2],
    }


def _preview(lead_import: LeadImport, options: dict) -> dict:
    """Counts of every row's outcome, and the first rows with theirs."""
    try:
        parsed = importing.parse_leads(
            importing.file_bytes(lead_import), filename=lead_import.file_name, options=options
        )
    except (UnreadableFile, importing.InvalidMapping) as exc:
        return {"error": str(exc)}
    plans = importing.plan_rows(parsed.rows, location=lead_import.location, options=options)
    sample = [
        {"row": row, "plan": plan, "values": row.values}
        for row, plan in zip(parsed.rows[:PREVIEW_ROWS], plans[:PREVIEW_ROWS], strict=True)
    ]
    return {"counts": importing.plan_counts(plans), "total": len(parsed.rows), "sample": sample}


@login_required
@require_http_methods(["GET", "POST"])
def import_review(request, import_id: int):
    lead_import = _draft(request, import_id)
    if lead_import.operation_id:
        return redirect("operations:detail", operation_id=lead_import.operation_id)
    if lead_import.status != ImportStatus.DRAFT:
        raise Http404("This import was a dry run; upload the file again to import it.")
    options = _options(request, lead_import)
    if request.method == "POST" and request.POST.get("start"):
        try:
            started = importing.start_import(lead_import, options=options, dry_run=False)
        except (UnreadableFile, importing.InvalidMapping, Refused) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Importing {started.total_rows:,} rows of {started.file_name}.")
            return redirect("operations:detail", operation_id=started.operation_id)
    context = {
        "lead_import": lead_import,
        "options": options,
        "columns": [
            {"index": i, "header": header, "field": options["mapping"].get(header, "")}
            for i, header in enumerate(options.get("headers") or [])
        ],
        "fields": [(name, FIELD_LABELS[name]) for name in FIELDS],
        "on_duplicate_choices": OnDuplicate.choices,
        "match_on_choices": MatchOn.choices,
        "preview": _preview(lead_import, options),
    }
    return render_page(request, "leads/import_review.html", "leads/_import_preview.html", context)


@login_required
@require_POST
def import_discard(request, import_id: int):
    lead_import = _draft(request, import_id)
    if lead_import.status == ImportStatus.DRAFT:
        lead_import.file.delete(save=False)
        lead_import.delete()
    return redirect("leads:import")

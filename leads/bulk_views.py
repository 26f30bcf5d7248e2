"""The lead operation builder and the message template pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from accounts.policy import Action
from leads import bulk_preview, exporting, messaging, services
from leads.bulk_forms import PARAM_FORMS, BuilderForm, MessageTemplateForm, allowed_operation_choices, param_form
from leads.models import Lead, MessageTemplate, TemplateCategory
from operations import engine, form_keys
from operations.errors import IdempotencyConflict, OperationError, messages_for
from operations.models import BulkOperation
from operations.registry import get_type


def _location_or_404(request):
    if request.location is None:
        raise Http404("You belong to no location.")
    return request.location


def _type_from(request) -> str:
    value = request.POST.get("operation_type") or request.GET.get("operation_type") or "change_stage"
    allowed = dict(allowed_operation_choices(request.user, request.location))
    return value if value in PARAM_FORMS and value in allowed else "change_stage"


def _bound(request, location):
    """The builder form, the parameter form and the selection; errors collected, never raised."""
    operation_type = _type_from(request)
    form = BuilderForm(request.POST, request.FILES, location=location, user=request.user)
    params_form = param_form(operation_type, request.POST, location=location)
    errors, selection = [], None
    if form.is_valid():
        try:
            selection = form.selection(request.POST)
        except ValidationError as exc:
            errors += exc.messages
    else:  # shown by the count and preview partials too, which render no form (an empty upload…)
        errors += [message for messages in form.errors.values() for message in messages]
    return operation_type, form, params_form, selection, errors


@login_required
def builder(request):
    """The builder page: GET shows it (prefilled from the leads list), POST runs, drafts or schedules."""
    location = _location_or_404(request)
    if request.method != "POST":
        initial = {"operation_type": _type_from(request)}
        source = request.GET
        if source.get("select_all") or source.getlist("ids"):
            initial.update(
                method="list",
                select_all=bool(source.get("select_all")),
                ids=",".join(source.getlist("ids")),
                filter_query=source.get("filter_query", ""),
            )
        form = BuilderForm(initial=initial, location=location, user=request.user)
        context = _page_context(request, location, form, param_form(initial["operation_type"], location=location))
        return render(request, "leads/builder.html", context)

    key, fingerprint = form_keys.posted_key(request), form_keys.fingerprint(request)
    conflict = []
    try:
        earlier = engine.replayed_operation(user=request.user, idempotency_key=key, fingerprint=fingerprint)
    except IdempotencyConflict as exc:  # shown with the form, which gets a fresh key: sent again, it is a new intent
        earlier, conflict = None, messages_for(exc)
    if earlier is not None:  # the same form again (Back then Execute, a double click, a reload)
        messages.info(request, form_keys.ALREADY_STARTED)
        return redirect("operations:detail", operation_id=earlier.pk)

    operation_type, form, params_form, selection, errors = _bound(request, location)
    errors = conflict + errors
    if not params_form.is_valid():
        errors.append("Check the operation's parameters.")
    action = request.POST.get("action", "run")
    if not errors and form.is_valid():
        scheduled_for = form.cleaned_data.get("scheduled_for") if action == "schedule" else None
        if action == "schedule" and scheduled_for is None:
            errors.append("Choose when to run it.")
        else:
            try:
                operation = services.create_lead_operation(
                    user=request.user,
                    location=location,
                    operation_type=operation_type,
                    params=params_form.params(),
                    ids=selection.ids,
                    filters=selection.filters,
                    description=form.cleaned_data.get("description", ""),
                    scheduled_for=scheduled_for,
                    draft=action == "draft",
                    idempotency_key=key,
                    fingerprint=fingerprint,
                )
            except OperationError as exc:  # bad input, too many running, a changed copy of this form raced in
                errors += messages_for(exc)
            else:
                verb = {"draft": "saved as a draft", "schedule": "scheduled"}.get(action, "started")
                messages.success(request, f"Operation {verb}: {operation.total:,} leads.")
                return redirect("operations:detail", operation_id=operation.pk)
    context = _page_context(request, location, form, params_form, errors=errors, selection=selection)
    return render(request, "leads/builder.html", context, status=400)


def _page_context(request, location, form, params_form, *, errors=(), selection=None) -> dict:
    from leads.forms import LeadFilterForm

    prefix_data = request.POST if request.method == "POST" else None
    return {
        "form": form,
        "params_form": params_form,
        "filter_form": LeadFilterForm(prefix_data, location=location, prefix="f"),
        "errors": list(errors),
        "selection": selection,
        "location": location,
        "type_descriptions": {key: get_type("leads", key).description for key in PARAM_FORMS},
    }


@login_required
@require_GET
def builder_params(request):
    """HTMX: the parameter form of the chosen operation type."""
    location = _location_or_404(request)
    operation_type = _type_from(request)
    return render(
        request,
        "leads/_builder_params.html",
        {
            "params_form": param_form(operation_type, location=location),
            "description": get_type("leads", operation_type).description,
        },
    )


@login_required
@require_POST
def builder_count(request):
    """HTMX: the live "N leads selected", with IDs and emails that matched no lead."""
    location = _location_or_404(request)
    if _nothing_entered(request):  # the page just opened: no complaint about an empty box yet
        return render(request, "leads/_builder_count.html", {"count": None})
    _, _, _, selection, errors = _bound(request, location)
    count = bulk_preview.count_selected(location=location, selection=selection) if selection else 0
    return render(request, "leads/_builder_count.html", {"count": count, "selection": selection, "errors": errors})


def _nothing_entered(request) -> bool:
    method = request.POST.get("method") or "ids"
    if method == "ids":
        return not request.POST.get("pasted_ids", "").strip()
    return method == "file" and "upload" not in request.FILES


@login_required
@require_POST
def builder_preview(request):
    """HTMX: the dry run: how many would change, be skipped or fail and why, with a sample."""
    location = _location_or_404(request)
    operation_type, _, params_form, selection, errors = _bound(request, location)
    preview = None
    if not params_form.is_valid():
        errors.append("Check the operation's parameters.")
    if selection and not errors:
        try:
            preview = bulk_preview.preview_operation(
                user=request.user,
                location=location,
                operation_type=operation_type,
                params=params_form.params(),
                selection=selection,
            )
        except OperationError as exc:
            errors += messages_for(exc)
    return render(
        request, "leads/_builder_preview.html", {"preview": preview, "errors": errors, "selection": selection}
    )


@login_required
def export_download(request, operation_id):
    """The export file kept with an operation; to anyone the policy does not allow it, a 404."""
    operation = BulkOperation.objects.select_related("location").filter(pk=operation_id).first()
    if operation is None or not exporting.may_download_export(request.user, operation):
        raise Http404("No such export.")
    export = exporting.export_file(operation)
    if export is None:
        raise Http404("The export file is not ready.")
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404("The export file is gone.") from None
    return FileResponse(handle, as_attachment=True, filename=export.filename, content_type=export.content_type)


# --- Message templates -------------------------------------------------------------------


@login_required
def template_list(request):
    """The template library, by category, with usage."""
    location = _location_or_404(request)
    templates = MessageTemplate.objects.filter(location=location)
    category = request.GET.get("category", "")
    if category in TemplateCategory.values:
        templates = templates.filter(category=category)
    return render(
        request,
        "leads/templates_list.html",
        {
            "templates": templates,
            "categories": TemplateCategory.choices,
            "category": category,
            "can_edit": policy.allows(request.user, Action.TEMPLATE_EDIT, location),
        },
    )


def _template_or_404(request, pk) -> MessageTemplate:
    return get_object_or_404(MessageTemplate, pk=pk, location=_location_or_404(request))


@login_required
def template_edit(request, pk=None):
    location = _location_or_404(request)
    template = _template_or_404(request, pk) if pk else None
    can_edit = policy.allows(request.user, Action.TEMPLATE_EDIT, location)
    if not can_edit and (request.method == "POST" or template is None):  # others may read and preview one
        raise PermissionDenied(policy.refusal(Action.TEMPLATE_EDIT))
    form = MessageTemplateForm(request.POST or None, instance=template, location=location)
    if request.method == "POST" and form.is_valid():
        template = form.save(commit=False)
        try:
            services.save_template(template=template, user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Template “{template.name}” saved.")
            return redirect("lead_bulk:template_edit", pk=template.pk)
    leads = Lead.objects.filter(location=location).order_by("-created_at", "-id")[:50]
    return render(
        request,
        "leads/templates_form.html",
        {
            "form": form,
            "template": template,
            "leads": leads,
            "placeholders": messaging.PLACEHOLDERS,
            "can_edit": can_edit,
        },
        status=400 if form.errors else 200,
    )


@login_required
def template_preview(request, pk):
    """HTMX: the template rendered for a chosen lead of the location."""
    template = _template_or_404(request, pk)
    lead = get_object_or_404(Lead, pk=request.GET.get("lead") or 0, location=template.location)
    context = {"template": template, "lead": lead}
    try:
        context |= {"subject": messaging.render(template.subject, lead), "body": messaging.render(template.body, lead)}
    except messaging.TemplateError as exc:  # stored before its placeholders were checked: say so, never render it
        context["error"] = f"This template cannot be rendered: {exc}"
    return render(
        request,
        "leads/templates_preview.html" if not request.htmx else "leads/_templates_preview.html",
        context,
        status=400 if "error" in context else 200,
    )

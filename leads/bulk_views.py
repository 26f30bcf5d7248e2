"""The lead pages beside the bulk flow: export downloads and the message template pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts import policy
from accounts.policy import Action
from leads import exporting, messaging, services, sms_segments
from leads.bulk_forms import MessageTemplateForm
from leads.models import Lead, MessageTemplate, TemplateCategory
from operations.models import BulkOperation, OperationStatus

# Operations that have not run yet: after the delete they still send the text they stored.
UNSENT = (OperationStatus.DRAFT, OperationStatus.SCHEDULED, OperationStatus.PENDING, OperationStatus.IN_PROGRESS)


def _location_or_404(request):
    if request.location is None:
        raise Http404("You belong to no location.")
    return request.location


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
def template_delete(request, pk):
    """GET: what deleting means (the operations that used it keep their text); POST: delete."""
    location = _location_or_404(request)
    template = _template_or_404(request, pk)
    if not policy.allows(request.user, Action.TEMPLATE_EDIT, location):
        raise PermissionDenied(policy.refusal(Action.TEMPLATE_EDIT))
    if request.method == "POST":
        template.delete()
        messages.success(request, f"Template “{template.name}” deleted.")
        return redirect("lead_bulk:templates")
    used_by = services.operations_using_template(template)
    return render(
        request,
        "leads/templates_delete.html",
        {"template": template, "used_by": used_by.count(), "unsent": used_by.filter(status__in=UNSENT).count()},
    )


@login_required
@require_GET
def sms_count(request):
    """The message form's live SMS length (static/js/sms_count.js): of `text`, or of `template` when given."""
    text = request.GET.get("text", "")
    if request.GET.get("template"):
        text = _template_or_404(request, request.GET["template"]).body
    try:
        text = messaging.render_without_placeholders(text)
    except messaging.TemplateError as exc:
        return JsonResponse({"text": str(exc), "too_long": False})
    counted, limit = sms_segments.count(text), sms_segments.max_segments()
    return JsonResponse(
        {
            "text": f"{counted.describe()} (before placeholders are filled in); at most {limit} allowed",
            "too_long": counted.segments > limit,
        }
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

"""The one bulk flow, for every target (leads, tickets, …): selection → type → parameters →
preview → run now / draft / schedule → the live page. The target is a URL parameter; the
count, parameters and preview are HTMX partials of the same page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from operations import engine, form_keys, preview
from operations.errors import IdempotencyConflict, OperationError, TooManyActiveOperations, messages_for
from operations.forms import type_choices
from operations.params_forms import PARAMS_PREFIX
from operations.registry import Target, get_target, get_type
from operations.selection import BuilderForm


def _target_or_404(request, target: str) -> Target:
    if request.location is None:
        raise Http404("You belong to no location.")
    try:
        return get_target(target)
    except LookupError:
        raise Http404("No such kind of records.") from None


def _type_from(request, target: Target):
    """The chosen type; with none chosen, the first this user may start. None for a type this user
    may not start here (or none at all): never another type in its place."""
    allowed = [key for key, _ in type_choices(target.key, user=request.user, location=request.location)]
    value = request.POST.get("operation_type") or request.GET.get("operation_type") or (allowed or [None])[0]
    return get_type(target.key, value) if value in allowed else None


def _posted(request) -> QueryDict:
    """The posted form; a list's bulk bar posts only its selection (repeated ids, or select_all=1)."""
    data = request.POST
    if "method" in data:
        return data
    data = data.copy()
    data["method"] = "list"
    data["ids"] = ",".join(request.POST.getlist("ids"))
    data["select_all"] = "on" if request.POST.get("select_all") in ("1", "on") else ""
    return data


def _bound(request, target: Target):
    """The flow's form, the parameter form and the selection; errors collected, never raised."""
    op_type = _type_from(request, target)
    location, data = request.location, _posted(request)
    form = BuilderForm(data, request.FILES, target=target, location=location, user=request.user)
    params_form = op_type.params_form(request.POST, location=location) if op_type else None
    errors, selection = [], None
    if form.is_valid():
        try:
            selection = form.selection(data)
        except ValidationError as exc:
            errors += exc.messages
    else:  # shown by the count and preview partials too, which render no form (an empty upload…)
        errors += [message for messages in form.errors.values() for message in messages]
    if op_type is None:
        errors.append(f"Choose an operation you may start on {target.label.lower()} here.")
    return op_type, form, params_form, selection, errors


def _params_valid(params_form, errors: list) -> bool:
    if params_form is not None and params_form.is_valid():
        return True
    errors.append("Check the operation's parameters.")
    return False


@login_required
def builder(request, target):
    """The bulk page: GET shows it (prefilled from a list's selection), POST runs, drafts or schedules."""
    target = _target_or_404(request, target)
    location = request.location
    if request.method != "POST":
        op_type = _type_from(request, target)
        initial = {"operation_type": op_type.key if op_type else ""}
        source = request.GET
        if source.get("select_all") or source.getlist("ids"):
            initial.update(
                method="list",
                select_all=bool(source.get("select_all")),
                ids=",".join(source.getlist("ids")),
                filter_query=source.get("filter_query", ""),
            )
        form = BuilderForm(initial=initial, target=target, location=location, user=request.user)
        params_form = _params_from_query(request, op_type)
        return render(request, "operations/builder.html", _page_context(request, target, form, params_form))

    key, fingerprint = form_keys.posted_key(request), form_keys.fingerprint(request)
    conflict = []
    try:
        earlier = engine.replayed_operation(user=request.user, idempotency_key=key, fingerprint=fingerprint)
    except IdempotencyConflict as exc:  # shown with the form, which gets a fresh key: sent again, it is a new intent
        earlier, conflict = None, messages_for(exc)
    if earlier is not None:  # the same form again (Back then Execute, a double click, a reload)
        messages.info(request, form_keys.ALREADY_STARTED)
        return redirect("operations:detail", operation_id=earlier.pk)

    op_type, form, params_form, selection, errors = _bound(request, target)
    errors = conflict + errors
    _params_valid(params_form, errors)
    action, status = request.POST.get("action", "run"), 400
    if not errors and form.is_valid():
        scheduled_for = form.cleaned_data.get("scheduled_for") if action == "schedule" else None
        if action == "schedule" and scheduled_for is None:
            errors.append("Choose when to run it.")
        else:
            try:
                operation, _ = engine.create_operation(
                    user=request.user,
                    location=location,
                    target=target.key,
                    operation_type=op_type.key,
                    params=params_form.params(),
                    ids=selection.ids,
                    filters=selection.filters,
                    metadata=_metadata(form),
                    scheduled_for=scheduled_for,
                    draft=action == "draft",
                    resolve_at_start=_resolve_at_start(form, selection, action),
                    idempotency_key=key,
                    fingerprint=fingerprint,
                )
            except OperationError as exc:  # bad input, too many running, a changed copy of this form raced in
                errors += messages_for(exc)
                status = 429 if isinstance(exc, TooManyActiveOperations) else 400
            else:
                verb = {"draft": "saved as a draft", "schedule": "scheduled"}.get(action, "started")
                noun = target.singular if operation.total == 1 else target.label.lower()
                messages.success(request, f"Operation {verb}: {operation.total:,} {noun}.")
                return redirect("operations:detail", operation_id=operation.pk)
    context = _page_context(request, target, form, params_form, errors=errors, selection=selection)
    return render(request, "operations/builder.html", context, status=status)


def _resolve_at_start(form: BuilderForm, selection, action: str) -> bool:
    """A filter selection scheduled or drafted "whatever matches when it starts"; run now, it is the same."""
    return form.resolve_at_start and selection.filters is not None and action in ("schedule", "draft")


def _metadata(form: BuilderForm) -> dict:
    """The description given, and the list's filter when "all N matching" of a list was chosen."""
    data, metadata = form.cleaned_data, {}
    if data.get("description"):
        metadata["description"] = data["description"]
    if data["method"] == "list" and data.get("select_all"):
        metadata["filter_query"] = data.get("filter_query", "")
    return metadata


def _params_from_query(request, op_type):
    """The parameter form, filled from the query string when a link carries parameters (not yet checked)."""
    if op_type is None:
        return None
    if not any(name.startswith(PARAMS_PREFIX + "-") for name in request.GET):
        return op_type.params_form(location=request.location)
    form = op_type.params_form(request.GET, location=request.location)
    form.errors.clear()  # Pre-filled, not yet submitted: no errors to show.
    return form


def _page_context(request, target: Target, form, params_form, *, errors=(), selection=None) -> dict:
    data = request.POST if request.method == "POST" else None
    filter_form = target.filter_form(data, location=request.location, prefix="f") if target.filter_form else None
    return {
        "target": target,
        "form": form,
        "params_form": params_form,
        "filter_form": filter_form,
        "errors": list(errors),
        "selection": selection,
        "location": request.location,
    }


@login_required
@require_GET
def builder_params(request, target):
    """HTMX: the parameter form of the chosen operation type."""
    target = _target_or_404(request, target)
    op_type = _type_from(request, target)
    params_form = op_type.params_form(location=request.location) if op_type else None
    return render(request, "operations/_builder_params.html", {"params_form": params_form, "op_type": op_type})


@login_required
@require_POST
def builder_count(request, target):
    """HTMX: the live "N records selected", with IDs (or emails) that matched none."""
    target = _target_or_404(request, target)
    context = {"target": target, "count": None}
    if not _nothing_entered(request):  # the page just opened: no complaint about an empty box yet
        _, _, _, selection, errors = _bound(request, target)
        found = selection and preview.count_selected(target=target, location=request.location, selection=selection)
        context.update(count=found or 0, selection=selection, errors=errors)
    return render(request, "operations/_builder_count.html", context)


def _nothing_entered(request) -> bool:
    method = request.POST.get("method") or "ids"
    if method == "ids":
        return not request.POST.get("pasted_ids", "").strip()
    return method == "file" and "upload" not in request.FILES


@login_required
@require_POST
def builder_preview(request, target):
    """HTMX: the dry run: how many would change, be skipped or fail and why, with a sample."""
    target = _target_or_404(request, target)
    op_type, _, params_form, selection, errors = _bound(request, target)
    result = None
    if _params_valid(params_form, errors) and selection and not errors:
        try:
            result = preview.preview_operation(
                user=request.user,
                location=request.location,
                target=target,
                operation_type=op_type.key,
                params=params_form.params(),
                selection=selection,
            )
        except OperationError as exc:
            errors += messages_for(exc)
    context = {"target": target, "preview": result, "errors": errors, "selection": selection}
    context["resolved_at_start"] = request.POST.get("filter_resolution") == "at_start"
    if result is not None:
        plural = target.label.lower()
        context["question"] = params_form.confirmation(count=result.total, singular=target.singular, plural=plural)
    return render(request, "operations/_builder_preview.html", context)

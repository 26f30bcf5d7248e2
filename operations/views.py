"""Pages of bulk operations: history, the live page and its actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from accounts import policy
from accounts.policy import Action
from operations import bulk_views, engine, form_keys, results, scheduling
from operations.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    OperationError,
    messages_for,
)
from operations.forms import HistoryFilterForm, RescheduleForm
from operations.models import BulkOperation, ItemStatus, OperationStatus
from operations.params_forms import PARAMS_PREFIX
from operations.registry import get_target, get_type
from operations.selectors import estimate_completion, visible_operations
from web.pages import render_page, wants_partial

HISTORY_PER_PAGE = 25
ITEMS_PER_PAGE = 25
ITEM_FILTERS = [
    ("failed", "Failed"),
    ("skipped", "Skipped"),
    ("succeeded", "Succeeded"),
    ("pending", "Pending"),
    ("", "All"),
]


def _operation_or_404(request, operation_id) -> BulkOperation:
    operation = visible_operations(request.user).filter(pk=operation_id).first()
    if operation is None:
        raise Http404("No such operation.")
    return operation


def _forbidden(request, operation: BulkOperation, action: str) -> HttpResponse:
    context = {"operation": operation, "action": action}
    return render(request, "operations/forbidden.html", context, status=403)


def _type_label(operation: BulkOperation) -> str:
    try:
        return get_type(operation.target, operation.operation_type).label
    except LookupError:
        return operation.operation_type


def _target_label(target: str) -> str:
    try:
        return get_target(target).label
    except LookupError:
        return target


def _title(operation: BulkOperation) -> str:
    """An operation's page title: "Change stage · 77 leads", "Undo of Change stage · 77 leads"."""
    if operation.undo_of_id and operation.undo_of:
        return f"Undo of {_title(operation.undo_of)}"
    return f"{_type_label(operation)} · {operation.total:,} {_target_label(operation.target).lower()}"


def _undone_by(operation: BulkOperation) -> BulkOperation | None:
    """The undo that ran (or runs) over this operation, if any did."""
    return operation.undos.exclude(status__in=(OperationStatus.FAILED, OperationStatus.CANCELLED)).first()


def _can_undo(operation: BulkOperation) -> bool:
    try:
        reversible = get_type(operation.target, operation.operation_type).reversible
    except LookupError:
        return False
    return (
        reversible
        and operation.status in (OperationStatus.COMPLETED, OperationStatus.CANCELLED)
        and operation.successful > 0
        and not operation.undo_of_id
        and _undone_by(operation) is None
    )


def _file_context(request, operation: BulkOperation) -> dict:
    """The file the operation wrote (an export), offered once it is done to whom its type allows."""
    try:
        op_type = get_type(operation.target, operation.operation_type)
    except LookupError:
        return {}
    if not op_type.produces_file or not op_type.may_download(request.user, operation):
        return {}
    return {"result_file": op_type.result_file(operation), "file_coming": not operation.is_final}


def _live_context(request, operation: BulkOperation) -> dict:
    def may(action: Action) -> bool:
        return engine.allows(request.user, action, operation)

    return {
        "operation": operation,
        "zone": operation.location.timezone,
        "type_label": _type_label(operation),
        "target_label": _target_label(operation.target),
        "can_cancel": operation.is_cancellable and may(Action.OPERATION_CANCEL),
        "can_start": operation.status == OperationStatus.DRAFT and may(Action.OPERATION_START),
        "can_edit": operation.status in scheduling.EDITABLE_STATUSES and may(Action.OPERATION_START),
        "can_retry": operation.is_final and operation.failed > 0 and may(Action.OPERATION_RETRY),
        "can_undo": _can_undo(operation) and may(Action.OPERATION_UNDO),
        "rate": operation.items_per_second,
        "eta": None if operation.is_final else estimate_completion(operation),
        **_file_context(request, operation),
    }


def _items_context(request, operation: BulkOperation) -> dict:
    status = request.GET.get("status", "failed")
    if status not in dict(ITEM_FILTERS):
        status = "failed"
    items = operation.items.order_by("pk")
    if status:
        items = items.filter(status=status)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    rows = results.readable(operation, list(page.object_list))
    try:
        op_type = get_type(operation.target, operation.operation_type)
    except LookupError:
        op_type = None
    return {
        "operation": operation,
        "zone": operation.location.timezone,
        "items_page": page,
        "item_rows": rows,
        "record_note_label": op_type.record_note_label if op_type else "",
        "type_figures": op_type.figures(operation) if op_type else [],
        "item_status": status,
        "item_filters": ITEM_FILTERS,
        "item_status_label": dict(ItemStatus.choices).get(status, ""),
    }


# --- History ------------------------------------------------------------------------


@login_required
@require_GET
def operation_list(request):
    location = request.location
    form = HistoryFilterForm(request.GET or None, location=location)
    page = None
    if location is not None and (not form.is_bound or form.is_valid()):
        operations = visible_operations(request.user).filter(location=location).order_by("-created_at", "-pk")
        if form.is_bound:
            operations = form.apply(operations)
        page = Paginator(operations, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    query = form.query_string() if form.is_bound else ""
    rows = [(op, _type_label(op), _target_label(op.target)) for op in page.object_list] if page else []
    context = {"form": form, "page": page, "rows": rows, "query": query, "filtered": bool(query)}
    context["zone"] = location.timezone if location else ""
    return render_page(request, "operations/list.html", "operations/_history.html", context)


# --- The live page ---------------------------------------------------------------------


@login_required
@require_GET
def operation_detail(request, operation_id):
    operation = _operation_or_404(request, operation_id)
    try:
        op_type = get_type(operation.target, operation.operation_type)
        parameters = op_type.describe_parameters(operation.parameters, location=operation.location)
    except LookupError:
        parameters = [(name, str(value)) for name, value in operation.parameters.items()]
    context = {
        **_live_context(request, operation),
        **_items_context(request, operation),
        # An undo restores what its original changed: the original's parameters would mislead.
        "parameters": [] if operation.undo_of_id else parameters,
        "title": _title(operation),
        "undone_by": _undone_by(operation),
    }
    if operation.undo_of:
        context["original_title"] = _title(operation.undo_of)
    return render(request, "operations/detail.html", context)


@login_required
@require_GET
def operation_progress(request, operation_id):
    """The counters, progress bar and actions: polled by the live page when the socket is down."""
    operation = _operation_or_404(request, operation_id)
    response = render(request, "operations/_live.html", _live_context(request, operation))
    if operation.is_final:
        trigger_client_event(response, "operationFinished")  # The records list reloads itself.
    return response


@login_required
@require_GET
def operation_items(request, operation_id):
    operation = _operation_or_404(request, operation_id)
    if not wants_partial(request):
        return operation_detail(request, operation_id)
    return render(request, "operations/_items.html", _items_context(request, operation))


@login_required
@require_GET
def operation_results(request, operation_id):
    operation = _operation_or_404(request, operation_id)
    response = StreamingHttpResponse(results.stream_results_csv(operation), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="operation-{operation.pk}-results.csv"'
    return response


# --- Actions: GET shows a confirmation page (no JS), POST acts ---------------------------

ACTIONS = {
    "cancel": {
        "title": "Cancel this operation?",
        "explain": "Records already processed keep their changes; no further records are processed.",
        "button": "Cancel operation",
        "permission": Action.OPERATION_CANCEL,
    },
    "retry": {
        "title": "Retry the failed records?",
        "explain": "A new operation with the same action runs over this operation's failed records.",
        "button": "Retry failed",
        "permission": Action.OPERATION_RETRY,
    },
    "undo": {
        "title": "Undo this operation?",
        "explain": "A new operation restores the previous values of the records this one changed.",
        "button": "Undo",
        "permission": Action.OPERATION_UNDO,
    },
    "start": {
        "title": "Start this draft now?",
        "explain": "The operation is queued at once.",
        "button": "Start now",
        "permission": Action.OPERATION_START,
    },
}


# What a second submit of an action's form says, landing where the first one led.
REPEATED = {
    "cancel": "This operation was already cancelled.",
    "retry": form_keys.ALREADY_STARTED,
    "undo": form_keys.ALREADY_STARTED,
    "start": form_keys.ALREADY_STARTED,
}


def _done(request, operation: BulkOperation):
    return _go(request, reverse("operations:detail", args=[operation.pk]))


def _go(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _earlier_url(request, key: str, fingerprint: str) -> str | None:
    """Where this action's form led when it was sent before: the retry or undo the engine made
    with its key, or the page a start or cancel with it was remembered to have led to."""
    made = engine.replayed_operation(user=request.user, idempotency_key=key, fingerprint=fingerprint)
    if made is not None:
        return reverse("operations:detail", args=[made.pk])
    try:
        return form_keys.earlier_url(request, key, fingerprint)
    except form_keys.ChangedSinceSubmitted:
        raise IdempotencyConflict from None


def _already_done(action: str, operation: BulkOperation) -> bool:
    """Whether a start or cancel refused as a transition had in fact been done already."""
    operation.refresh_from_db()
    if action == "cancel":
        return operation.status == OperationStatus.CANCELLED
    return action == "start" and operation.status not in (OperationStatus.DRAFT, OperationStatus.CANCELLED)


def _run_action(request, operation_id, action: str, perform):
    operation = _operation_or_404(request, operation_id)
    if not engine.allows(request.user, ACTIONS[action]["permission"], operation):
        return _forbidden(request, operation, action)
    if request.method == "GET":
        context = {"operation": operation, "type_label": _type_label(operation), "action": action, **ACTIONS[action]}
        return render(request, "operations/confirm_action.html", context)
    key, fingerprint = form_keys.posted_key(request), form_keys.fingerprint(request)
    try:
        earlier = _earlier_url(request, key, fingerprint)
        if earlier is not None:  # the same form again: Back then submit, a double click, a reload
            messages.info(request, REPEATED[action])
            return _go(request, earlier)
        result, message = perform(operation, {"idempotency_key": key, "fingerprint": fingerprint})
    except OperationError as exc:
        if isinstance(exc, InvalidTransition) and _already_done(action, operation):
            messages.info(request, REPEATED[action])  # a second cancel or start from a page shown before the first
        else:
            messages.error(request, " ".join(messages_for(exc)))
        return _done(request, operation)
    form_keys.remember(request, key, fingerprint, reverse("operations:detail", args=[result.pk]))
    messages.success(request, message)
    return _done(request, result)


@login_required
@require_http_methods(["GET", "POST"])
def operation_cancel(request, operation_id):
    def perform(operation, once):
        operation = engine.cancel_operation(operation=operation, user=request.user)
        return operation, f"Operation cancelled after {operation.processed:,} of {operation.total:,} records."

    return _run_action(request, operation_id, "cancel", perform)


@login_required
@require_http_methods(["GET", "POST"])
def operation_retry(request, operation_id):
    def perform(operation, once):
        new = engine.retry_failed(operation=operation, user=request.user, **once)
        return new, f"Retrying {new.total:,} failed records in a new operation."

    return _run_action(request, operation_id, "retry", perform)


@login_required
@require_http_methods(["GET", "POST"])
def operation_undo(request, operation_id):
    def perform(operation, once):
        new = engine.undo_operation(operation=operation, user=request.user, **once)
        return new, f"Undoing the changes to {new.total:,} records in a new operation."

    return _run_action(request, operation_id, "undo", perform)


@login_required
@require_http_methods(["GET", "POST"])
def operation_start(request, operation_id):
    def perform(operation, once):
        return engine.start_draft(operation=operation), "The operation is queued."

    return _run_action(request, operation_id, "start", perform)


@login_required
@require_http_methods(["GET", "POST"])
def operation_edit(request, operation_id):
    """Edit a draft or scheduled operation: its parameters (the type's own form) and its start time."""
    operation = _operation_or_404(request, operation_id)
    if operation.status not in scheduling.EDITABLE_STATUSES:
        messages.info(request, "Only a draft or a scheduled operation can be edited.")
        return _done(request, operation)
    op_type = get_type(operation.target, operation.operation_type)
    if not (
        engine.allows(request.user, Action.OPERATION_START, operation)
        and policy.allows(request.user, op_type.create_action, operation.location)
    ):
        return _forbidden(request, operation, "edit")
    data = request.POST if request.method == "POST" else None
    params_form = op_type.params_form(data, location=operation.location)
    if data is None:
        params_form.initial = operation.parameters
    when_form = RescheduleForm(data, operation=operation)
    status = 200
    if data is not None and params_form.is_valid() and when_form.is_valid():
        action = request.POST.get("action", "save")
        try:
            scheduling.update_operation(
                operation=operation,
                user=request.user,
                params=params_form.params(),
                scheduled_for=when_form.cleaned_data["scheduled_for"],
                status={"schedule": OperationStatus.SCHEDULED, "run": OperationStatus.PENDING}.get(action),
            )
        except InvalidInput as exc:
            params_form.add_operation_errors(exc)
        except OperationError as exc:
            messages.error(request, " ".join(messages_for(exc)))
            return _done(request, operation)
        else:
            messages.success(request, "The operation was saved.")
            return _done(request, operation)
    if data is not None:
        status = 400
    context = {
        "operation": operation,
        "type_label": _type_label(operation),
        "params_form": params_form,
        "when_form": when_form,
        "zone": operation.location.timezone,
    }
    return render(request, "operations/edit.html", context, status=status)


# --- The first addresses of the tickets list's bulk bar: now the one bulk flow (operations.bulk_views) ---


@login_required
@require_http_methods(["GET", "POST"])
def tickets_bulk_form(request):
    """The bar's parameter and confirm steps: the tickets' bulk page, with the selection, type and parameters."""
    data = request.POST if request.method == "POST" else request.GET
    query = QueryDict(mutable=True)
    for name, values in data.lists():
        if name in ("operation_type", "ids", "select_all", "filter_query") or name.startswith(PARAMS_PREFIX + "-"):
            query.setlist(name, values)
    return _go(request, f"{reverse('operations:builder', args=['tickets'])}?{query.urlencode()}")


@login_required
@require_POST
def tickets_bulk_create(request):
    """The bar's create step: the bulk page's run, which takes the bar's selection as it is."""
    return bulk_views.builder(request, "tickets")

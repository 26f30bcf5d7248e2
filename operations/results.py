"""Per-record outcomes of an operation as a person reads them (name, before → after), and as CSV
streamed in chunks so any size fits in memory."""

import csv
from collections.abc import Iterator

from operations.models import BulkOperation, ItemStatus
from operations.registry import get_target, get_type

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with a quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


CSV_CHUNK = 2000


def stream_results_csv(operation: BulkOperation) -> Iterator[str]:
    """Every item's outcome, with the record's name and the type's before and after, in pk order."""
    writer = csv.writer(_Echo())
    yield writer.writerow(["object_id", "status", "error_message", "processed_at", "name", "before", "after"])
    items = operation.items.order_by("pk")
    last_pk = 0
    while chunk := list(items.filter(pk__gt=last_pk)[:CSV_CHUNK]):
        last_pk = chunk[-1].pk
        for item in readable(operation, chunk, notes=False):
            yield writer.writerow(
                [
                    item.object_id,
                    item.status,
                    neutralize_formula(item.error_message),
                    item.processed_at.isoformat() if item.processed_at else "",
                    neutralize_formula(item.label),
                    neutralize_formula(item.before_text),
                    neutralize_formula(item.after_text),
                ]
            )


def readable(operation: BulkOperation, items: list, *, notes: bool = True) -> list:
    """Set on each item what a person reads about its record: the pages, CSV and API all show these.

    `label`: the record's name ("" once it is gone); `url`: its page while it exists; `before_text`,
    `after_text` and `change` ("before → after"): what the type says it changed, for succeeded items;
    `note`: what the type heard about the record since (an SMS's delivery).
    """
    try:
        target = get_target(operation.target)
        op_type = get_type(operation.target, operation.operation_type)
    except LookupError:
        target = op_type = None
    ids = [item.object_id for item in items]
    names, urls = _names_and_urls(operation, target, op_type, ids) if target else ({}, {})
    changes = _changes(operation, op_type, items) if op_type else {}
    heard = op_type.record_notes(operation, ids) if op_type and notes else {}
    for item in items:
        item.label = names.get(item.object_id, "")
        item.url = urls.get(item.object_id, "")
        item.before_text, item.after_text = changes.get(item.object_id, ("", ""))
        item.change = f"{item.before_text} → {item.after_text}" if item.before_text else item.after_text
        item.note = heard.get(item.object_id, "")
    return items


def _names_and_urls(operation, target, op_type, ids) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the location's records among ids (also those the type's undo still reaches, e.g.
    deleted tickets), and the pages of those that are still listed."""
    location = operation.location
    records = op_type.queryset(target, location, undo=True) if op_type else target.records(location)
    names = {record.pk: target.record_name(record) for record in records.filter(pk__in=ids)}
    listed = target.records(location).filter(pk__in=ids).values_list("pk", flat=True) if target.detail_url_name else []
    return names, {pk: target.record_url(pk) for pk in listed}


def _changes(operation: BulkOperation, op_type, items: list) -> dict[int, tuple[str, str]]:
    """(before, after) text of the succeeded items, from what they stored.

    An undo shows its original's change reversed: the value that operation set → the one restored.
    """
    succeeded = {item.object_id: item.before for item in items if item.status == ItemStatus.SUCCEEDED}
    if not succeeded:
        return {}
    if not operation.undo_of_id:
        return op_type.recorded_changes(operation, succeeded)
    original = operation.undo_of
    befores = dict(original.items.filter(object_id__in=succeeded).values_list("object_id", "before"))
    return {
        pk: (after, before) if before else ("", f"Undone: {after}")
        for pk, (before, after) in op_type.recorded_changes(original, befores).items()
    }

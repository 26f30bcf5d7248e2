"""Per-record outcomes of an operation as CSV, streamed so any size fits in memory."""

import csv
from collections.abc import Iterator

from operations.models import BulkOperation
from operations.registry import get_type

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with a quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


def stream_results_csv(operation: BulkOperation) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(["object_id", "status", "error_message", "processed_at"])
    rows = operation.items.order_by("pk").values_list("object_id", "status", "error_message", "processed_at")
    for object_id, status, error, processed_at in rows.iterator(chunk_size=5000):
        yield writer.writerow(
            [object_id, status, neutralize_formula(error), processed_at.isoformat() if processed_at else ""]
        )


def with_record_notes(operation: BulkOperation, items: list) -> list:
    """Set `note` on each item: what the operation's type heard about its record since (SMS delivery)."""
    try:
        op_type = get_type(operation.target, operation.operation_type)
    except LookupError:
        notes = {}
    else:
        notes = op_type.record_notes(operation, [item.object_id for item in items])
    for item in items:
        item.note = notes.get(item.object_id, "")
    return items

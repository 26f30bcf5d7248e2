"""Refusals that carry their own HTTP status, and validation errors as one flat list.

`Refused` is the base of every refusal an app raises outside a form or a serializer (the
engine's `OperationError`s): the API's exception handler (web/api.py) answers it with its
status, `{"detail": message, "errors": errors}` and `Retry-After` when it has one; pages show
`page_messages()`.
"""

from collections.abc import Mapping


class Refused(Exception):
    """Something refused, with the reason for the user: a message, field errors and a status."""

    status_code = 400
    default_message = "Request failed."
    retry_after: int | None = None  # seconds, the Retry-After header of a 429

    def __init__(self, message: str | None = None, *, errors: list[dict] | None = None):
        self.message = message or self.default_message
        self.errors = list(errors or [])
        super().__init__(self.message)

    def page_messages(self) -> list[str]:
        """How a page says it: the field errors as "field: message", else the message."""
        if not self.errors:
            return [self.message]
        return [f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in self.errors]


def field_errors(detail, prefix: str = "") -> list[dict]:
    """Nested validation errors as a flat [{"field", "message"}]: {"a": {"b": ["x"]}} → field "a.b".

    "non_field_errors" (a serializer's) and a bare list or text are errors of the whole (field None).
    """
    if isinstance(detail, Mapping):
        errors = []
        for key, value in detail.items():
            field = key if not prefix else f"{prefix}.{key}"
            errors.extend(field_errors(value, "" if key == "non_field_errors" and not prefix else field))
        return errors
    if isinstance(detail, (list, tuple)):
        if all(not isinstance(item, (Mapping, list, tuple)) for item in detail):
            return [{"field": prefix or None, "message": str(item)} for item in detail]
        errors = []
        for index, item in enumerate(detail):
            errors.extend(field_errors(item, f"{prefix}[{index}]" if prefix else str(index)))
        return errors
    return [{"field": prefix or None, "message": str(detail)}]

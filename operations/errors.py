"""The engine's refusals: one exception hierarchy, with no web framework in it.

Each `OperationError` is a `web.errors.Refused`: it carries a `message`, field `errors`
([{"field", "message"}], field None for the request as a whole) and the HTTP status it means. It
is mapped once to API responses (the exception handler in web/api.py: `{"detail", "errors"}` with
the status, and `Retry-After` on a 429) and once to page messages (`messages_for` below).
"""

from operations import form_keys
from web.errors import Refused, field_errors


class OperationError(Refused):
    """Something the engine refuses to do, with the reason for the user."""


class InvalidInput(OperationError):
    """Bad input: the field errors say which fields and why (400)."""

    default_message = "Invalid input."

    @classmethod
    def field(cls, field: str | None, message: str) -> "InvalidInput":
        return cls(errors=[{"field": field, "message": message}])

    @classmethod
    def from_detail(cls, detail) -> "InvalidInput":
        """From nested validation errors ({"field": ["message"]}, a list, a text): a serializer's."""
        return cls(errors=field_errors(detail))


class InvalidTransition(OperationError):
    """The operation is not in a state that allows this action (409)."""

    status_code = 409


class TooManyActiveOperations(OperationError):
    """The user already has the maximum number of operations pending or running (429)."""

    status_code = 429
    retry_after = 30  # seconds, the Retry-After header
    default_message = "You have too many operations pending or running; wait for one to finish."


class IdempotencyConflict(OperationError):
    """The idempotency key was used before with another request body (409)."""

    status_code = 409
    default_message = "This Idempotency-Key was already used with a different request body."

    def page_messages(self) -> list[str]:
        return [form_keys.CHANGED_AFTER_SUBMIT]  # a page's key is its form's, not a header


def messages_for(exc: Exception) -> list[str]:
    """What a page shows for a refusal: an OperationError, a Django or a serializer ValidationError."""
    if isinstance(exc, OperationError):
        return exc.page_messages()
    detail = getattr(exc, "detail", None)  # a DRF ValidationError (a type's Params, campaign settings)
    if detail is None and hasattr(exc, "error_dict"):  # a Django ValidationError with field errors
        detail = exc.message_dict
    if detail is None:
        return list(getattr(exc, "messages", [str(exc)]))
    return InvalidInput.from_detail(detail).page_messages()

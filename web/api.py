"""API-wide conventions: every error is JSON {"detail": ..., "errors": [...]} with a 4xx, in the
responses and in the schema; list paging; query date-times; the routes."""

from datetime import UTC
from http import HTTPStatus

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import Http404
from django.urls import path
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from web.errors import Refused, field_errors


def exception_handler(exc, context):
    if isinstance(exc, Refused):  # the engine's refusals (OperationError), with their status
        exc = RefusedException(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        exc = PayloadTooLarge(f"The request body is larger than {limit:g} MB.")
    elif isinstance(exc, SuspiciousOperation):  # too many fields or files, a broken multipart body
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, RecursionError):  # the JSON parser on a body of thousands of nested [[[…
        exc = exceptions.ParseError("The request body is nested too deeply.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, RefusedException):
        body = {"detail": exc.error.message, "errors": exc.error.errors}
    elif isinstance(exc, exceptions.ValidationError):
        body = {"detail": "Invalid input.", "errors": field_errors(data)}
    elif isinstance(data, dict) and "detail" in data:
        body = {"detail": str(data["detail"]), "errors": data.get("errors", [])}
    else:
        body = {"detail": "Request failed.", "errors": field_errors(data)}
    response.data = body
    return response


class RefusedException(exceptions.APIException):
    """A `Refused` as DRF sees it: its status, and Retry-After (DRF's `wait`) on a 429."""

    def __init__(self, error: Refused):
        super().__init__(error.message)
        self.error = error
        self.status_code = error.status_code
        self.wait = error.retry_after


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


class ApiPagination(LimitOffsetPagination):
    """?limit=&offset= pages, at most max_limit rows: a larger limit gives max_limit (unbounded, a
    huge LIMIT is a database error)."""

    max_limit = 1000


class _UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Enter a date-time that is in the years 1 to 9999 in UTC too.") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter, compared in UTC: an offset PostgreSQL refuses (-17:54) still
    filters, and 0001-01-01T00:00+14:00 (the year 0 in UTC) is a 400, not a 500."""

    field_class = _UtcDateTimeField


class NotFoundApi(APIView):
    """Any other URL under /api/v1/ (a path id that is not a number or a UUID, a typo): a JSON 404."""

    permission_classes = []  # what is not there is not there, signed in or not
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()


def api_path(route: str, view_class, name: str) -> list:
    """The route with and without its trailing slash; only the slashed one is in the schema."""
    route = route.rstrip("/")
    return [
        path(f"{route}/", view_class.as_view(), name=name),
        path(route, view_class.as_view(schema=None)),
    ]


# --- The error shape in the OpenAPI schema ------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True, "description": "null: the request as a whole"},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["detail", "errors"],
}


def document_errors(result, generator, request, public):
    """drf-spectacular hook: every operation documents the 4xx it may answer, with the error shape.

    401 and 403 everywhere, 400 where there is input (a body, query or header parameters), 413
    and 415 where there is a body, 404 where the path names a record; a view declares any other
    (409, 429) as `{409: None}`.
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result["paths"].values():
        for operation in operations.values():
            places = {parameter["in"] for parameter in operation.get("parameters", [])}
            codes = {401, 403}
            if "requestBody" in operation or places - {"path"}:
                codes.add(400)
            if "requestBody" in operation:
                codes |= {413, 415}
            if "path" in places:
                codes.add(404)
            responses = operation["responses"]
            for code in codes:
                responses.setdefault(str(code), {})
            for code, response in responses.items():
                if code.startswith("4"):
                    response["description"] = HTTPStatus(int(code)).phrase
                    response["content"] = body
    return result

"""API-wide error shape: every error is JSON {"detail": ..., "errors": [...]} with a 4xx."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(data, prefix: str = "") -> list[dict]:
    if isinstance(data, dict):
        errors = []
        for key, value in data.items():
            field = key if not prefix else f"{prefix}.{key}"
            errors.extend(_flatten(value, "" if key == "non_field_errors" and not prefix else field))
        return errors
    if isinstance(data, list):
        if all(not isinstance(item, (dict, list)) for item in data):
            return [{"field": prefix or None, "message": str(item)} for item in data]
        errors = []
        for index, item in enumerate(data):
            errors.extend(_flatten(item, f"{prefix}[{index}]" if prefix else str(index)))
        return errors
    return [{"field": prefix or None, "message": str(data)}]


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body = {"detail": "Invalid input.", "errors": _flatten(data)}
    elif isinstance(data, dict) and "detail" in data:
        body = {"detail": str(data["detail"]), "errors": data.get("errors", [])}
    else:
        body = {"detail": "Request failed.", "errors": _flatten(data)}
    response.data = body
    return response


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def error_response(detail: str, status_code: int, errors: list | None = None, headers=None) -> Response:
    return Response({"detail": detail, "errors": errors or []}, status=status_code, headers=headers)


def api_path(route: str, view_class, name: str) -> list:
    """The route with and without its trailing slash; only the slashed one is in the schema."""
    route = route.rstrip("/")
    return [
        path(f"{route}/", view_class.as_view(), name=name),
        path(route, view_class.as_view(schema=None)),
    ]

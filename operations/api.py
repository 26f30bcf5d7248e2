"""REST endpoints: seed 003's ticket bulk operations, and the generic /bulk-operations."""

import hashlib
import json

from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import policy
from accounts.policy import Action
from accounts.serializers import resolve_location
from operations import engine, results, scheduling
from operations.models import RESOLVE_AT_START, BulkOperation
from operations.registry import get_type, targets, types_for
from operations.selectors import visible_operations
from operations.serializers import (
    BulkCreateInput,
    BulkOperationItemListOutput,
    BulkOperationListOutput,
    BulkOperationOutput,
    BulkUpdateInput,
    GenericListQueryInput,
    ItemsQueryInput,
    ListQueryInput,
    OperationTypeOutput,
    TicketBulkCancelOutput,
    TicketBulkCreateInput,
    TicketBulkCreateOutput,
    TicketBulkListOutput,
    TicketBulkStatusOutput,
)
from web.api import Conflict

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Repeat a create safely: the same key and body return the same operation; another body is a 409.",
)


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.path}\n{body}".encode()).hexdigest()


def _create(request, *, location, **kwargs) -> tuple[BulkOperation, bool]:
    """Run engine.create_operation with the request's Idempotency-Key (its refusals are the handler's)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 255:
        raise serializers.ValidationError({"Idempotency-Key": ["At most 255 characters."]})
    if "\x00" in key:
        raise serializers.ValidationError({"Idempotency-Key": ["Null characters are not allowed."]})
    return engine.create_operation(
        user=request.user, location=location, idempotency_key=key, fingerprint=_fingerprint(request), **kwargs
    )


def _get_visible(request, operation_id) -> BulkOperation:
    operation = visible_operations(request.user).filter(pk=operation_id).first()
    if operation is None:
        raise NotFound("Bulk operation not found.")
    return operation


def _require(request, action: Action, operation) -> None:
    if not engine.allows(request.user, action, operation):
        raise PermissionDenied(policy.refusal(action))


def _page(queryset, query) -> tuple[list, int, bool]:
    total = queryset.count()
    rows = list(queryset[query["offset"] : query["offset"] + query["limit"]])
    return rows, total, query["offset"] + len(rows) < total


# --- Seed 003: /api/v1/tickets/bulk-operations ---------------------------------------


class TicketBulkOperationsApi(APIView):
    throttle_scope = "bulk_create"

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(parameters=[ListQueryInput], responses=TicketBulkListOutput, operation_id="tickets_bulk_list")
    def get(self, request):
        query = ListQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        queryset = visible_operations(request.user).filter(created_by=request.user, target="tickets")
        if query.validated_data.get("status"):
            queryset = queryset.filter(status=query.validated_data["status"])
        rows, total, has_more = _page(queryset.order_by("-created_at"), query.validated_data)
        return Response(TicketBulkListOutput({"operations": rows, "total": total, "has_more": has_more}).data)

    @extend_schema(
        request=TicketBulkCreateInput,
        responses={201: TicketBulkCreateOutput, 200: TicketBulkCreateOutput, 409: None, 429: None},
        parameters=[IDEMPOTENCY_HEADER],
        operation_id="tickets_bulk_create",
    )
    def post(self, request):
        data = TicketBulkCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        operation, created = _create(
            request,
            location=resolve_location(data, values),
            target="tickets",
            operation_type=values["operation_type"],
            params=values["operation_data"],
            ids=values["ticket_ids"],
            metadata=values["metadata"],
        )
        return Response(
            TicketBulkCreateOutput(operation).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class TicketBulkOperationDetailApi(APIView):
    @extend_schema(responses=TicketBulkStatusOutput, operation_id="tickets_bulk_status")
    def get(self, request, operation_id):
        operation = _get_visible(request, operation_id)
        if operation.target != "tickets":
            raise NotFound("Bulk operation not found.")
        return Response(TicketBulkStatusOutput(operation).data)


class TicketBulkOperationCancelApi(APIView):
    @extend_schema(request=None, responses={200: TicketBulkCancelOutput, 409: None}, operation_id="tickets_bulk_cancel")
    def post(self, request, operation_id):
        operation = _get_visible(request, operation_id)
        if operation.target != "tickets":
            raise NotFound("Bulk operation not found.")
        _require(request, Action.OPERATION_CANCEL, operation)
        operation = engine.cancel_operation(operation=operation, user=request.user)
        return Response(TicketBulkCancelOutput(operation).data)


# --- Generic: /api/v1/bulk-operations -------------------------------------------------


class BulkOperationsApi(APIView):
    throttle_scope = "bulk_create"

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[GenericListQueryInput], responses=BulkOperationListOutput, operation_id="bulk_operations_list"
    )
    def get(self, request):
        query = GenericListQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = query.validated_data
        queryset = visible_operations(request.user).order_by("-created_at")
        for field in ("status", "target", "operation_type"):
            if values.get(field):
                queryset = queryset.filter(**{field: values[field]})
        if values["mine"]:
            queryset = queryset.filter(created_by=request.user)
        rows, total, has_more = _page(queryset, values)
        page = {"operations": rows, "total": total, "has_more": has_more}
        return Response(BulkOperationListOutput(page, context={"request": request}).data)

    @extend_schema(
        request=BulkCreateInput,
        responses={201: BulkOperationOutput, 200: BulkOperationOutput, 409: None, 429: None},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def post(self, request):
        data = BulkCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        operation, created = _create(
            request,
            location=resolve_location(data, values),
            target=values["target"],
            operation_type=values["operation_type"],
            params=values["parameters"],
            ids=values.get("ids"),
            filters=values.get("filters"),
            metadata=values["metadata"],
            scheduled_for=values.get("scheduled_for"),
            draft=values["draft"],
            resolve_at_start=values["filter_resolution"] == RESOLVE_AT_START,
        )
        return Response(
            BulkOperationOutput(operation).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class BulkOperationTypesApi(APIView):
    @extend_schema(responses=OperationTypeOutput(many=True))
    def get(self, request):
        rows = [
            {
                "target": t.key,
                "key": op.key,
                "label": op.label,
                "description": op.description,
                "reversible": op.reversible,
            }
            for t in targets()
            for op in types_for(t.key)
        ]
        return Response(OperationTypeOutput(rows, many=True).data)


class BulkOperationDetailApi(APIView):
    @extend_schema(responses=BulkOperationOutput)
    def get(self, request, operation_id):
        operation = _get_visible(request, operation_id)
        return Response(BulkOperationOutput(operation, context={"request": request}).data)

    @extend_schema(
        request=BulkUpdateInput,
        responses={200: BulkOperationOutput, 409: None},
        description="Edit a draft or scheduled operation: its parameters, its start time; schedule or run a draft. "
        "409 once it has started.",
    )
    def patch(self, request, operation_id):
        operation = _get_visible(request, operation_id)
        data = BulkUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        operation = scheduling.update_operation(
            operation=operation,
            user=request.user,
            params=values.get("parameters"),
            scheduled_for=values.get("scheduled_for"),
            status=values.get("status"),
        )
        return Response(BulkOperationOutput(operation, context={"request": request}).data)


def _lifecycle_view(action_name: str, permission: Action, action, doc: str):
    class LifecycleApi(APIView):
        @extend_schema(
            request=None,
            responses={200: BulkOperationOutput, 201: BulkOperationOutput, 409: None, 429: None},
            description=doc,
        )
        def post(self, request, operation_id):
            operation = _get_visible(request, operation_id)
            _require(request, permission, operation)
            result, created = action(operation, request.user)
            return Response(
                BulkOperationOutput(result).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
            )

    LifecycleApi.__name__ = LifecycleApi.__qualname__ = f"BulkOperation{action_name}Api"
    return LifecycleApi


BulkOperationCancelApi = _lifecycle_view(
    "Cancel",
    Action.OPERATION_CANCEL,
    lambda op, user: (engine.cancel_operation(operation=op, user=user), False),
    "Stop the operation.",
)
BulkOperationRetryApi = _lifecycle_view(
    "Retry",
    Action.OPERATION_RETRY,
    lambda op, user: (engine.retry_failed(operation=op, user=user), True),
    "A new operation over this one's failed records.",
)
BulkOperationUndoApi = _lifecycle_view(
    "Undo",
    Action.OPERATION_UNDO,
    lambda op, user: (engine.undo_operation(operation=op, user=user), True),
    "A new operation restoring the values this one changed, skipping records changed since.",
)
BulkOperationStartApi = _lifecycle_view(
    "Start",
    Action.OPERATION_START,
    lambda op, user: (engine.start_draft(operation=op), False),
    "Run a draft operation now.",
)


class BulkOperationItemsApi(APIView):
    @extend_schema(parameters=[ItemsQueryInput], responses=BulkOperationItemListOutput)
    def get(self, request, operation_id):
        operation = _get_visible(request, operation_id)
        query = ItemsQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        queryset = operation.items.order_by("pk")
        if query.validated_data.get("status"):
            queryset = queryset.filter(status=query.validated_data["status"])
        rows, total, has_more = _page(queryset, query.validated_data)
        rows = results.readable(operation, list(rows))
        return Response(BulkOperationItemListOutput({"items": rows, "total": total, "has_more": has_more}).data)


class BulkOperationResultsCsvApi(APIView):
    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, operation_id):
        operation = _get_visible(request, operation_id)
        response = StreamingHttpResponse(results.stream_results_csv(operation), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="operation-{operation.pk}-results.csv"'
        return response


class BulkOperationFileApi(APIView):
    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            409: None,
        },
        description=(
            "The file an export operation wrote (CSV, JSON or XLSX, as its `format` parameter chose), streamed as "
            "an attachment. Served to the export's creator and the location's managers and admins; anyone else, "
            "an operation that is no export, or one that ended without a file (cancelled, failed) is a 404. "
            "An export still running is a 409: ask again once its status is `completed`."
        ),
    )
    def get(self, request, operation_id):
        operation = _get_visible(request, operation_id)
        try:
            op_type = get_type(operation.target, operation.operation_type)
        except LookupError:
            raise NotFound("This operation has no file.") from None
        if not op_type.produces_file or not op_type.may_download(request.user, operation):
            raise NotFound("This operation has no file.")
        if not operation.is_final:
            raise Conflict("The export has not finished yet; its file is ready once the operation is completed.")
        result = op_type.result_file(operation)
        try:
            handle = result.file.open("rb") if result else None
        except FileNotFoundError:
            handle = None
        if handle is None:
            raise NotFound("This operation has no file.")
        return FileResponse(handle, as_attachment=True, filename=result.filename, content_type=result.content_type)

from operations import api
from web.api import api_path

urlpatterns = [
    *api_path("tickets/bulk-operations", api.TicketBulkOperationsApi, name="api-ticket-bulk-list"),
    *api_path(
        "tickets/bulk-operations/<uuid:operation_id>", api.TicketBulkOperationDetailApi, name="api-ticket-bulk-detail"
    ),
    *api_path(
        "tickets/bulk-operations/<uuid:operation_id>/cancel",
        api.TicketBulkOperationCancelApi,
        name="api-ticket-bulk-cancel",
    ),
    *api_path("bulk-operations", api.BulkOperationsApi, name="api-bulk-list"),
    *api_path("bulk-operations/types", api.BulkOperationTypesApi, name="api-bulk-types"),
    *api_path("bulk-operations/<uuid:operation_id>", api.BulkOperationDetailApi, name="api-bulk-detail"),
    *api_path("bulk-operations/<uuid:operation_id>/cancel", api.BulkOperationCancelApi, name="api-bulk-cancel"),
    *api_path("bulk-operations/<uuid:operation_id>/retry", api.BulkOperationRetryApi, name="api-bulk-retry"),
    *api_path("bulk-operations/<uuid:operation_id>/undo", api.BulkOperationUndoApi, name="api-bulk-undo"),
    *api_path("bulk-operations/<uuid:operation_id>/start", api.BulkOperationStartApi, name="api-bulk-start"),
    *api_path("bulk-operations/<uuid:operation_id>/items", api.BulkOperationItemsApi, name="api-bulk-items"),
    *api_path(
        "bulk-operations/<uuid:operation_id>/results.csv", api.BulkOperationResultsCsvApi, name="api-bulk-results"
    ),
    *api_path("bulk-operations/<uuid:operation_id>/file", api.BulkOperationFileApi, name="api-bulk-file"),
]

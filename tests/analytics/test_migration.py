"""The analytics models moved from the operations app without losing a row (analytics 0001, operations 0005)."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from analytics.models import ManualEffortEstimate, OperationErrorCount
from operations.models import BulkOperation

BEFORE_THE_MOVE = [("operations", "0004_error_counts_denormalized"), ("analytics", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    if not targets:
        return None
    return executor.loader.project_state([(app, name) for app, name in targets if name]).apps


def test_rows_written_before_the_move_are_read_after_it(transactional_db, location, manager):
    operation = BulkOperation.objects.create(
        location=location, created_by=manager, target="tickets", operation_type="update_status"
    )
    content_type = ContentType.objects.get_for_model(ManualEffortEstimate)
    try:
        old = _migrate(BEFORE_THE_MOVE)
        assert not old.is_installed("analytics")
        old.get_model("operations", "ManualEffortEstimate").objects.create(
            location_id=location.pk, target="tickets", operation_type="assign", seconds_per_item=41
        )
        old.get_model("operations", "OperationErrorCount").objects.create(
            operation_id=operation.pk,
            location_id=location.pk,
            created_by_id=manager.pk,
            target="tickets",
            operation_type="update_status",
            operation_created_at=timezone.now(),
            message="Ticket not found",
            count=3,
        )
        assert ContentType.objects.get(pk=content_type.pk).app_label == "operations"
    finally:
        _migrate(None)
    assert ManualEffortEstimate.objects.get(location=location, operation_type="assign").seconds_per_item == 41
    assert list(operation.error_counts.values_list("message", "count")) == [("Ticket not found", 3)]
    # The content type (and so permissions and admin history) moved with the model, not copied.
    assert ContentType.objects.get_for_model(ManualEffortEstimate, for_concrete_model=True).pk == content_type.pk
    assert ContentType.objects.get(pk=content_type.pk).app_label == "analytics"
    assert OperationErrorCount._meta.db_table == "operations_operationerrorcount"

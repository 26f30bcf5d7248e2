import pytest

from operations import engine


@pytest.fixture
def run_op():
    """run_op(user, location, type, params, ids=None, filters=None) -> the finished operation."""

    def run(user, location, operation_type, params, ids=None, filters=None):
        operation, _ = engine.create_operation(
            user=user,
            location=location,
            target="leads",
            operation_type=operation_type,
            params=params,
            ids=ids,
            filters=filters,
        )
        engine.run_operation(operation.pk)
        operation.refresh_from_db()
        return operation

    return run


@pytest.fixture
def undo():
    def run(operation, user):
        undo_op = engine.undo_operation(operation=operation, user=user)
        engine.run_operation(undo_op.pk)
        undo_op.refresh_from_db()
        return undo_op

    return run

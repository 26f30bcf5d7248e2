import pytest

from operations import engine
from tests.factories import make_operation, run_to_end
from tests.leads.twilio_fake import twilio_sms  # noqa: F401 (the fixture, for every lead test)


@pytest.fixture
def run_op():
    """run_op(user, location, type, params, ids=None, filters=None) -> the finished operation."""

    def run(user, location, operation_type, params, ids=None, filters=None):
        return run_to_end(
            make_operation(
                user, location, ids, target="leads", operation_type=operation_type, params=params, filters=filters
            )
        )

    return run


@pytest.fixture
def undo():
    def run(operation, user):
        return run_to_end(engine.undo_operation(operation=operation, user=user))

    return run

"""The pages' side of scheduling: edit and reschedule before the start (times in the location's
zone), and the builder's choice of "these records now" or "whatever matches when it starts"."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_ticket

BUILDER = reverse("operations:builder", args=["tickets"])
PREVIEW = reverse("operations:builder-preview", args=["tickets"])
ZONE = "America/New_York"


@pytest.fixture
def zoned_location(location):
    location.timezone = ZONE
    location.save()
    return location


def scheduled(user, location, *, draft=False):
    operation, _ = engine.create_operation(
        user=user,
        location=location,
        target="tickets",
        operation_type="add_comment",
        params={"body": "Before"},
        ids=[make_ticket(location).pk],
        scheduled_for=None if draft else datetime(2099, 1, 1, 14, 0, tzinfo=ZoneInfo("UTC")),
        draft=draft,
    )
    return operation


def edit_url(operation):
    return reverse("operations:edit", args=[operation.pk])


def test_the_edit_page_shows_the_parameters_and_the_time_in_the_locations_zone(client_for, manager, zoned_location):
    operation = scheduled(manager, zoned_location)

    body = client_for(manager).get(edit_url(operation)).content.decode()

    assert 'value="2099-01-01T09:00"' in body  # 14:00 UTC is 09:00 in New York
    assert ZONE in body
    assert "Before" in body
    live = client_for(manager).get(reverse("operations:detail", args=[operation.pk])).content.decode()
    assert f'href="{edit_url(operation)}"' in live


def test_rescheduling_from_the_page_reads_the_time_in_the_locations_zone(client_for, manager, zoned_location):
    operation = scheduled(manager, zoned_location)

    response = client_for(manager).post(
        edit_url(operation), {"params-body": "After", "scheduled_for": "2099-02-01T08:30", "action": "save"}
    )

    assert response.status_code == 302
    operation.refresh_from_db()
    expected = datetime(2099, 2, 1, 8, 30, tzinfo=ZoneInfo(ZONE))
    assert (operation.status, operation.scheduled_for, operation.parameters["body"]) == (
        OperationStatus.SCHEDULED,
        expected,
        "After",
    )
    assert list(Schedule.objects.filter(name__endswith=str(operation.pk)).values_list("next_run", flat=True)) == [
        expected
    ]


def test_a_draft_is_scheduled_from_its_edit_page(client_for, manager, zoned_location):
    operation = scheduled(manager, zoned_location, draft=True)

    client_for(manager).post(
        edit_url(operation), {"params-body": "Later", "scheduled_for": "2099-03-01T10:00", "action": "schedule"}
    )

    operation.refresh_from_db()
    assert operation.status == OperationStatus.SCHEDULED
    assert operation.scheduled_for == datetime(2099, 3, 1, 10, 0, tzinfo=ZoneInfo(ZONE))


def test_bad_parameters_are_shown_and_nothing_changes(client_for, manager, zoned_location):
    operation = scheduled(manager, zoned_location)

    response = client_for(manager).post(edit_url(operation), {"params-body": "", "scheduled_for": "2099-02-01T08:30"})

    assert response.status_code == 400
    operation.refresh_from_db()
    assert operation.parameters["body"] == "Before"
    assert operation.scheduled_for == datetime(2099, 1, 1, 14, 0, tzinfo=ZoneInfo("UTC"))


def test_a_started_operation_is_not_editable(client_for, manager, location):
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="add_comment",
        params={"body": "Hi"},
        ids=[make_ticket(location).pk],
    )
    engine.run_operation(operation.pk)

    response = client_for(manager).post(edit_url(operation), {"params-body": "Changed"})

    assert response.status_code == 302
    assert BulkOperation.objects.get(pk=operation.pk).parameters["body"] == "Hi"


def test_others_may_not_edit(client_for, manager, other_agent, outsider, location):
    operation = scheduled(manager, location)

    assert client_for(outsider).get(edit_url(operation)).status_code == 404
    assert client_for(other_agent.user).post(edit_url(operation), {"params-body": "Mine"}).status_code == 404
    assert BulkOperation.objects.get(pk=operation.pk).parameters["body"] == "Before"


def filter_form(**fields):
    return {
        "operation_type": "add_comment",
        "params-body": "Note",
        "method": "filter",
        "f-status": "open",
        "scheduled_for": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        **fields,
    }


@pytest.mark.parametrize("choice", ["now", "at_start"])
def test_the_builder_stores_the_choice_for_a_scheduled_filter_selection(client_for, manager, location, choice):
    make_ticket(location, status="open")

    client_for(manager).post(BUILDER, filter_form(action="schedule", filter_resolution=choice))

    operation = BulkOperation.objects.get()
    assert (operation.status, operation.filter_resolution, operation.total) == (OperationStatus.SCHEDULED, choice, 1)
    assert operation.items.count() == (1 if choice == "now" else 0)


def test_run_now_ignores_the_choice(client_for, manager, location):
    make_ticket(location, status="open")

    client_for(manager).post(BUILDER, filter_form(action="run", filter_resolution="at_start"))

    assert BulkOperation.objects.get().filter_resolution == "now"


@pytest.mark.parametrize(
    ("choice", "says"),
    [("at_start", "the count may change"), ("now", "even if the filter matches others by then")],
)
def test_the_preview_says_whether_the_count_may_change(client_for, manager, location, choice, says):
    make_ticket(location, status="open")

    body = client_for(manager).post(PREVIEW, filter_form(filter_resolution=choice)).content.decode()

    assert says in body

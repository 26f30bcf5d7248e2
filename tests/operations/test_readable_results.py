"""Results a person can read (issue 13 item 3), through real engine runs of every registered type.

Each record's row names it (a lead's full name, a ticket's number and subject) with a link to its
page, and says what the operation changed on it, the type's own "before → after", the same on the
live page, in the results CSV and in the items API. An undo is titled "Undo of <the operation>" and
shows the change reversed; the original says "Undone by" with a link. Times are in the location's
zone, named.
"""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from operations import engine
from operations.field_types import SetFieldType
from operations.models import ItemStatus, OperationStatus
from operations.registry import ExecutionContext, get_target, get_type, targets, types_for
from tests import factories

REGISTERED = [(target.key, op_type.key) for target in targets() for op_type in types_for(target.key)]
FIELD_SETTERS = [(t, k) for t, k in REGISTERED if isinstance(get_type(t, k), SetFieldType)]
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _ids(pairs):
    return [f"{t}-{k}" for t, k in pairs]


def _run(user, location, target, key, records, params=None) -> object:
    params = factories.operation_params(target, key, location) if params is None else params
    operation, _ = engine.create_operation(
        user=user, location=location, target=target, operation_type=key, params=params, ids=[r.pk for r in records]
    )
    return factories.run_to_end(operation)


def _items(api, operation) -> dict[int, dict]:
    body = api.get(f"/api/v1/bulk-operations/{operation.pk}/items").json()
    return {item["object_id"]: item for item in body["items"]}


def _csv(api, operation) -> dict[int, dict]:
    response = api.get(f"/api/v1/bulk-operations/{operation.pk}/results.csv")
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    return {int(row["object_id"]): row for row in rows}


def _page(client, operation) -> str:
    """The live page with every record's row (not only the failed ones it opens on)."""
    response = client.get(reverse("operations:detail", args=[operation.pk]), {"status": ""})
    assert response.status_code == 200
    return response.content.decode()


def _assert_shown_alike(client, api, operation, records) -> dict[int, str]:
    """Each record's name, link and change agree on the page, in the CSV and in the items API."""
    target = get_target(operation.target)
    items, rows, page = _items(api, operation), _csv(api, operation), _page(client, operation)
    changes = {}
    for record in records:
        record.refresh_from_db()
        item, row = items[record.pk], rows[record.pk]
        assert item["label"] == row["name"] == target.record_name(record) != ""
        before, after = row["before"].lstrip("'"), row["after"].lstrip("'")  # a leading "-" is quoted
        assert item["change"] == (f"{before} → {after}" if before else after)
        if item["status"] == ItemStatus.SUCCEEDED:
            assert item["change"], f"{operation.operation_type}: a changed record without its change"
        listed = target.records(operation.location).filter(pk=record.pk).exists()
        link = target.record_url(record.pk) if listed else ""  # a deleted ticket keeps its name, unlinked
        shown_name = escape(item["label"])
        assert (f'<a href="{link}">{shown_name}</a>' if link else shown_name) in page
        if item["change"]:
            assert linebreaksbr(item["change"], autoescape=True) in page
        changes[record.pk] = item["change"]
    return changes


@pytest.mark.parametrize(("target", "key"), REGISTERED, ids=_ids(REGISTERED))
def test_every_type_names_each_record_and_its_change_alike_everywhere_and_its_undo_reverses_it(
    client_for, api_for, manager, location, agent, target, key
):
    records = [factories.make_record(target, location, agent=agent) for _ in range(2)]
    operation = _run(manager, location, target, key, records)
    assert operation.successful == 2, list(operation.items.values_list("status", "error_message"))
    client, api = client_for(manager), api_for(manager)

    changes = _assert_shown_alike(client, api, operation, records)

    if not get_type(target, key).reversible:
        return
    undo = factories.run_to_end(engine.undo_operation(operation=operation, user=manager))
    undone = _assert_shown_alike(client, api, undo, records)
    for pk, change in changes.items():
        before, _, after = change.partition(" → ")
        assert undone[pk] == (f"{after} → {before}" if after else f"Undone: {before}")


@pytest.mark.parametrize(("target", "key"), FIELD_SETTERS, ids=_ids(FIELD_SETTERS))
def test_a_field_setters_result_says_what_its_preview_said(client_for, api_for, manager, location, agent, target, key):
    assert {t for t, _ in FIELD_SETTERS} >= {"leads", "tickets"}
    op_type = get_type(target, key)
    params = op_type.validate(factories.operation_params(target, key, location), location=location, user=manager)
    records = [factories.make_record(target, location, agent=agent) for _ in range(2)]
    operation, _ = engine.create_operation(
        user=manager, location=location, target=target, operation_type=key, params=params, ids=[r.pk for r in records]
    )
    preview = op_type.preview(records, ExecutionContext(operation, None, params))
    operation = factories.run_to_end(operation)

    items = _items(api_for(manager), operation)
    for record in records:
        planned = preview[record.pk]
        assert planned.status == items[record.pk]["status"] == ItemStatus.SUCCEEDED
        assert items[record.pk]["change"] == f"{planned.before} → {planned.after}"


def test_lead_rows_read_as_names_and_stage_changes(client_for, api_for, manager, location):
    ana = factories.make_lead(location, first_name="Ana", last_name="Ruiz", stage="new")
    bo = factories.make_lead(location, first_name="Bo", last_name="Li", stage="contacted")
    operation = _run(manager, location, "leads", "change_stage", [ana, bo], {"stage": "qualified"})

    items = _items(api_for(manager), operation)
    assert (items[ana.pk]["label"], items[ana.pk]["change"]) == ("Ana Ruiz", "New → Qualified")
    assert (items[bo.pk]["label"], items[bo.pk]["change"]) == ("Bo Li", "Contacted → Qualified")
    page = _page(client_for(manager), operation)
    assert f'<a href="{reverse("leads:detail", args=[ana.pk])}">Ana Ruiz</a>' in page
    assert "New → Qualified" in page


def test_the_item_admin_names_the_record_and_its_change(client_for, manager, location):
    from django.contrib.auth.models import Permission

    from accounts.models import Role

    lead = factories.make_lead(location, first_name="Ana", last_name="Ruiz", stage="new")
    operation = _run(manager, location, "leads", "change_stage", [lead], {"stage": "won"})
    staff = factories.make_user("staffer", location=location, role=Role.ADMIN, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_bulkoperationitem"))

    item = operation.items.get()
    page = client_for(staff).get(reverse("admin:operations_bulkoperationitem_change", args=[item.pk]))
    assert page.status_code == 200
    assert "Ana Ruiz" in page.content.decode() and "New → Won" in page.content.decode()


def test_ticket_rows_name_the_ticket_and_its_assignee_change(api_for, manager, location, agent, other_agent):
    ticket = factories.make_ticket(location, subject="Printer on fire", assignee=agent)
    operation = _run(manager, location, "tickets", "assign", [ticket], {"agent_id": other_agent.pk})

    item = _items(api_for(manager), operation)[ticket.pk]
    assert item["label"] == str(ticket) and "Printer on fire" in item["label"]
    assert item["change"] == f"{agent} → {other_agent}"


def test_skipped_and_failed_rows_have_no_change_and_another_companys_record_no_name(
    api_for, manager, location, other_location
):
    done = factories.make_ticket(location, status="resolved")
    foreign = factories.make_ticket(other_location, subject="Their secret")
    operation = _run(manager, location, "tickets", "update_status", [done, foreign], {"status": "resolved"})

    items = _items(api_for(manager), operation)
    assert (items[done.pk]["status"], items[done.pk]["change"]) == ("skipped", "")
    assert items[done.pk]["label"] == str(done)
    assert (items[foreign.pk]["status"], items[foreign.pk]["label"]) == ("failed", "")


def test_a_deleted_ticket_keeps_its_name_without_a_link(client_for, api_for, manager, location):
    ticket = factories.make_ticket(location, subject="Spam", status="open")
    operation = _run(manager, location, "tickets", "delete", [ticket], {})

    item = _items(api_for(manager), operation)[ticket.pk]
    assert (item["label"], item["change"]) == (str(ticket), "Open → deleted")
    page = _page(client_for(manager), operation)
    assert escape(str(ticket)) in page
    assert reverse("tickets:detail", args=[ticket.pk]) not in page


def test_an_undo_is_titled_after_its_operation_which_says_it_was_undone(client_for, manager, location):
    leads = [factories.make_lead(location, stage="new") for _ in range(3)]
    operation = _run(manager, location, "leads", "change_stage", leads, {"stage": "won"})
    client = client_for(manager)
    undo = factories.run_to_end(engine.undo_operation(operation=operation, user=manager))

    undo_page = _page(client, undo)
    assert "<title>Undo of Change stage · 3 leads · Operations" in undo_page
    assert "<h1>Undo of Change stage · 3 leads</h1>" in undo_page
    assert f'<a href="{reverse("operations:detail", args=[operation.pk])}">Change stage · 3 leads</a>' in undo_page
    assert 'class="details operation-params"' not in undo_page  # not "Stage: Won", the value it undoes
    assert "Won → New" in undo_page

    history = client.get(reverse("operations:list")).content.decode()
    assert f'<a href="{reverse("operations:detail", args=[undo.pk])}">Undo of Change stage</a>' in history

    original = _page(client, operation)
    assert "Undone by" in original
    assert f'href="{reverse("operations:detail", args=[undo.pk])}"' in original
    assert reverse("operations:undo", args=[operation.pk]) not in original


def test_an_operation_not_undone_says_nothing_of_undoing(client_for, manager, location):
    operation = _run(manager, location, "leads", "change_stage", [factories.make_lead(location)], {"stage": "won"})
    page = _page(client_for(manager), operation)
    assert "Undone by" not in page and "Undo of" not in page


def _local(moment, zone=NEW_YORK) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def test_times_on_the_operation_pages_are_the_locations_named(client_for, manager, location):
    location.timezone = "America/New_York"
    location.save()
    leads = [factories.make_lead(location, stage="new") for _ in range(2)]
    soon = timezone.now() + datetime.timedelta(hours=2)
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="leads",
        operation_type="change_stage",
        params={"stage": "won"},
        ids=[lead.pk for lead in leads],
        scheduled_for=soon,
    )
    client = client_for(manager)
    operation.refresh_from_db()
    abbreviation = operation.scheduled_for.astimezone(NEW_YORK).tzname()  # EST or EDT
    assert abbreviation in ("EST", "EDT")
    scheduled = _page(client, operation)
    assert f"{_local(operation.scheduled_for)} {abbreviation}" in scheduled
    assert f"{_local(operation.created_at)} {operation.created_at.astimezone(NEW_YORK).tzname()}" in scheduled

    # The time comes: the scheduler starts it and a worker runs it.
    type(operation).objects.filter(pk=operation.pk).update(scheduled_for=timezone.now())
    assert engine.start_scheduled(operation.pk)
    operation = factories.run_to_end(operation)
    assert operation.status == OperationStatus.COMPLETED

    page = _page(client, operation)
    for moment in (operation.scheduled_for, operation.started_at, operation.completed_at):
        assert f"{_local(moment)} {moment.astimezone(NEW_YORK).tzname()}" in page
    item = operation.items.first()
    assert f"{_local(item.processed_at)} {item.processed_at.astimezone(NEW_YORK).tzname()}" in page
    assert 'title="America/New_York"' in page
    utc = operation.completed_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert f">{utc}<" not in page  # no bare, zoneless time left

    history = client.get(reverse("operations:list")).content.decode()
    created = operation.created_at.astimezone(NEW_YORK)
    assert f"{created:%Y-%m-%d %H:%M} {created.tzname()}" in history


def test_a_zone_without_an_abbreviation_is_named_in_full(client_for, manager, location):
    location.timezone = "Asia/Dubai"
    location.save()
    operation = _run(manager, location, "leads", "change_stage", [factories.make_lead(location)], {"stage": "won"})

    page = _page(client_for(manager), operation)
    assert f"{_local(operation.completed_at, zoneinfo.ZoneInfo('Asia/Dubai'))} (Asia/Dubai)" in page


def test_the_schema_documents_label_and_change_beside_the_existing_item_fields(client_for, manager):
    schemas = client_for(manager).get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    fields = schemas["BulkOperationItemOutput"]["properties"]
    assert {"object_id", "status", "error_message", "before", "processed_at", "note", "label", "change"} <= set(fields)
    assert fields["change"]["type"] == fields["label"]["type"] == "string"

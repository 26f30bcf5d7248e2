"""Oversized, deeply nested, mistyped and unknown-field bodies to the bulk create endpoints.

Each is a 400 or 413 with {"detail", "errors"} naming what is wrong, and creates nothing.
(tests/tickets/test_bulk_api.py already covers unknown fields on the ticket endpoint,
tests/leads/test_bulk_api.py unknown `updates` fields and non-integer lead ids.)
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import Campaign
from leads.models import Lead
from operations.models import BulkOperation
from tests.factories import make_agent, make_lead, make_ticket

TICKETS = "/api/v1/tickets/bulk-operations"
GENERIC = "/api/v1/bulk-operations"
BULK_UPDATE = "/api/v1/leads/bulk-update"
BULK_ASSIGN = "/api/v1/leads/bulk-assign"
TOO_BIG_INT = 2**70


@pytest.fixture
def records(location):
    return {"ticket": make_ticket(location), "lead": make_lead(location), "agent": make_agent(location)}


def valid_body(url: str, records: dict, text: str = "Escalated") -> dict:
    """A body each endpoint accepts, with `text` in one of its free-text fields."""
    ticket, lead = records["ticket"].pk, records["lead"].pk
    return {
        TICKETS: {"ticket_ids": [ticket], "operation_type": "add_comment", "operation_data": {"body": text}},
        GENERIC: {"target": "tickets", "operation_type": "delete", "ids": [ticket], "metadata": {"description": text}},
        BULK_UPDATE: {"lead_ids": [lead], "updates": {"stage": "contacted", "reason": text}},
        BULK_ASSIGN: {"lead_ids": [lead], "strategy": "round_robin", "reason": text},
    }[url]


def post_raw(client, url: str, body: str):
    return client.generic("POST", url, body, content_type="application/json")


def error_fields(response, status: int = 400) -> set:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    return {error["field"] for error in body["errors"]}


def assert_nothing_changed(records):
    assert not BulkOperation.objects.exists()
    lead = Lead.objects.get(pk=records["lead"].pk)
    assert (lead.stage, lead.owner_id) == ("new", None)


ENDPOINTS = [TICKETS, GENERIC, BULK_UPDATE, BULK_ASSIGN]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_the_valid_body_used_below_is_accepted(url, api_for, manager, records):
    """The control: the bodies the hostile variants start from are themselves fine."""
    assert api_for(manager).post(url, valid_body(url, records), format="json").status_code in (200, 201)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_body_over_the_upload_limit_is_a_413_before_it_is_parsed(url, api_for, manager, records, settings):
    # Parsed, the padded field would be a 400 (too long) or accepted: a 413 shows it never was.
    body = json.dumps(valid_body(url, records, text="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    response = post_raw(api_for(manager), url, body)
    assert error_fields(response, status=413) == set()
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    assert response.json()["detail"] == f"The request body is larger than {limit:g} MB."
    assert_nothing_changed(records)


def test_a_multipart_settings_field_over_the_limit_is_a_413(api_for, manager, settings):
    settings_json = json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = api_for(manager).post(
        "/api/v1/campaigns/create",
        {"file": SimpleUploadedFile("c.csv", b"phone\n+12125550101\n"), "settings": settings_json},
        format="multipart",
    )
    assert error_fields(response, status=413) == set()
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_body_nested_thousands_deep_is_a_400(url, depth, api_for, manager, records):
    response = post_raw(api_for(manager), url, '{"ids": ' + "[" * depth + "]" * depth + "}")
    assert error_fields(response) == set()
    assert response.json()["detail"] == "The request body is nested too deeply."
    assert_nothing_changed(records)


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    "body", ["[]", '"operations"', "42", "null", "true"], ids=["list", "string", "int", "null", "bool"]
)
def test_a_body_that_is_not_an_object_is_a_400(url, body, api_for, manager, records):
    response = post_raw(api_for(manager), url, body)
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
    assert_nothing_changed(records)


@pytest.mark.parametrize("url", [GENERIC, BULK_UPDATE, BULK_ASSIGN])
def test_an_unknown_top_level_field_is_refused_by_name(url, api_for, manager, records):
    response = api_for(manager).post(url, {**valid_body(url, records), "dry_run": True}, format="json")
    assert error_fields(response) == {"dry_run"}
    assert response.json()["errors"] == [{"field": "dry_run", "message": "Unknown field."}]
    assert_nothing_changed(records)


WRONG_TYPES = [
    (TICKETS, {"ticket_ids": "1,2"}, "ticket_ids"),
    (TICKETS, {"ticket_ids": [True]}, "ticket_ids.0"),
    (TICKETS, {"ticket_ids": [TOO_BIG_INT]}, "ticket_ids.0"),
    (TICKETS, {"ticket_ids": [{"id": 1}]}, "ticket_ids.0"),
    (TICKETS, {"operation_type": 5}, "operation_type"),
    (TICKETS, {"operation_data": ["x"]}, "operation_data"),
    (TICKETS, {"metadata": "urgent"}, "metadata"),
    (TICKETS, {"metadata": {"note": "a\x00b"}}, "metadata"),
    (TICKETS, {"operation_data": {"body": "a\x00b"}}, "body"),
    (GENERIC, {"ids": [TOO_BIG_INT]}, "ids.0"),
    (GENERIC, {"target": ["tickets"]}, "target"),
    (GENERIC, {"parameters": "delete"}, "parameters"),
    (GENERIC, {"draft": "maybe"}, "draft"),
    (GENERIC, {"scheduled_for": "tomorrow"}, "scheduled_for"),
    (GENERIC, {"metadata": {"n\x00te": 1}}, "metadata"),
    (GENERIC, {"location": {"id": 1}}, "location"),
    (BULK_UPDATE, {"lead_ids": [TOO_BIG_INT]}, "lead_ids.0"),
    (BULK_UPDATE, {"lead_ids": {"1": True}}, "lead_ids"),
    (BULK_UPDATE, {"updates": ["stage"]}, "updates.non_field_errors"),
    (BULK_UPDATE, {"updates": {"add_tags": [{"name": "vip"}]}}, "updates.add_tags.0"),
    (BULK_UPDATE, {"updates": {"agent_id": "me"}}, "updates.agent_id"),
    (BULK_UPDATE, {"updates": {"stage": "contacted", "reason": "a\x00b"}}, "updates.reason"),
    (BULK_ASSIGN, {"lead_ids": [TOO_BIG_INT]}, "lead_ids.0"),
    (BULK_ASSIGN, {"lead_ids": "all"}, "lead_ids"),
    (BULK_ASSIGN, {"strategy": 5}, "strategy"),
    (BULK_ASSIGN, {"strategy": "manual", "agent_id": "me"}, "agent_id"),
    (BULK_ASSIGN, {"include_assigned": "maybe"}, "include_assigned"),
    (BULK_ASSIGN, {"team_id": [1]}, "team_id"),
]


@pytest.mark.parametrize(("url", "change", "field"), WRONG_TYPES, ids=[f"{u}-{f}" for u, _, f in WRONG_TYPES])
def test_a_wrongly_typed_field_is_a_400_naming_it(url, change, field, api_for, manager, records):
    response = api_for(manager).post(url, {**valid_body(url, records), **change}, format="json")
    assert field in error_fields(response)
    assert_nothing_changed(records)


def test_a_null_character_in_the_idempotency_key_is_a_400(api_for, manager, records):
    response = api_for(manager).post(
        GENERIC, valid_body(GENERIC, records), format="json", HTTP_IDEMPOTENCY_KEY="retry\x00-1"
    )
    assert error_fields(response) == {"Idempotency-Key"}
    assert_nothing_changed(records)


BAD_FILTERS = [
    ("leads", {"stagee": "new"}, "filters.stagee"),  # a typo must not select every lead
    ("leads", {"stage": ["new"]}, "filters.stage"),
    ("leads", {"stage": {"$ne": "won"}}, "filters.stage"),
    ("leads", {"owner": "abc"}, "filters.owner"),
    ("leads", {"owner": TOO_BIG_INT}, "filters.owner"),
    ("leads", {"tag": [1]}, "filters.tag"),
    ("leads", {"score_min": "abc"}, "filters.score_min"),
    ("leads", {"score_min": True}, "filters.score_min"),
    ("leads", {"created_from": 5}, "filters.created_from"),
    ("leads", {"q": "a\x00b"}, "filters"),  # PostgreSQL could not even store it
    ("leads", {"sort": "-score"}, "filters.sort"),
    ("tickets", {"statuss": "open"}, "filters.statuss"),
    ("tickets", {"status": ["open"]}, "filters.status"),
    ("tickets", {"assignee": "x"}, "filters.assignee"),
    ("tickets", {"created_from": "yesterday"}, "filters.created_from"),
    ("tickets", {"q": {"a": 1}}, "filters.q"),
]


@pytest.mark.parametrize(("target", "filters", "field"), BAD_FILTERS, ids=[f"{t}-{f}" for t, _, f in BAD_FILTERS])
def test_a_filter_that_the_list_page_would_refuse_is_a_400(target, filters, field, api_for, manager, records):
    operation_type, parameters = ("change_stage", {"stage": "won"}) if target == "leads" else ("delete", {})
    body = {"target": target, "operation_type": operation_type, "parameters": parameters, "filters": filters}
    response = api_for(manager).post(GENERIC, body, format="json")
    assert field in error_fields(response)
    assert_nothing_changed(records)


def test_filters_given_as_the_list_page_gives_them_select_the_matching_records(api_for, manager, location, records):
    """The strict filters still take every form the list's query string takes: dates, ids, numbers."""
    agent = records["agent"]
    mine = make_ticket(location, assignee=agent, status="open")
    make_ticket(location, status="open")
    body = {
        "target": "tickets",
        "operation_type": "update_priority",
        "parameters": {"priority": "high"},
        "filters": {"assignee": agent.pk, "status": "open", "created_from": "2000-01-01", "q": ""},
    }
    response = api_for(manager).post(GENERIC, body, format="json")
    assert response.status_code == 201, response.json()
    operation = BulkOperation.objects.get(pk=response.json()["operation_id"])
    assert list(operation.items.values_list("object_id", flat=True)) == [mine.pk]

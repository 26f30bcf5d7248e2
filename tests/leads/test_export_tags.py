"""Exports carry a tags column: each lead's tag names in one cell, sorted, as lead import splits them."""

import csv
import io

import pytest
from openpyxl import load_workbook

from leads.exporting import DEFAULT_FIELDS
from leads.models import Tag
from tests.factories import make_lead


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def tagged(location, other_location):
    vip, buyer, evil = (Tag.objects.create(location=location, name=n) for n in ("vip", "Buyer", "=cmd"))
    Tag.objects.create(location=other_location, name="theirs")
    both = make_lead(location, first_name="Ana")
    both.tags.add(vip, buyer)
    none = make_lead(location, first_name="Bo")
    odd = make_lead(location, first_name="Cy")
    odd.tags.add(evil)
    return both, none, odd


def download(client, operation) -> bytes:
    response = client.get(f"/leads/bulk/exports/{operation.pk}/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_csv_export_has_the_tags_column(run_op, client_for, manager, location, tagged):
    op = run_op(
        manager, location, "export", {"format": "csv", "fields": ["first_name", "tags"]}, [t.pk for t in tagged]
    )
    rows = list(csv.reader(io.StringIO(download(client_for(manager), op).decode())))
    # Sorted (as the database sorts them); a tag that reads as a formula is neutralised like any cell.
    assert rows[0] == ["first_name", "tags"]
    assert rows[1][0] == "Ana" and sorted(rows[1][1].split(", ")) == ["Buyer", "vip"]
    assert rows[2] == ["Bo", ""]
    assert rows[3] == ["Cy", "'=cmd"]


def test_xlsx_export_has_the_tags_column(run_op, client_for, manager, location, tagged):
    op = run_op(
        manager, location, "export", {"format": "xlsx", "fields": ["first_name", "tags"]}, [t.pk for t in tagged]
    )
    book = load_workbook(io.BytesIO(download(client_for(manager), op)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("first_name", "tags")
    assert rows[1][0] == "Ana" and sorted(rows[1][1].split(", ")) == ["Buyer", "vip"]
    assert rows[2][1] in (None, "")
    assert rows[3] == ("Cy", "'=cmd")


def test_tags_are_a_default_column(run_op, client_for, manager, location, tagged):
    assert "tags" in DEFAULT_FIELDS
    op = run_op(manager, location, "export", {"format": "csv"}, [tagged[0].pk])
    header, row = list(csv.reader(io.StringIO(download(client_for(manager), op).decode())))
    assert header[-1] == "tags" and sorted(row[-1].split(", ")) == ["Buyer", "vip"]

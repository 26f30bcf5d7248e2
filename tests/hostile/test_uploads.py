"""Malformed and oversized files sent to every upload endpoint: a clear 4xx or form error, nothing created.

The endpoints: the campaign contact import (API create and preview, the create page and its
HTMX preview) and the leads builder's file of IDs (live count, dry run, run).
"""

import functools
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from campaigns.models import Campaign, CampaignContact
from operations.models import BulkOperation
from tests.factories import make_lead
from tests.hostile import files

BUILDER_FIELDS = {"operation_type": "change_stage", "method": "file", "params-stage": "qualified", "params-reason": ""}


@dataclass(frozen=True)
class UploadEndpoint:
    name: str
    family: str  # "campaign" (contact import) or "builder" (file of lead IDs)
    path: str
    status: int
    extra: dict

    def send(self, clients, filename: str, content):
        upload = SimpleUploadedFile(filename, content) if isinstance(content, bytes) else content
        if self.path.startswith("/api/"):
            return clients.api.post(self.path, {"file": upload, "settings": "{}"}, format="multipart")
        field = "upload" if self.family == "builder" else "file"
        return clients.page.post(self.path, {**self.extra, field: upload}, HTTP_HX_REQUEST="true")

    def error(self, response) -> str:
        """The message the endpoint answered with (JSON errors, or the page's error text)."""
        assert response.status_code == self.status, response.content[:500]
        if self.path.startswith("/api/"):
            body = response.json()
            assert set(body) == {"detail", "errors"}
            assert [e["field"] for e in body["errors"]] == ["file"], body
            return body["errors"][0]["message"]
        shown = response.context.get("errors") or response.context.get("error")
        assert shown, "no error message on the page"
        messages = shown if isinstance(shown, list) else [shown]
        html = response.content.decode()
        assert all(escape(message) in html for message in messages), "the error is not on the page"
        return " ".join(messages)


ENDPOINTS = [
    UploadEndpoint("api-create", "campaign", "/api/v1/campaigns/create", 400, {}),
    UploadEndpoint("api-preview", "campaign", "/api/v1/campaigns/preview", 400, {}),
    UploadEndpoint("page-create", "campaign", "/campaigns/new/", 400, {"name": "Hostile"}),
    UploadEndpoint("page-preview", "campaign", "/campaigns/new/", 200, {"preview": "1"}),
    UploadEndpoint("builder-count", "builder", "/leads/bulk/count/", 200, BUILDER_FIELDS),
    UploadEndpoint("builder-preview", "builder", "/leads/bulk/preview/", 200, BUILDER_FIELDS),
    UploadEndpoint("builder-run", "builder", "/leads/bulk/", 400, {**BUILDER_FIELDS, "action": "run"}),
]


zip_bomb = functools.cache(files.zip_bomb_xlsx)


def nul_after_the_first_4_kb() -> bytes:
    rows = b"".join(b"+1212555%04d,Contact %d\n" % (n, n) for n in range(300))
    return b"phone,name\n" + rows + b"+12125559999,Nul\x00Name\n"


# name -> (filename, content, what the contact import says, what the builder says)
HOSTILE_FILES = {
    "garbage-csv": ("contacts.csv", lambda: files.garbage(seed=1), "not a spreadsheet", "not a CSV file"),
    "garbage-xlsx": ("contacts.xlsx", lambda: files.garbage(seed=2), "not one", "Could not read the spreadsheet"),
    "garbage-txt": ("contacts.txt", lambda: files.garbage(seed=3), "not a spreadsheet", "not a CSV file"),
    "truncated-xlsx": (
        "contacts.xlsx",
        files.truncated_xlsx,
        "not an Excel workbook",
        "Could not read the spreadsheet",
    ),
    "damaged-worksheet-xlsx": (
        "contacts.xlsx",
        files.damaged_sheet_xlsx,
        "workbook cannot be read",
        "Could not read the spreadsheet",
    ),
    "entity-expansion-xlsx": (
        "contacts.xlsx",
        files.entity_expansion_xlsx,
        "workbook cannot be read",
        "Could not read the spreadsheet",
    ),
    "binary-named-csv": (
        "contacts.csv",
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "not a spreadsheet",
        "not a CSV file",
    ),
    "empty": ("contacts.csv", lambda: b"", "empty", "empty"),
    "one-megabyte-cell": ("contacts.csv", lambda: b"A" * files.MEGABYTE, "cannot be read as CSV", "CSV file"),
    "one-megabyte-cell-in-a-row": (
        "contacts.csv",
        lambda: b"phone,notes\n+12125550101," + b"A" * files.MEGABYTE + b"\n",
        "cannot be read as CSV",
        "CSV file",
    ),
    "nul-byte-past-the-first-4-kb": ("contacts.csv", nul_after_the_first_4_kb, "NUL characters", "not a CSV file"),
}


@pytest.fixture
def clients(api_for, client_for, manager, location):
    return SimpleNamespace(api=api_for(manager), page=client_for(manager))


def assert_nothing_created():
    assert not Campaign.objects.exists()
    assert not CampaignContact.objects.exists()
    assert not BulkOperation.objects.exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_a_hostile_file_is_refused_with_a_clear_message(case, endpoint, clients):
    filename, content, campaign_says, builder_says = HOSTILE_FILES[case]
    message = endpoint.error(endpoint.send(clients, filename, content()))
    assert (campaign_says if endpoint.family == "campaign" else builder_says) in message
    assert_nothing_created()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize(
    "megabytes",
    [500, 150],
    ids=["500-mb-past-the-unpacked-limit", "150-mb-within-it-but-packed-1000-to-1"],
)
def test_a_zip_bomb_named_xlsx_is_refused_without_being_inflated(megabytes, endpoint, clients, inflated, settings):
    settings.MAX_UPLOAD_SIZE = 20 * files.MEGABYTE  # a workbook may unpack to 10 times that: 200 MB
    bomb = zip_bomb(megabytes)
    assert len(bomb) < megabytes * files.MEGABYTE // 900  # about 1000:1
    message = endpoint.error(endpoint.send(clients, "contacts.xlsx", bomb))
    assert "it was not read" in message
    assert inflated() < 64 * 1024  # at most the small parts, never the worksheet
    assert_nothing_created()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_a_50_mb_file_is_refused_by_the_size_limit_before_it_is_parsed(endpoint, clients, location, tmp_path, settings):
    settings.MAX_UPLOAD_SIZE = 20 * files.MEGABYTE
    # Parsed, it would not fail like this: its first line is a usable phone number / lead ID.
    lead = make_lead(location)
    first_line = b"phone\n+12125550101\n" if endpoint.family == "campaign" else f"{lead.pk}\n".encode()
    path = files.big_file(tmp_path / "contacts.csv", 50, first_line)
    with open(path, "rb") as handle:
        message = endpoint.error(endpoint.send(clients, "contacts.csv", handle))
    assert "larger than 20 MB" in message
    assert_nothing_created()


def test_old_mac_line_endings_are_rows_not_a_server_error(clients, location):
    """A lone CR ends a row (Excel for Mac 2011 exports): read as rows, not refused, never a 500."""
    data = b"phone,name\r+12125550101,Ann\r+12125550102,Bob\r"
    response = clients.api.post(
        "/api/v1/campaigns/preview", {"file": SimpleUploadedFile("mac.csv", data), "settings": "{}"}
    )
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["sample"]] == ["Ann", "Bob"]

    leads = [make_lead(location), make_lead(location)]
    ids = f"{leads[0].pk}\r{leads[1].pk}\r".encode()
    response = clients.page.post("/leads/bulk/count/", {**BUILDER_FIELDS, "upload": SimpleUploadedFile("ids.csv", ids)})
    assert response.status_code == 200
    assert response.context["count"] == 2


def test_a_workbook_cell_at_the_spreadsheet_limit_is_kept_whole(clients):
    """XLSX cells stop at 32,767 characters (openpyxl cuts a 1 MB one there): such a cell is data, kept."""
    data = files.xlsx_bytes([["phone", "notes"], ["+12125550101", "A" * files.MEGABYTE]])
    response = clients.api.post(
        "/api/v1/campaigns/create", {"file": SimpleUploadedFile("c.xlsx", data), "settings": "{}"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    contact = CampaignContact.objects.get(campaign_id=response.json()["campaign_id"])
    assert contact.metadata == {"notes": "A" * 32_767}

"""POST /api/v1/leads/imports on messy files: counts, duplicates, dry run, error file, undo, tenants."""

import codecs
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from leads import importing
from leads.import_models import LeadImport
from leads.models import Lead, StageChange
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests import factories

URL = "/api/v1/leads/imports"

MESSY = (
    "Nombre;Apellidos;Correo;Teléfono;Etapa;Etiquetas\n"
    "José;Núñez;jose@example.com;(202) 555-0143;Contactado;vip\n"
    "Ana;Gómez;no-es-correo;;;\n"
    "Luis;Pérez;;12345;;\n"
    "José;N.;JOSE@example.com;;;\n"
    "Marta;Ruiz;marta@example.com;202-555-0199;ganado;vip,playa\n"
)


def upload(data: bytes, name: str = "leads.csv"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post(client, data: bytes, name: str = "leads.csv", **fields):
    body = {"file": upload(data, name), **{k: json.dumps(v) if isinstance(v, dict) else v for k, v in fields.items()}}
    return client.post(URL, body, format="multipart")


def test_messy_cp1252_semicolon_file_with_spanish_headers(api_for, manager, location):
    client = api_for(manager)
    response = post(client, MESSY.encode("cp1252"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "completed"
    assert (body["created"], body["updated"], body["skipped"], body["failed"]) == (2, 0, 1, 2)
    jose = Lead.objects.get(location=location, email="jose@example.com")
    assert (jose.first_name, jose.last_name, jose.phone, jose.stage) == ("José", "Núñez", "+12025550143", "contacted")
    assert list(jose.tags.values_list("name", flat=True)) == ["vip"]
    marta = Lead.objects.get(location=location, email="marta@example.com")
    assert (marta.stage, sorted(marta.tags.values_list("name", flat=True))) == ("won", ["playa", "vip"])

    detail = client.get(f"{URL}/{body['import_id']}").json()
    assert detail["total_rows"] == 5
    assert detail["errors"] == [
        {"row": 3, "field": "email", "message": "not a valid email address: 'no-es-correo'"},
        {"row": 4, "field": "phone", "message": detail["errors"][1]["message"]},
    ]
    assert detail["errors"][1]["message"].startswith("not a valid phone number")
    operation = BulkOperation.objects.get(pk=body["operation_id"])
    assert (operation.successful, operation.skipped, operation.failed) == (2, 1, 2)
    reasons = dict(operation.items.values_list("status", "error_message").filter(status="skipped"))
    assert reasons == {"skipped": "Duplicate of row 2 in the file"}


def test_error_file_lists_rejected_rows_with_a_reason(api_for, manager):
    client = api_for(manager)
    body = post(client, MESSY.encode("cp1252")).json()
    response = client.get(f"{URL}/{body['import_id']}/errors.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "row,Nombre,Apellidos,Correo,Teléfono,Etapa,Etiquetas,reason"
    assert lines[1] == "3,Ana,Gómez,no-es-correo,,,,email: not a valid email address: 'no-es-correo'"
    assert lines[2].startswith("4,Luis,Pérez,,12345,,,phone: not a valid phone number")
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (codecs.BOM_UTF16_LE + "Prénom\tNom\tCourriel\nJosé\tNúñez\tjose@example.com\n".encode("utf-16-le"), "a.txt"),
        ("Vorname,Nachname,E-Mail\nJosé,Núñez,jose@example.com\n".encode("utf-8-sig"), "b.csv"),
        ("Nome|Sobrenome|E-mail\nJosé|Núñez|jose@example.com\n".encode("cp1252"), "c.csv"),
        (factories.xlsx_bytes([["First name", "Last name", "Email"], ["José", "Núñez", "jose@example.com"]]), "d.xlsx"),
    ],
    ids=["utf16-tab-french", "utf8bom-comma-german", "cp1252-pipe-portuguese", "xlsx-english"],
)
def test_encodings_delimiters_languages_and_xlsx(api_for, manager, location, data, name):
    response = post(api_for(manager), data, name)
    assert response.status_code == 201, response.json()
    lead = Lead.objects.get(location=location)
    assert (lead.first_name, lead.last_name, lead.email) == ("José", "Núñez", "jose@example.com")


def test_duplicates_of_existing_leads_are_skipped_by_default(api_for, manager, location):
    existing = factories.make_lead(location, first_name="Old", email="jose@example.com", phone="")
    phone_twin = factories.make_lead(location, first_name="Twin", email="", phone="+12025550199")
    body = post(api_for(manager), MESSY.encode("cp1252")).json()
    assert (body["created"], body["updated"], body["skipped"]) == (0, 0, 3)
    assert Lead.objects.filter(location=location).count() == 2
    items = dict(BulkOperation.objects.get(pk=body["operation_id"]).items.values_list("error_message", "status"))
    assert items[f"Already a lead: Old Example (#{existing.pk})"] == "skipped"
    assert items[f"Already a lead: Twin Example (#{phone_twin.pk})"] == "skipped"


def test_update_then_undo_restores_fields_and_deletes_created_leads(api_for, manager, location):
    existing = factories.make_lead(location, first_name="Old", last_name="Name", email="jose@example.com")
    client = api_for(manager)
    body = post(client, MESSY.encode("cp1252"), on_duplicate="update", match_on="email").json()
    assert (body["created"], body["updated"]) == (1, 1)
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name, existing.stage) == ("José", "Núñez", "contacted")
    assert StageChange.objects.filter(lead=existing, to_stage="contacted").exists()
    assert existing.tags.filter(name="vip").exists()

    operation = BulkOperation.objects.get(pk=body["operation_id"])
    undo = factories.run_to_end(engine.undo_operation(operation=operation, user=manager))
    assert undo.status == OperationStatus.COMPLETED and undo.successful == 2
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name, existing.stage) == ("Old", "Name", "new")
    assert not existing.tags.exists()
    assert list(Lead.objects.filter(location=location)) == [existing]


def test_dry_run_creates_nothing_and_reports_what_would_happen(api_for, manager, location):
    factories.make_lead(location, email="marta@example.com")
    client = api_for(manager)
    response = post(client, MESSY.encode("cp1252"), dry_run="true")
    assert response.status_code == 201
    body = response.json()
    assert body["operation_id"] is None and body["status"] == "dry_run"
    assert (body["created"], body["skipped"], body["failed"]) == (1, 2, 2)
    assert Lead.objects.filter(location=location).count() == 1
    assert client.get(f"{URL}/{body['import_id']}/errors.csv").content.decode().count("\n") == 3


def test_a_large_file_runs_in_the_background(api_for, manager, location, monkeypatch):
    monkeypatch.setattr(importing, "INLINE_ROWS", 2)
    response = post(api_for(manager), MESSY.encode("cp1252"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    assert Lead.objects.filter(location=location).count() == 0
    operation = factories.run_to_end(BulkOperation.objects.get(pk=body["operation_id"]))
    assert operation.status == OperationStatus.COMPLETED
    assert LeadImport.objects.get(pk=body["import_id"]).created == 2


def test_explicit_mapping_overrides_the_guess(api_for, manager, location):
    data = b"col_a,col_b,col_c\nAnn,ann@example.com,ignored\n"
    mapping = {"col_a": "name", "col_b": "email", "col_c": ""}
    assert post(api_for(manager), data, mapping=mapping).status_code == 201
    lead = Lead.objects.get(location=location)
    assert (lead.first_name, lead.email, lead.notes) == ("Ann", "ann@example.com", "")


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "fields", "field"),
    [
        (b"", "empty.csv", {}, "file"),
        (b"Name,Email\n", "header-only.csv", {}, "file"),
        (b"\x00\x01\x02\x03" * 500, "binary.csv", {}, "file"),
        (b"PK\x03\x04 not a workbook", "fake.xlsx", {}, "file"),
        (b"Name,Email\nAnn,a@example.com\n", "renamed.xlsx", {}, "file"),
        (_zip_bomb(), "bomb.xlsx", {}, "file"),
        (b"Company,City\nAcme,Paris\n", "nobody.csv", {}, "mapping"),
        (b"Name,Email\nAnn,a@example.com\n", "m.csv", {"mapping": {"Nope": "email"}}, "mapping"),
        (b"Name,Email\nAnn,a@example.com\n", "m.csv", {"mapping": {"Name": "salary"}}, "mapping"),
        (b"Name,Email\nAnn,a@example.com\n", "m.csv", {"mapping": "[1"}, "mapping"),
        (b"Name,Email\nAnn,a@example.com\n", "m.csv", {"on_duplicate": "merge"}, "on_duplicate"),
        (b"Name,Email\nAnn,a@example.com\n", "m.csv", {"match_on": "name"}, "match_on"),
    ],
    ids=lambda value: "file" if isinstance(value, bytes) else None,  # a workbook's bytes hold its time
)
def test_bad_input_is_a_clear_400(api_for, manager, location, error_fields, data, name, fields, field):
    response = post(api_for(manager), data, name, **fields)
    assert response.status_code == 400, response.content
    assert field in error_fields(response)
    assert response.json()["detail"]
    assert not Lead.objects.filter(location=location).exists()
    assert not LeadImport.objects.exists()


@override_settings(MAX_UPLOAD_SIZE=100)
def test_an_oversized_file_is_refused(api_for, manager, error_fields):
    response = post(api_for(manager), b"Name,Email\n" + b"Ann,a@example.com\n" * 20)
    assert response.status_code == 400
    assert error_fields(response) == {"file"}
    assert "larger than" in response.json()["detail"]


def test_agents_may_not_import(api_for, agent):
    assert post(api_for(agent.user), MESSY.encode("cp1252")).status_code == 403
    assert not Lead.objects.exists()


def test_another_tenants_import_is_404(api_for, manager, outsider):
    body = post(api_for(manager), MESSY.encode("cp1252")).json()
    other = api_for(outsider)
    assert other.get(f"{URL}/{body['import_id']}").status_code == 404
    assert other.get(f"{URL}/{body['import_id']}/errors.csv").status_code == 404
    assert other.get(f"/api/v1/bulk-operations/{body['operation_id']}").status_code == 404


def test_an_import_only_matches_leads_of_its_own_location(api_for, manager, location, foreign):
    foreign["lead"].email = "jose@example.com"
    foreign["lead"].save()
    body = post(api_for(manager), MESSY.encode("cp1252")).json()
    assert body["created"] == 2
    assert Lead.objects.get(location=location, email="jose@example.com")


def test_a_finished_import_emits_lead_import_completed_to_the_locations_webhooks(api_for, manager, location):
    from webhooks.models import Webhook, WebhookDelivery

    hook = Webhook.objects.create(
        location=location, url="https://hooks.example.com/in", events=["lead_import.completed"], secret="s"
    )
    Webhook.objects.create(location=location, url="https://hooks.example.com/other", events=["campaign.completed"])
    body = post(api_for(manager), MESSY.encode("cp1252")).json()
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.webhook == hook and delivery.event == "lead_import.completed"
    data = delivery.payload["data"]
    assert (data["import_id"], data["status"]) == (body["import_id"], "completed")
    assert (data["created"], data["failed"]) == (2, 2)

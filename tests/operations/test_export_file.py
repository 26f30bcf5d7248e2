"""An export's file: offered on the operation's live page once done, served by
GET /api/v1/bulk-operations/{id}/file to its creator, managers and admins; a 404 for anyone else."""

import csv
import io
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from operations import engine
from operations.models import OperationStatus
from tests.factories import make_lead, make_operation, make_user, run_to_end

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def bearer(user) -> Client:
    """A plain client with a bearer token and no session (a server-side integration)."""
    return Client(headers={"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"})


def file_url(operation) -> str:
    return f"/api/v1/bulk-operations/{operation.pk}/file"


def create_export(user, location, leads, fmt="csv", **kwargs):
    return make_operation(
        user,
        location,
        [lead.pk for lead in leads],
        target="leads",
        operation_type="export",
        params={"format": fmt, "fields": ["id", "first_name", "email"]},
        **kwargs,
    )


def run_export(user, location, leads, fmt="csv"):
    operation = run_to_end(create_export(user, location, leads, fmt))
    assert operation.status == OperationStatus.COMPLETED and operation.result_file
    return operation


@pytest.fixture
def leads(location):
    return [make_lead(location, first_name=f"Lead{n}", email=f"lead{n}@example.com") for n in range(3)]


@pytest.fixture
def agent_user(agent):
    return agent.user


@pytest.fixture
def agents_export(agent_user, location, leads):
    return run_export(agent_user, location, leads)


# --- The API ----------------------------------------------------------------------------


def test_creator_downloads_with_a_bearer_token(agents_export, agent_user):
    response = bearer(agent_user).get(file_url(agents_export))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="leads-export-{agents_export.pk}.csv"'
    body = b"".join(response.streaming_content)
    assert body == Path(agents_export.result_file.path).read_bytes()
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["id", "first_name", "email"] and len(rows) == 4


def test_trailing_slash_serves_it_too(agents_export, agent_user):
    assert bearer(agent_user).get(file_url(agents_export) + "/").status_code == 200


def test_manager_and_admin_download_an_agents_export(agents_export, manager, admin_user):
    for user in (manager, admin_user):
        response = bearer(user).get(file_url(agents_export))
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == Path(agents_export.result_file.path).read_bytes()


def test_xlsx_has_its_type_and_name(manager, location, leads):
    operation = run_export(manager, location, leads, "xlsx")
    response = bearer(manager).get(file_url(operation))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="leads-export-{operation.pk}.xlsx"'
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(list(book.active.iter_rows(values_only=True))) == 4


def assert_json_404(response):
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_another_agent_gets_404(manager, location, leads, agent_user):
    managers_export = run_export(manager, location, leads)
    assert_json_404(bearer(agent_user).get(file_url(managers_export)))
    other_agent = make_user("agent2", location=location, role=Role.AGENT)
    assert_json_404(bearer(other_agent).get(file_url(managers_export)))


def test_outsider_gets_404(agents_export, outsider):
    assert_json_404(bearer(outsider).get(file_url(agents_export)))


def test_anonymous_is_refused(agents_export):
    assert Client().get(file_url(agents_export)).status_code == 401


def test_an_operation_that_is_no_export_is_404(manager, location, leads):
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="leads",
        operation_type="change_stage",
        params={"stage": "contacted"},
        ids=[lead.pk for lead in leads],
    )
    engine.run_operation(operation.pk)
    assert_json_404(bearer(manager).get(file_url(operation)))


def test_an_unfinished_export_is_409_for_who_may_download_it(manager, agent_user, location, leads):
    operation = create_export(manager, location, leads)
    response = bearer(manager).get(file_url(operation))
    assert response.status_code == 409
    assert "running" in response.json()["detail"] or "not finished" in response.json()["detail"]
    # Who may not download it learns nothing: still a 404.
    assert_json_404(bearer(agent_user).get(file_url(operation)))


def test_a_cancelled_export_has_no_file(manager, location, leads):
    operation = create_export(manager, location, leads)
    engine.cancel_operation(operation=operation)
    assert_json_404(bearer(manager).get(file_url(operation)))


def test_a_deleted_file_is_404(agents_export, agent_user):
    Path(agents_export.result_file.path).unlink()
    assert_json_404(bearer(agent_user).get(file_url(agents_export)))


def test_detail_names_the_file_url(agents_export, agent_user, manager, location, leads):
    detail = bearer(agent_user).get(f"/api/v1/bulk-operations/{agents_export.pk}").json()
    assert detail["file_url"] == f"/api/v1/bulk-operations/{agents_export.pk}/file"
    assert detail["results_url"].endswith("/results.csv")  # the existing fields stay

    running = create_export(manager, location, leads)
    assert bearer(manager).get(f"/api/v1/bulk-operations/{running.pk}").json()["file_url"] is None
    stage, _ = engine.create_operation(
        user=manager,
        location=location,
        target="leads",
        operation_type="change_stage",
        params={"stage": "contacted"},
        ids=[leads[0].pk],
    )
    assert bearer(manager).get(f"/api/v1/bulk-operations/{stage.pk}").json()["file_url"] is None


def test_list_names_the_file_url(agents_export, agent_user):
    rows = bearer(agent_user).get("/api/v1/bulk-operations").json()["operations"]
    assert [row["file_url"] for row in rows] == [f"/api/v1/bulk-operations/{agents_export.pk}/file"]


def test_schema_documents_the_file(client_for, manager):
    schema = client_for(manager).get("/api/v1/schema/?format=json").json()
    get = schema["paths"]["/api/v1/bulk-operations/{operation_id}/file/"]["get"]
    ok = get["responses"]["200"]["content"]
    assert {"text/csv", XLSX} <= set(ok)
    assert ok["text/csv"]["schema"] == {"type": "string", "format": "binary"}
    for code in ("404", "409"):
        assert get["responses"][code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    output = schema["components"]["schemas"]["BulkOperationOutput"]["properties"]
    assert output["file_url"]["nullable"] is True


# --- The pages ----------------------------------------------------------------------------


def test_live_partial_offers_the_file_once_done(client_for, manager, location, leads):
    operation = create_export(manager, location, leads)
    client = client_for(manager)
    download = f"/leads/bulk/exports/{operation.pk}/"

    running = client.get(f"/operations/{operation.pk}/progress/", headers={"HX-Request": "true"})
    assert running.status_code == 200 and download not in running.content.decode()

    engine.run_operation(operation.pk)
    done = client.get(f"/operations/{operation.pk}/progress/", headers={"HX-Request": "true"}).content.decode()
    assert f'href="{download}"' in done
    assert "Download export (CSV, 3 rows," in done


def test_live_page_shows_the_download_button(client_for, agents_export, agent_user):
    page = client_for(agent_user).get(f"/operations/{agents_export.pk}/")
    assert page.status_code == 200
    assert f'href="/leads/bulk/exports/{agents_export.pk}/"' in page.content.decode()
    assert "Download export (CSV, 3 rows," in page.content.decode()


def test_live_page_hides_the_button_from_who_may_not_download(client_for, manager, location, leads, agent_user):
    managers_export = run_export(manager, location, leads)
    page = client_for(agent_user).get(f"/operations/{managers_export.pk}/progress/")
    # Agents see only their own operations; were they shown this one, it would be without the button.
    assert page.status_code == 404 or "/leads/bulk/exports/" not in page.content.decode()


def test_page_download_refuses_another_agent(client_for, manager, location, leads, agent_user):
    managers_export = run_export(manager, location, leads)
    assert client_for(agent_user).get(f"/leads/bulk/exports/{managers_export.pk}/").status_code == 404
    response = client_for(manager).get(f"/leads/bulk/exports/{managers_export.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(managers_export.result_file.path).read_bytes()


def test_page_download_serves_the_creator(client_for, agents_export, agent_user):
    response = client_for(agent_user).get(f"/leads/bulk/exports/{agents_export.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"

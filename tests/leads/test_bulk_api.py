"""POST /api/v1/leads/bulk-update, lead types through /api/v1/bulk-operations, message templates CRUD."""

import pytest

from leads.models import Lead, MessageTemplate, Stage
from operations.models import BulkOperation
from tests.factories import make_agent, make_lead, make_tag

URL = "/api/v1/leads/bulk-update"


def test_bulk_update_small_batch_answers_per_lead_results(api_for, manager, location, other_location, agent):
    leads = [make_lead(location) for _ in range(2)]
    already = make_lead(location, stage=Stage.WON, owner=agent)
    foreign = make_lead(other_location)
    ids = [lead.pk for lead in leads] + [already.pk, foreign.pk]
    response = api_for(manager).post(
        URL, {"lead_ids": ids, "updates": {"stage": "won", "agent_id": agent.pk, "add_tags": ["hot"]}}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["synchronous"] is True and len(body["operations"]) == 3
    assert body["summary"] == {"total": 4, "succeeded": 3, "skipped": 0, "failed": 1}
    results = {r["lead_id"]: r for r in body["results"]}
    assert results[foreign.pk]["status"] == "failed"
    assert results[foreign.pk]["fields"]["stage"] == {"status": "failed", "error": "Lead not found"}
    assert results[already.pk]["fields"]["stage"]["status"] == "skipped"
    assert results[already.pk]["fields"]["add_tags"]["status"] == "succeeded"
    assert set(Lead.objects.filter(pk__in=ids[:2]).values_list("stage", "owner_id")) == {("won", agent.pk)}
    foreign.refresh_from_db()
    assert foreign.stage == "new"


def test_bulk_update_large_batch_is_queued(api_for, manager, location, monkeypatch):
    from leads import bulk_api

    monkeypatch.setattr(bulk_api, "BULK_UPDATE_SYNC_LIMIT", 2)
    ids = [make_lead(location).pk for _ in range(3)]
    response = api_for(manager).post(URL + "/", {"lead_ids": ids, "updates": {"stage": "lost"}}, format="json")
    assert response.status_code == 202
    assert response.json()["operations"][0]["status"] == "pending"
    assert Lead.objects.filter(stage="lost").count() == 0


def test_bulk_update_validation_errors_are_4xx_json(api_for, manager, location, other_location):
    client = api_for(manager)
    lead = make_lead(location)
    for body in (
        {"lead_ids": [lead.pk], "updates": {}},
        {"lead_ids": [lead.pk], "updates": {"stage": "bogus"}},
        {"lead_ids": [lead.pk], "updates": {"colour": "red"}},
        {"lead_ids": [], "updates": {"stage": "won"}},
        {"lead_ids": ["x"], "updates": {"stage": "won"}},
        {"lead_ids": [lead.pk], "updates": {"agent_id": make_agent(other_location).pk}},
    ):
        response = client.post(URL, body, format="json")
        assert response.status_code == 400, body
        assert "detail" in response.json() and "errors" in response.json()
    assert not BulkOperation.objects.exists()


def test_outsider_bulk_update_cannot_touch_other_tenant(api_for, outsider, location):
    lead = make_lead(location)
    response = api_for(outsider).post(URL, {"lead_ids": [lead.pk], "updates": {"stage": "won"}}, format="json")
    assert response.status_code == 200
    assert response.json()["results"][0]["fields"]["stage"]["error"] == "Lead not found"
    lead.refresh_from_db()
    assert lead.stage == "new"


def test_every_lead_type_through_generic_bulk_operations(api_for, manager, location):
    from operations import engine

    lead = make_lead(location, phone="+14155550123")
    make_tag(location, "t")
    cases = {
        "score": {},
        "message": {"channel": "sms", "body": "Hi {first_name}"},
        "add_tags": {"tags": ["t"]},
        "remove_tags": {"tags": ["t"]},
        "change_stage": {"stage": "won"},
        "assign": {"team_id": None},
        "export": {"format": "json", "fields": ["id"]},
    }
    client = api_for(manager)
    for operation_type, parameters in cases.items():
        response = client.post(
            "/api/v1/bulk-operations",
            {"target": "leads", "operation_type": operation_type, "parameters": parameters, "ids": [lead.pk]},
            format="json",
        )
        assert response.status_code == 201, (operation_type, response.json())
        operation_id = response.json()["operation_id"]
        engine.run_operation(operation_id)
        operation = BulkOperation.objects.get(pk=operation_id)
        assert operation.status == "completed", operation_type
        assert operation.processed == 1


def test_templates_crud_and_validation(api_for, manager, location):
    client = api_for(manager)
    response = client.post(
        "/api/v1/message-templates", {"name": "Hi", "category": "welcome", "body": "Hi {first_name}"}, format="json"
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert client.get("/api/v1/message-templates").json()[0]["name"] == "Hi"
    assert (
        client.patch(f"/api/v1/message-templates/{pk}", {"body": "Yo {first_name}"}, format="json").status_code == 200
    )
    bad = client.patch(f"/api/v1/message-templates/{pk}", {"body": "{first_name.__class__}"}, format="json")
    assert bad.status_code == 400 and "body" in str(bad.json()["errors"])
    lead = make_lead(location, first_name="Ana")
    preview = client.post(f"/api/v1/message-templates/{pk}/preview", {"lead_id": lead.pk}, format="json")
    assert preview.json()["body"] == "Yo Ana"
    assert client.delete(f"/api/v1/message-templates/{pk}").status_code == 204
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("body", [[], {}, {"lead_id": "x"}, {"lead_id": True}, {"lead_id": 2**70}])
def test_template_preview_refuses_a_body_without_a_lead_id(api_for, manager, location, body):
    template = MessageTemplate.objects.create(location=location, name="A", body="Hi {first_name}")
    response = api_for(manager).post(f"/api/v1/message-templates/{template.pk}/preview", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_template_preview_takes_a_form_too(api_for, manager, location):
    template = MessageTemplate.objects.create(location=location, name="A", body="Hi {first_name}")
    lead = make_lead(location, first_name="Ana")
    response = api_for(manager).post(f"/api/v1/message-templates/{template.pk}/preview", {"lead_id": str(lead.pk)})
    assert response.json() == {"subject": "", "body": "Hi Ana"}


def test_templates_list_by_category(api_for, manager, location):
    MessageTemplate.objects.create(location=location, name="A", category="welcome", body="Hi")
    MessageTemplate.objects.create(location=location, name="B", category="followup", body="Hi")
    client = api_for(manager)
    assert [t["name"] for t in client.get("/api/v1/message-templates", {"category": "welcome"}).json()] == ["A"]
    for category in ("bogus", "\x00"):
        response = client.get("/api/v1/message-templates", {"category": category})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "category"


def test_outsider_gets_404_for_templates(api_for, outsider, location):
    template = MessageTemplate.objects.create(location=location, name="A", body="Hi")
    client = api_for(outsider)
    assert client.get(f"/api/v1/message-templates/{template.pk}").status_code == 404
    assert client.delete(f"/api/v1/message-templates/{template.pk}").status_code == 404
    assert client.get("/api/v1/message-templates").json() == []

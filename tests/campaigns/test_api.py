"""The seed's endpoints under /api/v1/campaigns: contract, state machine, tenants, errors."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns import services
from campaigns.models import Campaign, CampaignState
from tests import factories

pytestmark = pytest.mark.django_db


def post_file(api, path, data: bytes, settings=None, filename="contacts.csv"):
    payload = {"file": SimpleUploadedFile(filename, data)}
    if settings is not None:
        payload["settings"] = settings if isinstance(settings, str) else json.dumps(settings)
    return api.post(path, payload, format="multipart")


SETTINGS = {
    "name": "Spring outreach",
    "timezone": "America/New_York",
    "scheduled_start_time": "2026-12-01T09:00:00-05:00",
    "pacing": {"delay_seconds": 15},
    "business_hours": {"enabled": True, "days": [1, 2, 3], "start_time": "10:00", "end_time": "16:30"},
    "retry_policy": {"max_retries": 2, "backoff_hours": [0.5, 2], "retryable_outcomes": ["busy"]},
    "call": {
        "mode": "script",
        "prompt_text": "Hi {first_name}, this is Ada.",
        "voice": "Polly.Amy",
        "language": "en-GB",
        "machine_detection": True,
        "on_machine": "voicemail",
        "voicemail_text": "Sorry we missed you, {first_name}.",
    },
}


def test_create_answers_the_contract_and_stores_the_settings_snapshot(api_for, manager, agent):
    data = b"phone,name\n+12125550101,Ann\nbad,Bob\n+12125550101,Ann twice\n"
    response = post_file(api_for(manager), "/api/v1/campaigns/create", data, {**SETTINGS, "agent_id": agent.pk})
    assert response.status_code == 201
    body = response.json()
    assert body["contacts_imported"] == 1 and body["duplicates"] == 1
    assert body["errors"] == [
        {
            "row": 3,
            "value": "bad",
            "message": "not a phone number (the string supplied did not seem to be a phone number)",
        }
    ]
    campaign = Campaign.objects.get(pk=body["campaign_id"])
    assert campaign.settings_snapshot == {
        "agent_snapshot": {"id": agent.pk, "name": "agent1", "prompt_text": "Hi {first_name}, this is Ada."},
        "timezone": "America/New_York",
        "scheduled_start_time": "2026-12-01T14:00:00+00:00",
        "default_region": "US",
        "pacing": {"delay_seconds": 15, "max_concurrent_calls": 1},
        "business_hours": {"enabled": True, "days": [1, 2, 3], "start_time": "10:00", "end_time": "16:30"},
        "retry_policy": {"max_retries": 2, "backoff_hours": [0.5, 2.0], "retryable_outcomes": ["busy"]},
        "call": SETTINGS["call"],
    }
    assert (campaign.call_mode, campaign.voice, campaign.on_machine) == ("script", "Polly.Amy", "voicemail")


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"pacing": {"delay_seconds": 4}}, "settings.pacing.delay_seconds"),
        ({"pacing": {"delay_seconds": 61}}, "settings.pacing.delay_seconds"),
        ({"timezone": "Mars/Olympus"}, "settings.timezone"),
        ({"business_hours": {"start_time": "18:00", "end_time": "09:00"}}, "settings.business_hours.end_time"),
        ({"business_hours": {"days": [0, 8]}}, "settings.business_hours.days.0"),
        ({"retry_policy": {"retryable_outcomes": ["completed"]}}, "settings.retry_policy.retryable_outcomes.0"),
        ("{not json", "settings"),
        ({"call": {"mode": "robocall"}}, "settings.call.mode"),
        ({"call": {"prompt_text": "Hi {first_name.__class__}"}}, "settings.call.prompt_text"),
        ({"call": {"voice": "Polly.Nobody"}}, "settings.call.voice"),
        ({"call": {"voice": "Polly.Amy", "language": "de-DE"}}, "settings.call.voice"),
        ({"call": {"machine_detection": True, "on_machine": "voicemail"}}, "settings.call.voicemail_text"),
    ],
)
def test_bad_settings_are_a_400_naming_the_field(api_for, manager, settings, field):
    response = post_file(api_for(manager), "/api/v1/campaigns/create", b"+12125550101\n", settings)
    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Campaign.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_a_400_with_a_clear_error(api_for, manager):
    response = post_file(api_for(manager), "/api/v1/campaigns/create", b"\x89PNG\r\n\x1a\n\x00\x00", {}, "a.png")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert "not a spreadsheet" in response.json()["errors"][0]["message"]


def test_an_agent_of_another_location_is_refused(api_for, manager, other_location):
    foreign = factories.make_agent(other_location)
    response = post_file(api_for(manager), "/api/v1/campaigns/create", b"+12125550101\n", {"agent_id": foreign.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "settings.agent_id"


def test_preview_counts_without_creating(api_for, manager):
    data = b"phone,company\n+12125550101,Acme\n+12125550101,Acme\nxx,Bad\n"
    response = post_file(api_for(manager), "/api/v1/campaigns/preview", data, {})
    assert response.status_code == 200
    body = response.json()
    assert (body["contacts"], body["duplicates"], body["duplicate_rows"]) == (1, 1, [3])
    assert body["errors"][0]["row"] == 4
    assert body["sample"] == [{"row": 2, "phone": "+12125550101", "name": "", "metadata": {"company": "Acme"}}]
    assert not Campaign.objects.exists()


def test_list_filters_by_state_and_shows_only_my_locations(api_for, manager, outsider, make_campaign, t0):
    draft = make_campaign()
    running = make_campaign()
    services.start_campaign(campaign_id=running.pk, now=t0)
    api = api_for(manager)
    assert [c["id"] for c in api.get("/api/v1/campaigns").json()["results"]] == [running.pk, draft.pk]
    assert [c["id"] for c in api.get("/api/v1/campaigns/?state=draft").json()["results"]] == [draft.pk]
    assert api.get("/api/v1/campaigns?state=bogus").status_code == 400
    assert api_for(outsider).get("/api/v1/campaigns").json()["results"] == []


def test_detail_has_stats_and_is_404_for_an_outsider(api_for, manager, outsider, make_campaign):
    campaign = make_campaign()
    body = api_for(manager).get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert body["stats"] == {
        "total_contacts": 5,
        "pending": 5,
        "calling": 0,
        "completed": 0,
        "failed": 0,
        "calls_made": 0,
        "progress_percent": 0,
        "success_rate": None,
        "average_duration_seconds": None,
        "last_called_at": None,
    }
    assert api_for(outsider).get(f"/api/v1/campaigns/{campaign.pk}").status_code == 404
    assert api_for(outsider).get(f"/api/v1/campaigns/{campaign.pk}/contacts").status_code == 404
    for action in ("start", "pause", "resume"):
        assert api_for(outsider).post(f"/api/v1/campaigns/{campaign.pk}/{action}").status_code == 404
    assert api_for(outsider).delete(f"/api/v1/campaigns/{campaign.pk}").status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.DRAFT


def test_contacts_filter_by_state(api_for, manager, make_campaign):
    campaign = make_campaign()
    first = campaign.contacts.first()
    first.status = "failed"
    first.save()
    api = api_for(manager)
    assert api.get(f"/api/v1/campaigns/{campaign.pk}/contacts").json()["count"] == 5
    failed = api.get(f"/api/v1/campaigns/{campaign.pk}/contacts?state=failed").json()
    assert [c["id"] for c in failed["results"]] == [first.pk]


def test_state_machine_through_the_api_refuses_illegal_moves(api_for, manager, make_campaign):
    api = api_for(manager)
    campaign = make_campaign()
    url = f"/api/v1/campaigns/{campaign.pk}"
    assert api.post(f"{url}/pause").status_code == 409
    assert api.post(f"{url}/resume").status_code == 409
    assert api.post(f"{url}/start").json()["state"] == "running"
    assert api.post(f"{url}/start").status_code == 409
    assert api.delete(url).status_code == 409
    assert api.post(f"{url}/resume").status_code == 409
    assert api.post(f"{url}/pause").json()["state"] == "paused"
    assert api.post(f"{url}/pause").status_code == 409
    assert api.post(f"{url}/resume/").json()["state"] == "running"
    assert api.post(f"{url}/pause").status_code == 200
    assert api.delete(url).status_code == 204
    assert not Campaign.objects.filter(pk=campaign.pk).exists()


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        ("draft", {"pending"}),
        ("pending", {"running", "failed"}),
        ("running", {"paused", "completed", "failed"}),
        ("paused", {"running", "failed"}),
        ("completed", set()),
        ("failed", {"running"}),  # resumed once the cause is fixed
    ],
)
def test_every_transition_outside_the_machine_is_refused(make_campaign, t0, state, allowed):
    for target in CampaignState.values:
        campaign = make_campaign()
        Campaign.objects.filter(pk=campaign.pk).update(state=state)
        try:
            services._transition(campaign_id=campaign.pk, target=target, now=t0)
            moved = True
        except services.IllegalTransition:
            moved = False
        assert moved == (target in allowed), (state, target)


def test_a_scheduled_campaign_waits_in_pending(api_for, manager, make_campaign, t0):
    import datetime

    from django.utils import timezone

    campaign = make_campaign(scheduled_start_time=timezone.now() + datetime.timedelta(days=1))
    assert api_for(manager).post(f"/api/v1/campaigns/{campaign.pk}/start").json()["state"] == "pending"


def test_unauthenticated_requests_are_refused(client, make_campaign):
    assert client.get("/api/v1/campaigns").status_code in (401, 403)


def test_schema_lists_the_campaign_endpoints(api_for, manager):
    schema = api_for(manager).get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/campaigns/create/", "/api/v1/campaigns/", "/api/v1/campaigns/{campaign_id}/contacts/"):
        assert path in schema["paths"]


def test_campaign_and_contact_lists_are_documented_as_the_pages_they_answer(api_for, manager, make_campaign):
    campaign = make_campaign()
    client = api_for(manager)
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/campaigns/", "/api/v1/campaigns/{campaign_id}/contacts/"):
        operation = schema["paths"][path]["get"]
        assert {"limit", "offset"} <= {parameter["name"] for parameter in operation["parameters"]}
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == {
            "count",
            "next",
            "previous",
            "results",
        }
    assert set(client.get("/api/v1/campaigns", {"limit": 1}).json()) == {"count", "next", "previous", "results"}
    contacts = client.get(f"/api/v1/campaigns/{campaign.pk}/contacts", {"limit": 2}).json()
    assert (contacts["count"], len(contacts["results"])) == (5, 2)


def test_a_file_whose_every_row_is_bad_creates_nothing(api_for, manager):
    response = post_file(api_for(manager), "/api/v1/campaigns/create", b"phone\n12345\nabc\n", {})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "file",
            "message": "The file has no valid contacts: 2 rows with errors"
            " (first: row 2, '12345': not a valid phone number).",
        }
    ]
    assert not Campaign.objects.exists()

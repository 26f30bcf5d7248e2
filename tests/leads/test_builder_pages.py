"""The lead operation builder: selection methods, live count, preview, run / draft / schedule."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from leads.models import Lead, Stage, Tag
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_lead

URL = "/leads/bulk/"


def post(client, path, data, **extra):
    base = {"operation_type": "change_stage", "method": "ids", "params-stage": "qualified", "params-reason": ""}
    return client.post(path, {**base, **data}, **extra)


def test_builder_page_renders_for_member_and_lists_all_types(client_for, manager):
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    for label in ("Score", "Send message", "Add tags", "Remove tags", "Change stage", "Assign", "Export"):
        assert label in response.text


def test_builder_requires_login(client):
    assert client.get(URL).status_code == 302


def test_param_form_is_swapped_per_type(client_for, manager):
    response = client_for(manager).get(URL + "params/", {"operation_type": "export"}, HTTP_HX_REQUEST="true")
    assert 'name="params-format"' in response.text and 'name="params-fields"' in response.text
    response = client_for(manager).get(URL + "params/", {"operation_type": "message"}, HTTP_HX_REQUEST="true")
    assert 'name="params-channel"' in response.text and 'name="params-template"' in response.text


def test_count_reports_pasted_ids_and_unknown_ones(client_for, manager, location, other_location):
    leads = [make_lead(location) for _ in range(3)]
    foreign = make_lead(other_location)
    pasted = "\n".join([str(lead.pk) for lead in leads] + [str(foreign.pk), "abc", leads[0].email])
    response = post(client_for(manager), URL + "count/", {"pasted_ids": pasted})
    assert response.status_code == 200
    assert response.context["count"] == 3
    assert response.context["selection"].unknown == [str(foreign.pk), "abc"]


def test_count_on_a_freshly_opened_page_complains_about_nothing(client_for, manager):
    response = post(client_for(manager), URL + "count/", {"pasted_ids": "  "})
    assert response.status_code == 200
    assert "No leads selected yet." in response.text
    assert "field-error" not in response.text


def test_count_by_filter_and_by_list_select_all(client_for, manager, location):
    for _ in range(4):
        make_lead(location, stage=Stage.CONTACTED)
    make_lead(location)
    client = client_for(manager)
    assert post(client, URL + "count/", {"method": "filter", "f-stage": "contacted"}).context["count"] == 4
    response = post(client, URL + "count/", {"method": "list", "select_all": "on", "filter_query": "stage=contacted"})
    assert response.context["count"] == 4


def test_count_from_uploaded_csv_and_xlsx_of_ids_or_emails(client_for, manager, location):
    a, b = make_lead(location, email="a@example.com"), make_lead(location)
    client = client_for(manager)
    csv_file = SimpleUploadedFile("ids.csv", f"id\n{b.pk}\nA@example.com\n999999\n".encode())
    response = post(client, URL + "count/", {"method": "file", "upload": csv_file})
    assert response.context["count"] == 2
    assert response.context["selection"].unknown == ["id", "999999"]

    book = Workbook()
    sheet = book.active
    for value in ("lead", a.pk, b.pk):
        sheet.append([value])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = SimpleUploadedFile("ids.xlsx", buffer.getvalue())
    assert post(client, URL + "count/", {"method": "file", "upload": xlsx}).context["count"] == 2


def test_preview_counts_changes_and_skips_without_writing(client_for, manager, location):
    movers = [make_lead(location) for _ in range(3)]
    already = make_lead(location, stage=Stage.QUALIFIED)
    ids = "\n".join(str(lead.pk) for lead in [*movers, already])
    response = post(client_for(manager), URL + "preview/", {"pasted_ids": ids}, HTTP_HX_REQUEST="true")
    preview = response.context["preview"]
    assert preview.counts == {"succeeded": 3, "skipped": 1, "failed": 0}
    assert ("skipped", "Already Qualified", 1) in preview.reasons
    assert preview.sample[0].before == "New" and preview.sample[0].after == "Qualified"
    assert Lead.objects.filter(stage=Stage.QUALIFIED).count() == 1
    assert not BulkOperation.objects.exists()


def test_preview_of_add_tags_creates_no_tag(client_for, manager, location):
    lead = make_lead(location)
    response = post(
        client_for(manager),
        URL + "preview/",
        {"operation_type": "add_tags", "params-tags": "brand-new", "pasted_ids": str(lead.pk)},
    )
    assert response.context["preview"].counts["succeeded"] == 1
    assert not Tag.objects.exists()


def test_preview_shows_rendered_message(client_for, manager, location):
    lead = make_lead(location, first_name="Ana", phone="+14155550123")
    response = post(
        client_for(manager),
        URL + "preview/",
        {
            "operation_type": "message",
            "params-channel": "sms",
            "params-body": "Hi {first_name}",
            "pasted_ids": str(lead.pk),
        },
    )
    assert response.context["preview"].sample[0].after == "Hi Ana\n\n[6 characters, GSM-7, 1 segment]"


def test_preview_reports_invalid_template_text(client_for, manager, location):
    lead = make_lead(location)
    response = post(
        client_for(manager),
        URL + "preview/",
        {
            "operation_type": "message",
            "params-channel": "sms",
            "params-body": "{email.__class__}",
            "pasted_ids": str(lead.pk),
        },
    )
    assert response.status_code == 200
    assert any("Unknown placeholder" in e for e in response.context["errors"])


def test_execute_now_creates_operation_and_redirects_to_its_page(client_for, manager, location):
    leads = [make_lead(location) for _ in range(2)]
    response = post(client_for(manager), URL, {"pasted_ids": f"{leads[0].pk}\n{leads[1].pk}", "action": "run"})
    operation = BulkOperation.objects.get()
    assert response.status_code == 302 and str(operation.pk) in response["Location"]
    assert (operation.operation_type, operation.status, operation.total) == ("change_stage", "pending", 2)
    assert operation.parameters == {"stage": "qualified", "reason": ""}


def test_save_as_draft(client_for, manager, location):
    lead = make_lead(location)
    post(client_for(manager), URL, {"pasted_ids": str(lead.pk), "action": "draft"})
    assert BulkOperation.objects.get().status == OperationStatus.DRAFT


def test_schedule_interprets_time_in_location_time_zone(client_for, manager, location):
    location.timezone = "America/New_York"
    location.save()
    lead = make_lead(location)
    when = (
        (timezone.now() + timedelta(days=2))
        .astimezone(timezone.get_fixed_timezone(0))
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )
    local = when.strftime("%Y-%m-%dT09:30")
    post(client_for(manager), URL, {"pasted_ids": str(lead.pk), "action": "schedule", "scheduled_for": local})
    operation = BulkOperation.objects.get()
    assert operation.status == OperationStatus.SCHEDULED
    from zoneinfo import ZoneInfo

    scheduled = operation.scheduled_for.astimezone(ZoneInfo("America/New_York"))
    assert (scheduled.hour, scheduled.minute) == (9, 30)


def test_select_all_from_list_runs_on_filter(client_for, manager, location):
    for _ in range(3):
        make_lead(location, stage=Stage.CONTACTED)
    make_lead(location)
    post(
        client_for(manager),
        URL,
        {"method": "list", "select_all": "on", "filter_query": "stage=contacted", "action": "draft"},
    )
    operation = BulkOperation.objects.get()
    assert operation.selection == {"method": "filter", "filters": {"stage": "contacted"}}
    assert operation.total == 3


def test_bad_parameters_rerender_with_errors(client_for, manager, location):
    lead = make_lead(location)
    response = post(client_for(manager), URL, {"pasted_ids": str(lead.pk), "params-stage": "bogus"})
    assert response.status_code == 400
    assert not BulkOperation.objects.exists()


def test_outsider_cannot_select_or_preview_other_tenants_leads(client_for, outsider, location):
    lead = make_lead(location)
    client = client_for(outsider)
    response = post(client, URL + "count/", {"pasted_ids": str(lead.pk)})
    assert response.context["count"] == 0
    assert response.context["selection"] is None
    response = post(client, URL + "preview/", {"pasted_ids": str(lead.pk)})
    assert response.context["preview"] is None
    post(client, URL, {"pasted_ids": str(lead.pk), "action": "run"})
    assert not BulkOperation.objects.exists()


@pytest.mark.parametrize("path", ["templates/", "templates/new/"])
def test_template_pages_render(client_for, manager, path):
    assert client_for(manager).get(URL + path).status_code == 200


@pytest.mark.parametrize(
    ("operation_type", "params"),
    [
        ("score", {"params-budget": "300000", "params-timeline": "immediate"}),
        ("message", {"params-channel": "email", "params-subject": "Hi", "params-body": "Hello {first_name}"}),
        ("add_tags", {"params-tags": "vip, q1"}),
        ("remove_tags", {"params-tags": "vip"}),
        ("change_stage", {"params-stage": "won", "params-reason": "Signed"}),
        ("assign", {"params-assign_to": "team", "params-team": ""}),
        ("export", {"params-format": "csv", "params-fields": ["id", "email"]}),
    ],
)
def test_every_type_runs_end_to_end_from_the_builder(
    operation_type, params, client_for, manager, location, settings, tmp_path
):
    from operations import engine

    settings.MEDIA_ROOT = tmp_path
    leads = [make_lead(location), make_lead(location, email="")]
    data = {
        "operation_type": operation_type,
        "method": "ids",
        "action": "run",
        "pasted_ids": "\n".join(str(lead.pk) for lead in leads),
        **params,
    }
    response = client_for(manager).post(URL, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    operation = BulkOperation.objects.get()
    engine.run_operation(operation.pk)
    operation.refresh_from_db()
    assert operation.status == OperationStatus.COMPLETED
    assert operation.processed == 2
    if operation_type == "message":  # the lead without an email is skipped with the reason
        assert operation.items.get(object_id=leads[1].pk).error_message == "No email address"


def test_an_agent_is_offered_only_the_types_the_policy_lets_them_start(client_for, agent, location):
    response = client_for(agent.user).get(URL)
    choices = dict(response.context["form"].fields["operation_type"].choices)
    assert "assign" not in choices and "change_stage" in choices


def test_an_agent_posting_assign_gets_a_form_error_not_a_403(client_for, agent, location):
    lead = make_lead(location)
    response = post(client_for(agent.user), URL, {"operation_type": "assign", "pasted_ids": str(lead.pk)})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not BulkOperation.objects.exists()

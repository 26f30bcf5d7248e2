"""Templates: delete with a confirmation that says what happens to the operations that used it, the
created date in the location's zone, and the starter library (migration and seed_demo)."""

import datetime
import importlib

from django.apps import apps as django_apps

from leads.models import Message, MessageTemplate
from leads.starter_templates import STARTER_TEMPLATES, add_starter_templates
from tests.factories import make_lead

SEED_EXAMPLE = "Thanks for your interest in properties around {location}!"


def test_delete_asks_first_and_says_the_operations_keep_their_text(client_for, manager, location, run_op):
    template = MessageTemplate.objects.create(location=location, name="Hello", body="Hello {first_name}")
    lead = make_lead(location, first_name="Ana", phone="+14155550123")
    operation = run_op(manager, location, "message", {"channel": "sms", "template_id": template.pk}, [lead.pk])
    client = client_for(manager)

    confirm = client.get(f"/leads/bulk/templates/{template.pk}/delete/")
    assert confirm.status_code == 200
    assert "1 message operation used this template" in confirm.text
    assert "keep the text they stored" in confirm.text
    assert MessageTemplate.objects.filter(pk=template.pk).exists()  # asking deletes nothing

    response = client.post(f"/leads/bulk/templates/{template.pk}/delete/")
    assert response.status_code == 302
    assert not MessageTemplate.objects.filter(pk=template.pk).exists()
    operation.refresh_from_db()
    assert operation.parameters["body"] == "Hello {first_name}"
    assert Message.objects.get(operation=operation).body == "Hello Ana"


def test_a_scheduled_operation_still_sends_the_deleted_templates_text(client_for, manager, location):
    from operations import engine
    from tests.factories import run_to_end

    template = MessageTemplate.objects.create(location=location, name="Later", body="Later {first_name}")
    lead = make_lead(location, first_name="Bo", phone="+14155550124")
    draft, _ = engine.create_operation(
        user=manager,
        location=location,
        target="leads",
        operation_type="message",
        params={"channel": "sms", "template_id": template.pk},
        ids=[lead.pk],
        draft=True,
    )
    confirm = client_for(manager).get(f"/leads/bulk/templates/{template.pk}/delete/")
    assert "the 1 not yet finished (draft, scheduled or running) still sends that stored text" in confirm.text
    client_for(manager).post(f"/leads/bulk/templates/{template.pk}/delete/")

    run_to_end(engine.start_draft(operation=draft))
    assert Message.objects.get(operation=draft).body == "Later Bo"


def test_only_template_editors_of_the_location_may_delete(client_for, agent, outsider, location):
    template = MessageTemplate.objects.create(location=location, name="Keep", body="Hi")
    assert client_for(agent.user).post(f"/leads/bulk/templates/{template.pk}/delete/").status_code == 403
    assert client_for(outsider).get(f"/leads/bulk/templates/{template.pk}/delete/").status_code == 404
    assert client_for(outsider).post(f"/leads/bulk/templates/{template.pk}/delete/").status_code == 404
    assert MessageTemplate.objects.filter(pk=template.pk).exists()


def test_created_date_is_shown_in_the_locations_zone_and_named(client_for, manager, location):
    location.timezone = "America/New_York"
    location.save()
    template = MessageTemplate.objects.create(location=location, name="Dated", body="Hi")
    MessageTemplate.objects.filter(pk=template.pk).update(
        created_at=datetime.datetime(2026, 1, 15, 17, 30, tzinfo=datetime.UTC)
    )
    client = client_for(manager)
    listing = client.get("/leads/bulk/templates/").text
    assert '<th scope="col">Created</th>' in listing
    assert "2026-01-15 12:30 EST" in listing
    assert "Created <time" in client.get(f"/leads/bulk/templates/{template.pk}/").text
    assert "2026-01-15 12:30 EST" in client.get(f"/leads/bulk/templates/{template.pk}/").text


def test_starter_library_has_every_category_and_the_seeds_example(location):
    assert add_starter_templates(location) == len(STARTER_TEMPLATES)
    templates = MessageTemplate.objects.filter(location=location)
    assert {t.category for t in templates} == {"general", "welcome", "followup", "reengagement", "appointment"}
    assert any(SEED_EXAMPLE in t.body and "Your Real Estate Team" in t.body for t in templates)
    assert templates.filter(
        name="Weekly Follow-up", body="Hi {first_name}, checking in on your search for properties in {location}!"
    ).exists()
    assert add_starter_templates(location) == 0  # again: nothing twice


def test_starter_templates_are_valid_and_editable_and_deletable(client_for, manager, location):
    from leads import messaging

    add_starter_templates(location)
    for template in MessageTemplate.objects.filter(location=location):
        messaging.validate(template.subject)
        messaging.validate(template.body)
    template = MessageTemplate.objects.get(location=location, name="Weekly Follow-up")
    client = client_for(manager)
    client.post(
        f"/leads/bulk/templates/{template.pk}/",
        {"name": "Weekly Follow-up", "category": "followup", "body": "Hi {first_name}, any news?"},
    )
    template.refresh_from_db()
    assert template.body == "Hi {first_name}, any news?"
    client.post(f"/leads/bulk/templates/{template.pk}/delete/")
    assert not MessageTemplate.objects.filter(pk=template.pk).exists()


def test_the_migration_gives_every_company_the_library_and_keeps_a_name_taken(location, other_location):
    MessageTemplate.objects.create(location=location, name="weekly follow-up", body="Ours")
    migration = importlib.import_module("leads.migrations.0009_starter_templates")
    migration.add_starter_library(django_apps, None)
    assert MessageTemplate.objects.filter(location=other_location).count() == len(STARTER_TEMPLATES)
    assert MessageTemplate.objects.filter(location=location).count() == len(STARTER_TEMPLATES)
    assert MessageTemplate.objects.get(location=location, name__iexact="weekly follow-up").body == "Ours"


def test_seed_demo_adds_the_library(db):
    from demo.seed import seed_demo

    seed_demo(leads=0, tickets=0, agents=1, password="pw", log=lambda _: None)
    from accounts.models import Location

    for location in Location.objects.all():
        assert MessageTemplate.objects.filter(location=location).count() == len(STARTER_TEMPLATES)

"""Message template pages: library, create/edit with placeholder validation, preview against a lead."""

import pytest

from leads.models import MessageTemplate
from tests.factories import make_lead


def test_create_template_and_list_it_by_category(client_for, manager, location):
    client = client_for(manager)
    response = client.post(
        "/leads/bulk/templates/new/",
        {
            "name": "Weekly follow-up",
            "category": "followup",
            "subject": "",
            "body": "Hi {first_name}, still looking in {location}?",
        },
    )
    template = MessageTemplate.objects.get()
    assert response.status_code == 302
    assert (template.location, template.created_by, template.category) == (location, manager, "followup")
    assert "Weekly follow-up" in client.get("/leads/bulk/templates/?category=followup").text
    assert "Weekly follow-up" not in client.get("/leads/bulk/templates/?category=welcome").text


@pytest.mark.parametrize("body", ["Hi {name}", "{first_name.__class__}", "{0}", "{email!r}", "{first_name:{email}}"])
def test_unknown_or_unsafe_placeholder_is_a_form_error(client_for, manager, body):
    response = client_for(manager).post(
        "/leads/bulk/templates/new/", {"name": "Bad", "category": "general", "body": body}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["body"]
    assert not MessageTemplate.objects.exists()


def test_edit_template(client_for, manager, location):
    template = MessageTemplate.objects.create(location=location, name="A", body="Hi")
    client_for(manager).post(
        f"/leads/bulk/templates/{template.pk}/", {"name": "A", "category": "welcome", "body": "Welcome {first_name}"}
    )
    template.refresh_from_db()
    assert (template.category, template.body) == ("welcome", "Welcome {first_name}")


def test_preview_against_a_lead(client_for, manager, location):
    template = MessageTemplate.objects.create(location=location, name="A", body="Hi {first_name} in {location}")
    lead = make_lead(location, first_name="Ana", area="")
    response = client_for(manager).get(
        f"/leads/bulk/templates/{template.pk}/preview/", {"lead": lead.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.context["body"] == "Hi Ana in your area"


def test_outsider_gets_404_for_another_tenants_template_and_leads(client_for, outsider, location, other_location):
    template = MessageTemplate.objects.create(location=location, name="A", body="Hi")
    lead = make_lead(location)
    client = client_for(outsider)
    assert client.get(f"/leads/bulk/templates/{template.pk}/").status_code == 404
    assert client.get(f"/leads/bulk/templates/{template.pk}/preview/", {"lead": lead.pk}).status_code == 404
    assert "A" not in [t.name for t in client.get("/leads/bulk/templates/").context["templates"]]
    own = MessageTemplate.objects.create(location=other_location, name="Mine", body="Hi")
    # Their own template cannot be previewed against our lead either.
    assert client.get(f"/leads/bulk/templates/{own.pk}/preview/", {"lead": lead.pk}).status_code == 404


def test_admin_refuses_unsafe_placeholder(client, location):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", password="pw")
    client.force_login(admin_user)
    response = client.post(
        "/admin/leads/messagetemplate/add/",
        {"location": location.pk, "name": "X", "category": "general", "subject": "", "body": "{email!r}"},
    )
    assert response.status_code == 200
    assert not MessageTemplate.objects.exists()
    response = client.post(
        "/admin/leads/messagetemplate/add/",
        {"location": location.pk, "name": "X", "category": "general", "subject": "", "body": "Hi {first_name}"},
    )
    assert response.status_code == 302
    assert MessageTemplate.objects.get().created_by == admin_user

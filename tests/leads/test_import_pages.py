"""The import pages with the Django test client: upload → mapping → preview → start → the live page."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.import_models import LeadImport
from leads.models import Lead
from operations.models import BulkOperation
from tests import factories

FILE = (
    "Prénom;Nom;Courriel;Téléphone;Statut\n"
    "José;Núñez;jose@example.com;(202) 555-0143;qualifié\n"
    "Ana;Gómez;pas-un-courriel;;\n"
    "Old;Friend;old@example.com;;\n"
).encode("cp1252")


def _upload(client, data=FILE, name="prospects.csv"):
    return client.post(reverse("leads:import"), {"file": SimpleUploadedFile(name, data)})


def test_the_leads_list_links_to_the_import_page_for_managers_only(client_for, manager, agent):
    assert reverse("leads:import") in client_for(manager).get(reverse("leads:list")).content.decode()
    assert reverse("leads:import") not in client_for(agent.user).get(reverse("leads:list")).content.decode()
    assert client_for(agent.user).get(reverse("leads:import")).status_code == 403


def test_upload_map_preview_start(client_for, manager, location):
    factories.make_lead(location, first_name="Old", email="old@example.com")
    client = client_for(manager)
    page = client.get(reverse("leads:import"))
    assert page.status_code == 200
    assert 'id="dropzone"' in page.content.decode() and 'type="file"' in page.content.decode()

    response = _upload(client)
    lead_import = LeadImport.objects.get()
    review_url = reverse("leads:import-review", args=[lead_import.pk])
    assert response.status_code == 302 and response["Location"] == review_url

    review = client.get(review_url).content.decode()
    # The guessed mapping: French headers preselected.
    assert '<option value="first_name" selected>' in review
    assert '<option value="last_name" selected>' in review
    assert '<option value="email" selected>' in review
    assert '<option value="stage" selected>' in review
    assert "1</strong> would be created" in review
    assert "1</strong> would be skipped" in review
    assert "1</strong> rejected" in review
    assert "Already a lead: Old Example" in review
    assert "not a valid email address: &#x27;pas-un-courriel&#x27;" in review

    # Edited mapping and options: the preview (the HTMX partial) follows them.
    form = {"map-0": "first_name", "map-1": "last_name", "map-2": "email", "map-3": "phone", "map-4": ""}
    partial = client.post(review_url, {**form, "on_duplicate": "update"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body
    assert "1</strong> would update a lead" in body
    assert not Lead.objects.filter(email="jose@example.com").exists()

    started = client.post(review_url, {**form, "on_duplicate": "skip", "start": "1"})
    lead_import.refresh_from_db()
    assert started.status_code == 302
    assert started["Location"] == reverse("operations:detail", args=[lead_import.operation_id])
    factories.run_to_end(BulkOperation.objects.get(pk=lead_import.operation_id))
    jose = Lead.objects.get(location=location, email="jose@example.com")
    assert (jose.first_name, jose.last_name, jose.stage) == ("José", "Núñez", "new")  # Statut ignored
    live = client.get(started["Location"])
    assert live.status_code == 200 and "Import leads" in live.content.decode()
    # Started once: the review page now leads to the operation.
    assert client.get(review_url)["Location"] == started["Location"]


def test_an_unreadable_file_stays_on_the_upload_page_with_the_reason(client_for, manager):
    response = _upload(client_for(manager), b"", "empty.csv")
    assert response.status_code == 400
    assert "The file is empty." in response.content.decode()
    assert not LeadImport.objects.exists()


def test_a_mapping_without_name_email_or_phone_is_explained_in_the_preview(client_for, manager):
    client = client_for(manager)
    _upload(client)
    lead_import = LeadImport.objects.get()
    form = {f"map-{i}": "" for i in range(5)}
    response = client.post(reverse("leads:import-review", args=[lead_import.pk]), {**form, "start": "1"})
    assert response.status_code == 200
    assert "No column holds a name, email or phone" in response.content.decode()
    assert not Lead.objects.exists()


def test_another_tenants_draft_is_404(client_for, manager, outsider):
    _upload(client_for(manager))
    lead_import = LeadImport.objects.get()
    other = client_for(outsider)
    assert other.get(reverse("leads:import-review", args=[lead_import.pk])).status_code == 404
    assert other.post(reverse("leads:import-discard", args=[lead_import.pk])).status_code == 404
    assert LeadImport.objects.exists()


def test_a_draft_whose_file_is_gone_says_so_instead_of_failing(client_for, manager, location):
    row = factories.make_import_row(location)
    response = client_for(manager).get(reverse("leads:import-review", args=[row.lead_import_id]))
    assert response.status_code == 200
    assert "The uploaded file is no longer stored; upload it again." in response.content.decode()

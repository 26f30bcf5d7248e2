"""/api/v1/do-not-call: list, add, read, delete; E.164 normalisation, 400s, roles and tenancy."""

import pytest

from campaigns.models import DoNotCallEntry

pytestmark = pytest.mark.django_db
URL = "/api/v1/do-not-call"


def test_add_list_read_and_delete(api_for, manager, location):
    api = api_for(manager)
    created = api.post(URL, {"phone": "(212) 555-0101", "reason": "asked twice"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["phone"] == "+12125550101" and body["reason"] == "asked twice"
    assert (body["location_id"], body["added_by"]) == (location.pk, "manager")
    assert body["created_at"]

    listed = api.get(URL).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert api.get(f"{URL}?phone=555-0101").json()["count"] == 1
    assert api.get(f"{URL}?phone=999").json()["count"] == 0
    assert api.get(f"{URL}/{body['id']}").json()["phone"] == "+12125550101"
    assert api.delete(f"{URL}/{body['id']}").status_code == 204
    assert not DoNotCallEntry.objects.exists()
    assert api.get(f"{URL}/{body['id']}").status_code == 404


@pytest.mark.parametrize("phone", ["12", "not a number", "+1 212 555", "", "+999 1234567"])
def test_an_invalid_number_is_a_400_on_phone(api_for, manager, error_fields, phone):
    response = api_for(manager).post(URL, {"phone": phone}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"phone"}
    assert not DoNotCallEntry.objects.exists()


def test_a_number_listed_twice_is_a_400(api_for, manager, error_fields):
    api = api_for(manager)
    assert api.post(URL, {"phone": "+12125550101"}, format="json").status_code == 201
    again = api.post(URL, {"phone": "212-555-0101"}, format="json")
    assert again.status_code == 400 and error_fields(again) == {"phone"}
    assert "already" in again.json()["errors"][0]["message"]


def test_agents_read_but_do_not_change_the_list(api_for, agent, location):
    entry = DoNotCallEntry.objects.create(location=location, phone="+12125550101")
    api = api_for(agent.user)
    assert api.get(URL).json()["count"] == 1
    assert api.post(URL, {"phone": "+12125550102"}, format="json").status_code == 403
    assert api.delete(f"{URL}/{entry.pk}").status_code == 403
    assert DoNotCallEntry.objects.count() == 1


def test_another_companys_entries_are_404_and_never_listed(api_for, manager, other_location):
    foreign = DoNotCallEntry.objects.create(location=other_location, phone="+12125550101")
    api = api_for(manager)
    assert api.get(URL).json()["count"] == 0
    assert api.get(f"{URL}/{foreign.pk}").status_code == 404
    assert api.delete(f"{URL}/{foreign.pk}").status_code == 404
    assert DoNotCallEntry.objects.filter(pk=foreign.pk).exists()
    other = api.post(URL, {"phone": "+12125550102", "location": other_location.pk}, format="json")
    assert other.status_code == 400 and not DoNotCallEntry.objects.filter(phone="+12125550102").exists()

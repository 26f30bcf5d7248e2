from leads.models import Tag
from tests import factories


def test_create_and_list_tags(location, agent, api_for):
    client = api_for(agent.user)
    response = client.post("/api/v1/tags", {"name": " vip ", "color": "#ff0000"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "vip"
    assert [row["name"] for row in client.get("/api/v1/tags/").json()["results"]] == ["vip"]
    assert [row["name"] for row in client.get("/api/v1/tags", {"q": "zz"}).json()["results"]] == []


def test_duplicate_name_and_bad_color_are_field_errors(location, manager, api_for, error_fields):
    factories.make_tag(location, "vip")
    client = api_for(manager)
    response = client.post("/api/v1/tags", {"name": "VIP"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"name"}
    response = client.post("/api/v1/tags", {"name": "other", "color": "red"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"color"}


def test_same_name_is_fine_in_another_location(location, outsider, api_for):
    factories.make_tag(location, "vip")
    assert api_for(outsider).post("/api/v1/tags", {"name": "vip"}, format="json").status_code == 201


def test_manager_renames_tag_agent_may_not(location, manager, agent, api_for):
    tag = factories.make_tag(location, "vip")
    assert api_for(agent.user).patch(f"/api/v1/tags/{tag.pk}", {"name": "x"}, format="json").status_code == 403
    response = api_for(manager).put(
        f"/api/v1/tags/{tag.pk}/", {"name": "VIP buyers", "color": "#00aa00"}, format="json"
    )
    assert response.status_code == 200
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("VIP buyers", "#00aa00")


def test_rename_onto_existing_name_is_400(location, manager, api_for, error_fields):
    factories.make_tag(location, "a")
    tag = factories.make_tag(location, "b")
    response = api_for(manager).patch(f"/api/v1/tags/{tag.pk}", {"name": "a"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"name"}
    assert Tag.objects.get(pk=tag.pk).name == "b"

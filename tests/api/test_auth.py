import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient


def test_token_obtain_and_refresh_give_a_working_bearer_token(manager):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "manager", "password": "pw"}, format="json")
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    refreshed = client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "manager"


def test_wrong_password_is_401_with_error_shape(manager):
    response = APIClient().post("/api/v1/auth/token/", {"username": "manager", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_session_login_works_for_the_api(manager):
    client = APIClient()
    client.force_login(manager)
    assert client.get("/api/v1/leads/").status_code == 200


def test_every_endpoint_needs_authentication(db):
    client = APIClient()
    for url in [
        "/api/v1/me",
        "/api/v1/locations",
        "/api/v1/leads",
        "/api/v1/leads/1",
        "/api/v1/tickets/",
        "/api/v1/tickets/1",
        "/api/v1/tags",
        "/api/v1/tags/1",
        "/api/v1/agents",
        "/api/v1/agents/1",
    ]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert set(response.json()) == {"detail", "errors"}


def test_schema_and_docs_are_served(manager, client_for):
    client = client_for(manager)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/leads/{id}/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "https://" not in page and "http://" not in page
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"vendor/swagger-ui/{name}"), name


def test_schema_documents_the_error_answers_of_every_operation(manager, client_for):
    schema = client_for(manager).get("/api/v1/schema/?format=json").json()
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "errors"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            places = {parameter["in"] for parameter in operation.get("parameters", [])}
            expected = {"401", "403"} | ({"404"} if "path" in places else set())
            if "requestBody" in operation:
                expected |= {"400", "415"}
            responses = operation["responses"]
            assert expected <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith("4"):
                    assert response["content"] == error, (method, path, code)
    lifecycle = schema["paths"]["/api/v1/bulk-operations/{operation_id}/retry/"]["post"]["responses"]
    assert {"409", "429"} <= set(lifecycle)
    assert "404" in schema["paths"]["/api/v1/bulk-operations/analytics/"]["get"]["responses"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/leads/abc/",
        "/api/v1/leads/1%0A/",
        "/api/v1/bulk-operations/not-a-uuid/",
        "/api/v1/nope",
        "/api/v1/tags/1/x/",
    ],
)
def test_an_unknown_api_url_is_a_json_404(url, manager, api_for):
    response = api_for(manager).post(url, {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": []}

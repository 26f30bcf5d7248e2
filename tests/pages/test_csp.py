"""The Content-Security-Policy header on page responses, and templates that need nothing it forbids."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'", "ws://testserver"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_of(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def test_a_page_carries_the_policy(client_for, admin_user):
    response = client_for(admin_user).get(reverse("dashboard"))

    assert response.status_code == 200
    assert policy_of(response) == EXPECTED


def test_the_login_page_and_htmx_partials_carry_it_too(client, client_for, admin_user):
    assert policy_of(client.get(reverse("login"))) == EXPECTED
    partial = client_for(admin_user).get(reverse("leads:list"), HTTP_HX_REQUEST="true")
    assert policy_of(partial) == EXPECTED


def test_over_https_the_websocket_origin_is_wss(client_for, admin_user):
    response = client_for(admin_user).get(reverse("dashboard"), secure=True)

    assert policy_of(response)["connect-src"] == ["'self'", "wss://testserver"]


def test_api_docs_page_has_no_inline_script_or_style(client):
    page = client.get(reverse("api-docs"))
    body = page.content.decode()

    assert page.status_code == 200
    assert "<style" not in body
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", body)), body
    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()  # no image from validator.swagger.io


TEMPLATES = sorted((settings.BASE_DIR / "templates").rglob("*.html"))
# What the policy refuses, or what htmx could only do with eval (allowEval is off).
FORBIDDEN = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"),
    "a <style> element": re.compile(r"<style\b"),
    "a style attribute": re.compile(r"\sstyle=[\"']"),
    "an inline event handler": re.compile(r"\son[a-z]+=[\"']"),
    "hx-on": re.compile(r"\s(data-)?hx-on"),
    "an hx-trigger filter": re.compile(r"hx-trigger=\"[^\"]*\["),
    "js: in hx-vals": re.compile(r"hx-va(ls|rs)='?\"?(js|javascript):"),
    "a javascript: URL": re.compile(r"javascript:"),
}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_templates_use_nothing_the_policy_forbids(template):
    source = template.read_text()
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(source)]

    assert not found, f"{template}: {found}"

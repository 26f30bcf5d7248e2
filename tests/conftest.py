"""Shared fixtures: two tenants and a user of every role, so every view test has an outsider."""

import os

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from tests import factories


@pytest.fixture(autouse=True, scope="session")
def one_iteration_password_hashing():
    """Users are made in most tests: hash with PBKDF2 at one iteration instead of a million.

    The hashes keep Django's "pbkdf2_sha256" format, whose iteration count travels in the hash, so
    the servers and workers the tests start (with the real settings) still verify them.
    """
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["tests.factories.OneIterationPBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def sms_at_any_hour():
    """SMS go out at any hour unless a test turns quiet hours on (settings.SMS_QUIET_HOURS = True).

    Set in the environment so that the workers and servers the tests start inherit it: whether
    a test's SMS is held must not depend on the hour the suite runs.
    """
    previous = os.environ.get("SMS_QUIET_HOURS")
    os.environ["SMS_QUIET_HOURS"] = "false"
    yield
    if previous is None:
        del os.environ["SMS_QUIET_HOURS"]
    else:
        os.environ["SMS_QUIET_HOURS"] = previous


@pytest.fixture(autouse=True, scope="session")
def sms_at_test_speed():
    """SMS go out at 10,000 a second unless a test sets its rate (settings.SMS_RATE_PER_SECOND, or
    the workers' environment): the default 1 a second would make every SMS test wait."""
    previous = os.environ.get("SMS_RATE_PER_SECOND")
    os.environ["SMS_RATE_PER_SECOND"] = "10000"
    yield
    if previous is None:
        del os.environ["SMS_RATE_PER_SECOND"]
    else:
        os.environ["SMS_RATE_PER_SECOND"] = previous


@pytest.fixture
def location(db):
    return factories.make_location("Demo Realty", slug="demo-realty")


@pytest.fixture
def other_location(db):
    return factories.make_location("Other Co", slug="other-co")


@pytest.fixture
def admin_user(location):
    return factories.make_user("admin", location=location, role=Role.ADMIN)


@pytest.fixture
def manager(location):
    return factories.make_user("manager", location=location, role=Role.MANAGER)


@pytest.fixture
def agent(location):
    """An Agent record whose user has the agent role in `location`."""
    return factories.make_agent(location, user=factories.make_user("agent1", location=location, role=Role.AGENT))


@pytest.fixture
def outsider(other_location):
    return factories.make_user("outsider", location=other_location, role=Role.ADMIN)


@pytest.fixture
def other_agent(location):
    """A second agent of Demo Realty (not the `agent` fixture's user)."""
    return factories.make_agent(location, user=factories.make_user("agent2", location=location, role=Role.AGENT))


@pytest.fixture
def make_agents(location):
    """make_agents(n, **fields) -> n agents of Demo Realty (or of location=...), in pk order."""

    def make(n: int, location=location, **fields):
        return [
            factories.make_agent(location, user=factories.make_user(location=location, role=Role.AGENT), **fields)
            for _ in range(n)
        ]

    return make


@pytest.fixture
def foreign(other_location, outsider):
    """Records of Other Co: an agent, a team, a tag, a lead and a ticket."""
    foreign_agent = factories.make_agent(other_location, user=outsider)
    return {
        "agent": foreign_agent,
        "team": factories.make_team(other_location, "Foreign team"),
        "tag": factories.make_tag(other_location, "foreign"),
        "lead": factories.make_lead(other_location, first_name="Foreign", owner=foreign_agent),
        "ticket": factories.make_ticket(other_location, number=1, subject="Foreign ticket"),
    }


def _error_fields(response) -> set:
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    return {error["field"] for error in body["errors"]}


@pytest.fixture
def error_fields():
    """error_fields(response) -> the fields named in a {"detail", "errors"} error body."""
    return _error_fields


@pytest.fixture
def other_ticket(other_location):
    return factories.make_ticket(other_location, subject="Other tenant's private ticket")


@pytest.fixture
def client_for(db):
    """client_for(user) -> a Django test client logged in as user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for(db):
    """api_for(user) -> a DRF client authenticated with a real JWT of user."""
    from rest_framework_simplejwt.tokens import RefreshToken

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium: skipped without it, a failure under REQUIRE_BROWSER=1."""
    from tests.browser import chromium_missing_reason

    browser_items = [item for item in items if item.get_closest_marker("browser")]
    reason = chromium_missing_reason() if browser_items else None
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but {reason}")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def browser(monkeypatch):
    """A headless chromium (see tests/browser.py)."""
    from tests.browser import launched_browser

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM beside Playwright's event loop
    with launched_browser() as launched:
        yield launched


@pytest.fixture
def browser_page(browser):
    from tests.browser import DEFAULT_TIMEOUT_MS

    page = browser.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return page

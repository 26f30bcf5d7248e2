"""Production mode as README's "Scaling out" recipe runs it: DEBUG=false, collectstatic, whitenoise, daphne.

With DEBUG off, static files are served by whitenoise from STATIC_ROOT under their hashed names
(CompressedManifestStaticFilesStorage), `{% static %}` fails for a file missing from the manifest,
and an error is answered by templates/500.html.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from analytics import views as analytics_views
from leads.models import MessageTemplate
from operations.models import OperationStatus
from tests import factories
from tests.operations.test_pages_browser import web_server
from tests.test_deploy_settings import manage, production_env
from tests.workers import database_url, sqlite_file_database

# A name as ManifestStaticFilesStorage writes it: name.<12 hex digits>.ext
HASHED = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[a-z0-9]+$")

# Runs in every document before its own scripts: collects what the Content-Security-Policy refused.
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.effectiveDirective + " refused " + (event.blockedURI || "inline"));
});
"""

# Every static file a page references: stylesheets, scripts, images.
STATIC_REFERENCES = """
() => [...document.querySelectorAll("link[href], script[src], img[src]")]
  .map((el) => el.getAttribute("href") || el.getAttribute("src"))
  .filter((url) => url.startsWith("/static/"))
"""


def recipe_env(tmp_path, **overrides: str) -> dict[str, str]:
    """Production settings for a fresh VAR_DIR, on the database this run of the suite uses.

    SQLite: the default file in the fresh VAR_DIR, as on a fresh clone. PostgreSQL: the suite's
    test database (the recipe's `migrate` then finds it up to date).
    """
    env = production_env(tmp_path, ALLOWED_HOSTS="127.0.0.1", **overrides)
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = database_url()
    return env


def run_ok(*args: str, env: dict[str, str]) -> str:
    result = manage(*args, env=env)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.django_db
def test_the_readme_recipe_runs_with_debug_off(tmp_path):
    env = recipe_env(tmp_path)

    run_ok("migrate", "--noinput", env=env)
    collected = run_ok("collectstatic", "--noinput", env=env)
    deploy = run_ok("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert "post-processed" in collected, collected
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    for name in ("vendor/chart.umd.min.js", "vendor/swagger-ui/swagger-ui.css", "css/app.css", "js/app.js"):
        assert f'"{name}"' in manifest, name
    assert "System check identified no issues (0 silenced)." in deploy
    if connection.vendor == "sqlite":
        assert (tmp_path / "db.sqlite3").exists()  # the fresh clone's database, migrated from nothing


@pytest.fixture
def site(location):
    admin = factories.make_user(
        "prod-admin", location=location, role=Role.ADMIN, is_staff=True, is_superuser=True, password="pw-prod"
    )
    factories.make_lead(location, first_name="Prudence")
    factories.make_agent(location, max_capacity=5)
    MessageTemplate.objects.create(location=location, name="Welcome", body="Hi {first_name}!")
    tickets = [factories.make_ticket(location, status="open") for _ in range(3)]
    operation = factories.run_to_end(
        factories.make_operation(
            admin, location, [t.pk for t in tickets], operation_type="update_priority", params={"priority": "high"}
        )
    )
    assert operation.status == OperationStatus.COMPLETED
    return {"admin": admin, "operation": operation}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_daphne_with_debug_off_serves_the_pages_and_their_hashed_static_files(site, tmp_path, browser_page):
    # Plain HTTP in the test: no redirect to https and cookies without the Secure flag.
    env = recipe_env(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false")
    run_ok("collectstatic", "--noinput", env=env)
    page = browser_page
    problems = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text} {message.location}"))
    page.on("pageerror", lambda error: problems.append(f"uncaught error: {error}"))
    page.on(
        "requestfailed",
        lambda request: (
            problems.append(f"{request.failure}: {request.url}") if request.failure != "net::ERR_ABORTED" else None
        ),
    )  # aborted: cut short by the next navigation
    page.on(
        "response",
        lambda response: problems.append(f"{response.status}: {response.url}") if response.status >= 400 else None,
    )

    with sqlite_file_database(tmp_path), web_server(tmp_path, env=env) as base:
        page.goto(base + reverse("login"))
        page.fill("#id_username", "prod-admin")
        page.fill("#id_password", "pw-prod")
        page.click("button[type=submit]")
        page.wait_for_url(base + reverse("dashboard"))

        static_files = set()
        for path in [
            reverse("dashboard"),
            reverse("leads:list"),
            reverse("tickets:list"),
            reverse("operations:list"),
            reverse("operations:detail", args=[site["operation"].pk]),
            reverse("analytics:index"),
            reverse("agents:list"),
            reverse("lead_bulk:templates"),
            reverse("campaigns:list"),
            reverse("admin:index"),
        ]:
            response = page.goto(base + path)
            assert response.status == 200, (path, response.status)
            assert "DEBUG = True" not in page.content()
            page.wait_for_load_state("networkidle")
            references = page.evaluate(STATIC_REFERENCES)
            assert references, path
            static_files.update(references)
            violations = page.evaluate("window.cspViolations")
            assert not violations and not problems, (path, violations, problems)

        for url in sorted(static_files):
            assert HASHED.match(urlsplit(url).path), f"{url} is not a hashed name"
            answer = page.request.get(base + url)
            assert answer.status == 200, url
            # whitenoise marks the files it knows to be hashed as cacheable for ever
            assert "immutable" in answer.headers.get("cache-control", ""), (url, answer.headers)
        assert any("chart.umd.min" in url for url in static_files)

        # The API docs name the vendored Swagger UI by its path (SWAGGER_UI_DIST): whitenoise serves
        # the unhashed copy collectstatic keeps beside the hashed one.
        response = page.goto(base + reverse("api-docs"))
        assert response.status == 200
        page.wait_for_selector(".swagger-ui .opblock")
        for url in page.evaluate(STATIC_REFERENCES):
            assert page.request.get(base + url).status == 200, url
        assert not page.evaluate("window.cspViolations") and not problems, ("api docs", problems)


def test_an_error_with_debug_off_is_the_500_page_without_a_traceback(settings, manager, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(analytics_views, "lead_counts", broken)  # a real view, made to raise
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(manager)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html and "secret detail" not in html and "RuntimeError" not in html

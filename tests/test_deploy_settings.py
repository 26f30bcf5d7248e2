"""`manage.py check --deploy` is clean with the production settings README documents."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def production_env(var_dir, **overrides: str) -> dict[str, str]:
    """This environment with README's production settings: DEBUG off, a long SECRET_KEY, ALLOWED_HOSTS."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SECURE_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="bulk.example.com",
        VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "staticfiles"),
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python manage.py <args>` in a subprocess with `env`."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout + result.stderr

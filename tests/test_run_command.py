"""The README's run command: bin/run migrates, seeds the demo data, serves the pages and runs a worker."""

import contextlib
import http.cookiejar
import os
import re
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.faults.servers import free_port
from tests.workers import wait_until

pytestmark = pytest.mark.workers

# Left out so that bin/run uses its embedded default, as on a fresh clone.
CONFIGURED_SERVICES = {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME"}


def test_bin_run_serves_the_demo_data_to_admin_with_a_worker(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME"}
    }
    env.update(VAR_DIR=str(tmp_path), PORT=str(port), Q_CLUSTER_NAME=f"run-{port}")
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bin/run"], cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    base = f"http://127.0.0.1:{port}"
    try:

        def login_page():
            with contextlib.suppress(OSError):
                return opener.open(f"{base}/login/", timeout=5).read().decode()
            assert process.poll() is None, log.read_text()[-3000:]
            return None

        page = wait_until(login_page, timeout=180, interval=0.5, message="bin/run to serve /login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"username": "admin", "password": "demo12345", "csrfmiddlewaretoken": token})
        request = urllib.request.Request(f"{base}/login/", data=form.encode(), headers={"Referer": f"{base}/login/"})
        dashboard = opener.open(request, timeout=10).read().decode()
        leads = opener.open(f"{base}/leads/", timeout=10).read().decode()
        wait_until(lambda: "ready for work" in log.read_text(errors="replace"), timeout=60, message="the worker")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    assert "Demo Realty" in dashboard
    assert re.search(r"\b500 leads\b|about 500 leads", leads), "the demo leads are listed"
    assert (Path(tmp_path) / "db.sqlite3").exists()

"""Real `manage.py qcluster` processes against the test database, for multi-worker tests.

(The operations engine's tests have a similar helper; the two are to be merged.)
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@contextmanager
def qclusters(count: int, *, workers: int = 2, env: dict | None = None, log_dir: Path | None = None):
    """Start `count` qcluster processes (each in its own process group); kill the groups on exit."""
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_NAME")}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": test_database_url(),
            "Q_WORKERS": str(workers),
            # The test database is private, so its queue can keep the name the test process enqueues to.
            "Q_CLUSTER_NAME": settings.Q_CLUSTER["name"],
            **(env or {}),
        }
    )
    processes = []
    try:
        for index in range(count):
            out = open(log_dir / f"qcluster{index}.log", "w") if log_dir else subprocess.DEVNULL  # noqa: SIM115
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "qcluster"],
                    cwd=PROJECT_DIR,
                    env=base,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        yield processes
    finally:
        for process in processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        # The worker children outlive their parent for a moment: wait until each group is gone,
        # so that none holds a connection to the test database at teardown.
        for process in processes:
            while time.monotonic() < deadline + 10:
                try:
                    os.killpg(process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)

"""Real django-q2 workers for tests: start `manage.py qcluster` processes, stop them, crash them.

The one shared helper for every test that needs a real worker. A worker is a whole process
group (qcluster forks a sentinel, a pusher, a monitor and the pool), started with
start_new_session=True, so that a crash kills all of it as a dying machine would, and a stop
does not leave pool processes running with stale code (see shared/STACK-NOTES.md).

The workers must see the test's data, so tests that use them need a transactional database
(`@pytest.mark.django_db(transaction=True)`), and on SQLite a database file:
`sqlite_file_database()` copies pytest-django's in-memory test database to a file and points
this process at it for the duration.

    with sqlite_file_database(tmp_path), running_workers(1, env={"BULK_CHUNK_SIZE": "100"}) as pool:
        ...  # create work here; async_task now reaches the pool
        wait_until(lambda: ..., timeout=30, message="the operation finished", workers=pool)
"""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections

T = TypeVar("T")

# Small enough that a killed worker's task is delivered again within seconds; `timeout` must
# stay below `retry`, and an operation's time slice below `timeout`.
DEFAULT_ENV = {
    "Q_TIMEOUT": "4",
    "Q_RETRY": "5",
    "Q_WORKERS": "1",
    "BULK_SLICE_SECONDS": "1",
    "BULK_PROGRESS_INTERVAL": "0.25",
}


def database_url() -> str:
    """The DATABASE_URL of the database this test process is using (pytest-django's test database)."""
    conf = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(conf["USER"] or "postgres", safe="")
        if conf.get("PASSWORD"):
            credentials += ":" + quote(conf["PASSWORD"], safe="")
        return f"postgres://{credentials}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            raise RuntimeError("Workers cannot see an in-memory SQLite database: use sqlite_file_database().")
        return f"sqlite:///{Path(conf['NAME']).resolve()}"
    raise RuntimeError(f"No worker support for {connection.vendor}")


@contextlib.contextmanager
def sqlite_file_database(directory: Path | None = None) -> Iterator[Path]:
    """Point this process at a file copy of the in-memory SQLite test database, for workers to share.

    A no-op when the test database already is a file (TEST_DATABASE_NAME set) or not SQLite.
    The in-memory database is left untouched and is used again afterwards.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield Path(connection.settings_dict["NAME"])
        return
    with contextlib.ExitStack() as stack:
        if directory is None:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="workers-db-")))
        path = Path(directory) / f"test-{uuid.uuid4().hex[:8]}.sqlite3"
        connection.ensure_connection()
        memory = connection.connection
        target = sqlite3.connect(path)
        try:
            memory.backup(target)
        finally:
            target.close()
        # This thread's connection and the settings other threads' connections are made from
        # (database_sync_to_async runs ORM calls in another thread).
        shared = {id(d): d for d in (connection.settings_dict, connections.settings[connection.alias])}.values()
        original_name = connection.settings_dict["NAME"]
        # Closing an in-memory connection would destroy that database: set it aside instead.
        connection.connection = None
        for settings_dict in shared:
            settings_dict["NAME"] = str(path)
        _close_connections_of_sync_thread()
        try:
            yield path
        finally:
            _close_connections_of_sync_thread()
            connection.close()
            for settings_dict in shared:
                settings_dict["NAME"] = original_name
            connection.connection = memory


def _close_connections_of_sync_thread() -> None:
    """Make asgiref's shared thread (database_sync_to_async) reconnect to the database now configured.

    channels' test communicator turns close_old_connections off, so its connection would
    otherwise stay on the database it first opened.
    """
    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@dataclass
class Worker:
    """One `manage.py qcluster` process group."""

    process: subprocess.Popen
    cluster_name: str
    log_path: Path

    @property
    def pgid(self) -> int:
        return self.process.pid  # start_new_session makes the leader's pid the group id

    def is_running(self) -> bool:
        return self.process.poll() is None

    def group_is_alive(self) -> bool:
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        return True

    def crash(self) -> None:
        """SIGKILL the whole process group, as a machine dying would: no cleanup, no acknowledgement."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_until(lambda: not self.group_is_alive(), timeout=10, message="the killed worker group to disappear")

    def terminate(self) -> None:
        """Ask qcluster to stop: SIGTERM to its main process, which stops the pool after its current task.

        (SIGTERM to the whole group would kill the pool processes at once, and the cluster
        then waits out its own timeouts before it exits.)
        """
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = 15) -> None:
        """terminate(), then SIGKILL whatever is left of the group after timeout seconds."""
        self.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def output(self, last_chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-last_chars:]
        except FileNotFoundError:
            return ""


def unique_cluster_name() -> str:
    return f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def start_worker(*, cluster_name: str, env: dict | None = None, log_dir: Path | None = None) -> Worker:
    """Start one qcluster on the test database, serving `cluster_name`'s queue."""
    log_dir = Path(log_dir or tempfile.gettempdir())
    log_path = log_dir / f"qcluster-{cluster_name}-{uuid.uuid4().hex[:6]}.log"
    full_env = {
        **os.environ,
        **DEFAULT_ENV,
        **(env or {}),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "Q_CLUSTER_NAME": cluster_name,
        "PYTHONUNBUFFERED": "1",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(process=process, cluster_name=cluster_name, log_path=log_path)


@dataclass
class WorkerPool:
    """The workers of one test: all serve the same queue, like clusters on several machines."""

    cluster_name: str
    env: dict
    log_dir: Path | None = None
    workers: list[Worker] = field(default_factory=list)

    def start(self, count: int = 1) -> list[Worker]:
        started = [
            start_worker(cluster_name=self.cluster_name, env=self.env, log_dir=self.log_dir) for _ in range(count)
        ]
        self.workers.extend(started)
        return started

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.stop()

    def output(self) -> str:
        return "\n".join(f"--- worker {w.process.pid} ---\n{w.output()}" for w in self.workers)


@contextlib.contextmanager
def running_workers(count: int = 1, *, env: dict | None = None, log_dir: Path | None = None) -> Iterator[WorkerPool]:
    """Start `count` qclusters on a queue of their own; tasks this process enqueues meanwhile go to them.

    The queue name is unique to the test, so parallel test runs sharing a Redis broker never
    take each other's tasks. django-q2 signs queued tasks with the cluster name, so this
    process uses the same name while the workers run.
    """
    from django_q.conf import Conf

    pool = WorkerPool(cluster_name=unique_cluster_name(), env=dict(env or {}), log_dir=log_dir)
    saved = Conf.CLUSTER_NAME, Conf.PREFIX
    Conf.CLUSTER_NAME = Conf.PREFIX = pool.cluster_name
    try:
        pool.start(count)
        yield pool
    finally:
        pool.stop()
        Conf.CLUSTER_NAME, Conf.PREFIX = saved


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.05,
    message: str = "the condition",
    workers: WorkerPool | None = None,
) -> T:
    """Call predicate until it returns something truthy and return that; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            logs = f"\nWorker output:\n{workers.output()}" if workers else ""
            raise AssertionError(f"Timed out after {timeout}s waiting for {message}.{logs}")
        time.sleep(interval)

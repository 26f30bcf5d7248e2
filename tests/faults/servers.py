"""Throw-away PostgreSQL and Redis servers of a test's own, so it can restart or stop them.

The shared servers on 5432 and 6379 are never touched: other test runs may be using them.
PostgreSQL's binaries must be there (Debian's postgresql package, run as root, which
`runuser`s to the postgres user as initdb requires); otherwise the tests using these skip.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, *, timeout: float, up: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if (sock.connect_ex(("127.0.0.1", port)) == 0) == up:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} did not {'open' if up else 'close'} within {timeout}s")


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory on a free port."""

    def __init__(self, directory: Path, bindir: Path):
        self.directory = directory
        self.bindir = bindir
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(
            str(self.bindir / "initdb"), "-D", str(self.directory / "data"), "-A", "trust", "-U", "postgres"
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory}"
        self._as_postgres(
            str(self.bindir / "pg_ctl"), "-D", str(self.directory / "data"), "-o", options, "-l",
            str(self.directory / "server.log"), "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.directory / "data"), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop with `immediate` (every connection cut, as a crash would), then start again."""
        self.stop("immediate")
        self.start()


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bindirs or not shutil.which("runuser"):
        pytest.skip("PostgreSQL server binaries are not installed")
    # The postgres user must reach the directory: pytest's tmp_path lies under root's own.
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="pg-fault-")), Path(bindirs[-1]))
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop("immediate")
        shutil.rmtree(server.directory, ignore_errors=True)


class PrivateRedis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port, timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        _wait_for_port(self.port, timeout=10, up=False)


@contextlib.contextmanager
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def connected_to(server: PrivatePostgres) -> Iterator[None]:
    """Point this process's PostgreSQL connection at `server` (migrated first), then back.

    Like tests.workers.sqlite_file_database: both settings dicts that connections are made
    from are changed, and asgiref's sync thread is made to reconnect too.
    """
    from django.core.management import call_command
    from django.db import connection, connections

    from tests.workers import _close_connections_of_sync_thread

    shared = {id(d): d for d in (connection.settings_dict, connections.settings[connection.alias])}.values()
    saved = [(d, dict(d)) for d in shared]
    connections.close_all()
    for settings_dict in shared:
        settings_dict.update(HOST="127.0.0.1", PORT=str(server.port), NAME="postgres", USER="postgres", PASSWORD="")
    _close_connections_of_sync_thread()
    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        connections.close_all()
        for settings_dict, original in saved:
            settings_dict.clear()
            settings_dict.update(original)
        _close_connections_of_sync_thread()

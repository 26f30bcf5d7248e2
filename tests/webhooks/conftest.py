"""A real HTTP receiver for webhook deliveries: http.server in a thread on a free local port."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import factories
from webhooks import services
from webhooks.models import Event


def verify_signature(secret: str, header: str, body: bytes) -> bool:
    """The README's recipe: recompute the HMAC of "<t>.<body>" and compare in constant time."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    status: int = 200
    extra_headers: dict = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks?source=bulkops"

    @property
    def localhost_url(self) -> str:
        return f"http://localhost:{self.server.server_port}/hooks"


@pytest.fixture
def receiver():
    state = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            recv = state["receiver"]
            recv.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(recv.status)
            for name, value in recv.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST  # a followed redirect would arrive here

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(server=server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def make_webhook(manager):
    """make_webhook(location, url, events=every event) -> a Webhook made by the service the API uses."""

    def make(location, url, events=None, user=None):
        return services.create_webhook(
            location=location, user=user or manager, url=url, events=events or list(Event.values)
        )

    return make


@pytest.fixture
def tickets(location):
    return [factories.make_ticket(location, subject=f"Ticket {n}") for n in range(3)]

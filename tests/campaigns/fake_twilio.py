"""A local fake of Twilio's REST API for the official library: Calls.create and Calls(sid).fetch.

Passed to ``twilio.rest.Client`` as its ``http_client``: no account, no network. It records every
request and keeps each created call, whose state a test sets as Twilio would report it.
"""

import json
import re

from twilio.http import HttpClient
from twilio.http.response import Response

CALL_URI = re.compile(r"/Calls/(?P<sid>[^/]+)\.json$")


class FakeTwilioHttp(HttpClient):
    def __init__(self):
        super().__init__(logger=None, is_async=False)
        self.requests = []
        self.calls: dict[str, dict] = {}  # sid -> {"status", "duration"} as Twilio would answer
        self.unreachable = False  # every request fails as if Twilio could not be reached

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, **kwargs):
        self.requests.append({"method": method, "uri": uri, "data": data})
        if self.unreachable:
            raise ConnectionError("connection refused")
        if method == "POST" and uri.endswith("/Calls.json"):
            sid = f"CA{len(self.calls) + 1:032d}"
            self.calls[sid] = {"status": "queued", "duration": None}
            return Response(201, json.dumps({"sid": sid, "status": "queued", "to": data["To"], "from": data["From"]}))
        match = CALL_URI.search(uri)
        if method == "GET" and match:
            call = self.calls.get(match["sid"])
            if call is None:
                body = {"code": 20404, "message": "The requested resource was not found", "status": 404}
                return Response(404, json.dumps(body))
            return Response(200, json.dumps({"sid": match["sid"], **call}))
        return Response(400, json.dumps({"code": 20001, "message": f"not faked: {method} {uri}", "status": 400}))

    def fetches(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "GET"]

    def creates(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]

"""A webhook receiver as a careful site would write one: checks the signature with
``verify_signature`` and handles each idempotency key once."""

from __future__ import annotations

import itertools
from typing import Any

from wagtail_crosspost.adapters.webhook import verify_signature
from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response

SECRET = "whsec-0123456789abcdef-receiver"  # noqa: S105
PATH = "/hooks/crosspost"


class FakeReceiver(FakeServer):
    """``answer``: "json" (201 with id and url), "empty" (204) or "text" (200, plain text)."""

    def __init__(self, *, secret: str = SECRET, answer: str = "json", **kwargs: Any):
        super().__init__(**kwargs)
        self.secret = secret
        self.answer = answer
        self.received: dict[str, dict[str, Any]] = {}  # idempotency key -> payload
        self.created: dict[str, str] = {}  # idempotency key -> our id
        self.rejected: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self.add_route("POST", PATH, self.receive)

    @property
    def hook_url(self) -> str:
        return self.url_for(PATH)

    def receive(self, request: RecordedRequest) -> Any:
        header = request.headers.get("X-Crosspost-Signature", "")
        if not verify_signature(self.secret, header, request.body):
            self.rejected.append(request)
            return 401, {"error": "The signature does not match."}
        key = request.headers.get("X-Crosspost-Idempotency-Key", "")
        payload = request.json if isinstance(request.json, dict) else None
        if not key or payload is None or payload.get("idempotency_key") != key:
            return 422, {"error": "A JSON payload with its idempotency key is required."}
        if key not in self.created:  # a repeat is answered, not acted on
            self.created[key] = f"item-{next(self._ids)}"
            self.received[key] = payload
        item = self.created[key]
        if self.answer == "empty":
            return Response(204)
        if self.answer == "text":
            return Response.text("thanks")
        return 201, {"id": item, "url": f"https://intranet.example/news/{item}"}

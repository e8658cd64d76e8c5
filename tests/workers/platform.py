"""A counting fake platform for the scale-out tests, and a webhook adapter without idempotency.

``CountingPlatform`` is a :class:`~wagtail_crosspost.testing.FakeServer` that takes webhook posts
on ``/hook`` (idempotent: a repeated ``X-Crosspost-Idempotency-Key`` is the same delivery) and
on ``/once`` (a platform without idempotency, for :class:`OnceWebhookAdapter`). It counts what it
*processed*: ``total`` requests that took effect, and per key how often. Optional:

- ``latency``: seconds every request waits before it is handled (outside the server's lock, so
  concurrent requests overlap as on a real platform);
- ``failure_rate``: that share of requests fails at random, half of them with a 503 before
  anything happens, half *after* processing, by dropping the connection without an answer (the
  client cannot know the post went through: the ambiguous case);
- ``hold_once``: requests to ``/once`` are processed, then left unanswered until ``release()``;
- ``hold_next()``: the next request to ``/hook`` is processed, then left unanswered until
  ``release()``; ``held`` tells its idempotency key and the client's port, so a test can find
  (and kill) the worker that is waiting for the answer.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

from wagtail_crosspost.adapters.webhook import IDEMPOTENCY_HEADER, WebhookAdapter
from wagtail_crosspost.testing import FakeServer, RecordedRequest, Response
from wagtail_crosspost.testing.fakeserver import _HTTPServer, _RequestHandler

_client = threading.local()  # the address of the connection a handler thread serves


class _Handler(_RequestHandler):
    def _serve(self) -> None:
        _client.address = self.client_address
        super()._serve()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class OnceWebhookAdapter(WebhookAdapter):
    """The webhook adapter, but for a receiver that does not deduplicate: not idempotent."""

    key = "webhook_once"
    idempotent = False


class CountingPlatform(FakeServer):
    def __init__(self, *, latency: float = 0.0, failure_rate: float = 0.0, seed: int = 1234):
        super().__init__(strict=True)
        self.latency = latency
        self.failure_rate = failure_rate
        self.hold_once = False
        self._hold_next = False
        self._hold_all = False
        self.held: tuple[str, int] | None = None  # (idempotency key, client port)
        self.held_all: list[tuple[str, int]] = []  # with hold_all(): every post held
        self._release = threading.Event()
        self._random = random.Random(seed)
        self.processed: Counter[str] = Counter()  # idempotency key -> times it took effect
        self.dropped_after: Counter[str] = Counter()  # key -> answers lost after processing
        self.refused: Counter[str] = Counter()  # key -> 503s before processing
        self.add_route("POST", r"/hook", self._take)
        self.add_route("POST", r"/once", self._take)

    # -- what the platform received --------------------------------------------------------------

    @property
    def total(self) -> int:
        """Requests that took effect, repeats of a key included."""
        return sum(self.processed.values())

    @property
    def unique(self) -> int:
        """Distinct posts: what an idempotent platform shows."""
        return len(self.processed)

    def repeated(self) -> dict[str, int]:
        return {key: n for key, n in self.processed.items() if n > 1}

    def hold_next(self) -> None:
        with self._lock:
            self._hold_next = True

    def hold_all(self) -> None:
        """From now on every post takes effect and its answer waits, until ``release()``."""
        with self._lock:
            self._hold_all = True

    def release(self) -> None:
        with self._lock:
            self._hold_all = False
        self._release.set()

    def start(self) -> CountingPlatform:
        server = self

        class Handler(_Handler):
            fake = server

        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        super().stop()

    def _take(self, request: RecordedRequest) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        assert key, "a post without an idempotency key"
        self.processed[key] += 1  # handlers run under the server's lock
        return Response.json({"id": key, "url": f"https://platform.invalid/{key}"}, 201)

    # -- dispatch: latency and faults, outside the lock ------------------------------------------

    def _dispatch(self, request: RecordedRequest) -> Response | None:
        if self.latency:
            time.sleep(self.latency)
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if request.path == "/once" and self.hold_once:
            response = super()._dispatch(request)
            self._release.wait(60)
            return response
        with self._lock:
            roll = self._random.random()
            hold, self._hold_next = self._hold_next, False
            hold_all = self._hold_all
        if hold_all:
            response = super()._dispatch(request)  # it took effect; the answer waits
            with self._lock:
                self.held_all.append((key, _client.address[1]))
            self._release.wait(60)
            return response
        if hold:
            response = super()._dispatch(request)  # it took effect; the answer waits
            self.held = (key, _client.address[1])
            self._release.wait(60)
            return response
        if roll < self.failure_rate / 2:
            with self._lock:
                self.requests.append(request)
                self.refused[key] += 1
            request.fault = "respond"
            return Response.json({"error": "Service unavailable (injected)"}, 503)
        if roll < self.failure_rate:
            super()._dispatch(request)  # takes effect ...
            with self._lock:
                self.dropped_after[key] += 1
            request.fault = "drop"
            return None  # ... but the answer is lost
        return super()._dispatch(request)

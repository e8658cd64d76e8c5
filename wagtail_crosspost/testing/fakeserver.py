"""A strict fake platform server for adapter tests: real HTTP on 127.0.0.1, in a background thread.

Adapters are tested over a real socket (real ``requests`` session, real timeouts and resets)
against a server that answers only what a test routed and records everything it received::

    with FakeServer() as server:
        server.add_route("POST", r"/api/posts", lambda request: Response.json({"id": "1"}))
        server.fail(status=503, times=1)            # the next request answers 503
        server.drop(process=True)                   # handle the next one, then hang up
        ...
        assert server.requests[-1].json == {...}

Anything not routed answers 404 (unknown path) or 405 (known path, other method) and, in strict
mode, makes ``stop()`` raise, so a test cannot pass while the adapter called the wrong endpoint.
"""

from __future__ import annotations

import re
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from .fake_http import (  # noqa: E402,F401  (re-exported)
    Fault,
    Handler,
    Headers,
    RecordedRequest,
    Response,
    UploadedFile,
    _HTTPServer,
    _RequestHandler,
    parse_multipart,
    parse_request,
)

__all__ = [
    "Fault",
    "FakeServer",
    "Headers",
    "MediaHost",
    "RecordedRequest",
    "Response",
    "UploadedFile",
    "server_fixture",
]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class FakeServer:
    """A routed HTTP server on 127.0.0.1 with a random free port, recording every request.

    Route handlers receive the :class:`RecordedRequest` and the regex's named groups and return a
    :class:`Response`, a ``dict``/``list`` (JSON, 200) or a ``(status, data)`` tuple. Handlers run
    one at a time (under a lock), so a fake can keep its state in plain attributes.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, strict: bool = True):
        self.host = host
        self.port = port
        self.strict = strict
        self.requests: list[RecordedRequest] = []
        self.unrouted: list[RecordedRequest] = []
        self.errors: list[str] = []  # tracebacks of handlers that raised
        self._routes: list[_Route] = []
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- routing ---------------------------------------------------------------------------------

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append(_Route(method.upper(), re.compile(pattern), handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add_route`."""

        def decorator(handler: Handler) -> Handler:
            self.add_route(method, pattern, handler)
            return handler

        return decorator

    # -- faults ----------------------------------------------------------------------------------

    def fail(
        self,
        status: int = 500,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        after: int = 0,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` (``body``: JSON or bytes).

        ``after``: let that many matching requests through first (fail the third post, say).
        """
        if isinstance(body, bytes | str):
            raw = body.encode() if isinstance(body, str) else body
            response = Response(status, raw, dict(headers or {}))
        else:
            response = Response.json(
                body if body is not None else {"error": "fault"}, status, headers
            )
        return self._add_fault(
            Fault("respond", times, method, path, response=response, after=after)
        )

    def delay(
        self, seconds: float, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Wait ``seconds`` before handling the next ``times`` matching requests."""
        return self._add_fault(Fault("delay", times, method, path, seconds=seconds))

    def drop(
        self,
        *,
        times: int = 1,
        process: bool = False,
        method: str | None = None,
        path: str | None = None,
        after: int = 0,
    ) -> Fault:
        """Close the connection without answering after reading the request.

        ``process=True`` runs the route first: the request took effect but the client never
        learns it (a timeout or reset after sending).
        """
        return self._add_fault(Fault("drop", times, method, path, process=process, after=after))

    def drip(
        self, seconds: float, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Handle the next matching request, then send its answer's body one byte every
        ``seconds`` (the headers at once): each read is quick, the whole answer is not."""
        return self._add_fault(Fault("drip", times, method, path, seconds=seconds, process=True))

    def cut(self, *, times: int = 1, method: str | None = None, path: str | None = None) -> Fault:
        """Handle the next matching request, send the status, the headers and half the body,
        then hang up: the request took effect, the answer was lost on the way."""
        return self._add_fault(Fault("cut", times, method, path, process=True))

    def garble(
        self, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Handle the next matching request and answer its status with a body that is not
        JSON (a proxy's error page, a truncated document)."""
        return self._add_fault(Fault("garble", times, method, path, process=True))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- inspection ------------------------------------------------------------------------------

    def requests_to(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests, filtered by method and path regex (full match)."""
        return [
            r
            for r in list(self.requests)
            if (method is None or r.method == method.upper())
            and (path is None or re.fullmatch(path, r.path))
        ]

    def reset(self) -> None:
        """Forget recorded requests, unrouted requests, errors and faults (routes stay)."""
        with self._lock:
            self.requests.clear()
            self.unrouted.clear()
            self.errors.clear()
            self._faults.clear()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("The fake server is not running; call start() or use `with`.")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def url_for(self, path: str) -> str:
        return self.url + (path if path.startswith("/") else "/" + path)

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> FakeServer:
        server = self

        class _Handler(_RequestHandler):
            fake = server

        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # shutdown() waits up to one interval
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut down; in strict mode raise if a request was unrouted or a handler failed."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.check()

    def check(self) -> None:
        """Raise AssertionError for unrouted requests or handler errors (strict mode only)."""
        if not self.strict:
            return
        problems = [f"unrouted request: {r.method} {r.path}" for r in self.unrouted]
        problems += [f"handler error:\n{error}" for error in self.errors]
        if problems:
            raise AssertionError(f"{type(self).__name__}: " + "\n".join(problems))

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None:
            # Do not hide the test's own failure behind a strictness complaint.
            self.strict, strict = False, self.strict
            try:
                self.stop()
            finally:
                self.strict = strict
        else:
            self.stop()

    # -- dispatch (called from the request threads) ----------------------------------------------

    def _dispatch(self, request: RecordedRequest) -> Response | None:
        """The response for ``request``; None means hang up without answering."""
        with self._lock:
            self.requests.append(request)
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            request.fault = fault.kind
            if fault.kind == "respond":
                return fault.response
            if fault.kind == "delay":
                self._stopping.wait(fault.seconds)
            elif fault.kind == "drop":
                if fault.process:
                    self._handle(request)
                return None
            elif fault.kind in ("drip", "cut", "garble"):
                response = self._handle(request)
                if fault.kind == "drip":
                    response.drip = fault.seconds
                    response.body = response.body or b" " * 64
                elif fault.kind == "cut":
                    response.body = response.body or b'{"id": "cut"}'
                    response.cut_after = len(response.body) // 2
                else:
                    response.body = b"<html><h1>502 Bad Gateway</h1>\xff\xfe</html>"
                    response.headers = {**response.headers, "Content-Type": "text/html"}
                return response
        return self._handle(request)

    def _handle(self, request: RecordedRequest) -> Response:
        path_matches = [r for r in self._routes if r.pattern.fullmatch(request.path)]
        route = next((r for r in path_matches if r.method == request.method), None)
        if route is None:
            with self._lock:
                self.unrouted.append(request)
            if path_matches:
                allowed = ", ".join(sorted({r.method for r in path_matches}))
                return Response.json(
                    {"error": f"Method {request.method} not allowed on {request.path}"},
                    405,
                    {"Allow": allowed},
                )
            return Response.json({"error": f"No route for {request.method} {request.path}"}, 404)
        match = route.pattern.fullmatch(request.path)
        assert match is not None
        try:
            with self._lock:
                result = route.handler(request, **match.groupdict())
        except Exception:
            with self._lock:
                self.errors.append(traceback.format_exc())
            return Response.json({"error": "The fake server's handler raised"}, 500)
        return _as_response(result)


def _as_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        status, data = result[0], result[1]
        headers = result[2] if len(result) > 2 else None
        return Response.json(data, status, headers)
    return Response.json(result)


class MediaHost(FakeServer):
    """A stand-in for the site's public media host: serves files at ``/media/<name>``.

    For platforms that fetch images themselves (Instagram, Threads): ``host.add("a.jpg", data)``
    returns the URL to put into ``Media.url``. Every fetch is recorded in ``requests``; an
    unknown name answers 404. Never serve from the platform fake itself: its handlers run one at
    a time, so a fake fetching from its own server would wait for itself.
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.files: dict[str, tuple[bytes, str]] = {}
        self.add_route("GET", r"/media/(?P<name>.+)", self._serve_file)

    def add(self, name: str, content: bytes, content_type: str = "image/jpeg") -> str:
        self.files[name] = (content, content_type)
        return self.url_for(f"/media/{name}")

    def fetches(self, name: str) -> int:
        """How often ``name`` was fetched."""
        return len(self.requests_to("GET", "/media/" + re.escape(name)))

    def _serve_file(self, request: RecordedRequest, name: str) -> Response:
        if name not in self.files:
            return Response.text("Not found", 404)
        content, content_type = self.files[name]
        return Response(200, content, {"Content-Type": content_type})


def server_fixture(
    factory: Callable[..., FakeServer] = FakeServer, *, scope: Any = "function", **kwargs: Any
):
    """Make a pytest fixture that runs a fresh fake server for each test.

    ``fake_api = server_fixture(MyFakePlatform, strict=True)`` at module level (or in a
    conftest) gives tests a running ``fake_api`` argument.
    """
    import pytest

    @pytest.fixture(scope=scope)
    def _fixture():
        with factory(**kwargs) as server:
            yield server

    return _fixture
